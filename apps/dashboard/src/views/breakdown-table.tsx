/**
 * The model x provider table: calls, tokens, cost, average cost per call, cache-hit share.
 */
import type { FC } from 'hono/jsx'
import type { Breakdown } from '../data/breakdown.js'
import { formatCount, formatShare, formatUsd } from '../format.js'
import { HeaderRow } from './header-row.js'

/** The label of a null model or provider (calls the pricing table does not know). */
export const UNKNOWN = '(unknown)'

/** The model x provider table; `modelHref` links a model or provider to the view filtered on it. */
export const BreakdownTable: FC<{
  breakdown: Breakdown
  filterHref: (filter: { model?: string; provider?: string }) => string
  /** Model colours of the charts, shown as a swatch beside each model. */
  colors?: Record<string, string> | undefined
}> = ({ breakdown, filterHref, colors = {} }) => {
  if (breakdown.rows.length === 0) return <p class="empty">No calls in this view.</p>
  return (
    <div class="table-wrap" tabindex={0}>
      <table class="data" id="model-provider-table" data-testid="model-provider-table">
        <thead>
          <HeaderRow
            columns={[
              'Model',
              'Provider',
              { num: 'Calls' },
              { num: 'Input tokens' },
              { num: 'Cache read' },
              { num: 'Cache write' },
              { num: 'Output tokens' },
              { num: 'Reasoning' },
              { num: 'Cost' },
              { num: 'Avg / call' },
              { num: 'Cache hits' },
              { num: 'Unpriced' },
            ]}
          />
        </thead>
        <tbody>
          {breakdown.rows.map((row) => (
            <tr>
              <td>
                {row.model == null ? (
                  <span class="muted">{UNKNOWN}</span>
                ) : (
                  <>
                    <span class="swatch" aria-hidden="true" data-color={colors[row.model]}></span>
                    <a href={filterHref({ model: row.model })}>{row.model}</a>
                  </>
                )}
              </td>
              <td>
                {row.provider == null ? (
                  <span class="muted">{UNKNOWN}</span>
                ) : (
                  <a href={filterHref({ provider: row.provider })}>{row.provider}</a>
                )}
              </td>
              <td class="num" data-value={String(row.calls)}>
                {formatCount(row.calls)}
              </td>
              <td class="num" data-value={String(row.tokens.input)}>
                {formatCount(row.tokens.input)}
              </td>
              <td class="num" data-value={String(row.tokens.cacheRead)}>
                {formatCount(row.tokens.cacheRead)}
              </td>
              <td class="num" data-value={String(row.tokens.cacheWrite)}>
                {formatCount(row.tokens.cacheWrite)}
              </td>
              <td class="num" data-value={String(row.tokens.output)}>
                {formatCount(row.tokens.output)}
              </td>
              <td class="num" data-value={String(row.tokens.reasoning)}>
                {formatCount(row.tokens.reasoning)}
              </td>
              {row.pricedCalls === 0 ? (
                // Nothing here could be priced: show that, never a $0.00 that reads as "free".
                <td
                  class="num money muted"
                  data-value=""
                  title="no call in this group could be priced"
                >
                  unpriced
                </td>
              ) : (
                <td class="num money" data-value={row.cost ?? ''} title={`$${row.cost}`}>
                  {formatUsd(row.cost ?? '0')}
                </td>
              )}
              <td
                class="num money"
                data-value={row.avgCostPerCall ?? ''}
                title={row.avgCostPerCall === null ? undefined : `$${row.avgCostPerCall}`}
              >
                {row.avgCostPerCall === null ? '–' : formatUsd(row.avgCostPerCall)}
              </td>
              <td
                class="num"
                data-value={row.cacheHitShare === null ? '' : String(row.cacheHitShare)}
              >
                {formatShare(row.cacheHitShare)}
              </td>
              <td
                class={`num${row.unpricedCalls > 0 ? ' warn' : ''}`}
                data-value={String(row.unpricedCalls)}
              >
                {formatCount(row.unpricedCalls)}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colspan={2}>
              Total
            </th>
            <td class="num">{formatCount(breakdown.calls)}</td>
            <td colspan={5}></td>
            <td
              class="num money"
              title={breakdown.total === null ? 'no call could be priced' : `$${breakdown.total}`}
            >
              {breakdown.total === null ? 'unpriced' : formatUsd(breakdown.total)}
            </td>
            <td colspan={3}></td>
          </tr>
        </tfoot>
      </table>
    </div>
  )
}
