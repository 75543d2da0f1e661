/**
 * Metering a streamed body where it is read, without a second stream. The body's ReadableStream
 * gets a prototype (inheriting ReadableStream's) whose readers report to a StreamObserver:
 * - `getReader()` returns the stream's own reader with `read()` / `cancel()` observed (fetch's
 *   `text()` / `json()` read through it too);
 * - async iteration (`for await`, `values()`: what the openai SDK uses) wraps the native iterator;
 * - `cancel()` notes the abort;
 * - `tee()`, `pipeTo()` and `pipeThrough()` go through an observed reader.
 * The caller gets the same Response and the same stream object; building a new Response around a
 * new stream costs more than the whole call on a fast provider. `instanceof ReadableStream` and
 * `constructor` are unchanged.
 */
import type { StreamObserver } from './stream-observer.js'

const OBSERVER = Symbol('tokenledger.streamObserver')
type Observed = ReadableStream<Uint8Array> & { [OBSERVER]: StreamObserver }
type Reader = ReturnType<ReadableStream<Uint8Array>['getReader']>
type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReaderLike['read']>>
interface ReadableStreamDefaultReaderLike {
  read(): Promise<{ done: boolean; value?: Uint8Array }>
}

const proto = ReadableStream.prototype
const nativeGetReader = proto.getReader as (
  this: ReadableStream<Uint8Array>,
  options?: unknown,
) => Reader
const nativeValues = proto.values as (
  this: ReadableStream<Uint8Array>,
  options?: unknown,
) => AsyncIterableIterator<Uint8Array> & {
  return?(value?: unknown): Promise<IteratorResult<Uint8Array>>
}
const nativeCancel = proto.cancel as (
  this: ReadableStream<Uint8Array>,
  reason?: unknown,
) => Promise<void>

/** Hands a read result to the observer, swapping in filtered bytes when it filters. */
function observed(
  observer: StreamObserver,
  result: ReadResult,
  held: { rest: Uint8Array | null },
): ReadResult {
  if (!result.done) {
    const value = observer.chunk(result.value!)
    return value === result.value ? result : { done: false, value }
  }
  const rest = observer.done()
  if (rest && rest.length > 0) {
    // Filter mode held the last bytes back: hand them over first, then report done.
    held.rest = rest
  }
  return result
}

function observeReader(reader: Reader, observer: StreamObserver): Reader {
  const read = reader.read as () => Promise<ReadResult>
  const cancel = reader.cancel
  const held: { rest: Uint8Array | null } = { rest: null }
  let finished = false
  Object.defineProperties(reader, {
    read: {
      configurable: true,
      writable: true,
      value: function observedRead(this: Reader): Promise<ReadResult> {
        if (finished) {
          if (held.rest) {
            const value = held.rest
            held.rest = null
            return Promise.resolve({ done: false, value })
          }
          return read.call(this)
        }
        return read.call(this).then(
          (result) => {
            const out = observed(observer, result, held)
            if (!result.done) return out
            finished = true
            if (held.rest) {
              const value = held.rest
              held.rest = null
              return { done: false, value }
            }
            return out
          },
          (error: unknown) => {
            observer.fail(error)
            throw error
          },
        )
      },
    },
    cancel: {
      configurable: true,
      writable: true,
      value: function observedCancel(this: Reader, reason?: unknown): Promise<void> {
        observer.abort(reason)
        return cancel.call(this, reason)
      },
    },
  })
  return reader
}

/** A stream over an observed reader, for the pipe and tee methods that bypass getReader(). */
function throughObserved(stream: Observed): ReadableStream<Uint8Array> {
  const reader = observeReader(
    nativeGetReader.call(stream),
    stream[OBSERVER],
  ) as unknown as ReadableStreamDefaultReaderLike & {
    cancel(reason?: unknown): Promise<void>
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value!)
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  )
}

function observedIterator(this: Observed, options?: unknown): AsyncIterableIterator<Uint8Array> {
  const observer = this[OBSERVER]
  const inner = nativeValues.call(this, options)
  const held: { rest: Uint8Array | null } = { rest: null }
  let finished = false
  const iterator: AsyncIterableIterator<Uint8Array> = {
    next(): Promise<IteratorResult<Uint8Array>> {
      if (finished) {
        if (held.rest) {
          const value = held.rest
          held.rest = null
          return Promise.resolve({ done: false, value })
        }
        return inner.next()
      }
      return inner.next().then(
        (result) => {
          const out = observed(observer, result as ReadResult, held) as IteratorResult<Uint8Array>
          if (!result.done) return out
          finished = true
          if (held.rest) {
            const value = held.rest
            held.rest = null
            return { done: false, value }
          }
          return out
        },
        (error: unknown) => {
          observer.fail(error)
          throw error
        },
      )
    },
    return(value?: unknown): Promise<IteratorResult<Uint8Array>> {
      // Breaking out of a for-await cancels the stream (unless preventCancel): the caller stopped.
      if (!finished) observer.abort(new Error('the caller stopped reading'))
      return inner.return ? inner.return(value) : Promise.resolve({ done: true, value: undefined })
    },
    [Symbol.asyncIterator]() {
      return iterator
    },
  }
  return iterator
}

const TAPPED_STREAM: object = Object.create(proto, {
  constructor: { value: ReadableStream, writable: true, configurable: true },
  getReader: {
    configurable: true,
    writable: true,
    value: function getReader(this: Observed, options?: unknown): Reader {
      return observeReader(nativeGetReader.call(this, options), this[OBSERVER])
    },
  },
  values: { configurable: true, writable: true, value: observedIterator },
  [Symbol.asyncIterator]: { configurable: true, writable: true, value: observedIterator },
  cancel: {
    configurable: true,
    writable: true,
    value: function cancel(this: Observed, reason?: unknown): Promise<void> {
      this[OBSERVER].abort(reason)
      return nativeCancel.call(this, reason)
    },
  },
  tee: {
    configurable: true,
    writable: true,
    value: function tee(this: Observed) {
      return throughObserved(this).tee()
    },
  },
  pipeTo: {
    configurable: true,
    writable: true,
    value: function pipeTo(
      this: Observed,
      ...args: Parameters<ReadableStream<Uint8Array>['pipeTo']>
    ) {
      return throughObserved(this).pipeTo(...args)
    },
  },
  pipeThrough: {
    configurable: true,
    writable: true,
    value: function pipeThrough(
      this: Observed,
      ...args: Parameters<ReadableStream<Uint8Array>['pipeThrough']>
    ) {
      return throughObserved(this).pipeThrough(...args)
    },
  },
})

/** Makes every read of `stream` go past `observer`; see the module comment. */
export function tapStream(stream: ReadableStream<Uint8Array>, observer: StreamObserver): void {
  Object.setPrototypeOf(stream, TAPPED_STREAM)
  ;(stream as Observed)[OBSERVER] = observer
}
