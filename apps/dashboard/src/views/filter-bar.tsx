/**
 * The filter bar: period (preset or from/to), provider, model and tags. A plain GET form, so the
 * view is always in the URL; the client script submits it on change and drops empty fields.
 */
import type { FC } from 'hono/jsx'
import { DAY_MS, RANGE_LABELS, RANGE_PRESETS } from '../period.js'
import { REFRESHES, type ViewQuery } from '../validate-query.js'
import { filterParams, withQuery } from './links.js'

/** A query parameter the page could not use: the page shows the rest, and this beside the filter. */
export interface FilterProblem {
  parameter: string
  message: string
}

/** The parameters that have a field in the bar (their problems show under that field). */
const FIELDS = new Set(['range', 'from', 'to', 'provider', 'model', 'tag', 'q', 'refresh'])

const Problem: FC<{ problems: FilterProblem[]; name: string }> = ({ problems, name }) => {
  const found = problems.filter((p) => p.parameter === name)
  if (found.length === 0) return null
  return (
    <span class="field-problem" role="alert" data-testid={`problem-${name}`}>
      {found.map((p) => p.message).join('; ')}
    </span>
  )
}

export interface FilterBarProps {
  view: ViewQuery
  /** The page the form submits to. */
  action: string
  providers: string[]
  models: string[]
  /** Page-specific parameters kept across filter changes (e.g. `stack`). */
  keep?: Record<string, string>
  /** Parameters of the URL that were ignored, with why. */
  problems?: FilterProblem[] | undefined
  /** Show the search box (call id or request id). */
  search?: boolean
}

function dateOf(at: Date): string {
  return at.toISOString().slice(0, 10)
}

/** The filter form. */
export const FilterBar: FC<FilterBarProps> = ({
  view,
  action,
  providers,
  models,
  keep = {},
  problems = [],
  search = false,
}) => {
  const preset = view.period.range
  const custom = preset === null
  // A custom period shows its first and last day (until is exclusive).
  const fromValue = custom ? dateOf(view.period.since) : ''
  const toValue = custom ? dateOf(new Date(view.period.until.getTime() - DAY_MS)) : ''
  const providerOptions = withCurrent(providers, view.filters.provider)
  const modelOptions = withCurrent(models, view.filters.model)
  const tags = Object.entries(view.filters.tags)
  return (
    <form class="filters" method="get" action={action} id="filters">
      <label class="field">
        <span>Period</span>
        <select name="range" data-autosubmit>
          {RANGE_PRESETS.map((range) => (
            <option value={range} selected={preset === range}>
              {RANGE_LABELS[range]}
            </option>
          ))}
          <option value="" selected={custom}>
            Custom…
          </option>
        </select>
        <Problem problems={problems} name="range" />
      </label>
      <label class="field field-date">
        <span>From</span>
        <input type="date" name="from" value={fromValue} data-period />
        <Problem problems={problems} name="from" />
      </label>
      <label class="field field-date">
        <span>To</span>
        <input type="date" name="to" value={toValue} data-period />
        <Problem problems={problems} name="to" />
      </label>
      <label class="field">
        <span>Provider</span>
        <select name="provider" data-autosubmit data-testid="provider-filter">
          <option value="">All providers</option>
          {providerOptions.map((provider) => (
            <option value={provider} selected={view.filters.provider === provider}>
              {provider}
            </option>
          ))}
        </select>
        <Problem problems={problems} name="provider" />
      </label>
      <label class="field">
        <span>Model</span>
        <select name="model" data-autosubmit data-testid="model-filter">
          <option value="">All models</option>
          {modelOptions.map((model) => (
            <option value={model} selected={view.filters.model === model}>
              {model}
            </option>
          ))}
        </select>
        <Problem problems={problems} name="model" />
      </label>
      <label class="field">
        <span>Tag</span>
        <input type="text" name="tag" placeholder="key=value" size={14} autocomplete="off" />
        <Problem problems={problems} name="tag" />
      </label>
      {search ? (
        <label class="field">
          <span>Call or request id</span>
          <input
            type="search"
            name="q"
            value={view.search ?? ''}
            placeholder="search"
            size={18}
            autocomplete="off"
            data-testid="search"
          />
          <Problem problems={problems} name="q" />
        </label>
      ) : null}
      <label class="field">
        <span>Auto-refresh</span>
        <select name="refresh" data-autosubmit data-testid="refresh">
          <option value="">Off</option>
          {REFRESHES.map((every) => (
            <option value={every} selected={view.refresh === every}>
              every {every.replace('m', ' min')}
            </option>
          ))}
        </select>
        <Problem problems={problems} name="refresh" />
      </label>
      {tags.map(([key, value]) => (
        <input type="hidden" name="tag" value={`${key}=${value}`} />
      ))}
      {view.filters.status ? (
        <input type="hidden" name="status" value={view.filters.status} />
      ) : null}
      {Object.entries(keep).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class="button">
        Apply
      </button>
      {problems.some((p) => !FIELDS.has(p.parameter)) ? (
        <p class="field-problem" role="alert" data-testid="problem-other">
          {problems
            .filter((p) => !FIELDS.has(p.parameter))
            .map((p) => p.message)
            .join('; ')}
        </p>
      ) : null}
      {tags.length > 0 ? (
        <div class="chips">
          {tags.map(([key, value]) => {
            const rest = Object.fromEntries(tags.filter(([other]) => other !== key))
            return (
              <a
                class="chip"
                href={withQuery(action, filterParams(view, { tags: rest }))}
                title="Remove this tag filter"
              >
                {key}={value} <span aria-hidden="true">×</span>
              </a>
            )
          })}
        </div>
      ) : null}
    </form>
  )
}

function withCurrent(options: string[], current: string | undefined): string[] {
  const all = new Set(options)
  if (current !== undefined) all.add(current)
  return [...all].sort((a, b) => a.localeCompare(b))
}
