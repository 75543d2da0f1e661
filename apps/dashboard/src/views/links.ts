/**
 * URLs of dashboard views. A view lives in its query string (period, filters, chart options), so
 * links keep the current view and change only what they are about.
 */
import { DEFAULT_LIMIT, type ParamName, type ViewQuery } from '../validate-query.js'

/** Parameter values to put in a link; null removes a parameter. */
export type ParamOverrides = Partial<Record<Exclude<ParamName, 'tag' | 'token'>, string | null>> & {
  tags?: Record<string, string>
}

/** The filter parameters of a view (period, provider, model, tags, status). */
export function filterParams(view: ViewQuery, overrides: ParamOverrides = {}): URLSearchParams {
  const params = new URLSearchParams()
  const set = (name: keyof ParamOverrides & string, value: string | null | undefined) => {
    const chosen =
      name in overrides ? overrides[name as Exclude<keyof ParamOverrides, 'tags'>] : value
    if (chosen !== null && chosen !== undefined && chosen !== '') params.set(name, chosen)
  }
  const customPeriod = 'from' in overrides || ('range' in overrides && overrides.range === null)
  const range = customPeriod ? null : (overrides.range ?? view.period.range ?? null)
  if (range !== null) {
    params.set('range', range)
  } else {
    set('from', view.from ?? view.period.since.toISOString())
    set('to', view.to ?? view.period.until.toISOString())
  }
  set('provider', view.filters.provider)
  set('model', view.filters.model)
  for (const [key, value] of Object.entries(overrides.tags ?? view.filters.tags))
    params.append('tag', `${key}=${value}`)
  set('status', view.filters.status)
  return params
}

/** The overview's own parameters on top of the filters (chart bucket and stacking). */
export function overviewParams(view: ViewQuery, overrides: ParamOverrides = {}): URLSearchParams {
  const params = filterParams(view, overrides)
  const bucket = 'bucket' in overrides ? overrides.bucket : view.bucketGiven ? view.bucket : null
  if (bucket) params.set('bucket', bucket)
  const stack = 'stack' in overrides ? overrides.stack : view.stack
  if (stack && stack !== 'model') params.set('stack', stack)
  return params
}

/** The calls list's own parameters on top of the filters (priced filter, paging). */
export function callsParams(view: ViewQuery, overrides: ParamOverrides = {}): URLSearchParams {
  const params = filterParams(view, overrides)
  const priced = 'priced' in overrides ? overrides.priced : view.priced
  if (priced) params.set('priced', priced)
  const limit = 'limit' in overrides ? overrides.limit : String(view.limit)
  if (limit && limit !== String(DEFAULT_LIMIT)) params.set('limit', limit)
  const offset = 'offset' in overrides ? overrides.offset : String(view.offset)
  if (offset && offset !== '0') params.set('offset', offset)
  const sort = 'sort' in overrides ? overrides.sort : view.sort
  if (sort && sort !== 'time') params.set('sort', sort)
  const order = 'order' in overrides ? overrides.order : view.order
  if (order && order !== 'desc') params.set('order', order)
  const q = 'q' in overrides ? overrides.q : view.search
  if (q) params.set('q', q)
  return params
}

/** `path?query`, or the bare path for an empty query. */
export function withQuery(path: string, params: URLSearchParams): string {
  const query = params.toString()
  return query ? `${path}?${query}` : path
}
