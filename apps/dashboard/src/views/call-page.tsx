/**
 * One call in full: identity, outcome, usage with the provenance of each figure, cost with its
 * breakdown and card, the provider's own figure, timings and tags, plus the record as JSON.
 */
import { USAGE_FIELDS } from '@tokenledger/pricing'
import type { CallRecord } from '@tokenledger/store'
import type { Child, FC } from 'hono/jsx'
import type { CallPricing } from '../data/call-pricing.js'
import { formatCount, formatUsd } from '../format.js'
import { LocalTime } from './calls-table.js'

const Row: FC<{ label: string; children?: Child }> = ({ label, children }) => (
  <>
    <dt>{label}</dt>
    <dd>{children}</dd>
  </>
)

const Usd: FC<{ usd: string | null; missing: string }> = ({ usd, missing }) =>
  usd === null ? (
    <span class="muted">{missing}</span>
  ) : (
    <span title={`$${usd} (exact)`}>
      {formatUsd(usd)} <span class="muted small">(${usd})</span>
    </span>
  )

const USAGE_LABELS: Record<(typeof USAGE_FIELDS)[number], string> = {
  inputTokens: 'Input (all prompt tokens)',
  cacheReadTokens: 'Cache read (part of input)',
  cacheWriteTokens: 'Cache write (part of input)',
  outputTokens: 'Output (reasoning included)',
  reasoningTokens: 'Reasoning (part of output)',
}

/** The call page body. */
export const CallPage: FC<{ call: CallRecord; pricing: CallPricing; backHref: string }> = ({
  call,
  pricing,
  backHref,
}) => (
  <>
    <div class="page-head">
      <div>
        <p>
          <a href={backHref}>← Calls</a>
        </p>
        <h1 class="call-title">
          {call.requestedModel} <span class="muted">on</span> {call.provider}
        </h1>
        <p class="period">
          <LocalTime iso={call.timestamp} /> ·{' '}
          <span class={`badge badge-${call.status}`}>{call.status}</span>
        </p>
      </div>
    </div>
    <div class="panel-row">
      <section class="panel">
        <h2>Call</h2>
        <dl class="fields" data-testid="call-fields">
          <Row label="Id">
            <span class="mono">{call.id}</span>
          </Row>
          <Row label="Time">
            <LocalTime iso={call.timestamp} /> <span class="muted small">({call.timestamp})</span>
          </Row>
          <Row label="Provider">
            {call.provider}
            {pricing.providerName ? <span class="muted"> ({pricing.providerName})</span> : null}
          </Row>
          <Row label="Requested model">{call.requestedModel}</Row>
          <Row label="Model (pricing table)">
            {call.model ?? <span class="muted">unknown to the pricing table</span>}
            {pricing.modelName ? <span class="muted"> ({pricing.modelName})</span> : null}
          </Row>
          <Row label="Served model">
            {call.servedModel ?? <span class="muted">not reported</span>}
          </Row>
          <Row label="Upstream provider">
            {call.upstreamProvider ?? <span class="muted">not routed</span>}
          </Row>
          <Row label="Endpoint">{call.endpoint}</Row>
          <Row label="Stream">{call.stream ? 'yes' : 'no'}</Row>
          <Row label="Status">{call.status}</Row>
          <Row label="HTTP status">{call.httpStatus ?? <span class="muted">none</span>}</Row>
          <Row label="Error type">{call.errorType ?? <span class="muted">none</span>}</Row>
          <Row label="Service tier">{call.serviceTier ?? <span class="muted">standard</span>}</Row>
          <Row label="Request id">
            <span class="mono">{call.requestId ?? ''}</span>
          </Row>
          <Row label="Latency">
            {call.latencyMs === null ? (
              <span class="muted">unknown</span>
            ) : (
              `${formatCount(call.latencyMs)} ms`
            )}
          </Row>
          <Row label="Time to first token">
            {call.timeToFirstTokenMs === null ? (
              <span class="muted">unknown</span>
            ) : (
              `${formatCount(call.timeToFirstTokenMs)} ms`
            )}
          </Row>
          <Row label="Tags">
            {Object.keys(call.tags).length === 0 ? (
              <span class="muted">none</span>
            ) : (
              Object.entries(call.tags).map(([key, value]) => (
                <span class="tag">
                  {key}={value}
                </span>
              ))
            )}
          </Row>
        </dl>
      </section>
      <section class="panel">
        <h2>Usage</h2>
        <table class="data compact" data-testid="call-usage">
          <thead>
            <tr>
              <th scope="col">Tokens</th>
              <th scope="col" class="num">
                Count
              </th>
              <th scope="col">Provenance</th>
            </tr>
          </thead>
          <tbody>
            {USAGE_FIELDS.map((field) => (
              <tr>
                <td>{USAGE_LABELS[field]}</td>
                <td class="num">{formatCount(call.usage[field])}</td>
                <td class={call.usage.provenance[field] === 'reported' ? '' : 'warn'}>
                  {call.usage.provenance[field]}
                </td>
              </tr>
            ))}
            {call.usage.cacheWrite1hTokens !== undefined ? (
              <tr>
                <td>of which 1-hour cache writes</td>
                <td class="num">{formatCount(call.usage.cacheWrite1hTokens)}</td>
                <td></td>
              </tr>
            ) : null}
          </tbody>
        </table>
        <h2>Cost</h2>
        <dl class="fields" data-testid="call-cost">
          <Row label="Computed cost">
            <Usd
              usd={call.cost}
              missing="unpriced: no rate card in force for this model and provider"
            />
          </Row>
          {call.costBreakdown ? (
            <>
              <Row label="· input">
                <Usd usd={call.costBreakdown.input} missing="" />
              </Row>
              <Row label="· cache read">
                <Usd usd={call.costBreakdown.cacheRead} missing="" />
              </Row>
              <Row label="· cache write">
                <Usd usd={call.costBreakdown.cacheWrite} missing="" />
              </Row>
              <Row label="· output">
                <Usd usd={call.costBreakdown.output} missing="" />
              </Row>
            </>
          ) : null}
          <Row label="Saved by cache reads">
            <Usd usd={call.cacheSavings ?? null} missing="unknown" />
          </Row>
          <Row label="Rate card">
            <span class="mono small">{call.card ?? ''}</span>
          </Row>
          <Row label="Reported by provider">
            <Usd usd={call.reportedCost} missing="not reported" />
          </Row>
        </dl>
        <h2>Today's pricing table</h2>
        <dl class="fields" data-testid="call-repriced">
          {pricing.current === null ? (
            <Row label="Price now">
              <span class={call.cost === null ? 'muted' : 'warn'}>
                no rate card in force for this call
                {call.cost === null
                  ? ''
                  : ': the stored cost came from a card the table no longer has'}
              </span>
            </Row>
          ) : (
            <>
              <Row label="Price now">
                <Usd usd={pricing.current.total} missing="" />
                {pricing.differs ? (
                  <div class="warn small">
                    differs from the stored cost: `tokenledger reprice` updates the ledger
                  </div>
                ) : (
                  <span class="muted small"> same as stored</span>
                )}
              </Row>
              <Row label="Rates (USD / 1M)">
                <span class="mono small">
                  input {pricing.current.rates.input} · output {pricing.current.rates.output}
                  {pricing.current.rates.cacheRead
                    ? ` · cache read ${pricing.current.rates.cacheRead}`
                    : ''}
                  {pricing.current.rates.cacheWrite5m
                    ? ` · cache write ${pricing.current.rates.cacheWrite5m}`
                    : ''}
                </span>
              </Row>
              <Row label="Source">
                <span class="small">
                  {pricing.current.source} (checked {pricing.current.checked})
                </span>
              </Row>
              {pricing.current.notes.map((note) => (
                <Row label="Note">
                  <span class="small">{note}</span>
                </Row>
              ))}
            </>
          )}
        </dl>
      </section>
    </div>
    <section class="panel">
      <h2>Record</h2>
      <pre class="json" data-testid="call-json" tabindex={0}>
        {JSON.stringify(call, null, 2)}
      </pre>
    </section>
  </>
)
