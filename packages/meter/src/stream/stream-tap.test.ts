import { describe, expect, it } from 'vitest'
import { fixtureText } from '../normalisers/__fixtures__/read-fixture.js'
import { createStreamAccumulator } from './stream-accumulator.js'
import { createStreamObserver, type StreamEnd } from './stream-observer.js'
import { tapStream } from './stream-tap.js'

const encoder = new TextEncoder()

/** A byte stream of `text` in chunks of `size` bytes, optionally failing after `failAfter` chunks. */
function source(text: string, size: number, failAfter?: number): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(text)
  let offset = 0
  let sent = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (failAfter !== undefined && sent === failAfter) {
        controller.error(new TypeError('terminated'))
        return
      }
      if (offset >= bytes.length) {
        controller.close()
        return
      }
      controller.enqueue(bytes.slice(offset, offset + size))
      offset += size
      sent++
    },
  })
}

function tapped(stream: ReadableStream<Uint8Array>, filter: boolean, signal?: AbortSignal) {
  const ends: Array<{ how: StreamEnd; error?: unknown }> = []
  const accumulator = createStreamAccumulator('openai', { injectedUsage: filter })
  const observer = createStreamObserver({
    accumulator: () => accumulator,
    filter,
    signal,
    hooks: {
      onEnd: (how, error) => ends.push({ how, error }),
      onAccumulatorError: (error) => {
        throw error
      },
    },
  })
  tapStream(stream, observer)
  // Parsing happens after the end, off the caller's path: facts() reads it then.
  const facts = () => {
    observer.analyse()
    return accumulator.facts()
  }
  return { stream, observer, ends, facts, firstText: () => observer.analyse() }
}

async function iterate(stream: ReadableStream<Uint8Array>, stopAfter = Infinity): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  let chunks = 0
  for await (const chunk of stream) {
    text += decoder.decode(chunk, { stream: true })
    if (++chunks >= stopAfter) break
  }
  return text
}

const withUsage = fixtureText('openai-stream-usage.sse')
const withoutUsageChunk = withUsage
  .split(/(?<=\n\n)/)
  .filter((block) => !block.includes('"choices":[]'))
  .join('')

describe('tapStream', () => {
  it('leaves the bytes untouched when nothing is filtered, whichever way the body is read', async () => {
    for (const size of [1, 17, 1 << 16]) {
      const viaIterator = tapped(source(withUsage, size), false)
      expect(await iterate(viaIterator.stream)).toBe(withUsage)
      expect(viaIterator.ends).toEqual([{ how: 'complete', error: undefined }])
      expect(viaIterator.facts().finalUsage).toBe(true)
      expect(viaIterator.firstText()).toBeGreaterThan(0)

      const viaText = tapped(source(withUsage, size), false)
      expect(await new Response(viaText.stream).text()).toBe(withUsage)
      expect(viaText.ends.map((end) => end.how)).toEqual(['complete'])
    }
  })

  it('keeps the stream a ReadableStream', () => {
    const { stream } = tapped(source(withUsage, 64), false)
    expect(stream).toBeInstanceOf(ReadableStream)
    expect(stream.constructor).toBe(ReadableStream)
    expect(Object.keys(stream)).toEqual([])
  })

  it('drops exactly the usage-only chunk the meter asked for, through every reader, whatever the chunking', async () => {
    expect(withoutUsageChunk.length).toBeLessThan(withUsage.length)
    for (const size of [1, 5, 64, 1 << 16]) {
      const viaIterator = tapped(source(withUsage, size), true)
      expect(await iterate(viaIterator.stream)).toBe(withoutUsageChunk)
      expect(viaIterator.facts().finalUsage).toBe(true)
      const viaText = tapped(source(withUsage, size), true)
      expect(await new Response(viaText.stream).text()).toBe(withoutUsageChunk)
      const viaPipe = tapped(source(withUsage, size), true)
      expect(await new Response(viaPipe.stream.pipeThrough(new TransformStream())).text()).toBe(
        withoutUsageChunk,
      )
      const [left, right] = tapped(source(withUsage, size), true).stream.tee()
      expect(await new Response(left).text()).toBe(withoutUsageChunk)
      expect(await new Response(right).text()).toBe(withoutUsageChunk)
    }
  })

  it('finds the usage-only chunk written with a space, `"choices": []`, whatever the chunking', async () => {
    const spaced = withUsage.replaceAll('"choices":[]', '"choices": []')
    expect(spaced).not.toBe(withUsage)
    const expected = spaced
      .split(/(?<=\n\n)/)
      .filter((block) => !block.includes('"choices": []'))
      .join('')
    expect(expected.length).toBeLessThan(spaced.length)
    for (const size of [1, 7, 64, 1 << 16]) {
      const viaIterator = tapped(source(spaced, size), true)
      expect(await iterate(viaIterator.stream)).toBe(expected)
      expect(viaIterator.facts().finalUsage).toBe(true)
    }
  })

  it('drops the choices: [] / usage: null chunk too, with LF or CRLF line endings, whatever the chunking', async () => {
    const gateway = fixtureText('gateway-stream-null-usage.sse')
    for (const text of [gateway, gateway.replaceAll('\n', '\r\n')]) {
      const blank = text.includes('\r') ? /(?<=\r\n\r\n)/ : /(?<=\n\n)/
      const expected = text
        .split(blank)
        .filter((block) => !block.includes('"choices":[]'))
        .join('')
      expect(expected.length).toBeLessThan(text.length)
      for (const size of [1, 3, 50, 333, 1 << 16]) {
        const viaIterator = tapped(source(text, size), true)
        expect(await iterate(viaIterator.stream)).toBe(expected)
        expect(viaIterator.facts()).toMatchObject({
          finalUsage: true,
          usage: { prompt_tokens: 640, completion_tokens: 9 },
        })
        expect(viaIterator.firstText()).toBeGreaterThan(0)
      }
    }
  })

  it('ends as aborted when the caller breaks out of its loop, having seen only what it pulled', async () => {
    const { stream, ends, facts } = tapped(source(withUsage, 64), false)
    await iterate(stream, 1)
    expect(ends.map((end) => end.how)).toEqual(['aborted'])
    expect(facts().finalUsage).toBe(false)
  })

  it('ends as aborted when the caller cancels a reader or the stream', async () => {
    const viaReader = tapped(source(withUsage, 64), false)
    const reader = viaReader.stream.getReader()
    await reader.read()
    await reader.cancel(new Error('caller stopped'))
    expect(viaReader.ends.map((end) => end.how)).toEqual(['aborted'])

    const viaStream = tapped(source(withUsage, 64), false)
    await viaStream.stream.cancel()
    expect(viaStream.ends.map((end) => end.how)).toEqual(['aborted'])
  })

  it('ends as aborted, not broken, when a read fails because the request was aborted', async () => {
    const controller = new AbortController()
    const { stream, ends } = tapped(source(withUsage, 64, 2), false, controller.signal)
    controller.abort()
    await iterate(stream).catch(() => {})
    expect(ends.map((end) => end.how)).toEqual(['aborted'])
  })

  it('ends as broken and hands the caller the same error when the connection fails', async () => {
    const { stream, ends } = tapped(source(withUsage, 64, 3), false)
    const error = await iterate(stream).catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe('terminated')
    expect(ends).toEqual([{ how: 'broken', error }])
  })

  it('ends once: an abort from close() wins, later ends are ignored and the caller reads on', async () => {
    const { stream, observer, ends } = tapped(source(withUsage, 64), false)
    observer.abort(new Error('meter closed'))
    expect(await iterate(stream)).toBe(withUsage)
    expect(ends.map((end) => end.how)).toEqual(['aborted'])
  })
})
