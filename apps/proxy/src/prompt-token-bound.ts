/**
 * The proxy's prompt counter for the budget check (see @tokenledger/budget prompt-counter.ts): an
 * UPPER bound of a request's prompt tokens, counted with @tokenledger/estimate, or undefined when
 * this request cannot be bounded (the byte bound then stands). The guard asks only when the byte
 * bound would pass a limit, so counting costs nothing on calls far from one.
 *
 * Counted: OpenAI chat completions and Responses, Anthropic messages and Gemini generateContent
 * bodies of text (and, for the OpenAI formats, function tools). Anything that may bring tokens the
 * body does not show is left to the byte bound: images, audio and files, built-in tools (search
 * results are billed as input), stored context (`previous_response_id`, `conversation`, Gemini
 * `cachedContent`) and any top-level field this module does not know.
 *
 * From a count to a bound:
 * - OpenAI models are counted in their own encoding (exact, the cookbook's chat framing); other
 *   families with o200k times the family's factor, raised by its expected error (approximate.ts:
 *   Claude x1.20 +/-20% gives x1.44), so the approximation errs on the high side;
 * - function tools are counted as their JSON text plus the cookbook's framing constants (cl100k's,
 *   the larger): the JSON carries every name, type and description the rendered form does;
 * - a JSON schema the model must follow (`response_format`, `text.format`, `responseSchema`) is
 *   counted as its JSON text too.
 */
import type { PromptToCount } from '@tokenledger/budget'
import { approximationFor, countRequest, countTokens } from '@tokenledger/estimate'

/** A request rewritten as the chat body the estimator counts, plus JSON texts counted on their own. */
interface Countable {
  chat: Record<string, unknown>
  /** Function tool definitions (the cookbook's per-function framing applies). */
  tools: unknown[]
  /** Other prompt-bearing JSON (schemas), counted as text. */
  extras: unknown[]
}

// The cookbook's tool constants for cl100k models (the larger of the two encodings').
const TOOL_FRAMING_PER_FUNCTION = 10
const TOOL_FRAMING_END = 12

const CHAT_KEYS = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'n',
  'stream',
  'stream_options',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'user',
  'seed',
  'tools',
  'functions',
  'tool_choice',
  'function_call',
  'parallel_tool_calls',
  'response_format',
  'metadata',
  'store',
  'reasoning_effort',
  'service_tier',
  'safety_identifier',
  'prompt_cache_key',
  'verbosity',
])
const RESPONSES_KEYS = new Set([
  'model',
  'input',
  'instructions',
  'max_output_tokens',
  'temperature',
  'top_p',
  'stream',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'metadata',
  'store',
  'user',
  'service_tier',
  'truncation',
  'safety_identifier',
  'prompt_cache_key',
  'include',
])
const ANTHROPIC_KEYS = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stream',
  'stop_sequences',
  'metadata',
  'thinking',
  'service_tier',
])
const GEMINI_KEYS = new Set([
  'contents',
  'systemInstruction',
  'system_instruction',
  'generationConfig',
  'generation_config',
  'safetySettings',
  'safety_settings',
  'model',
])

/**
 * The most prompt tokens `prompt` can be billed for, or undefined when it cannot be bounded.
 * @example promptTokenBound({ provider: 'openai', model: 'gpt-4o', endpoint: '/chat/completions', body })
 */
export function promptTokenBound(prompt: PromptToCount): number | undefined {
  const countable = countableRequest(prompt.endpoint, prompt.body)
  if (!countable) return undefined
  let count
  try {
    count = countRequest(countable.chat, { model: prompt.model })
  } catch {
    return undefined // not a request the estimator reads: the byte bound stands
  }
  if (count.detail.uncountedParts > 0 || count.detail.images.count > 0) return undefined
  let tokens = count.countedTokens
  if (countable.tools.length > 0) {
    tokens += countTokens(JSON.stringify(countable.tools), prompt.model).countedTokens
    tokens += countable.tools.length * TOOL_FRAMING_PER_FUNCTION + TOOL_FRAMING_END
  }
  for (const extra of countable.extras)
    tokens += countTokens(JSON.stringify(extra), prompt.model).countedTokens
  if (count.exact) return tokens
  const { perMille, expectedErrorPercent } = approximationFor(count.family)
  // ceil(tokens x factor x (1 + error)), in integers.
  return Math.ceil((tokens * perMille * (100 + expectedErrorPercent)) / 100_000)
}

function countableRequest(endpoint: string, body: Record<string, unknown>): Countable | null {
  if (endpoint === '/chat/completions') return chatRequest(body)
  if (endpoint === '/responses') return responsesRequest(body)
  if (endpoint === '/messages') return anthropicRequest(body)
  if (endpoint === ':generateContent' || endpoint === ':streamGenerateContent')
    return geminiRequest(body)
  return null
}

function chatRequest(body: Record<string, unknown>): Countable | null {
  if (!onlyKeys(body, CHAT_KEYS)) return null
  const { tools, functions, response_format: format, ...chat } = body
  const wrapped = list(tools)
  const legacy = list(functions)
  if (wrapped === null || legacy === null) return null
  const definitions = [...wrapped, ...legacy]
  if (!definitions.every((tool) => isFunctionTool(tool, true))) return null
  return { chat, tools: definitions, extras: schemaOf(format) }
}

function responsesRequest(body: Record<string, unknown>): Countable | null {
  if (!onlyKeys(body, RESPONSES_KEYS)) return null
  const { tools, text, ...chat } = body
  const definitions = list(tools)
  if (definitions === null || !definitions.every((tool) => isFunctionTool(tool, false))) return null
  const format = isObject(text) ? text['format'] : undefined
  return { chat, tools: definitions, extras: schemaOf(format) }
}

function anthropicRequest(body: Record<string, unknown>): Countable | null {
  if (!onlyKeys(body, ANTHROPIC_KEYS) || !Array.isArray(body['messages'])) return null
  const messages: Array<{ role: string; content: unknown }> = []
  const system = body['system']
  if (system !== undefined) {
    const parts = textParts(system)
    if (!parts) return null
    messages.push({ role: 'system', content: parts })
  }
  for (const message of body['messages']) {
    if (!isObject(message) || typeof message['role'] !== 'string') return null
    const parts = anthropicParts(message['content'])
    if (!parts) return null
    messages.push({ role: message['role'], content: parts })
  }
  return { chat: { model: body['model'] ?? '', messages }, tools: [], extras: [] }
}

function geminiRequest(body: Record<string, unknown>): Countable | null {
  if (!onlyKeys(body, GEMINI_KEYS) || !Array.isArray(body['contents'])) return null
  const messages: Array<{ role: string; content: unknown }> = []
  const system = body['systemInstruction'] ?? body['system_instruction']
  if (system !== undefined) {
    const parts = isObject(system) ? geminiParts(system['parts']) : null
    if (!parts) return null
    messages.push({ role: 'system', content: parts })
  }
  for (const content of body['contents']) {
    if (!isObject(content)) return null
    const parts = geminiParts(content['parts'])
    if (!parts) return null
    messages.push({
      role: typeof content['role'] === 'string' ? content['role'] : 'user',
      content: parts,
    })
  }
  const config = body['generationConfig'] ?? body['generation_config']
  const extras = isObject(config)
    ? [config['responseSchema'], config['responseJsonSchema'], config['response_schema']].filter(
        (schema) => schema !== undefined,
      )
    : []
  return { chat: { model: body['model'] ?? '', messages }, tools: [], extras }
}

type TextPart = { type: 'text'; text: string }

/** Anthropic content: text blocks, tool calls and text tool results; null for anything else. */
function anthropicParts(content: unknown): TextPart[] | null {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  if (!Array.isArray(content)) return null
  const parts: TextPart[] = []
  for (const block of content) {
    if (!isObject(block)) return null
    const type = block['type']
    if (type === 'text' && typeof block['text'] === 'string') {
      parts.push({ type: 'text', text: block['text'] })
    } else if (type === 'tool_use' || type === 'thinking' || type === 'redacted_thinking') {
      // Their JSON text holds every token of them (name, input, thinking text, signature).
      parts.push({ type: 'text', text: JSON.stringify(block) })
    } else if (type === 'tool_result') {
      const result = block['content']
      const inner = result === undefined ? [] : textParts(result)
      if (!inner) return null
      parts.push({ type: 'text', text: String(block['tool_use_id'] ?? '') }, ...inner)
    } else {
      return null // images, documents, server tools' results...
    }
  }
  return parts
}

/** A string, or a list of text blocks; null for anything else. */
function textParts(value: unknown): TextPart[] | null {
  if (typeof value === 'string') return [{ type: 'text', text: value }]
  if (!Array.isArray(value)) return null
  const parts: TextPart[] = []
  for (const block of value) {
    if (!isObject(block) || block['type'] !== 'text' || typeof block['text'] !== 'string')
      return null
    parts.push({ type: 'text', text: block['text'] })
  }
  return parts
}

/** Gemini parts: text, function calls and responses; null for inline data, files and the rest. */
function geminiParts(value: unknown): TextPart[] | null {
  if (!Array.isArray(value)) return null
  const parts: TextPart[] = []
  for (const part of value) {
    if (!isObject(part)) return null
    if (
      typeof part['text'] === 'string' &&
      Object.keys(part).every((key) => key === 'text' || key === 'thought')
    )
      parts.push({ type: 'text', text: part['text'] })
    else if (part['functionCall'] !== undefined || part['functionResponse'] !== undefined)
      parts.push({ type: 'text', text: JSON.stringify(part) })
    else return null
  }
  return parts
}

function isFunctionTool(tool: unknown, wrapped: boolean): boolean {
  if (!isObject(tool)) return false
  if (wrapped) return tool['type'] === undefined || tool['type'] === 'function'
  return tool['type'] === 'function'
}

function schemaOf(format: unknown): unknown[] {
  return isObject(format) && format['type'] !== 'text' ? [format] : []
}

function onlyKeys(body: Record<string, unknown>, known: ReadonlySet<string>): boolean {
  return Object.keys(body).every((key) => known.has(key))
}

/** An optional list: [] when absent, null when it is not a list. */
function list(value: unknown): unknown[] | null {
  if (value === undefined || value === null) return []
  return Array.isArray(value) ? value : null
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
