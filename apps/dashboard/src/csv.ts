/**
 * CSV writing for the dashboard's downloads: the one cell policy of tokenledger (formula starts
 * made inert, RFC 4180 quoting), shared with `tokenledger report --csv`, lives in the store.
 */
import { csvCell, type CsvCell } from '@tokenledger/store'

export { toCsv, type CsvCell } from '@tokenledger/store'

/** One CSV line, CRLF-terminated (for streamed output). */
export function csvLine(row: readonly CsvCell[]): string {
  return `${row.map(csvCell).join(',')}\r\n`
}
