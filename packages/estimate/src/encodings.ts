/**
 * Which tokenizer counts a model's text.
 *
 * OpenAI publishes its tokenizers (tiktoken), and js-tiktoken carries them, so OpenAI models are
 * counted EXACTLY with their own encoding:
 * - `o200k_base`: GPT-4o, GPT-4.1, GPT-4.5, GPT-5 and later, the o-series (o1, o3, o4-mini...),
 *   chatgpt-4o, gpt-oss (its harmony encoding shares o200k's vocabulary), codex-mini, gpt-realtime,
 *   gpt-audio, computer-use-preview;
 * - `cl100k_base`: GPT-4 (gpt-4, gpt-4-turbo, gpt-4-32k...), GPT-3.5 Turbo, text-embedding-3-*,
 *   text-embedding-ada-002.
 * Every other model (DeepSeek, Claude, Gemini, Qwen, Llama, Mistral...) has a tokenizer that
 * js-tiktoken does not carry: it is counted with `o200k_base` and corrected by a per-family factor
 * (see approximate.ts), and `exact` is false.
 *
 * Names are matched on the part after the last `/` (OpenRouter's `openai/gpt-4o` is gpt-4o) and
 * after a fine-tune prefix (`ft:gpt-4o-mini:org::id` is gpt-4o-mini), case-insensitively.
 */
import { createRequire } from 'node:module'
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite'

/** The js-tiktoken encodings tokenledger counts with. */
export const ENCODINGS = ['o200k_base', 'cl100k_base'] as const
export type EncodingName = (typeof ENCODINGS)[number]

/** Model families with a known tokenizer story. `openai` is the only exact one. */
export const MODEL_FAMILIES = [
  'openai',
  'deepseek',
  'claude',
  'gemini',
  'qwen',
  'llama',
  'mistral',
  'other',
] as const
export type ModelFamily = (typeof MODEL_FAMILIES)[number]

/** How one model's tokens are counted. */
export interface TokenizerChoice {
  /** The bare model name matched (lower case, namespace and fine-tune prefix removed). */
  name: string
  family: ModelFamily
  /** The js-tiktoken encoding the text is counted with. */
  encoding: EncodingName
  /** True when `encoding` is the model's own tokenizer, so counts are exact. */
  exact: boolean
}

// Order matters: the first matching prefix wins, so `gpt-4o` and `gpt-4.1` come before `gpt-4`.
const OPENAI_PREFIXES: ReadonlyArray<readonly [string, EncodingName]> = [
  ['gpt-4o', 'o200k_base'],
  ['chatgpt-4o', 'o200k_base'],
  ['gpt-4.1', 'o200k_base'],
  ['gpt-4.5', 'o200k_base'],
  ['gpt-5', 'o200k_base'],
  ['gpt-oss', 'o200k_base'],
  ['gpt-realtime', 'o200k_base'],
  ['gpt-audio', 'o200k_base'],
  ['codex-mini', 'o200k_base'],
  ['computer-use-preview', 'o200k_base'],
  ['o1', 'o200k_base'],
  ['o3', 'o200k_base'],
  ['o4', 'o200k_base'],
  ['gpt-4', 'cl100k_base'],
  ['gpt-3.5', 'cl100k_base'],
  ['gpt-35', 'cl100k_base'],
  ['text-embedding-3', 'cl100k_base'],
  ['text-embedding-ada-002', 'cl100k_base'],
]

const FAMILY_PREFIXES: ReadonlyArray<readonly [string, ModelFamily]> = [
  ['deepseek', 'deepseek'],
  ['claude', 'claude'],
  ['anthropic', 'claude'],
  ['gemini', 'gemini'],
  ['gemma', 'gemini'],
  ['qwen', 'qwen'],
  ['qwq', 'qwen'],
  ['llama', 'llama'],
  ['meta-llama', 'llama'],
  ['mistral', 'mistral'],
  ['mixtral', 'mistral'],
  ['codestral', 'mistral'],
  ['ministral', 'mistral'],
  ['magistral', 'mistral'],
  ['devstral', 'mistral'],
]

/** The bare model name: lower case, without a provider namespace or a fine-tune prefix. */
export function bareModelName(model: string): string {
  let name = model.trim().toLowerCase()
  if (name.startsWith('ft:')) name = name.slice(3).split(':')[0] ?? name
  const slash = name.lastIndexOf('/')
  return slash >= 0 ? name.slice(slash + 1) : name
}

/** True when `name` is `prefix` or continues it with a non-digit (`o1-mini` yes, `o10` no). */
function hasPrefix(name: string, prefix: string): boolean {
  return name.startsWith(prefix) && !/[0-9]/.test(name.charAt(prefix.length))
}

/**
 * How to count a model's tokens.
 * @example tokenizerFor('openai/gpt-4o-mini') // { name: 'gpt-4o-mini', family: 'openai', encoding: 'o200k_base', exact: true }
 * @example tokenizerFor('deepseek-v4-flash') // { family: 'deepseek', encoding: 'o200k_base', exact: false }
 */
export function tokenizerFor(model: string): TokenizerChoice {
  const name = bareModelName(model)
  for (const [prefix, encoding] of OPENAI_PREFIXES) {
    if (hasPrefix(name, prefix)) return { name, family: 'openai', encoding, exact: true }
  }
  let family: ModelFamily = 'other'
  for (const [prefix, candidate] of FAMILY_PREFIXES) {
    if (name.startsWith(prefix)) {
      family = candidate
      break
    }
  }
  return { name, family, encoding: 'o200k_base', exact: false }
}

const require = createRequire(import.meta.url)
const ranksByName = new Map<EncodingName, TiktokenBPE>()
const encoders = new Map<EncodingName, Tiktoken>()

function loadRanks(name: EncodingName): TiktokenBPE {
  let ranks = ranksByName.get(name)
  if (!ranks) {
    // The CommonJS build of the ranks loads synchronously, so counting never has to await. The
    // tables come from node_modules, never from the network.
    const module = require(`js-tiktoken/ranks/${name}`) as { default?: TiktokenBPE } & TiktokenBPE
    ranks = module.default ?? module
    ranksByName.set(name, ranks)
  }
  return ranks
}

/**
 * The js-tiktoken encoder for an encoding, built once per thread (building o200k_base takes about a
 * second: it decodes 200k ranks).
 */
export function loadEncoding(name: EncodingName): Tiktoken {
  let encoder = encoders.get(name)
  if (!encoder) {
    encoder = new Tiktoken(loadRanks(name))
    encoders.set(name, encoder)
  }
  return encoder
}

/**
 * The pattern that splits text into pieces before byte-pair merging: the encoding's own `pat_str`,
 * with the flags js-tiktoken compiles it with (`u`, `g`).
 */
export function piecePattern(name: EncodingName): RegExp {
  return new RegExp(loadRanks(name).pat_str, 'gu')
}
