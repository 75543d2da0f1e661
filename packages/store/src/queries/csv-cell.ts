/**
 * The one CSV cell policy of tokenledger, shared by `tokenledger report --csv` and the dashboard's
 * downloads (RFC 4180 quoting). Ledger values come from providers and users (model ids, upstream
 * names, tags), so a text cell that a spreadsheet would run as a formula is made inert with a
 * leading apostrophe (the OWASP "CSV injection" advice). Money stays the exact decimal string.
 * @module
 */

/** One CSV cell: strings as given, numbers as written, null/undefined empty, booleans true/false. */
export type CsvCell = string | number | boolean | null | undefined

/**
 * Starts that a spreadsheet may read as a formula: `= + - @`, their fullwidth forms (`＝ ＋ － ＠`,
 * which some spreadsheets normalise), TAB, CR, LF, and a leading space (spreadsheets trim it, and
 * what follows may be a formula).
 */
const FORMULA_START = /^[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\t\r\n ]/
/** A plain negative or positive decimal is data, not a formula (a cost gap such as -0.25). */
const NUMBER = /^-?\d+(\.\d+)?$/

/**
 * The text of a cell, neutralised but not yet quoted.
 * @example csvText('=HYPERLINK("x")') // `'=HYPERLINK("x")`
 * @example csvText('-0.25') // '-0.25'
 */
export function csvText(value: CsvCell): string {
  if (value === null || value === undefined) return ''
  if (typeof value !== 'string') return String(value)
  return FORMULA_START.test(value) && !NUMBER.test(value) ? `'${value}` : value
}

/** A cell as written in a CSV line: neutralised, then quoted when it holds `"`, `,`, CR or LF. */
export function csvCell(value: CsvCell): string {
  const text = csvText(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/**
 * Writes a header line and one line per row, each ended by `eol`.
 * @param eol the line end: CRLF (RFC 4180, for downloads) by default; the CLI writes LF.
 * @example toCsv(['model', 'cost'], [['deepseek-v4-flash', '0.0042']]) // 'model,cost\r\ndeepseek-v4-flash,0.0042\r\n'
 */
export function toCsv(
  header: readonly string[],
  rows: Iterable<readonly CsvCell[]>,
  eol: '\r\n' | '\n' = '\r\n',
): string {
  const lines = [header.map(csvCell).join(',')]
  for (const row of rows) lines.push(row.map(csvCell).join(','))
  return `${lines.join(eol)}${eol}`
}
