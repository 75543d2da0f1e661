/**
 * Prompt tokens of a chat request: message text plus the chat format's overhead, tool definitions
 * and images.
 *
 * The rules (OpenAI cookbook, "How to count tokens with tiktoken", for gpt-3.5-turbo-0613 and later,
 * GPT-4, GPT-4o and later):
 * - every message costs 3 tokens of framing (`<|start|>{role}<|message|>...<|end|>`) plus the tokens
 *   of its role and its content;
 * - a `name` costs its tokens plus 1;
 * - every reply is primed with `<|start|>assistant<|message|>`: 3 tokens per request;
 * - tool definitions (cookbook, "How to call functions with chat models", `num_tokens_for_tools`):
 *   per function 7 tokens (10 for cl100k models) + the tokens of `name:description` (a trailing
 *   period dropped); when it has properties, 3 more, and per property 3 + the tokens of
 *   `key:type:description`; an enum adds -3 and per value 3 + its tokens; 12 tokens close the list.
 *   The cookbook calls this an estimate: nested objects and other schema keywords are not rendered
 *   the way the model sees them, so tool-heavy prompts may be off by a few tokens per function;
 * - assistant tool calls (not in the cookbook; the legacy `function_call` rule, applied per call):
 *   name + arguments + 3;
 * - images: see image-tokens.ts.
 * Models of other families are counted with the same framing, an approximation that approximate.ts
 * corrects with a factor.
 */
import type { ChatMessage, ChatRequest, ToolDefinition } from './chat-request.js'
import type { TokenizerChoice } from './encodings.js'
import { imageSizeFromUrl } from './image-size.js'
import { imageRuleFor, imageTokens } from './image-tokens.js'
import type { TextCounter } from './token-counter.js'

/** Exact framing tokens of one message in OpenAI's chat format (tiktoken counts). */
export const CHAT_MESSAGE_FRAMING_TOKENS = 3
/** Extra token of a message `name`. */
export const TOKENS_PER_NAME = 1
/** Tokens that prime the assistant's reply, once per request. */
export const REPLY_PRIMING_TOKENS = 3
/** Framing tokens of one assistant tool call. */
export const TOKENS_PER_TOOL_CALL = 3

/** The prompt tokens of a request, with what they are made of. */
export interface ChatCount {
  /** Every prompt token: messages, tools, priming. */
  tokens: number
  /** Tokens of tool definitions (0 without tools). They come first in the prompt. */
  toolTokens: number
  /** Tokens of each message, framing included. Their running sums are the prefix sizes. */
  messageTokens: number[]
  /** Images in the request, the tokens they cost, and how many had to be given an assumed size. */
  images: { count: number; tokens: number; sizeAssumed: number; ruleAssumed: boolean }
  /** Content parts whose tokens are not counted (audio, files): the count is a lower bound. */
  uncountedParts: number
}

interface ToolConstants {
  functionInit: number
  propertiesInit: number
  propertyKey: number
  enumInit: number
  enumItem: number
  functionsEnd: number
}

// The cookbook's constants: gpt-4o / gpt-4o-mini for o200k, gpt-3.5-turbo / gpt-4 for cl100k.
const TOOL_CONSTANTS: Record<TokenizerChoice['encoding'], ToolConstants> = {
  o200k_base: {
    functionInit: 7,
    propertiesInit: 3,
    propertyKey: 3,
    enumInit: -3,
    enumItem: 3,
    functionsEnd: 12,
  },
  cl100k_base: {
    functionInit: 10,
    propertiesInit: 3,
    propertyKey: 3,
    enumInit: -3,
    enumItem: 3,
    functionsEnd: 12,
  },
}

/**
 * Counts the prompt tokens of a chat request.
 * @param counter counts text in the model's encoding (see tokenizerFor)
 * @param choice the model's tokenizer choice, for the tool constants and the image rule
 * @example
 * // [{ role: 'user', content: 'Hello' }] on gpt-4o: 3 framing + 1 ('user') + 1 ('Hello') + 3 priming = 8
 */
export function countChat(
  request: ChatRequest,
  counter: TextCounter,
  choice: TokenizerChoice,
): ChatCount {
  const imageRule = imageRuleFor(choice)
  const images = { count: 0, tokens: 0, sizeAssumed: 0, ruleAssumed: false }
  let uncountedParts = 0
  const messageTokens: number[] = []

  for (const message of request.messages) {
    let tokens = CHAT_MESSAGE_FRAMING_TOKENS + counter.count(message.role)
    if (message.name !== undefined) tokens += counter.count(message.name) + TOKENS_PER_NAME
    tokens += countContent(
      message,
      counter,
      (url, detail) => {
        const size = imageSizeFromUrl(url)
        images.count++
        if (size === null) images.sizeAssumed++
        if (!imageRule.documented) images.ruleAssumed = true
        const cost = imageTokens(imageRule.rule, size, detail)
        images.tokens += cost
        return cost
      },
      () => uncountedParts++,
    )
    for (const call of message.toolCalls ?? []) {
      tokens += counter.count(call.name) + counter.count(call.arguments) + TOKENS_PER_TOOL_CALL
    }
    messageTokens.push(tokens)
  }

  const toolTokens = countTools(request.tools, counter, TOOL_CONSTANTS[choice.encoding])
  let tokens = toolTokens + REPLY_PRIMING_TOKENS
  for (const value of messageTokens) tokens += value
  return { tokens, toolTokens, messageTokens, images, uncountedParts }
}

function countContent(
  message: ChatMessage,
  counter: TextCounter,
  image: (url: string, detail: string | undefined) => number,
  uncounted: () => void,
): number {
  const { content } = message
  if (content === null) return 0
  if (typeof content === 'string') return counter.count(content)
  let tokens = 0
  for (const part of content) {
    if (part.type === 'text') tokens += counter.count(part.text)
    else if (part.type === 'image') tokens += image(part.url, part.detail)
    else uncounted()
  }
  return tokens
}

/** The cookbook's `num_tokens_for_tools` estimate of a list of function definitions. */
export function countTools(
  tools: readonly ToolDefinition[],
  counter: TextCounter,
  constants: ToolConstants = TOOL_CONSTANTS.o200k_base,
): number {
  if (tools.length === 0) return 0
  let tokens = 0
  for (const tool of tools) {
    tokens += constants.functionInit
    tokens += counter.count(`${tool.name}:${withoutFinalPeriod(tool.description ?? '')}`)
    const properties = propertiesOf(tool.parameters)
    if (properties.length === 0) continue
    tokens += constants.propertiesInit
    for (const [key, schema] of properties) {
      tokens += constants.propertyKey
      if (Array.isArray(schema.enum)) {
        tokens += constants.enumInit
        for (const item of schema.enum) tokens += constants.enumItem + counter.count(String(item))
      }
      const type = Array.isArray(schema.type) ? schema.type.join(',') : String(schema.type ?? '')
      const description = typeof schema.description === 'string' ? schema.description : ''
      tokens += counter.count(`${key}:${type}:${withoutFinalPeriod(description)}`)
    }
  }
  return tokens + constants.functionsEnd
}

function withoutFinalPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text
}

function propertiesOf(
  parameters: Record<string, unknown> | undefined,
): Array<[string, Record<string, unknown>]> {
  const properties = parameters?.properties
  if (!properties || typeof properties !== 'object' || Array.isArray(properties)) return []
  return Object.entries(properties as Record<string, unknown>).map(([key, schema]) => [
    key,
    schema && typeof schema === 'object' && !Array.isArray(schema)
      ? (schema as Record<string, unknown>)
      : {},
  ])
}
