/**
 * The tag view: pick a tag key (team, user, feature...) and see spend over time stacked by its
 * values and a breakdown by value, with the filters of every other view. The chart is drawn by the
 * client from `/api/tags`; the table below it is its text alternative.
 */
import type { FC } from 'hono/jsx'
import type { TagSpend } from '../data/tag-spend.js'
import { formatCount, formatShare, formatUsd } from '../format.js'
import type { ViewQuery } from '../validate-query.js'
import { PeriodText } from './calls-table.js'
import { FilterBar, type FilterProblem } from './filter-bar.js'
import { filterParams, withQuery } from './links.js'
import { HeaderRow } from './header-row.js'

export interface TagsPageProps {
  view: ViewQuery
  keys: string[]
  spend: TagSpend | null
  providers: string[]
  models: string[]
  colors: Record<string, string>
  problems?: FilterProblem[]
}

/** The label of calls that do not carry the chosen tag. */
export const UNTAGGED = '(no tag)'

/** The tags page body. */
export const TagsPage: FC<TagsPageProps> = ({
  view,
  keys,
  spend,
  providers,
  models,
  colors,
  problems,
}) => {
  const key = view.tagKey
  const keep: Record<string, string> = key === null ? {} : { key }
  const valueHref = (value: string) =>
    withQuery('/', filterParams(view, { tags: { ...view.filters.tags, [key ?? '']: value } }))
  return (
    <>
      <div class="page-head">
        <div>
          <h1>Spend by tag</h1>
          <p class="period">
            <PeriodText since={view.period.since} until={view.period.until} />
          </p>
        </div>
      </div>
      <FilterBar
        view={view}
        action="/tags"
        providers={providers}
        models={models}
        keep={keep}
        problems={problems}
      />
      <section class="panel">
        <div class="panel-head">
          <h2 id="tag-keys-label">Tag key</h2>
          <nav class="toggles" aria-labelledby="tag-keys-label" data-testid="tag-keys">
            {keys.length === 0 ? (
              <span class="muted">No call in this ledger carries a tag yet.</span>
            ) : (
              keys.map((k) => (
                <a
                  class={`toggle${k === key ? ' current' : ''}`}
                  aria-current={k === key ? 'true' : undefined}
                  href={withQuery(
                    '/tags',
                    new URLSearchParams([...filterParams(view), ['key', k]]),
                  )}
                >
                  {k}
                </a>
              ))
            )}
          </nav>
        </div>
        {spend === null ? (
          <p class="empty">Pick a tag key to see spend by its values.</p>
        ) : (
          <>
            <div class="panel-head">
              <h2>
                Spend per {view.bucket} by {spend.key}
              </h2>
              <span class="muted">
                {formatUsd(spend.total)} on {formatCount(spend.calls)}{' '}
                {spend.calls === 1 ? 'call' : 'calls'}
              </span>
            </div>
            <div class="chart chart-tall">
              <canvas
                id="tag-chart"
                role="img"
                aria-label={`Spend per ${view.bucket} by ${spend.key}; the table below has the figures`}
              ></canvas>
            </div>
            <div class="table-wrap" tabindex={0}>
              <table class="data" data-testid="tag-table">
                <caption class="sr-only">Spend by {spend.key}</caption>
                <thead>
                  <HeaderRow
                    columns={[
                      { text: spend.key },
                      { num: 'Calls' },
                      { num: 'Input tokens' },
                      { num: 'Output tokens' },
                      { num: 'Cost' },
                      { num: 'Share' },
                      { num: 'Unpriced' },
                    ]}
                  />
                </thead>
                <tbody>
                  {spend.values.map((row) => (
                    <tr>
                      <td>
                        <span
                          class="swatch"
                          aria-hidden="true"
                          data-color={
                            row.value === null ? '#94a3b8' : (colors[row.value] ?? '#94a3b8')
                          }
                        ></span>
                        {row.value === null ? (
                          <span class="muted">{UNTAGGED}</span>
                        ) : (
                          <a href={valueHref(row.value)}>{row.value}</a>
                        )}
                      </td>
                      <td class="num">{formatCount(row.calls)}</td>
                      <td class="num">{formatCount(row.tokens.input)}</td>
                      <td class="num">{formatCount(row.tokens.output)}</td>
                      {row.cost === null ? (
                        <td class="num muted" title="no call in this group could be priced">
                          unpriced
                        </td>
                      ) : (
                        <td class="num money" title={`$${row.cost}`} data-value={row.cost ?? ''}>
                          {formatUsd(row.cost ?? '0')}
                        </td>
                      )}
                      <td class="num">{formatShare(row.share)}</td>
                      <td class={`num${row.unpricedCalls > 0 ? ' warn' : ''}`}>
                        {formatCount(row.unpricedCalls)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </>
  )
}
