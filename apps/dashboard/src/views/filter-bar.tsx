/**
 * The filter bar: period (preset or from/to), provider, model and tags. A plain GET form, so the
 * view is always in the URL; the client script submits it on change and drops empty fields.
 */
import type { FC } from 'hono/jsx'
import { DAY_MS, RANGE_LABELS, RANGE_PRESETS } from '../period.js'
import type { ViewQuery } from '../validate-query.js'
import { filterParams, withQuery } from './links.js'

export interface FilterBarProps {
  view: ViewQuery
  /** The page the form submits to. */
  action: string
  providers: string[]
  models: string[]
  /** Page-specific parameters kept across filter changes (e.g. `stack`). */
  keep?: Record<string, string>
}

function dateOf(at: Date): string {
  return at.toISOString().slice(0, 10)
}

/** The filter form. */
export const FilterBar: FC<FilterBarProps> = ({ view, action, providers, models, keep = {} }) => {
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
      </label>
      <label class="field field-date">
        <span>From</span>
        <input type="date" name="from" value={fromValue} data-period />
      </label>
      <label class="field field-date">
        <span>To</span>
        <input type="date" name="to" value={toValue} data-period />
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
      </label>
      <label class="field">
        <span>Tag</span>
        <input type="text" name="tag" placeholder="key=value" size={14} autocomplete="off" />
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
