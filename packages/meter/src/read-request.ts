/**
 * What the meter needs from an outgoing request: which endpoint, which model, streamed or not, and
 * the JSON body, parsed only if an estimate ever needs the prompt (a long prompt is costly to
 * parse, and the SDK has just serialised it).
 *
 * Only generation calls are metered: POST requests to `/chat/completions`, `/completions`,
 * `/responses`, `/embeddings`, Anthropic's `/messages` and Gemini's `:generateContent` /
 * `:streamGenerateContent`. Anything else (listing models, uploading files) passes through
 * untouched and unrecorded.
 */

/** The input a `fetch` accepts, as the openai SDK types it. */
export type FetchInput = string | URL | Request

/** A `fetch`-compatible function. */
export type FetchLike = (input: FetchInput, init?: RequestInit) => Promise<Response>

/** A metered request, read from the caller's fetch arguments. */
export interface RequestFacts {
  url: string
  /** e.g. `/chat/completions`, `/messages`, `:generateContent`. */
  endpoint: string
  /** The URL up to the endpoint, used to detect the provider. */
  base: string
  /** The model as sent; '' when the request does not say. */
  model: string
  stream: boolean
  /** The parsed JSON body (parsed on first use), or null when it is not a JSON string. */
  readonly body: Record<string, unknown> | null
}

const ENDPOINTS = [
  '/chat/completions',
  '/completions',
  '/responses',
  '/embeddings',
  '/messages',
] as const
const GEMINI = /\/models\/([^/:]+):(generateContent|streamGenerateContent)$/

/** Where a generation call goes: everything the meter reads from the URL alone. */
export type RequestTarget = Omit<RequestFacts, 'body'>

/** A `"model": "..."` pair starting exactly at `lastIndex`. */
const MODEL_AT = /"model"\s*:\s*"((?:[^"\\]|\\.)*)"/y

/**
 * The raw (still escaped) value of the only `"model": "..."` pair in a JSON text; null when there
 * is none or more than one (nested objects may carry their own). Each `"model"` is found by a
 * native search and only there tested with the regex: a regex scan of a 110 kB prompt took 45 µs,
 * the search 1.5 µs. The next search starts where a match ended, as a global regex's would.
 */
function onlyModel(text: string): string | null {
  let found: string | null = null
  for (let at = text.indexOf('"model"'); at !== -1;) {
    MODEL_AT.lastIndex = at
    const match = MODEL_AT.exec(text)
    if (match === null) {
      at = text.indexOf('"model"', at + 1)
      continue
    }
    if (found !== null) return null
    found = match[1]!
    at = text.indexOf('"model"', MODEL_AT.lastIndex)
  }
  return found
}

/**
 * Reads the method and URL of a fetch call; null when it is not a generation call (it then goes
 * through unmetered). Cheap: no body is read.
 */
export function readTarget(input: FetchInput, init: RequestInit | undefined): RequestTarget | null {
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET')
  if (method !== 'POST' && method.toUpperCase() !== 'POST') return null
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)

  let endpoint: string | undefined
  let model = ''
  let stream = false
  // Gemini names its method after a colon in the last segment (`models/x:generateContent`).
  const gemini = path.indexOf(':', path.lastIndexOf('/')) === -1 ? null : GEMINI.exec(path)
  if (gemini) {
    endpoint = `:${gemini[2]}`
    model = decodeURIComponent(gemini[1]!)
    stream = gemini[2] === 'streamGenerateContent'
  } else {
    endpoint = ENDPOINTS.find((name) => path.endsWith(name))
    // An Assistants thread's /messages is not an Anthropic call.
    if (endpoint === '/messages' && path.includes('/threads/')) endpoint = undefined
  }
  if (!endpoint) return null
  const base = gemini ? path.slice(0, gemini.index) : path.slice(0, path.length - endpoint.length)
  return { url, endpoint, base, model, stream }
}

/**
 * Reads a fetch call, body included; null when it is not a generation call.
 * Never throws on odd input: a body it cannot read simply leaves `body` null and `model` ''.
 */
export function readRequest(
  input: FetchInput,
  init: RequestInit | undefined,
  target: RequestTarget | null = readTarget(input, init),
): RequestFacts | null {
  if (!target) return null
  const raw = init?.body
  const text =
    typeof raw === 'string' ? raw : raw instanceof Uint8Array ? new TextDecoder().decode(raw) : null
  let parsed: Record<string, unknown> | null | undefined
  const body = (): Record<string, unknown> | null =>
    parsed === undefined ? (parsed = text === null ? null : parseBody(text)) : parsed
  let model = target.model
  let stream = target.stream
  if (text !== null) {
    // The model and the stream flag without parsing the prompt: one unambiguous "model" string
    // (nested objects may carry their own), else the parsed body decides.
    const only = onlyModel(text)
    // Always parsed, even without escapes: a regex match is a slice that keeps the whole body (the
    // prompt) alive for as long as the record holds its model name.
    if (only !== null) model = JSON.parse(`"${only}"`) as string
    else if (typeof body()?.['model'] === 'string') model = body()!['model'] as string
    if (asksToStream(text)) stream = true
  }
  return {
    ...target,
    model,
    stream,
    get body() {
      return body()
    },
  }
}

/**
 * The same request without its body, for a record that will not read the prompt: the body getter
 * keeps the whole request text alive (and spreading the facts would call it, parsing the prompt).
 */
export function withoutBody(request: RequestFacts): RequestFacts {
  const { url, endpoint, base, model, stream } = request
  return { url, endpoint, base, model, stream, body: null }
}

function parseBody(body: unknown): Record<string, unknown> | null {
  let text: string
  if (typeof body === 'string') text = body
  else if (body instanceof Uint8Array) text = new TextDecoder().decode(body)
  else return null
  if (text.charCodeAt(0) !== 123 /* '{' */) return null
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

/**
 * The request with `stream_options.include_usage: true` added, for OpenAI-style streams whose
 * caller did not ask for usage: without it OpenAI sends no usage at all. Returns null when there is
 * nothing to add (already asked, not a stream, not a JSON string body). Works on the JSON text, so
 * the common case (no `stream_options` yet) costs one string concatenation; a stale Content-Length
 * header is dropped.
 */
export function withStreamUsage(
  endpoint: string,
  init: RequestInit | undefined,
): RequestInit | null {
  if (endpoint !== '/chat/completions' && endpoint !== '/completions') return null
  const body = init?.body
  if (typeof body !== 'string' || body.charCodeAt(0) !== 123 /* '{' */ || !asksToStream(body))
    return null
  let next: string
  if (!body.includes('"stream_options"')) {
    next = `{"stream_options":{"include_usage":true},${body.slice(1)}`
  } else {
    const parsed = parseBody(body)
    if (!parsed || parsed['stream'] !== true) return null
    const options = parsed['stream_options']
    const given = options && typeof options === 'object' ? (options as Record<string, unknown>) : {}
    if (given['include_usage'] === true) return null
    next = JSON.stringify({ ...parsed, stream_options: { ...given, include_usage: true } })
  }
  const headers = withoutContentLength(init!.headers)
  return { ...init, body: next, ...(headers === undefined ? {} : { headers }) }
}

/** `"stream": true` (any spacing) right at `lastIndex`. */
const STREAM_TRUE_AT = /"stream"\s*:\s*true/y

/**
 * True when a JSON body has a `"stream": true` key. JSON text has no unescaped quote inside
 * strings, so `"stream"` is only ever a key. Each `"stream"` is found by a native search and only
 * there tested with the regex: a regex scan of a long prompt costs far more.
 */
function asksToStream(text: string): boolean {
  for (let at = text.indexOf('"stream"'); at !== -1; at = text.indexOf('"stream"', at + 8)) {
    STREAM_TRUE_AT.lastIndex = at
    if (STREAM_TRUE_AT.test(text)) return true
  }
  return false
}

function withoutContentLength(headers: RequestInit['headers']): RequestInit['headers'] {
  if (!headers) return headers
  if (headers instanceof Headers) {
    if (!headers.has('content-length')) return headers
  } else if (Array.isArray(headers)) {
    if (!headers.some(([name]) => name?.toLowerCase() === 'content-length')) return headers
  } else if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
    return headers
  }
  const copy = new Headers(headers)
  copy.delete('content-length')
  return copy
}
