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

/**
 * The observer of each tapped stream. A WeakMap, not a property: adding a property to a
 * ReadableStream costs several times what the map does.
 */
const OBSERVERS = new WeakMap<ReadableStream<Uint8Array>, StreamObserver>()
type Observed = ReadableStream<Uint8Array>

function observerOf(stream: Observed): StreamObserver {
  return OBSERVERS.get(stream)!
}
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

/**
 * The source's reads as the caller gets them: each chunk goes past the observer (which may swap in
 * filtered bytes); at the source's end, bytes the observer held back (filter mode) are handed over
 * as one more chunk, and the next read reports the end. Shared by readers and async iterators.
 */
class ObservedReads {
  /** The source reported its end (the caller may not have seen it yet). */
  finished = false
  readonly #observer: StreamObserver
  readonly #read: () => Promise<ReadResult>

  constructor(observer: StreamObserver, read: () => Promise<ReadResult>) {
    this.#observer = observer
    this.#read = read
  }

  next(): Promise<ReadResult> {
    if (this.finished) return this.#read()
    return this.#read().then(this.#onResult, this.#onError)
  }

  // Made once per stream, not once per read.
  readonly #onResult = (result: ReadResult): ReadResult => {
    if (!result.done) {
      const value = this.#observer.chunk(result.value!)
      return value === result.value ? result : { done: false, value }
    }
    this.finished = true
    const heldBack = this.#observer.done()
    return heldBack && heldBack.length > 0 ? { done: false, value: heldBack } : result
  }

  readonly #onError = (error: unknown): never => {
    this.#observer.fail(error)
    throw error
  }
}

function observeReader(reader: Reader, observer: StreamObserver): Reader {
  const read = reader.read as () => Promise<ReadResult>
  const cancel = reader.cancel
  const reads = new ObservedReads(observer, () => read.call(reader))
  Object.defineProperties(reader, {
    read: {
      configurable: true,
      writable: true,
      value: function observedRead(this: Reader): Promise<ReadResult> {
        return reads.next()
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
    observerOf(stream),
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
  const observer = observerOf(this)
  const inner = nativeValues.call(this, options)
  const reads = new ObservedReads(observer, () => inner.next() as Promise<ReadResult>)
  const iterator: AsyncIterableIterator<Uint8Array> = {
    next(): Promise<IteratorResult<Uint8Array>> {
      return reads.next() as Promise<IteratorResult<Uint8Array>>
    },
    return(value?: unknown): Promise<IteratorResult<Uint8Array>> {
      // Breaking out of a for-await cancels the stream (unless preventCancel): the caller stopped.
      if (!reads.finished) observer.abort(new Error('the caller stopped reading'))
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
      return observeReader(nativeGetReader.call(this, options), observerOf(this))
    },
  },
  values: { configurable: true, writable: true, value: observedIterator },
  [Symbol.asyncIterator]: { configurable: true, writable: true, value: observedIterator },
  cancel: {
    configurable: true,
    writable: true,
    value: function cancel(this: Observed, reason?: unknown): Promise<void> {
      observerOf(this).abort(reason)
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
  OBSERVERS.set(stream, observer)
}
