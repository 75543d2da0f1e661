import { describe, expect, it } from 'vitest'
import { fixtureText } from '../normalisers/__fixtures__/read-fixture.js'
import { meterSseBody, type StreamEnd } from './metered-body.js'
import { createStreamAccumulator } from './stream-accumulator.js'

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

function meter(stream: ReadableStream<Uint8Array>, filter: boolean, signal?: AbortSignal) {
  const ends: Array<{ how: StreamEnd; error?: unknown }> = []
  let firstText = 0
  const accumulator = createStreamAccumulator('openai', { injectedUsage: filter })
  const metered = meterSseBody(stream, {
    accumulator,
    filter,
    signal,
    hooks: {
      onFirstText: () => firstText++,
      onEnd: (how, error) => ends.push({ how, error }),
      onAccumulatorError: (error) => {
        throw error
      },
    },
  })
  return { metered, ends, accumulator, firstText: () => firstText }
}

describe('meterSseBody', () => {
  it('passes the bytes through untouched when nothing is filtered', async () => {
    const text = fixtureText('openai-stream-usage.sse')
    for (const size of [1, 17, 1 << 16]) {
      const { metered, ends, accumulator, firstText } = meter(source(text, size), false)
      expect(await new Response(metered.body).text()).toBe(text)
      expect(ends).toEqual([{ how: 'complete', error: undefined }])
      expect(accumulator.facts().finalUsage).toBe(true)
      expect(firstText()).toBe(1)
    }
  })

  it('drops exactly the usage-only chunk the meter asked for, whatever the chunking', async () => {
    const text = fixtureText('openai-stream-usage.sse')
    const blocks = text.split(/(?<=\n\n)/)
    const expected = blocks.filter((block) => !block.includes('"choices":[]')).join('')
    expect(expected.length).toBeLessThan(text.length)
    for (const size of [1, 5, 64, 1 << 16]) {
      const { metered, accumulator } = meter(source(text, size), true)
      expect(await new Response(metered.body).text()).toBe(expected)
      expect(accumulator.facts().finalUsage).toBe(true)
    }
  })

  it('ends as aborted when the caller cancels, having seen only what was pulled', async () => {
    const { metered, ends, accumulator } = meter(source(fixtureText('openai-stream-usage.sse'), 64), false)
    const reader = metered.body.getReader()
    await reader.read()
    await reader.cancel(new Error('caller stopped'))
    expect(ends.map((end) => end.how)).toEqual(['aborted'])
    expect(accumulator.facts().finalUsage).toBe(false)
  })

  it('ends as aborted when the request signal aborts', async () => {
    const controller = new AbortController()
    const { metered, ends } = meter(source(fixtureText('openai-stream-usage.sse'), 64), false, controller.signal)
    await metered.body.getReader().read()
    controller.abort()
    expect(ends.map((end) => end.how)).toEqual(['aborted'])
  })

  it('ends as broken and hands the caller the same error when the connection fails', async () => {
    const { metered, ends } = meter(source(fixtureText('openai-stream-usage.sse'), 64, 3), false)
    const error = await new Response(metered.body).text().catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toBe('terminated')
    expect(ends).toHaveLength(1)
    expect(ends[0]!.how).toBe('broken')
    expect(ends[0]!.error).toBe(error)
  })

  it('abandon() ends the metering once, and later ends are ignored', async () => {
    const { metered, ends } = meter(source(fixtureText('openai-stream-usage.sse'), 64), false)
    metered.abandon(new Error('meter closed'))
    await new Response(metered.body).text()
    expect(ends.map((end) => end.how)).toEqual(['aborted'])
  })
})
