/**
 * The overview cards: spend, calls, tokens by class, cache savings, error rate, unpriced calls and
 * the gap between provider-reported and computed cost. Exact figures ride in `title` attributes.
 */
import type { Child, FC } from 'hono/jsx'
import type { Overview } from '../data/overview.js'
import { formatCompact, formatCount, formatShare, formatUsd, plural } from '../format.js'

const Card: FC<{
  label: string
  value: Child
  title?: string | undefined
  testid: string
  tone?: 'warn' | 'good' | undefined
  children?: Child
}> = (props) => (
  <section class={`card${props.tone ? ` card-${props.tone}` : ''}`} data-testid={props.testid}>
    <h2 class="card-label">{props.label}</h2>
    <p class="card-value" title={props.title}>
      {props.value}
    </p>
    <div class="card-detail">{props.children}</div>
  </section>
)

export interface CardsProps {
  overview: Overview
  unpricedHref: string
  errorsHref: string
}

/** The row of summary cards. */
export const Cards: FC<CardsProps> = ({ overview, unpricedHref, errorsHref }) => {
  const { tokens, reported } = overview
  const totalTokens = tokens.input + tokens.output
  const cacheShare = tokens.input === 0 ? null : tokens.cacheRead / tokens.input
  return (
    <div class="cards">
      <Card
        label="Total spend"
        value={overview.spend === null ? 'unpriced' : formatUsd(overview.spend)}
        title={
          overview.spend === null
            ? 'no call could be priced and no provider reported a cost'
            : `$${overview.spend} (exact): computed cost plus what providers reported for calls we could not price`
        }
        testid="card-spend"
      >
        <span data-testid="spend-computed" data-exact={overview.cost ?? ''}>
          computed {overview.cost === null ? 'unpriced' : formatUsd(overview.cost)} on{' '}
          {formatCount(overview.pricedCalls)} priced calls
        </span>
        {overview.unpricedReportedCalls > 0 ? (
          <span data-testid="spend-reported" data-exact={overview.reportedCostOfUnpriced ?? ''}>
            {' '}
            + reported by providers {formatUsd(overview.reportedCostOfUnpriced ?? '0')} on{' '}
            {formatCount(overview.unpricedReportedCalls)} unpriced calls
          </span>
        ) : null}
      </Card>
      <Card label="Calls" value={formatCount(overview.calls)} testid="card-calls">
        {plural(overview.abortedCalls, 'aborted stream')}
      </Card>
      <Card
        label="Tokens"
        value={formatCompact(totalTokens)}
        title={`${formatCount(totalTokens)} tokens`}
        testid="card-tokens"
      >
        <dl class="token-classes">
          <dt>Fresh input</dt>
          <dd title={formatCount(tokens.freshInput)}>{formatCompact(tokens.freshInput)}</dd>
          <dt>Cache read</dt>
          <dd title={formatCount(tokens.cacheRead)}>{formatCompact(tokens.cacheRead)}</dd>
          <dt>Cache write</dt>
          <dd title={formatCount(tokens.cacheWrite)}>{formatCompact(tokens.cacheWrite)}</dd>
          <dt>Output</dt>
          <dd title={formatCount(tokens.output)}>{formatCompact(tokens.output)}</dd>
          <dt>Reasoning</dt>
          <dd title={formatCount(tokens.reasoning)}>{formatCompact(tokens.reasoning)}</dd>
        </dl>
      </Card>
      <Card
        label="Saved by cache reads"
        value={formatUsd(overview.cacheSavings)}
        title={`$${overview.cacheSavings} (exact): what the cache reads would have cost at the fresh-input rate, minus what they cost`}
        testid="card-savings"
        tone="good"
      >
        {formatShare(cacheShare)} of input tokens read from cache
      </Card>
      <Card
        label="Error rate"
        value={formatShare(overview.errorRate)}
        testid="card-errors"
        tone={overview.errorRate !== null && overview.errorRate > 0.05 ? 'warn' : undefined}
      >
        <a href={errorsHref}>{plural(overview.errorCalls, 'failed call')}</a>
      </Card>
      <Card
        label="Unpriced calls"
        value={formatCount(overview.unpricedCalls)}
        testid="card-unpriced"
        tone={overview.unpricedCalls > 0 ? 'warn' : undefined}
      >
        {overview.unpricedCalls > 0 ? (
          <a href={unpricedHref}>List unpriced calls →</a>
        ) : (
          'every call has a price'
        )}
      </Card>
      <Card
        label="Reported − computed"
        value={reported === null || reported.calls === 0 ? '–' : formatUsd(reported.gap)}
        title={
          reported === null || reported.calls === 0
            ? undefined
            : `$${reported.gap} (exact): provider-reported minus computed cost`
        }
        testid="card-gap"
      >
        {reported === null ? (
          'no provider-reported costs in this view'
        ) : (
          <>
            {reported.calls > 0 ? (
              <div>
                {formatUsd(reported.reportedCost)} reported vs {formatUsd(reported.computedCost)}{' '}
                computed on {plural(reported.calls, 'call')}
              </div>
            ) : null}
            {reported.uncomparedCalls > 0 ? (
              <div class="warn">
                + {plural(reported.uncomparedCalls, 'reported call')} we cannot price (
                {formatUsd(reported.uncomparedReportedCost)})
              </div>
            ) : null}
          </>
        )}
      </Card>
    </div>
  )
}
