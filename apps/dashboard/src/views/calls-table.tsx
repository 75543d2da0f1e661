/**
 * The calls table: every field of each call record, one row per call; a row links to the call's
 * own page. Times are rendered in UTC and rewritten to the browser's time zone by the client.
 */
import { DAY_MS, USAGE_FIELDS } from '@tokenledger/pricing'
import type { CallRecord, CallSort } from '@tokenledger/store'
import type { FC } from 'hono/jsx'
import { formatCount, formatUsd } from '../format.js'

/** A `<time>` the client script shows in the browser's zone; the server text is UTC. */
export const LocalTime: FC<{ iso: string }> = ({ iso }) => (
  <time datetime={iso} data-local>
    {iso.replace('T', ' ').replace(/\.\d{3}Z$|Z$/, ' UTC')}
  </time>
)

/**
 * A period: whole UTC days are written as dates ("2026-10-23 → 2026-11-21, UTC days"), anything
 * else as instants in the browser's zone.
 */
export const PeriodText: FC<{ since: Date; until: Date }> = ({ since, until }) => {
  const day = DAY_MS
  if (since.getTime() % day === 0 && until.getTime() % day === 0) {
    const last = new Date(until.getTime() - day).toISOString().slice(0, 10)
    const first = since.toISOString().slice(0, 10)
    return <span>{first === last ? `${first} (UTC day)` : `${first} → ${last} (UTC days)`}</span>
  }
  return (
    <span>
      <LocalTime iso={since.toISOString()} /> → <LocalTime iso={until.toISOString()} />
    </span>
  )
}

const Money: FC<{ usd: string | null; missing?: string }> = ({ usd, missing = '–' }) =>
  usd === null ? (
    <span class="muted">{missing}</span>
  ) : (
    <span title={`$${usd}`}>{formatUsd(usd)}</span>
  )

/** The usage figures not reported by the provider, e.g. "output estimated", or "" when all were. */
export function provenanceNote(record: CallRecord): string {
  const notes = USAGE_FIELDS.filter((field) => record.usage.provenance[field] !== 'reported').map(
    (field) => `${field.replace(/Tokens$/, '')} ${record.usage.provenance[field]}`,
  )
  return notes.join(', ')
}

function breakdownNote(record: CallRecord): string {
  const b = record.costBreakdown
  if (b === null) return ''
  return `in ${formatUsd(b.input)} · cache read ${formatUsd(b.cacheRead)} · cache write ${formatUsd(b.cacheWrite)} · out ${formatUsd(b.output)}`
}

/** The columns a reader may add to the calls table (hidden by default; the client remembers them). */
export const OPTIONAL_COLUMNS = [
  ['cache', 'Cache read'],
  ['reasoning', 'Reasoning'],
  ['reported', 'Reported cost'],
  ['upstream', 'Upstream'],
  ['request', 'Request id'],
  ['tags', 'Tags'],
] as const
export type OptionalColumn = (typeof OPTIONAL_COLUMNS)[number][0]

const SORT_NAMES: Record<CallSort, string> = {
  time: 'time',
  cost: 'cost',
  tokens: 'tokens (in + out)',
  latency: 'latency',
}

/** A sortable header: a link that sorts by the column (twice: the other way). */
export interface SortLinks {
  current: { sort: CallSort; order: 'asc' | 'desc' }
  href: (sort: CallSort, order: 'asc' | 'desc') => string
}

const Header: FC<{
  label: string
  sort?: CallSort
  links?: SortLinks | undefined
  num?: boolean
  col?: OptionalColumn
}> = ({ label, sort, links, num, col }) => {
  const cls = [num ? 'num' : '', col ? `opt opt-${col}` : ''].filter(Boolean).join(' ') || undefined
  if (sort === undefined || links === undefined) {
    return (
      <th scope="col" class={cls}>
        {label}
      </th>
    )
  }
  const active = links.current.sort === sort
  const next = active && links.current.order === 'desc' ? 'asc' : 'desc'
  return (
    <th
      scope="col"
      class={cls}
      aria-sort={active ? (links.current.order === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <a
        href={links.href(sort, next)}
        class="sort"
        data-testid={`sort-${sort}`}
        title={`Sort by ${SORT_NAMES[sort]}, ${next === 'desc' ? (sort === 'time' ? 'newest' : 'highest') : sort === 'time' ? 'oldest' : 'lowest'} first`}
      >
        {label}
        {active ? (links.current.order === 'asc' ? ' ▲' : ' ▼') : ''}
      </a>
    </th>
  )
}

/**
 * The table of calls: what a reader scans for up front (time, model, provider, status, tokens in
 * and out, cost, latency), a few optional columns, and every other field on the call's page. On a
 * phone each row becomes a card (see dashboard.css), labelled by `data-label`.
 */
export const CallsTable: FC<{
  calls: CallRecord[]
  callHref: (id: string) => string
  sortLinks?: SortLinks
}> = ({ calls, callHref, sortLinks }) => {
  if (calls.length === 0) return <p class="empty">No calls in this view.</p>
  return (
    <div class="table-wrap" tabindex={0}>
      <table class="data calls" data-testid="calls-table">
        <thead>
          <tr>
            <Header label="Time" sort="time" links={sortLinks} />
            <Header label="Model" />
            <Header label="Provider" />
            <Header label="Status" />
            <Header label="In" sort="tokens" links={sortLinks} num />
            <Header label="Out" num />
            <Header label="Cache read" num col="cache" />
            <Header label="Reasoning" num col="reasoning" />
            <Header label="Cost" sort="cost" links={sortLinks} num />
            <Header label="Reported" num col="reported" />
            <Header label="Latency" sort="latency" links={sortLinks} num />
            <Header label="Upstream" col="upstream" />
            <Header label="Request id" col="request" />
            <Header label="Tags" col="tags" />
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => {
            const note = provenanceNote(call)
            return (
              <tr data-href={callHref(call.id)} class={`status-${call.status}`}>
                <td class="nowrap" data-label="Time">
                  <a href={callHref(call.id)}>
                    <LocalTime iso={call.timestamp} />
                  </a>
                </td>
                <td class="model-cell" data-label="Model" title={call.requestedModel}>
                  {call.model ?? call.requestedModel}
                </td>
                <td data-label="Provider">{call.provider}</td>
                <td data-label="Status">
                  <span class={`badge badge-${call.status}`}>{call.status}</span>
                </td>
                <td class="num" data-label="In">
                  {formatCount(call.usage.inputTokens)}
                </td>
                <td class="num" data-label="Out" title={note === '' ? undefined : note}>
                  {formatCount(call.usage.outputTokens)}
                  {note === '' ? null : <span class="muted"> *</span>}
                </td>
                <td class="num opt opt-cache" data-label="Cache read">
                  {formatCount(call.usage.cacheReadTokens)}
                </td>
                <td class="num opt opt-reasoning" data-label="Reasoning">
                  {formatCount(call.usage.reasoningTokens)}
                </td>
                <td class="num money" data-label="Cost" title={breakdownNote(call) || undefined}>
                  <Money usd={call.cost} missing="unpriced" />
                </td>
                <td class="num money opt opt-reported" data-label="Reported">
                  <Money usd={call.reportedCost} missing="" />
                </td>
                <td class="num" data-label="Latency">
                  {call.latencyMs === null ? '' : `${formatCount(call.latencyMs)} ms`}
                </td>
                <td class="opt opt-upstream" data-label="Upstream">
                  {call.upstreamProvider ?? ''}
                </td>
                <td class="small mono opt opt-request" data-label="Request id">
                  {call.requestId ?? ''}
                </td>
                <td class="small opt opt-tags" data-label="Tags">
                  {Object.entries(call.tags).map(([key, value]) => (
                    <span class="tag">
                      {key}={value}
                    </span>
                  ))}
                </td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

/** The column chooser: checkboxes the client script turns into shown columns (remembered). */
export const ColumnChooser: FC = () => (
  <details class="columns" data-testid="column-chooser">
    <summary>Columns</summary>
    <div class="columns-list">
      {OPTIONAL_COLUMNS.map(([name, label]) => (
        <label>
          <input type="checkbox" data-column={name} /> {label}
        </label>
      ))}
    </div>
  </details>
)
