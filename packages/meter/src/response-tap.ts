/**
 * Reading a non-streamed response body without a second copy of it. Cloning a Response tees its
 * body, which costs more than the rest of the meter together on a fast call, so instead the
 * response's own readers are tapped: when the caller (the SDK) reads the body with `json()`,
 * `text()`, `arrayBuffer()`, `bytes()` or `blob()`, or through `response.body`, the meter is handed
 * the same result, once, in a later turn of the event loop (the caller resumes first). The caller
 * gets exactly what the untapped methods return.
 *
 * How, in two modes:
 * - `'all'` (any SDK, `meter.fetch`): the response's prototype becomes TAPPED, an object inheriting
 *   from `Response.prototype` whose readers call the originals and then the tap (`instanceof
 *   Response` and `constructor` are unchanged);
 * - `'json'` (the openai SDK, which reads JSON bodies with `json()` and nothing else): only `json`
 *   is tapped, as one non-enumerable own property, the cheapest change to the object there is.
 *
 * A body nobody reads was still billed: `sweep()` (run by the meter a while after the call, and on
 * flush) clones such a response, which leaves the caller's copy intact, and reads the clone. A body
 * read some way the tap did not see is delivered as `elsewhere`: the call is recorded with its
 * usage missing rather than not at all.
 */

/** What the tap learned of the body, and when (`at`: performance.now() when the read ended). */
export type TappedBody = (
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'error'; error: unknown }
  | { kind: 'elsewhere' }
) & { at?: number }

/** Which readers to tap: all of them, or `json()` alone (see the module comment). */
export type TapMode = 'all' | 'json'

/** A tapped response's handle. */
export interface ResponseTap {
  /** Reads an unread body through a clone; a no-op once read or while the caller is reading it. */
  sweep(): void
  /**
   * A promise of the delivery when the body has been read (or is being read by `sweep`); null
   * while nobody reads it or the caller is still reading it.
   */
  settled(): Promise<void> | null
  /**
   * Delivers a body already read at once instead of in the later turn: for a process that is
   * exiting, where that turn never comes. A no-op otherwise.
   */
  deliverNow(): void
}

const proto = Response.prototype
const bodyGetter = Object.getOwnPropertyDescriptor(proto, 'body')!.get as (
  this: Response,
) => ReadableStream<Uint8Array> | null
const STATE = Symbol('tokenledger.tap')

type Tapped = Response & { [STATE]: TapState }

/**
 * Where a tapped body is. `sweeping`: the meter reads a clone (the caller may still read its own
 * copy, and whichever read ends first is delivered); `read`: waiting for its delivery in a later
 * turn of the event loop.
 */
type TapPhase =
  | { is: 'unread' }
  | { is: 'caller-reading' }
  | { is: 'sweeping' }
  | { is: 'read'; body: TappedBody }
  | { is: 'delivered' }

/** `response.body` as the caller sees it: not asked for yet, or the tapped stream (null: no body). */
type BodyView = { is: 'not-asked' } | { is: 'tapped'; stream: ReadableStream<Uint8Array> | null }

/** The state of one tapped response. */
class TapState implements ResponseTap {
  #phase: TapPhase = { is: 'unread' }
  #waiters: Array<() => void> = []
  bodyView: BodyView = { is: 'not-asked' }
  readonly #response: Response
  readonly #deliver: (body: TappedBody) => void

  constructor(response: Response, deliver: (body: TappedBody) => void) {
    this.#response = response
    this.#deliver = deliver
  }

  /** True once a read has ended: later reads are the caller's alone. */
  get finished(): boolean {
    return this.#phase.is === 'read' || this.#phase.is === 'delivered'
  }

  /** The caller started reading its body (a sweep already under way goes on). */
  callerReads(): void {
    if (this.#phase.is === 'unread') this.#phase = { is: 'caller-reading' }
  }

  finish(body: TappedBody): void {
    if (this.finished) return
    body.at = performance.now()
    this.#phase = { is: 'read', body }
    deliverAfterCallerResumes(this)
  }

  deliverNow(): void {
    if (this.#phase.is !== 'read') return
    const { body } = this.#phase
    this.#phase = { is: 'delivered' }
    try {
      this.#deliver(body)
    } catch {
      // The meter reports its own failures; nothing reaches the caller.
    } finally {
      for (const wake of this.#waiters) wake()
      this.#waiters = []
    }
  }

  settled(): Promise<void> | null {
    switch (this.#phase.is) {
      case 'delivered':
        return Promise.resolve()
      case 'unread':
      case 'caller-reading':
        return null
      case 'sweeping':
      case 'read':
        return new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  sweep(): void {
    if (this.#phase.is !== 'unread') return
    if (this.#response.bodyUsed) {
      this.finish({ kind: 'elsewhere' })
      return
    }
    let copy: Response
    try {
      copy = proto.clone.call(this.#response)
    } catch {
      return
    }
    this.#phase = { is: 'sweeping' }
    copy.text().then(
      (text) => this.finish({ kind: 'text', text }),
      (error: unknown) => this.finish({ kind: 'error', error }),
    )
  }
}

/** Read bodies waiting for their turn: one setImmediate delivers all those of a turn. */
const due: TapState[] = []

/** The caller's await resumes first; the meter's part of a read runs in a later turn. */
function deliverAfterCallerResumes(state: TapState): void {
  if (due.push(state) === 1) setImmediate(deliverDue)
}

function deliverDue(): void {
  for (const state of due.splice(0)) state.deliverNow()
}

/** A reader that calls the original, then hands the tap what it read. */
function tapped<T>(
  name: string,
  read: (value: T) => TappedBody | Promise<TappedBody>,
): PropertyDescriptor {
  const original = (proto as unknown as Record<string, (this: Response) => Promise<T>>)[name]!
  return {
    configurable: true,
    writable: true,
    // Plain `then` rather than async/await: one promise less on the caller's path.
    value: function (this: Tapped): Promise<T> {
      const state = this[STATE]
      state.callerReads()
      return original.call(this).then(
        (value) => {
          if (!state.finished) {
            const body = read(value)
            if (body instanceof Promise)
              body.then(
                (b) => state.finish(b),
                (error: unknown) => state.finish({ kind: 'error', error }),
              )
            else state.finish(body)
          }
          return value
        },
        (error: unknown) => {
          state.finish({ kind: 'error', error })
          throw error
        },
      )
    },
  }
}

const readers: PropertyDescriptorMap = {
  constructor: { value: Response, writable: true, configurable: true },
  json: tapped<unknown>('json', (value) => ({ kind: 'json', value })),
  text: tapped<string>('text', (text) => ({ kind: 'text', text })),
  // Decoded now: the caller owns the buffer and may change it once it has it.
  arrayBuffer: tapped<ArrayBuffer>('arrayBuffer', (buffer) => ({
    kind: 'text',
    text: new TextDecoder().decode(buffer),
  })),
  blob: tapped<Blob>('blob', async (blob) => ({ kind: 'text', text: await blob.text() })),
  body: {
    configurable: true,
    enumerable: true,
    get(this: Tapped) {
      const state = this[STATE]
      if (state.bodyView.is === 'not-asked') {
        const source = bodyGetter.call(this)
        state.bodyView = {
          is: 'tapped',
          stream: source === null ? null : passThrough(source, state),
        }
      }
      return state.bodyView.stream
    },
  },
}
if (typeof (proto as { bytes?: unknown }).bytes === 'function') {
  readers['bytes'] = tapped<Uint8Array>('bytes', (bytes) => ({
    kind: 'text',
    text: new TextDecoder().decode(bytes),
  }))
}
const TAPPED: object = Object.create(proto, readers)

/** Taps `response` (see the module comment); `deliver` runs once, in a later turn than the read. */
export function tapResponse(
  response: Response,
  deliver: (body: TappedBody) => void,
  mode: TapMode = 'all',
): ResponseTap {
  const state = new TapState(response, deliver)
  if (mode === 'json') Object.defineProperty(response, 'json', readers['json']!)
  else Object.setPrototypeOf(response, TAPPED)
  ;(response as Tapped)[STATE] = state
  return state
}

/** A stream that forwards `source` and hands its whole text to the tap at the end. */
function passThrough(
  source: ReadableStream<Uint8Array>,
  state: TapState,
): ReadableStream<Uint8Array> {
  const open = () => source.getReader()
  let reader: ReturnType<typeof open> | undefined
  const decoder = new TextDecoder()
  let text = ''
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // The source is locked only when the caller really reads: a caller that merely looks at
        // `response.body` can still call json() afterwards.
        if (!reader) {
          state.callerReads()
          reader = open()
        }
        try {
          const { done, value } = await reader.read()
          if (done) {
            state.finish({ kind: 'text', text: text + decoder.decode() })
            controller.close()
            return
          }
          text += decoder.decode(value, { stream: true })
          controller.enqueue(value)
        } catch (error) {
          state.finish({ kind: 'error', error })
          controller.error(error)
        }
      },
      cancel(reason) {
        state.finish({ kind: 'error', error: reason })
        return reader ? reader.cancel(reason) : source.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
}
