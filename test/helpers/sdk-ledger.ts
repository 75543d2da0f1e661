/**
 * What the SDK tests share: a price override that points bundled providers at local replay
 * servers (so a README sample detects its provider from the base URL exactly as it would from
 * api.anthropic.com), and the ledger read back through the built CLI's `report --json`.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import {
  fixtureJson,
  fixtureText,
} from '../../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import type { ReplayRoute } from './replay-server.js'
import { runCliAsync } from './run-cli.js'

/** A provider of the bundled table answering at `url` (its models and cards stay as bundled). */
export interface LocalProvider {
  id: string
  name: string
  usageStyle: 'openai' | 'deepseek' | 'openrouter' | 'anthropic' | 'gemini'
  url: string
}

/** The bundled OpenAI provider, answering at `url`. */
export const localOpenAI = (url: string): LocalProvider => ({
  id: 'openai',
  name: 'OpenAI',
  usageStyle: 'openai',
  url,
})

/** The bundled Anthropic provider, answering at `url`. */
export const localAnthropic = (url: string): LocalProvider => ({
  id: 'anthropic',
  name: 'Anthropic',
  usageStyle: 'anthropic',
  url,
})

/** The model id claude-haiku-4-5 answers with. */
export const HAIKU = 'claude-haiku-4-5-20251001'

/**
 * Anthropic's recorded message and stream, replayed as served by claude-haiku-4-5 (only the model
 * name changed): routes `claude-haiku-4-5` and `claude-haiku-4-5 stream`.
 */
export function haikuReplays(): Record<string, ReplayRoute> {
  return {
    'claude-haiku-4-5': { json: { ...fixtureJson('anthropic-message.json'), model: HAIKU } },
    'claude-haiku-4-5 stream': {
      sse: fixtureText('anthropic-stream.sse').replaceAll('claude-sonnet-4-5-20250929', HAIKU),
    },
  }
}

/** Writes a price override file giving each provider its local URL; returns its path. */
export function localPricesFile(dir: string, providers: readonly LocalProvider[]): string {
  const file = join(dir, `local-hosts-${providers.map((provider) => provider.id).join('-')}.json`)
  const entries = providers.map(({ id, name, usageStyle, url }) => ({
    id,
    name,
    apiBaseUrls: [url],
    usageStyle,
    reportsCost: false,
    models: [],
  }))
  writeFileSync(file, JSON.stringify({ providers: entries }))
  return file
}

/** One group of `tokenledger report --json` (the fields the SDK tests check). */
export interface ReportGroup {
  group: string
  calls: number
  inputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  outputTokens: number
  reasoningTokens: number
  cost: string | null
  unpricedCalls: number
  errorCalls: number
}

/** `tokenledger report --db sqlite:DB --by KEY --json`, groups keyed by name; fails on stderr or exit code. */
export async function report(db: string, by = 'model'): Promise<Record<string, ReportGroup>> {
  const result = await runCliAsync(['report', '--db', `sqlite:${db}`, '--by', by, '--json'])
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  const rows = JSON.parse(result.stdout) as ReportGroup[]
  return Object.fromEntries(rows.map((row) => [row.group, row]))
}
