/**
 * CSV writing (RFC 4180) for the dashboard's downloads. Money stays the exact decimal string.
 */

/** One CSV cell: strings as given, numbers as written, null/undefined empty, booleans true/false. */
export type CsvCell = string | number | boolean | null | undefined

// A text cell starting with these is run as a formula by spreadsheet programs; a leading apostrophe
// keeps it text. Numbers (including negative amounts such as a cost gap) are left alone.
const FORMULA_START = /^[=+\-@\t\r]/
const NUMBER = /^-?\d+(\.\d+)?$/

function cell(value: CsvCell): string {
  if (value === null || value === undefined) return ''
  let text = typeof value === 'string' ? value : String(value)
  if (typeof value === 'string' && FORMULA_START.test(text) && !NUMBER.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One CSV line, CRLF-terminated (for streamed output). */
export function csvLine(row: readonly CsvCell[]): string {
  return `${row.map(cell).join(',')}\r\n`
}

/**
 * Writes a header line and one line per row, CRLF-terminated.
 * @example toCsv(['model', 'cost'], [['deepseek-v4-flash', '0.0042']]) // 'model,cost\r\ndeepseek-v4-flash,0.0042\r\n'
 */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvCell[]>): string {
  const lines = [header.map(cell).join(',')]
  for (const row of rows) lines.push(row.map(cell).join(','))
  return `${lines.join('\r\n')}\r\n`
}
