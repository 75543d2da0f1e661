/**
 * Provider-reported cost beside ours, per provider and model: where a provider charges other than
 * our price table says, the gap shows which table or provider to look at. Groups with calls we
 * could not price cannot be compared; they say so instead of showing a gap against nothing.
 */
import type { FC } from 'hono/jsx'
import type { Breakdown } from '../data/breakdown.js'
import { formatCount, formatUsd } from '../format.js'
import { picoFromUsd, usdFromPico } from '@tokenledger/pricing'
import { HeaderRow } from './header-row.js'

/** The relative gap as a signed percentage with one decimal ("+2.5%"), or "–" when undefined. */
function relativeGap(gapPico: bigint, computedPico: bigint): string {
  if (computedPico === 0n) return '–'
  const tenths = (gapPico * 1000n) / computedPico
  const sign = tenths > 0n ? '+' : tenths < 0n ? '-' : ''
  const abs = tenths < 0n ? -tenths : tenths
  return `${sign}${abs / 10n}.${abs % 10n}%`
}

/** The reported-vs-computed table (rows of a model x provider breakdown that have reported costs). */
export const ReportedTable: FC<{ breakdown: Breakdown }> = ({ breakdown }) => {
  const rows = breakdown.rows.filter((row) => row.reportedCalls > 0)
  if (rows.length === 0)
    return <p class="empty">No call in this view carries a provider-reported cost.</p>
  return (
    <div class="table-wrap" tabindex={0}>
      <table class="data" data-testid="reported-table">
        <thead>
          <HeaderRow
            columns={[
              'Provider',
              'Model',
              { num: 'Reported calls' },
              { num: 'Reported' },
              { num: 'Computed' },
              { num: 'Reported − computed' },
              { num: 'Gap' },
            ]}
          />
        </thead>
        <tbody>
          {rows.map((row) => {
            const reported = picoFromUsd(row.reportedCost ?? '0')
            const computed = picoFromUsd(row.computedCostOfReported)
            const gap = usdFromPico(reported - computed)
            return (
              <tr>
                <td>{row.provider ?? <span class="muted">(unknown)</span>}</td>
                <td>{row.model ?? <span class="muted">(unknown)</span>}</td>
                <td class="num">{formatCount(row.reportedCalls)}</td>
                <td class="num money" title={`$${row.reportedCost ?? '0'}`}>
                  {formatUsd(row.reportedCost ?? '0')}
                </td>
                {row.unpricedCalls > 0 ? (
                  <td class="num muted" colspan={3}>
                    {formatCount(row.unpricedCalls)} unpriced: cannot compare
                  </td>
                ) : (
                  <>
                    <td class="num money" title={`$${row.computedCostOfReported}`}>
                      {formatUsd(row.computedCostOfReported)}
                    </td>
                    <td
                      class={`num money${reported !== computed ? ' warn' : ''}`}
                      title={`$${gap} (exact)`}
                      data-value={gap}
                    >
                      {formatUsd(gap)}
                    </td>
                    <td class="num">{relativeGap(reported - computed, computed)}</td>
                  </>
                )}
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
