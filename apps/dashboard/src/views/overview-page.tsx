/**
 * The overview page: filters, cards, spend over time, spend by provider and by model, the
 * model x provider table and the latest calls. Charts are drawn by the client script from the
 * JSON API; everything else is rendered here.
 */
import type { CallRecord } from '@tokenledger/store'
import type { FC } from 'hono/jsx'
import type { Breakdown } from '../data/breakdown.js'
import type { Overview } from '../data/overview.js'
import { DAY_MS, MAX_HOUR_BUCKET_DAYS } from '../period.js'
import type { ViewQuery } from '../validate-query.js'
import { picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import { formatCount, formatUsd, plural } from '../format.js'
import { BreakdownTable, UNKNOWN } from './breakdown-table.js'
import { ReportedTable } from './reported-table.js'
import { BudgetsPanel } from './budgets-panel.js'
import type { BudgetStatus } from '@tokenledger/budget'
import { Cards } from './cards.js'
import { CallsTable, PeriodText } from './calls-table.js'
import { FilterBar, type FilterProblem } from './filter-bar.js'
import { callsParams, filterParams, overviewParams, withQuery } from './links.js'
import { HeaderRow } from './header-row.js'

export interface OverviewPageProps {
  view: ViewQuery
  overview: Overview
  table: Breakdown
  latest: { rows: CallRecord[]; total: number }
  providers: string[]
  models: string[]
  problems?: FilterProblem[]
  /** The ledger holds no call at all: show how to meter a first one. */
  emptyLedger?: boolean
  colors?: { model: Record<string, string>; provider: Record<string, string> }
  /** Each declared budget's standing, at risk first. */
  budgets?: BudgetStatus[] | { error: string }
}

/** Spend per provider or per model, summed exactly from the model x provider rows. */
function spendBy(table: Breakdown, key: 'provider' | 'model') {
  const sums = new Map<string | null, { pico: bigint; calls: number; priced: number }>()
  for (const row of table.rows) {
    const name = row[key] ?? null
    const entry = sums.get(name) ?? { pico: 0n, calls: 0, priced: 0 }
    if (row.cost !== null) entry.pico += picoFromUsd(row.cost)
    entry.calls += row.calls
    entry.priced += row.pricedCalls
    sums.set(name, entry)
  }
  return [...sums.entries()]
    .sort(([, a], [, b]) => (a.pico === b.pico ? b.calls - a.calls : a.pico > b.pico ? -1 : 1))
    .map(([name, { pico, calls, priced }]) => ({ name, cost: usdFromPico(pico), calls, priced }))
}

/** The text alternative of a bar chart: the same figures as a table, behind a disclosure. */
const ChartTable: FC<{ title: string; rows: ReturnType<typeof spendBy>; testid: string }> = ({
  title,
  rows,
  testid,
}) => (
  <details class="chart-table" data-testid={testid}>
    <summary>Show as a table</summary>
    <table class="data compact">
      <caption class="sr-only">{title}</caption>
      <thead>
        <HeaderRow columns={[{ text: title }, { num: 'Calls' }, { num: 'Cost' }]} />
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr>
            <td>{row.name ?? UNKNOWN}</td>
            <td class="num">{formatCount(row.calls)}</td>
            <td class="num money" title={`$${row.cost}`}>
              {row.priced === 0 ? 'unpriced' : formatUsd(row.cost)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </details>
)

/** What an empty ledger shows: the two lines that meter a first call, and where it lands. */
const EmptyState: FC = () => (
  <section class="panel empty-state" data-testid="empty-state">
    <h2>No calls in this ledger yet</h2>
    <p>Wrap the client you already use; every call lands here with its exact cost:</p>
    <pre class="code" tabindex={0}>
      <code>
        {`const meter = createMeter({ store: 'sqlite:./tokenledger.db' })
const deepseek = meter.wrap(new OpenAI({ baseURL: 'https://api.deepseek.com', apiKey }))`}
      </code>
    </pre>
    <p class="muted">
      Then open this dashboard on the same ledger:{' '}
      <code>tokenledger dashboard --db sqlite:./tokenledger.db</code>
    </p>
  </section>
)

/** The data the client script needs to draw the charts (serialised safely by the layout). */
export interface OverviewClientData {
  page: 'overview'
  api: { series: string; providers: string; models: string }
  bucket: 'hour' | 'day'
  stack: 'model' | 'provider'
}

/** Links and API URLs of an overview view. */
export function overviewClientData(view: ViewQuery): OverviewClientData {
  const filters = filterParams(view).toString()
  const series = new URLSearchParams(filters)
  series.set('bucket', view.bucket)
  series.set('stack', view.stack)
  return {
    page: 'overview',
    api: {
      series: `/api/series?${series}`,
      providers: withQuery(
        '/api/breakdown',
        new URLSearchParams([...new URLSearchParams(filters), ['by', 'provider']]),
      ),
      models: withQuery(
        '/api/breakdown',
        new URLSearchParams([...new URLSearchParams(filters), ['by', 'model']]),
      ),
    },
    bucket: view.bucket,
    stack: view.stack,
  }
}

const Toggle: FC<{
  href: string
  current: boolean
  disabled?: boolean
  label: string
  testid: string
}> = (props) =>
  props.disabled ? (
    <span
      class="toggle disabled"
      title={`Hour buckets need a period of at most ${MAX_HOUR_BUCKET_DAYS} days`}
    >
      {props.label}
    </span>
  ) : (
    <a
      class={`toggle${props.current ? ' current' : ''}`}
      href={props.href}
      aria-current={props.current ? 'true' : undefined}
      data-testid={props.testid}
    >
      {props.label}
    </a>
  )

function csvHref(view: ViewQuery, name: string, extra: Record<string, string> = {}): string {
  const params = filterParams(view)
  for (const [key, value] of Object.entries(extra)) params.set(key, value)
  return withQuery(`/api/csv/${name}`, params)
}

/** The overview page body. */
export const OverviewPage: FC<OverviewPageProps> = ({
  view,
  overview,
  table,
  latest,
  providers,
  models,
  problems,
  emptyLedger = false,
  colors,
  budgets = [],
}) => {
  const days = (view.period.until.getTime() - view.period.since.getTime()) / DAY_MS
  const here = (overrides: Parameters<typeof overviewParams>[1]) =>
    withQuery('/', overviewParams(view, overrides))
  const filterHref = (filter: { model?: string; provider?: string }) =>
    withQuery('/', overviewParams(view, filter))
  return (
    <>
      <div class="page-head">
        <div>
          <h1>Where the money goes</h1>
          <p class="period" data-testid="period">
            <PeriodText since={view.period.since} until={view.period.until} />
          </p>
        </div>
      </div>
      <FilterBar
        view={view}
        action="/"
        providers={providers}
        models={models}
        keep={view.stack === 'model' ? {} : { stack: view.stack }}
        problems={problems}
      />
      {emptyLedger ? <EmptyState /> : null}
      <Cards
        overview={overview}
        unpricedHref={withQuery('/calls', callsParams(view, { priced: 'no', offset: null }))}
        errorsHref={withQuery('/calls', callsParams(view, { status: 'error', offset: null }))}
      />
      <BudgetsPanel budgets={budgets} />

      <section class="panel" id="spend">
        <div class="panel-head">
          <h2>Spend over time</h2>
          <div class="toggles">
            <Toggle
              href={here({ bucket: 'day' })}
              current={view.bucket === 'day'}
              label="Daily"
              testid="bucket-day"
            />
            <Toggle
              href={here({ bucket: 'hour' })}
              current={view.bucket === 'hour'}
              disabled={days > MAX_HOUR_BUCKET_DAYS}
              label="Hourly"
              testid="bucket-hour"
            />
            <span class="toggle-gap" />
            <Toggle
              href={here({ stack: 'model' })}
              current={view.stack === 'model'}
              label="By model"
              testid="stack-model"
            />
            <Toggle
              href={here({ stack: 'provider' })}
              current={view.stack === 'provider'}
              label="By provider"
              testid="stack-provider"
            />
            <a
              class="csv"
              href={csvHref(view, 'series', { bucket: view.bucket, stack: view.stack })}
              download
            >
              CSV
            </a>
          </div>
        </div>
        <div class="chart chart-tall">
          <canvas
            id="spend-chart"
            role="img"
            aria-label={`Spend per ${view.bucket}, stacked by ${view.stack}; the CSV link has the figures`}
          ></canvas>
        </div>
      </section>

      <div class="panel-row">
        <section class="panel" id="by-provider">
          <div class="panel-head">
            <h2>Spend by provider</h2>
            <a class="csv" href={csvHref(view, 'breakdown', { by: 'provider' })} download>
              CSV
            </a>
          </div>
          <div class="chart">
            <canvas
              id="provider-chart"
              role="img"
              aria-label="Spend by provider; the table below has the figures"
            ></canvas>
          </div>
          <ChartTable title="Provider" rows={spendBy(table, 'provider')} testid="provider-table" />
        </section>
        <section class="panel" id="by-model">
          <div class="panel-head">
            <h2>Spend by model</h2>
            <a class="csv" href={csvHref(view, 'breakdown', { by: 'model' })} download>
              CSV
            </a>
          </div>
          <div class="chart">
            <canvas
              id="model-chart"
              role="img"
              aria-label="Spend by model; the table below has the figures"
            ></canvas>
          </div>
          <ChartTable title="Model" rows={spendBy(table, 'model')} testid="model-table" />
        </section>
      </div>

      <section class="panel" id="models">
        <div class="panel-head">
          <h2>Models × providers</h2>
          <a
            class="csv"
            href={csvHref(view, 'breakdown', { by: 'model-provider' })}
            download
            data-testid="table-csv"
          >
            CSV
          </a>
        </div>
        <BreakdownTable breakdown={table} filterHref={filterHref} colors={colors?.model} />
      </section>

      <section class="panel" id="reported">
        <div class="panel-head">
          <h2>Provider-reported vs computed cost</h2>
          <span class="muted small">Where they differ, the price table or the provider is off</span>
        </div>
        <ReportedTable breakdown={table} />
      </section>

      <section class="panel" id="calls">
        <div class="panel-head">
          <h2>Latest calls</h2>
          <div class="toggles">
            <span class="muted">
              {formatCount(latest.rows.length)} of {plural(latest.total, 'call')}
            </span>
            <a class="toggle" href={withQuery('/calls', callsParams(view, { offset: null }))}>
              All calls →
            </a>
            <a class="csv" href={csvHref(view, 'calls')} download>
              CSV
            </a>
          </div>
        </div>
        <CallsTable calls={latest.rows} callHref={(id) => `/calls/${encodeURIComponent(id)}`} />
      </section>
    </>
  )
}
