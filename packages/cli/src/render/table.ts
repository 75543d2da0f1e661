import Table from 'cli-table3'
import { terminalSafe } from './terminal-safe.js'

/** A column of a rendered table: header, how to read a cell from a row, alignment. */
export interface Column<Row> {
  header: string
  value: (row: Row) => string
  align?: 'left' | 'right'
}

/**
 * Draws rows as a terminal table: numbers right-aligned, no colour when NO_COLOR is set or stdout
 * is not a terminal (cli-table3 colours only its borders; we keep them plain). Control characters
 * in cells are escaped (terminal-safe.ts).
 */
export function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const table = new Table({
    head: columns.map((column) => terminalSafe(column.header)),
    colAligns: columns.map((column) => column.align ?? 'left'),
    style: { head: [], border: [], compact: true },
  })
  // Cells hold provider- and user-controlled text: never let it drive the terminal.
  for (const row of rows) table.push(columns.map((column) => terminalSafe(column.value(row))))
  return table.toString()
}
