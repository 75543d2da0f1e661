import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { loadPricingTable } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'

// The chat model ids of the `openai` SDK the project pins, read from the SDK's own type file.
// The SDK exports no ./package.json: resolve its entry point and walk up to the package root.
const require = createRequire(import.meta.url)
let sdkDir = dirname(require.resolve('openai'))
while (!existsSync(join(sdkDir, 'package.json'))) sdkDir = dirname(sdkDir)
const version = (
  JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8')) as { version: string }
).version
const shared = readFileSync(join(sdkDir, 'resources/shared.d.ts'), 'utf8')
const union = /export type ChatModel =([^;]+);/.exec(shared)?.[1] ?? ''
const chatModels = [...union.matchAll(/'([^']+)'/g)].map((match) => match[1]!)

describe(`every chat model id of the pinned openai SDK (${version})`, () => {
  const table = loadPricingTable({ env: {}, layers: [] })

  it('reads a real list from the SDK', () => {
    expect(version).toBe('6.44.0')
    expect(chatModels.length).toBeGreaterThan(50)
    expect(chatModels).toContain('gpt-5.4')
  })

  // Every id is priced: none is left unpriced on purpose any more.
  const UNPRICED: string[] = []

  it('is priced for the openai provider today, every id of the list', () => {
    const at = new Date('2026-12-01T00:00:00Z')
    const usage = {
      inputTokens: 1000,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 1000,
      reasoningTokens: 0,
    }
    const unpriced = chatModels.filter(
      (id) => table.price({ provider: 'openai', model: id, at, usage }) === null,
    )
    expect(unpriced).toEqual(UNPRICED)
    for (const id of UNPRICED) expect(table.resolveModel('openai', id)?.model.cards).toEqual([])
  })

  it('prices the first GPT-4o Audio snapshot from a curated card, not a catalog', () => {
    const card = table.cardAt('openai', 'gpt-4o-audio-preview-2024-10-01', new Date('2026-12-01'))
    expect(card?.card.data.catalog).toBeUndefined()
    expect(card?.card.data.rates).toMatchObject({ audioInput: '100.00', audioOutput: '200.00' })
  })
})
