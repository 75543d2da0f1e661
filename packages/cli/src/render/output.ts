import { toCsv } from '@tokenledger/store'
import type { OutputFormat } from '../shared-flags.js'
import { type Column, renderTable } from './table.js'

/** Writes JSON to stdout, and only JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}

/**
 * Prints rows in the chosen format: a table by default, JSON (the `json` shape of each row) or CSV
 * (the exact values of `csvColumns`). Tables and machine output come from the same rows.
 */
export function printRows<Row>(
  rows: readonly Row[],
  format: OutputFormat,
  view: {
    table: readonly Column<Row>[]
    json: (row: Row) => unknown
    csv: Record<string, (row: Row) => string | number | null>
    empty?: string
  },
): void {
  if (format === 'json') return printJson(rows.map(view.json))
  if (format === 'csv') {
    const headers = Object.keys(view.csv)
    // One cell policy with the dashboard's downloads: formula starts made inert (OWASP).
    const records = rows.map((row) => headers.map((header) => view.csv[header]!(row)))
    process.stdout.write(toCsv(headers, records, '\n'))
    return
  }
  if (rows.length === 0) {
    process.stderr.write(`${view.empty ?? 'nothing to show'}\n`)
    return
  }
  process.stdout.write(`${renderTable(rows, view.table)}\n`)
}
