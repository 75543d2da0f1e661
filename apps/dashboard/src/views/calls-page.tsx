/**
 * The calls page: every call of the view, newest first (or sorted), paged, with quick filters for
 * failed, aborted and unpriced calls, a search by call id or request id, and exports of the
 * whole view.
 */
import type { CallRecord } from '@tokenledger/store'
import type { FC } from 'hono/jsx'
import { formatCount, plural } from '../format.js'
import type { ViewQuery } from '../validate-query.js'
import { CallsTable, ColumnChooser, PeriodText } from './calls-table.js'
import { FilterBar, type FilterProblem } from './filter-bar.js'
import { callsParams, filterParams, withQuery } from './links.js'

export interface CallsPageProps {
  view: ViewQuery
  page: { rows: CallRecord[]; total: number }
  providers: string[]
  models: string[]
  problems?: FilterProblem[]
}

/** The calls page body. */
export const CallsPage: FC<CallsPageProps> = ({ view, page, providers, models, problems }) => {
  const href = (overrides: Parameters<typeof callsParams>[1]) =>
    withQuery('/calls', callsParams(view, overrides))
  const first = page.total === 0 ? 0 : view.offset + 1
  const last = view.offset + page.rows.length
  const quick: { label: string; status: string | null; priced: string | null; testid: string }[] = [
    { label: 'All', status: null, priced: null, testid: 'quick-all' },
    { label: 'Failed', status: 'error', priced: null, testid: 'quick-error' },
    { label: 'Aborted', status: 'aborted', priced: null, testid: 'quick-aborted' },
    { label: 'Unpriced', status: null, priced: 'no', testid: 'quick-unpriced' },
  ]
  const keep: Record<string, string> = {}
  if (view.priced) keep['priced'] = view.priced
  if (view.limit !== 50) keep['limit'] = String(view.limit)
  if (view.sort !== 'time') keep['sort'] = view.sort
  if (view.order !== 'desc') keep['order'] = view.order
  const exportParams = filterParams(view)
  if (view.priced) exportParams.set('priced', view.priced)
  if (view.search) exportParams.set('q', view.search)
  return (
    <>
      <div class="page-head">
        <div>
          <h1>Calls</h1>
          <p class="period">
            <PeriodText since={view.period.since} until={view.period.until} />
          </p>
        </div>
      </div>
      <FilterBar
        view={view}
        action="/calls"
        providers={providers}
        models={models}
        keep={keep}
        problems={problems}
        search
      />
      <section class="panel">
        <div class="panel-head">
          <div class="toggles">
            {quick.map((q) => (
              <a
                class={`toggle${(view.filters.status ?? null) === q.status && view.priced === q.priced ? ' current' : ''}`}
                href={href({ status: q.status, priced: q.priced, offset: null })}
                data-testid={q.testid}
              >
                {q.label}
              </a>
            ))}
          </div>
          <div class="toggles">
            <span class="muted" data-testid="calls-range">
              {formatCount(first)}–{formatCount(last)} of {plural(page.total, 'call')}
            </span>
            {view.offset > 0 ? (
              <a
                class="toggle"
                href={href({ offset: String(Math.max(0, view.offset - view.limit)) })}
                rel="prev"
              >
                ← Previous
              </a>
            ) : null}
            {last < page.total ? (
              <a
                class="toggle"
                href={href({ offset: String(view.offset + view.limit) })}
                rel="next"
                data-testid="next-page"
              >
                Next →
              </a>
            ) : null}
            <ColumnChooser />
            <a
              class="csv"
              href={withQuery('/api/export/calls.csv', exportParams)}
              download
              data-testid="export-csv"
              title={`Every call of this view (${formatCount(page.total)}), oldest first`}
            >
              CSV
            </a>
            <a
              class="csv"
              href={withQuery('/api/export/calls.ndjson', exportParams)}
              download
              data-testid="export-ndjson"
              title={`Every call of this view (${formatCount(page.total)}) as NDJSON`}
            >
              NDJSON
            </a>
          </div>
        </div>
        <CallsTable
          calls={page.rows}
          callHref={(id) => `/calls/${encodeURIComponent(id)}`}
          sortLinks={{
            current: { sort: view.sort, order: view.order },
            href: (sort, order) => href({ sort, order, offset: null }),
          }}
        />
      </section>
    </>
  )
}
