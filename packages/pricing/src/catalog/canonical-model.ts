import type { ProviderData } from '../schema.js'

/** Every id and alias of the curated table, lower-cased, mapped to its canonical model id. */
export type KnownModels = ReadonlyMap<string, string>

export function knownModels(curated: readonly ProviderData[]): KnownModels {
  const known = new Map<string, string>()
  for (const provider of curated) {
    for (const model of provider.models) {
      for (const name of [model.id, ...(model.aliases ?? [])]) {
        if (!known.has(name.toLowerCase())) known.set(name.toLowerCase(), model.id)
      }
    }
  }
  return known
}

const BEDROCK_REGION = /^(us|eu|apac|ap|global|jp|au|ca|us-gov|regional)\./
const BEDROCK_VENDOR =
  /^(anthropic|meta|amazon|mistral|cohere|ai21|deepseek|qwen|openai|writer|stability|twelvelabs|moonshot|moonshotai|google|minimax|nvidia|zai)\./
const BEDROCK_VERSION = /-v\d+(:\d+)?$/

/**
 * The canonical id of a catalog model, shared by every provider serving it, and the provider's own
 * ids as aliases. Namespaces are dropped (`deepseek/deepseek-v4-flash` -> `deepseek-v4-flash`,
 * Fireworks' `accounts/fireworks/models/x` -> `x`), Bedrock's region, vendor and version parts too
 * (`us.anthropic.claude-sonnet-4-5-20250929-v1:0` -> `claude-sonnet-4-5-20250929`); the result is
 * then looked up among the curated ids and aliases (also with `.` read as `-`, so OpenRouter's
 * `claude-sonnet-4.5` is Anthropic's `claude-sonnet-4-5`). Deterministic, and done at import time:
 * the generated files show every mapping.
 */
export function canonicalModel(
  providerId: string,
  rawId: string,
  known: KnownModels,
): { id: string; aliases: string[] } {
  let candidate = rawId.slice(rawId.lastIndexOf('/') + 1)
  if (providerId === 'aws-bedrock') {
    candidate = candidate
      .replace(BEDROCK_REGION, '')
      .replace(BEDROCK_VENDOR, '')
      .replace(BEDROCK_VERSION, '')
  }
  if (candidate === '') candidate = rawId
  const lower = candidate.toLowerCase()
  const id = known.get(lower) ?? known.get(lower.replace(/\./g, '-')) ?? candidate
  return { id, aliases: id === rawId ? [] : [rawId] }
}
