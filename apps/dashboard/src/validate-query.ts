/**
 * Query-string validation for every dashboard route. Each parameter has a zod schema; a bad value
 * answers 400 with a message that names the parameter, says what is wrong and what was expected:
 * `query parameter 'range': expected one of today, 7d, 30d, 90d, got "yesterday"`.
 */
import { readInstant, TokenledgerError } from '@tokenledger/pricing'
import { CALL_SORTS, type CallSort, type CallStatus, type Tags } from '@tokenledger/store'
import { z } from 'zod'
import {
  BUCKETS,
  DAY_MS,
  DEFAULT_RANGE,
  MAX_HOUR_BUCKET_DAYS,
  MAX_PERIOD_DAYS,
  RANGE_PRESETS,
  defaultBucket,
  presetPeriod,
  type Bucket,
  type Period,
  type RangePreset,
} from './period.js'

/** How the spend chart stacks its bars. */
export const STACKS = ['model', 'provider'] as const
export type StackBy = (typeof STACKS)[number]

/** The breakdowns offered as bars and tables. */
export const BREAKDOWNS = ['provider', 'model', 'model-provider'] as const
export type BreakdownBy = (typeof BREAKDOWNS)[number]

export const STATUSES = ['ok', 'error', 'aborted'] as const satisfies readonly CallStatus[]
export const PRICED = ['yes', 'no'] as const
export type PricedFilter = (typeof PRICED)[number]

export const ORDERS = ['desc', 'asc'] as const
/** How often a page reloads itself (off unless the URL asks). */
export const REFRESHES = ['1m', '5m', '15m'] as const
export type Refresh = (typeof REFRESHES)[number]

/**
 * Most tag filters one view may combine. Each is one index lookup per call of the period, so the
 * bound keeps a request's cost bounded (1,000 of them answered 500 after seconds of work).
 */
export const MAX_TAG_FILTERS = 10

/**
 * Longest period a tag filter or the tag view may cover. Tags are read from the raw calls, one
 * index lookup per call of the period, while the server waits (SQLite reads block it): 92 days
 * (the 90-day preset, any calendar month) bounds that to a few seconds on a 10M-call ledger.
 */
export const MAX_TAG_PERIOD_DAYS = 92

/** Most calls one page may list. */
export const MAX_LIMIT = 500
export const DEFAULT_LIMIT = 50

/** Every query parameter the dashboard knows. `token` is read by the auth middleware. */
export const PARAMS = [
  'range',
  'from',
  'to',
  'provider',
  'model',
  'tag',
  'status',
  'priced',
  'bucket',
  'stack',
  'by',
  'limit',
  'offset',
  'sort',
  'order',
  'q',
  'key',
  'refresh',
  'token',
] as const
export type ParamName = (typeof PARAMS)[number]

/** The parameters that choose which calls a view covers; shared by every route. */
export const FILTER_PARAMS = [
  'range',
  'from',
  'to',
  'provider',
  'model',
  'tag',
  'status',
  'token',
] as const

/** The filters of a view, in the store's vocabulary. */
export interface ViewFilters {
  provider?: string
  model?: string
  status?: CallStatus
  tags: Tags
}

/** A validated view: the period, the filters and the per-route options (with their defaults). */
export interface ViewQuery {
  period: Period
  /** The explicit from/to as given (null when a preset is used), to refill the form. */
  from: string | null
  to: string | null
  filters: ViewFilters
  priced: PricedFilter | null
  bucket: Bucket
  /** True when the URL named the bucket (links keep it only then). */
  bucketGiven: boolean
  stack: StackBy
  by: BreakdownBy
  limit: number
  offset: number
  sort: CallSort
  order: 'asc' | 'desc'
  /** Search text: a call id or a provider request id (null: none). */
  search: string | null
  /** The tag key of the tag view (null: none chosen). */
  tagKey: string | null
  refresh: Refresh | null
}

/** The 400 error of a bad query parameter. */
export class QueryError extends TokenledgerError {
  readonly parameter: string

  /** @param where what the parameter is: a query parameter unless a path segment is meant */
  constructor(
    parameter: string,
    problem: string,
    where: 'query parameter' | 'path parameter' = 'query parameter',
  ) {
    super('QUERY_INVALID', `${where} '${parameter}': ${problem}`)
    this.parameter = parameter
  }
}

const show = (value: string) =>
  JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value)
const oneOf = (values: readonly string[]) => (issue: { input: unknown }) =>
  `expected one of ${values.join(', ')}, got ${show(String(issue.input))}`

// Control characters never belong in a provider, model or tag; rejecting them keeps logs and CSV sane.
const CONTROL = /[\u0000-\u001f\u007f]/
const label = (what: string, max: number) =>
  z
    .string()
    .min(1, { error: `expected a non-empty ${what}` })
    .max(max, { error: `expected a ${what} of at most ${max} characters` })
    .refine((value) => !CONTROL.test(value), {
      error: `expected a ${what} without control characters`,
    })

const DATE = /^\d{4}-\d{2}-\d{2}$/
// One strict parser (@tokenledger/pricing): 2026-02-30 and trailing junk are errors; a URL is
// shared between people in different zones, so a date-time must say its zone here.
const instant = z.string().superRefine((value, ctx) => {
  const result = readInstant(value, { requireZone: true })
  if (!result.ok) ctx.addIssue({ code: 'custom', message: result.problem })
})

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, {
      error: (issue) =>
        `expected a whole number from ${min} to ${max}, got ${show(String(issue.input))}`,
    })
    .transform(Number)
    .refine((value) => value >= min && value <= max, {
      error: (issue) => `expected a whole number from ${min} to ${max}, got ${String(issue.input)}`,
    })

const tag = z
  .string()
  .refine((value) => value.indexOf('=') > 0 && value.indexOf('=') < value.length - 1, {
    error: (issue) => `expected key=value (e.g. feature=search), got ${show(String(issue.input))}`,
  })
  .transform((value) => {
    const at = value.indexOf('=')
    return [value.slice(0, at), value.slice(at + 1)] as const
  })
  .refine(
    ([key, value]) => key.length <= 100 && value.length <= 200 && !CONTROL.test(key + value),
    {
      error:
        'expected a tag key of at most 100 and a value of at most 200 characters, without control characters',
    },
  )

const SCHEMAS = {
  range: z.enum(RANGE_PRESETS, { error: oneOf(RANGE_PRESETS) }),
  from: instant,
  to: instant,
  provider: label('provider id', 200),
  model: label('model id', 200),
  tag,
  status: z.enum(STATUSES, { error: oneOf(STATUSES) }),
  priced: z.enum(PRICED, { error: oneOf(PRICED) }),
  bucket: z.enum(BUCKETS, { error: oneOf(BUCKETS) }),
  stack: z.enum(STACKS, { error: oneOf(STACKS) }),
  by: z.enum(BREAKDOWNS, { error: oneOf(BREAKDOWNS) }),
  limit: integer(1, MAX_LIMIT),
  offset: integer(0, 100_000_000),
  sort: z.enum(CALL_SORTS, { error: oneOf(CALL_SORTS) }),
  order: z.enum(ORDERS, { error: oneOf(ORDERS) }),
  q: label('call id or request id', 200).transform((value) => value.trim()),
  key: label('tag key', 100),
  refresh: z.enum(REFRESHES, { error: oneOf(REFRESHES) }),
  token: z.string(),
} satisfies Record<ParamName, z.ZodType>

type Parsed = { [K in ParamName]?: z.output<(typeof SCHEMAS)[K]> }

function parseOne<K extends ParamName>(name: K, value: string): z.output<(typeof SCHEMAS)[K]> {
  const result = SCHEMAS[name].safeParse(value)
  if (!result.success)
    throw new QueryError(name, result.error.issues[0]?.message ?? 'invalid value')
  return result.data as z.output<(typeof SCHEMAS)[K]>
}

function toInstant(value: string, endOfDay: boolean): Date {
  if (DATE.test(value)) {
    const start = Date.parse(`${value}T00:00:00Z`)
    return new Date(endOfDay ? start + DAY_MS : start)
  }
  return (readInstant(value, { requireZone: true }) as { ok: true; date: Date }).date
}

/**
 * Validates a query string against the parameters a route accepts.
 * @param queries every value of every parameter (hono's `c.req.queries()`, or built from a URL)
 * @param options.allow the parameters this route accepts; any other name is a 400
 * @param options.now the clock that presets are relative to
 * @throws QueryError (code QUERY_INVALID) naming the first bad parameter
 * @example parseViewQuery({ range: ['7d'], provider: ['deepseek'] }, { allow: FILTER_PARAMS, now: new Date() })
 */
export function parseViewQuery(
  queries: Record<string, string[]>,
  options: { allow: readonly ParamName[]; now: Date },
): ViewQuery {
  const allowed = new Set<string>(options.allow)
  const parsed: Parsed = {}
  const tags: Tags = {}
  for (const [name, given] of Object.entries(queries)) {
    // An empty value is an unset form field (`?provider=` from the filter form), not a bad value.
    const values = given.filter((value) => value !== '')
    if (values.length === 0 && allowed.has(name)) continue
    if (!allowed.has(name)) {
      const known = options.allow.filter((p) => p !== 'token')
      throw new QueryError(
        name,
        known.length === 0
          ? 'unknown parameter; this address takes none'
          : `unknown parameter; expected one of ${known.join(', ')}`,
      )
    }
    const param = name as ParamName
    if (param === 'tag') {
      if (values.length > MAX_TAG_FILTERS) {
        throw new QueryError(
          'tag',
          `expected at most ${MAX_TAG_FILTERS} tag filters, got ${values.length}`,
        )
      }
      for (const value of values) {
        const [key, tagValue] = parseOne('tag', value)
        if (key in tags && tags[key] !== tagValue) {
          throw new QueryError('tag', `key ${show(key)} given twice with different values`)
        }
        tags[key] = tagValue
      }
      continue
    }
    if (values.length !== 1)
      throw new QueryError(name, `given ${values.length} times; expected once`)
    ;(parsed as Record<string, unknown>)[param] = parseOne(param, values[0]!)
  }

  const period = resolvePeriod(parsed.range, parsed.from, parsed.to, options.now)
  const bucket = parsed.bucket ?? defaultBucket(period)
  const days = (period.until.getTime() - period.since.getTime()) / DAY_MS
  if (bucket === 'hour' && days > MAX_HOUR_BUCKET_DAYS) {
    throw new QueryError(
      'bucket',
      `hour buckets need a period of at most ${MAX_HOUR_BUCKET_DAYS} days; this one has ${Math.ceil(days)} (use bucket=day)`,
    )
  }

  for (const [name, given] of [
    ['tag', Object.keys(tags).length > 0],
    ['key', parsed.key !== undefined],
  ] as const) {
    if (given && days > MAX_TAG_PERIOD_DAYS) {
      throw new QueryError(
        name,
        `tags are read from the raw calls: expected a period of at most ${MAX_TAG_PERIOD_DAYS} days with ${name === 'tag' ? 'a tag filter' : 'the tag view'}, this one has ${Math.ceil(days)}`,
      )
    }
  }
  const filters: ViewFilters = { tags }
  if (parsed.provider !== undefined) filters.provider = parsed.provider
  if (parsed.model !== undefined) filters.model = parsed.model
  if (parsed.status !== undefined) filters.status = parsed.status
  return {
    period,
    from: parsed.range === undefined ? (parsed.from ?? null) : null,
    to: parsed.range === undefined ? (parsed.to ?? null) : null,
    filters,
    priced: parsed.priced ?? null,
    bucket,
    bucketGiven: parsed.bucket !== undefined,
    stack: parsed.stack ?? 'model',
    by: parsed.by ?? 'model-provider',
    limit: parsed.limit ?? DEFAULT_LIMIT,
    offset: parsed.offset ?? 0,
    sort: parsed.sort ?? 'time',
    order: parsed.order ?? 'desc',
    search: parsed.q === undefined || parsed.q === '' ? null : parsed.q,
    tagKey: parsed.key ?? null,
    refresh: parsed.refresh ?? null,
  }
}

function resolvePeriod(
  range: RangePreset | undefined,
  from: string | undefined,
  to: string | undefined,
  now: Date,
): Period {
  if (range !== undefined) {
    if (from !== undefined)
      throw new QueryError('from', "cannot be combined with 'range'; give a preset or from/to")
    if (to !== undefined)
      throw new QueryError('to', "cannot be combined with 'range'; give a preset or from/to")
    return presetPeriod(range, now)
  }
  if (from === undefined) {
    if (to !== undefined) throw new QueryError('to', "needs 'from' as well (or use 'range')")
    return presetPeriod(DEFAULT_RANGE, now)
  }
  const since = toInstant(from, false)
  // A date `to` is inclusive (the whole day); a date-time `to` is the exclusive end.
  const until = to === undefined ? presetPeriod('today', now).until : toInstant(to, true)
  if (until.getTime() <= since.getTime()) {
    throw new QueryError(
      'to',
      `expected an end after 'from' (${since.toISOString()}), got ${until.toISOString()}`,
    )
  }
  if (until.getTime() - since.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw new QueryError('from', `expected a period of at most ${MAX_PERIOD_DAYS} days`)
  }
  return { since, until, range: null }
}

/** Builds the `queries` record of `parseViewQuery` from a URL's search params. */
export function queriesOf(search: URLSearchParams): Record<string, string[]> {
  const queries: Record<string, string[]> = {}
  for (const [name, value] of search) (queries[name] ??= []).push(value)
  return queries
}
