/**
 * The calls table: every field of each call record, one row per call; a row links to the call's
 * own page. Times are rendered in UTC and rewritten to the browser's time zone by the client.
 */
import type { CallRecord } from '@tokenledger/store'
import { USAGE_FIELDS } from '@tokenledger/pricing'
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
  const day = 86_400_000
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

/** The table of calls. */
export const CallsTable: FC<{ calls: CallRecord[]; callHref: (id: string) => string }> = ({
  calls,
  callHref,
}) => {
  if (calls.length === 0) return <p class="empty">No calls in this view.</p>
  return (
    <div class="table-wrap">
      <table class="data calls" data-testid="calls-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Provider</th>
            <th scope="col">Requested model</th>
            <th scope="col">Model</th>
            <th scope="col">Served model</th>
            <th scope="col">Upstream</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              HTTP
            </th>
            <th scope="col">Error</th>
            <th scope="col" class="num">
              Input
            </th>
            <th scope="col" class="num">
              Cache read
            </th>
            <th scope="col" class="num">
              Cache write
            </th>
            <th scope="col" class="num">
              Output
            </th>
            <th scope="col" class="num">
              Reasoning
            </th>
            <th scope="col">Usage provenance</th>
            <th scope="col" class="num">
              Cost
            </th>
            <th scope="col">Cost breakdown</th>
            <th scope="col" class="num">
              Cache savings
            </th>
            <th scope="col" class="num">
              Reported
            </th>
            <th scope="col">Card</th>
            <th scope="col" class="num">
              Latency
            </th>
            <th scope="col" class="num">
              TTFT
            </th>
            <th scope="col">Endpoint</th>
            <th scope="col">Stream</th>
            <th scope="col">Tier</th>
            <th scope="col">Request id</th>
            <th scope="col">Tags</th>
            <th scope="col">Id</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => (
            <tr data-href={callHref(call.id)} class={`status-${call.status}`}>
              <td class="nowrap">
                <a href={callHref(call.id)}>
                  <LocalTime iso={call.timestamp} />
                </a>
              </td>
              <td>{call.provider}</td>
              <td class="model-cell">{call.requestedModel}</td>
              <td>{call.model ?? <span class="muted">unknown</span>}</td>
              <td>{call.servedModel ?? ''}</td>
              <td>{call.upstreamProvider ?? ''}</td>
              <td>
                <span class={`badge badge-${call.status}`}>{call.status}</span>
              </td>
              <td class="num">{call.httpStatus ?? ''}</td>
              <td>{call.errorType ?? ''}</td>
              <td class="num">{formatCount(call.usage.inputTokens)}</td>
              <td class="num">{formatCount(call.usage.cacheReadTokens)}</td>
              <td class="num">{formatCount(call.usage.cacheWriteTokens)}</td>
              <td class="num">{formatCount(call.usage.outputTokens)}</td>
              <td class="num">{formatCount(call.usage.reasoningTokens)}</td>
              <td class="small">{provenanceNote(call) || <span class="muted">reported</span>}</td>
              <td class="num money">
                <Money usd={call.cost} missing="unpriced" />
              </td>
              <td class="small nowrap">{breakdownNote(call)}</td>
              <td class="num money">
                <Money usd={call.cacheSavings ?? null} missing="" />
              </td>
              <td class="num money">
                <Money usd={call.reportedCost} missing="" />
              </td>
              <td class="small">{call.card ?? ''}</td>
              <td class="num">
                {call.latencyMs === null ? '' : `${formatCount(call.latencyMs)} ms`}
              </td>
              <td class="num">
                {call.timeToFirstTokenMs === null
                  ? ''
                  : `${formatCount(call.timeToFirstTokenMs)} ms`}
              </td>
              <td class="small">{call.endpoint}</td>
              <td>{call.stream ? 'yes' : 'no'}</td>
              <td>{call.serviceTier ?? ''}</td>
              <td class="small mono">{call.requestId ?? ''}</td>
              <td class="small">
                {Object.entries(call.tags).map(([key, value]) => (
                  <span class="tag">
                    {key}={value}
                  </span>
                ))}
              </td>
              <td class="small mono">{call.id}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
