/**
 * What the SDK tests share: a price override that points bundled providers at local replay
 * servers (so a README sample detects its provider from the base URL exactly as it would from
 * api.anthropic.com), and the ledger read back through the built CLI's `report --json`.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { runCliAsync } from './run-cli.js'

/** A provider of the bundled table answering at `url` (its models and cards stay as bundled). */
export interface LocalProvider {
  id: string
  name: string
  usageStyle: 'openai' | 'deepseek' | 'openrouter' | 'anthropic' | 'gemini'
  url: string
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
