/** A data table's header row: `{ num: label }` marks a right-aligned numeric column. */
import type { Child, FC } from 'hono/jsx'

export type HeaderColumn = string | { num: Child } | { text: Child }

export const HeaderRow: FC<{ columns: readonly HeaderColumn[] }> = ({ columns }) => (
  <tr>
    {columns.map((column) =>
      typeof column === 'string' ? (
        <th scope="col">{column}</th>
      ) : 'num' in column ? (
        <th scope="col" class="num">
          {column.num}
        </th>
      ) : (
        <th scope="col">{column.text}</th>
      ),
    )}
  </tr>
)
