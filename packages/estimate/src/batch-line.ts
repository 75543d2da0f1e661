/**
 * One line of a batch file to a ChatRequest, detecting its format line by line:
 * - OpenAI Batch API: `{"custom_id", "method": "POST", "url": "/v1/chat/completions" | "/v1/responses", "body"}`;
 * - a chat-completions body: `{"model", "messages", "tools"?, "max_tokens"?...}`;
 * - a Responses body: `{"model", "input", "instructions"?, "max_output_tokens"?}`;
 * - a prompt: a JSON string, or `{"prompt": "...", "model"?, "max_tokens"?}`; in a text file
 *   (`.txt`), every non-blank line is a prompt as it stands.
 * Prompts become one user message, after the `--system` text when one is given.
 * A bad line gives a message that names the field and says what was expected; the caller adds the
 * file and line number and carries on with the next line.
 */
import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  ToolCall,
  ToolDefinition,
} from './chat-request.js'

/** The formats a line can have. */
export type LineFormat = 'batch-api' | 'chat' | 'responses' | 'prompt' | 'text'

/** How to read lines. */
export interface LineContext {
  /** The model for every line (`--model`): overrides the lines' own `model`. */
  model?: string
  /** System prompt put before every PROMPT line (`--system`). Chat and Responses bodies keep their own. */
  system?: string
  /** The file is plain text: every non-blank line is a prompt. */
  text?: boolean
}

/** A line read: a request, or why it could not be. */
export type ParsedLine =
  | { ok: true; request: ChatRequest; format: LineFormat; customId: string | null }
  | { ok: false; message: string }

const ENDPOINTS = ['/v1/chat/completions', '/v1/responses'] as const

class LineError extends Error {}

/**
 * Reads one line (without its newline). Never throws: a bad line comes back as `{ ok: false }`.
 * @example parseBatchLine('{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}', {})
 */
export function parseBatchLine(text: string, context: LineContext): ParsedLine {
  try {
    if (context.text) return promptRequest(text, context, 'text', null)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      return { ok: false, message: `invalid JSON (${(error as Error).message})` }
    }
    return parseValue(value, context)
  } catch (error) {
    if (error instanceof LineError) return { ok: false, message: error.message }
    throw error
  }
}

/**
 * Reads an already-parsed line or request body (any of the formats above). Never throws.
 * @example parseBatchValue({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] }, {})
 */
export function parseBatchValue(value: unknown, context: LineContext): ParsedLine {
  try {
    return parseValue(value, context)
  } catch (error) {
    if (error instanceof LineError) return { ok: false, message: error.message }
    throw error
  }
}

function parseValue(value: unknown, context: LineContext): ParsedLine {
  if (typeof value === 'string') return promptRequest(value, context, 'prompt', null)
  const line = asObject(value, '', 'a JSON object or a JSON string')
  if ('body' in line && ('custom_id' in line || 'url' in line || 'method' in line))
    return batchApiLine(line, context)
  // A body with a model but neither input nor prompt is a chat body missing its messages.
  if ('messages' in line || ('model' in line && !('input' in line) && !('prompt' in line))) {
    return { ok: true, request: chatBody(line, '', context), format: 'chat', customId: null }
  }
  if ('input' in line)
    return {
      ok: true,
      request: responsesBody(line, '', context),
      format: 'responses',
      customId: null,
    }
  if ('prompt' in line) {
    const prompt = line.prompt
    if (typeof prompt !== 'string')
      throw new LineError(`prompt: expected a string, got ${describe(prompt)}`)
    return promptRequest(prompt, context, 'prompt', line)
  }
  throw new LineError(
    'expected a Batch API line (custom_id, method, url, body), a chat body (messages), a Responses body (input) or a prompt',
  )
}

function batchApiLine(line: Record<string, unknown>, context: LineContext): ParsedLine {
  const customId = line.custom_id === undefined ? null : line.custom_id
  if (customId !== null && typeof customId !== 'string')
    throw new LineError(`custom_id: expected a string, got ${describe(customId)}`)
  if (line.method !== undefined && line.method !== 'POST')
    throw new LineError(`method: expected "POST", got ${describe(line.method)}`)
  const url = line.url === undefined ? undefined : line.url
  if (url !== undefined && !(ENDPOINTS as readonly unknown[]).includes(url)) {
    throw new LineError(`url: expected one of ${ENDPOINTS.join(', ')}, got ${describe(url)}`)
  }
  const body = asObject(line.body, 'body', 'an object')
  const isResponses =
    url === '/v1/responses' || (url === undefined && !('messages' in body) && 'input' in body)
  const request = isResponses
    ? responsesBody(body, 'body.', context)
    : chatBody(body, 'body.', context)
  return { ok: true, request, format: 'batch-api', customId }
}

function promptRequest(
  prompt: string,
  context: LineContext,
  format: 'prompt' | 'text',
  line: Record<string, unknown> | null,
): ParsedLine {
  const model = modelOf(line ?? {}, '', context)
  const messages: ChatMessage[] = []
  const system = line && typeof line.system === 'string' ? line.system : context.system
  if (system !== undefined) messages.push({ role: 'system', content: system })
  messages.push({ role: 'user', content: prompt })
  const maxOutputTokens = line
    ? maxTokensOf(line, '', ['max_completion_tokens', 'max_tokens'])
    : null
  return {
    ok: true,
    request: { model, messages, tools: [], maxOutputTokens, choices: 1 },
    format,
    customId: null,
  }
}

function chatBody(body: Record<string, unknown>, at: string, context: LineContext): ChatRequest {
  const model = modelOf(body, at, context)
  const list = body.messages
  if (!Array.isArray(list))
    throw new LineError(`${at}messages: expected an array of messages, got ${describe(list)}`)
  if (list.length === 0)
    throw new LineError(`${at}messages: expected at least one message, got an empty array`)
  const messages = list.map((message, index) => chatMessage(message, `${at}messages[${index}]`))
  const tools = [
    ...toolList(body.tools, `${at}tools`, true),
    ...toolList(body.functions, `${at}functions`, false),
  ]
  const maxOutputTokens = maxTokensOf(body, at, ['max_completion_tokens', 'max_tokens'])
  const choices = body.n === undefined || body.n === null ? 1 : positiveInteger(body.n, `${at}n`)
  return { model, messages, tools, maxOutputTokens, choices }
}

function chatMessage(value: unknown, at: string): ChatMessage {
  const message = asObject(value, at, 'a message object')
  const role = message.role
  if (typeof role !== 'string' || role === '')
    throw new LineError(`${at}.role: expected a role such as "user", got ${describe(role)}`)
  const toolCalls: ToolCall[] = []
  if (message.tool_calls !== undefined && message.tool_calls !== null) {
    if (!Array.isArray(message.tool_calls))
      throw new LineError(
        `${at}.tool_calls: expected an array, got ${describe(message.tool_calls)}`,
      )
    message.tool_calls.forEach((call, index) => {
      const fn = asObject(
        asObject(call, `${at}.tool_calls[${index}]`, 'an object').function,
        `${at}.tool_calls[${index}].function`,
        'an object',
      )
      toolCalls.push(toolCall(fn, `${at}.tool_calls[${index}].function`))
    })
  }
  if (message.function_call !== undefined && message.function_call !== null) {
    toolCalls.push(
      toolCall(
        asObject(message.function_call, `${at}.function_call`, 'an object'),
        `${at}.function_call`,
      ),
    )
  }
  const raw = message.content
  if (raw === undefined && toolCalls.length === 0 && role !== 'assistant') {
    throw new LineError(`${at}.content: missing; expected a string or an array of content parts`)
  }
  const result: ChatMessage = {
    role,
    content: raw === undefined ? null : content(raw, `${at}.content`),
  }
  if (message.name !== undefined) {
    if (typeof message.name !== 'string')
      throw new LineError(`${at}.name: expected a string, got ${describe(message.name)}`)
    result.name = message.name
  }
  if (toolCalls.length > 0) result.toolCalls = toolCalls
  return result
}

function toolCall(fn: Record<string, unknown>, at: string): ToolCall {
  if (typeof fn.name !== 'string')
    throw new LineError(`${at}.name: expected a string, got ${describe(fn.name)}`)
  const args = fn.arguments ?? ''
  if (typeof args !== 'string')
    throw new LineError(`${at}.arguments: expected a JSON string, got ${describe(args)}`)
  return { name: fn.name, arguments: args }
}

function content(value: unknown, at: string): string | ContentPart[] | null {
  if (value === null || typeof value === 'string') return value
  if (!Array.isArray(value))
    throw new LineError(
      `${at}: expected a string or an array of content parts, got ${describe(value)}`,
    )
  return value.map((part, index) => contentPart(part, `${at}[${index}]`))
}

function contentPart(value: unknown, at: string): ContentPart {
  const part = asObject(value, at, 'a content part object')
  const type = part.type
  if (type === 'text' || type === 'input_text' || type === 'output_text') {
    if (typeof part.text !== 'string')
      throw new LineError(`${at}.text: expected a string, got ${describe(part.text)}`)
    return { type: 'text', text: part.text }
  }
  if (type === 'image_url' || type === 'input_image') {
    // Chat: { image_url: { url, detail } }; Responses: { image_url: "...", detail }.
    const image = part.image_url
    const nested =
      image !== null && typeof image === 'object' ? (image as Record<string, unknown>) : null
    const url = nested ? nested.url : image
    if (typeof url !== 'string')
      throw new LineError(
        `${at}.image_url${nested ? '.url' : ''}: expected a URL string, got ${describe(url)}`,
      )
    const detail = nested ? nested.detail : part.detail
    return detail === undefined || detail === null
      ? { type: 'image', url }
      : { type: 'image', url, detail: String(detail) }
  }
  if (typeof type !== 'string')
    throw new LineError(
      `${at}.type: expected a content part type such as "text", got ${describe(type)}`,
    )
  return { type: 'other', kind: type }
}

function toolList(value: unknown, at: string, wrapped: boolean): ToolDefinition[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new LineError(`${at}: expected an array, got ${describe(value)}`)
  const tools: ToolDefinition[] = []
  value.forEach((entry, index) => {
    const item = asObject(entry, `${at}[${index}]`, 'a tool object')
    // Chat tools wrap the function ({ type: 'function', function: {...} }); Responses tools and
    // legacy `functions` are flat. Built-in tools (web search...) have no definition to count.
    if (wrapped && item.type !== undefined && item.type !== 'function') return
    const fn =
      wrapped && 'function' in item
        ? asObject(item.function, `${at}[${index}].function`, 'an object')
        : item
    tools.push(
      toolDefinition(fn, `${at}[${index}]${wrapped && 'function' in item ? '.function' : ''}`),
    )
  })
  return tools
}

function toolDefinition(fn: Record<string, unknown>, at: string): ToolDefinition {
  if (typeof fn.name !== 'string' || fn.name === '')
    throw new LineError(`${at}.name: expected a function name, got ${describe(fn.name)}`)
  const tool: ToolDefinition = { name: fn.name }
  if (typeof fn.description === 'string') tool.description = fn.description
  if (fn.parameters !== undefined && fn.parameters !== null)
    tool.parameters = asObject(fn.parameters, `${at}.parameters`, 'a JSON Schema object')
  return tool
}

function responsesBody(
  body: Record<string, unknown>,
  at: string,
  context: LineContext,
): ChatRequest {
  const model = modelOf(body, at, context)
  const messages: ChatMessage[] = []
  if (body.instructions !== undefined && body.instructions !== null) {
    if (typeof body.instructions !== 'string')
      throw new LineError(
        `${at}instructions: expected a string, got ${describe(body.instructions)}`,
      )
    messages.push({ role: 'system', content: body.instructions })
  }
  const input = body.input
  if (typeof input === 'string') messages.push({ role: 'user', content: input })
  else if (Array.isArray(input))
    input.forEach((item, index) => messages.push(responsesItem(item, `${at}input[${index}]`)))
  else
    throw new LineError(
      `${at}input: expected a string or an array of input items, got ${describe(input)}`,
    )
  if (messages.length === 0)
    throw new LineError(`${at}input: expected at least one input item, got an empty array`)
  const tools = toolList(body.tools, `${at}tools`, false)
  const maxOutputTokens = maxTokensOf(body, at, ['max_output_tokens'])
  return { model, messages, tools, maxOutputTokens, choices: 1 }
}

function responsesItem(value: unknown, at: string): ChatMessage {
  const item = asObject(value, at, 'an input item object')
  if (item.type === 'function_call')
    return { role: 'assistant', content: null, toolCalls: [toolCall(item, at)] }
  if (item.type === 'function_call_output') {
    const output = item.output
    return {
      role: 'tool',
      content: typeof output === 'string' ? output : JSON.stringify(output ?? ''),
    }
  }
  if (item.type !== undefined && item.type !== 'message')
    return { role: 'user', content: [{ type: 'other', kind: String(item.type) }] }
  return chatMessage(item, at)
}

function modelOf(body: Record<string, unknown>, at: string, context: LineContext): string {
  if (context.model !== undefined) return context.model
  const model = body.model
  if (model === undefined)
    throw new LineError(`${at}model: missing; give the line a "model" or pass --model`)
  if (typeof model !== 'string' || model.trim() === '')
    throw new LineError(`${at}model: expected a model name, got ${describe(model)}`)
  return model
}

function maxTokensOf(
  body: Record<string, unknown>,
  at: string,
  keys: readonly string[],
): number | null {
  for (const key of keys) {
    const value = body[key]
    if (value !== undefined && value !== null) return positiveInteger(value, `${at}${key}`)
  }
  return null
}

function positiveInteger(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new LineError(`${at}: expected a positive integer, got ${describe(value)}`)
  }
  return value
}

function asObject(value: unknown, at: string, expected: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LineError(`${at || 'line'}: expected ${expected}, got ${describe(value)}`)
  }
  return value as Record<string, unknown>
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
  return `${typeof value} ${String(value)}`
}
