import { describe, expect, it } from 'vitest'
import { type TappedBody, tapResponse } from './response-tap.js'

const payload = {
  id: 'chatcmpl-1',
  usage: { prompt_tokens: 3, completion_tokens: 1 },
  note: 'naïve €',
}
const text = JSON.stringify(payload)

function tapped(): {
  response: Response
  delivered: TappedBody[]
  tap: ReturnType<typeof tapResponse>
} {
  const response = new Response(text, { headers: { 'content-type': 'application/json' } })
  const delivered: TappedBody[] = []
  const tap = tapResponse(response, (body) => delivered.push(body))
  return { response, delivered, tap }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('tapResponse', () => {
  it('hands the meter what json() gave the caller, once', async () => {
    const { response, delivered } = tapped()
    const value = await response.json()
    expect(value).toEqual(payload)
    await tick()
    expect(delivered).toHaveLength(1)
    expect(delivered[0]).toMatchObject({ kind: 'json', value })
    expect((delivered[0] as { value: unknown }).value).toBe(value)
  })

  it('taps text(), arrayBuffer() and blob() alike', async () => {
    for (const read of ['text', 'arrayBuffer', 'blob'] as const) {
      const { response, delivered } = tapped()
      const value = await response[read]()
      if (read === 'text') expect(value).toBe(text)
      await tick()
      await tick()
      expect(delivered).toHaveLength(1)
      expect(delivered[0]).toMatchObject({ kind: 'text', text })
    }
  })

  it('taps a caller that reads response.body, and still lets one that only looks call json()', async () => {
    const reader = tapped()
    expect(await new Response(reader.response.body).text()).toBe(text)
    await tick()
    expect(reader.delivered).toMatchObject([{ kind: 'text', text }])

    const looker = tapped()
    expect(looker.response.body).not.toBeNull()
    expect(await looker.response.json()).toEqual(payload)
    await tick()
    expect(looker.delivered).toMatchObject([{ kind: 'json' }])
  })

  it('leaves the response a Response: instanceof, constructor, headers, status, bodyUsed', async () => {
    const { response } = tapped()
    expect(response).toBeInstanceOf(Response)
    expect(response.constructor).toBe(Response)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(Object.keys(response)).toEqual(Object.keys(new Response('')))
    expect(response.bodyUsed).toBe(false)
    await response.text()
    expect(response.bodyUsed).toBe(true)
    await expect(response.text()).rejects.toThrow(TypeError)
  })

  it('sweep() reads a body nobody read through a clone, leaving the caller a readable body', async () => {
    const { response, delivered, tap } = tapped()
    expect(tap.settled()).toBeNull()
    tap.sweep()
    await tap.settled()
    expect(delivered).toMatchObject([{ kind: 'text', text }])
    expect(await response.json()).toEqual(payload)
    await tick()
    expect(delivered).toHaveLength(1)
  })

  it('reports a read that fails as an error, and the caller gets the same error', async () => {
    const response = new Response('{"truncated":', {
      headers: { 'content-type': 'application/json' },
    })
    const delivered: TappedBody[] = []
    tapResponse(response, (body) => delivered.push(body))
    const error = await response.json().catch((thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(SyntaxError)
    await tick()
    expect(delivered).toEqual([expect.objectContaining({ kind: 'error', error })])
  })

  it("'json' mode taps json() alone, as one hidden own property", async () => {
    const response = new Response(text, { headers: { 'content-type': 'application/json' } })
    const delivered: TappedBody[] = []
    tapResponse(response, (body) => delivered.push(body), 'json')
    expect(Object.getPrototypeOf(response)).toBe(Response.prototype)
    expect(Object.keys(response)).toEqual([])
    expect(await response.json()).toEqual(payload)
    await tick()
    expect(delivered).toMatchObject([{ kind: 'json', value: payload }])
  })

  it('a body read past the tap is delivered as elsewhere by sweep(), so the call is still recorded', async () => {
    const response = new Response(text, { headers: { 'content-type': 'application/json' } })
    const delivered: TappedBody[] = []
    const tap = tapResponse(response, (body) => delivered.push(body), 'json')
    expect(await response.text()).toBe(text)
    tap.sweep()
    await tap.settled()
    expect(delivered).toMatchObject([{ kind: 'elsewhere' }])
  })
})
