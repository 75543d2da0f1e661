/**
 * Every call a view selects as CSV or NDJSON, streamed: the ledger is read in keyset pages
 * (`store.iterateCalls`), and each page is turned into text only when the reader asks for more,
 * so memory stays flat whatever the size of the view. Used by the dashboard's download routes and
 * by `tokenledger export`.
 */
import type { CallFilterQuery, LedgerStore } from '@tokenledger/store'
import { csvLine } from '../csv.js'
import { CALL_CSV_COLUMNS, callCsvRow } from './call-csv-row.js'

/** The export formats. NDJSON: one call record (the store's JSON shape) per line. */
export const EXPORT_FORMATS = ['csv', 'ndjson'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** Calls read from the ledger per page of an export. */
export const EXPORT_PAGE = 2_000

/**
 * The export's text, chunk by chunk: the CSV header first (NDJSON has none), then one chunk per
 * page of calls, oldest first.
 */
export async function* exportCalls(
  store: LedgerStore,
  query: CallFilterQuery,
  format: ExportFormat,
): AsyncGenerator<string> {
  if (format === 'csv') yield csvLine(CALL_CSV_COLUMNS)
  for await (const page of store.iterateCalls(query, EXPORT_PAGE)) {
    let text = ''
    for (const call of page)
      text += format === 'csv' ? csvLine(callCsvRow(call)) : `${JSON.stringify(call)}\n`
    yield text
  }
}

/** The export as a byte stream with backpressure: a page is read only when the consumer pulls. */
export function exportStream(
  store: LedgerStore,
  query: CallFilterQuery,
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  const chunks = exportCalls(store, query, format)
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next()
          if (next.done) controller.close()
          else controller.enqueue(encoder.encode(next.value))
        } catch (error) {
          controller.error(error)
        }
      },
      async cancel() {
        await chunks.return(undefined)
      },
    },
    { highWaterMark: 1 },
  )
}

/** `tokenledger-calls-2026-11-01-to-2026-11-30.csv`: the first and last UTC day of the period. */
export function exportFileName(
  period: { since: Date; until: Date },
  format: ExportFormat,
  name = 'calls',
): string {
  const first = period.since.toISOString().slice(0, 10)
  // `until` is exclusive: a period ending at midnight ends with the day before.
  const lastMs = period.until.getTime() - 1
  const last = new Date(Math.max(lastMs, period.since.getTime())).toISOString().slice(0, 10)
  return `tokenledger-${name}-${first}-to-${last}.${format}`
}
