/**
 * `GET /api/export/calls.csv` and `GET /api/export/calls.ndjson`: every call of the view (the
 * filters plus `priced` and `q`), oldest first, streamed with flat memory. The file name names the
 * period's first and last UTC day.
 */
import { Hono, type Context } from 'hono'
import { callFilterQueryOf } from '../data/calls.js'
import {
  EXPORT_FORMATS,
  exportFileName,
  exportStream,
  type ExportFormat,
} from '../export/call-export.js'
import { FILTER_PARAMS, QueryError, type ViewQuery } from '../validate-query.js'
import { readView, type RouteDeps } from './route-deps.js'

/** Parameters of an export: the filters, `priced` and the search. */
export const EXPORT_PARAMS = [...FILTER_PARAMS, 'priced', 'q'] as const

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
}

/** The streamed download of a view's calls. */
export function exportResponse(
  c: Context,
  view: ViewQuery,
  deps: RouteDeps,
  format: ExportFormat,
): Response {
  return c.body(exportStream(deps.store, callFilterQueryOf(view), format), 200, {
    'Content-Type': CONTENT_TYPES[format],
    'Content-Disposition': `attachment; filename="${exportFileName(view.period, format)}"`,
    'Cache-Control': 'no-store',
  })
}

/** The export routes. */
export function exportRoutes(deps: RouteDeps): Hono {
  return new Hono().get('/api/export/:file', (c) => {
    const file = c.req.param('file')
    const format = EXPORT_FORMATS.find((f) => file === `calls.${f}`)
    if (format === undefined) {
      throw new QueryError(
        'file',
        `expected ${EXPORT_FORMATS.map((f) => `calls.${f}`).join(' or ')} in /api/export/:file, got ${JSON.stringify(file.slice(0, 60))}`,
        'path parameter',
      )
    }
    return exportResponse(c, readView(c, deps, EXPORT_PARAMS), deps, format)
  })
}
