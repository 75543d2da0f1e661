/**
 * `GET /api/csv/:view`: the current view as a CSV download (`overview`, `series`, `breakdown`,
 * `calls`), with the same parameters as the JSON route of that view. Money is the exact decimal.
 * `calls` is the whole view, streamed (see routes/export.ts), not one page.
 */
import { Hono, type Context } from 'hono'
import { loadBreakdown } from '../data/breakdown.js'
import { exportFileName } from '../export/call-export.js'
import { loadOverview } from '../data/overview.js'
import { loadSeries } from '../data/series.js'
import { toCsv, type CsvCell } from '../csv.js'
import { FILTER_PARAMS, QueryError, type ViewQuery } from '../validate-query.js'
import { BREAKDOWN_PARAMS } from './breakdown.js'
import { exportResponse, EXPORT_PARAMS } from './export.js'
import { readView, type RouteDeps } from './route-deps.js'
import { SERIES_PARAMS } from './series.js'

/** The downloadable views. */
export const CSV_VIEWS = ['overview', 'series', 'breakdown', 'calls'] as const

function attachment(c: Context, name: string, view: ViewQuery, body: string): Response {
  const filename = exportFileName(view.period, 'csv', name)
  return c.body(body, 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
  })
}

/** The CSV download routes. */
export function csvRoutes(deps: RouteDeps): Hono {
  return new Hono().get('/api/csv/:view', async (c) => {
    const name = c.req.param('view')
    switch (name) {
      case 'overview': {
        const view = readView(c, deps, FILTER_PARAMS)
        const o = await loadOverview(deps.store, view)
        const rows: CsvCell[][] = [
          ['since', o.period.since],
          ['until', o.period.until],
          ['calls', o.calls],
          ['priced_calls', o.pricedCalls],
          ['unpriced_calls', o.unpricedCalls],
          ['error_calls', o.errorCalls],
          ['aborted_calls', o.abortedCalls],
          ['cost_usd', o.cost],
          ['unpriced_reported_calls', o.unpricedReportedCalls],
          ['reported_cost_of_unpriced_usd', o.reportedCostOfUnpriced],
          ['spend_usd', o.spend],
          ['cache_savings_usd', o.cacheSavings],
          ['input_tokens', o.tokens.input],
          ['fresh_input_tokens', o.tokens.freshInput],
          ['cache_read_tokens', o.tokens.cacheRead],
          ['cache_write_tokens', o.tokens.cacheWrite],
          ['output_tokens', o.tokens.output],
          ['reasoning_tokens', o.tokens.reasoning],
          ['reported_calls', o.reported?.calls ?? 0],
          ['reported_cost_usd', o.reported?.reportedCost ?? null],
          ['computed_cost_of_reported_usd', o.reported?.computedCost ?? null],
          ['reported_minus_computed_usd', o.reported?.gap ?? null],
        ]
        return attachment(c, 'overview', view, toCsv(['metric', 'value'], rows))
      }
      case 'series': {
        const view = readView(c, deps, SERIES_PARAMS)
        const s = await loadSeries(deps.store, view)
        const rows: CsvCell[][] = []
        s.buckets.forEach((bucket, i) => {
          for (const series of s.series)
            rows.push([bucket, series.key, series.values[i]!, series.calls[i]!])
        })
        return attachment(
          c,
          `series-${s.bucket}-by-${s.stackBy}`,
          view,
          toCsv([`${s.bucket}_start_utc`, s.stackBy, 'cost_usd', 'calls'], rows),
        )
      }
      case 'breakdown': {
        const view = readView(c, deps, BREAKDOWN_PARAMS)
        const b = await loadBreakdown(deps.store, view)
        const keys = b.by === 'model-provider' ? ['model', 'provider'] : [b.by]
        const header = [
          ...keys,
          'calls',
          'priced_calls',
          'unpriced_calls',
          'error_calls',
          'aborted_calls',
          'input_tokens',
          'fresh_input_tokens',
          'cache_read_tokens',
          'cache_write_tokens',
          'output_tokens',
          'reasoning_tokens',
          'cost_usd',
          'avg_cost_per_priced_call_usd',
          'cache_hit_share',
          'cache_savings_usd',
          'reported_cost_usd',
          'reported_cost_of_unpriced_usd',
          'spend_usd',
        ]
        const rows = b.rows.map((row): CsvCell[] => [
          ...keys.map((key) => (key === 'model' ? row.model : row.provider)),
          row.calls,
          row.pricedCalls,
          row.unpricedCalls,
          row.errorCalls,
          row.abortedCalls,
          row.tokens.input,
          row.tokens.freshInput,
          row.tokens.cacheRead,
          row.tokens.cacheWrite,
          row.tokens.output,
          row.tokens.reasoning,
          row.cost,
          row.avgCostPerCall,
          row.cacheHitShare === null ? null : row.cacheHitShare.toFixed(6),
          row.cacheSavings,
          row.reportedCost,
          row.reportedCostOfUnpriced,
          row.spend,
        ])
        return attachment(c, `by-${b.by}`, view, toCsv(header, rows))
      }
      case 'calls':
        // Every call of the view, streamed (as /api/export/calls.csv).
        return exportResponse(c, readView(c, deps, EXPORT_PARAMS), deps, 'csv')
      default:
        throw new QueryError(
          'view',
          `expected one of ${CSV_VIEWS.join(', ')} in /api/csv/:view, got ${JSON.stringify(name.slice(0, 60))}`,
          'path parameter',
        )
    }
  })
}
