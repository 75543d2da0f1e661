/**
 * The one request shape the estimator counts, whatever the batch line looked like (OpenAI Batch
 * API line, chat-completions body, Responses body, bare prompt). Only what changes the prompt's
 * tokens or the output bound is kept.
 */

/** A part of a multi-part message content. */
export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image'; url: string; detail?: string }
  /** Audio, files and parts of unknown types: their tokens are not counted, and the count says so. */
  | { type: 'other'; kind: string }

/** A function the assistant called (`tool_calls[].function`, or the legacy `function_call`). */
export interface ToolCall {
  name: string
  arguments: string
}

/** One chat message. */
export interface ChatMessage {
  role: string
  content: string | ContentPart[] | null
  name?: string
  toolCalls?: ToolCall[]
}

/** A function the model may call (`tools[].function`, or the legacy `functions[]`). */
export interface ToolDefinition {
  name: string
  description?: string
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown>
}

/** A request ready to count. */
export interface ChatRequest {
  model: string
  messages: ChatMessage[]
  tools: ToolDefinition[]
  /** `max_completion_tokens`, `max_tokens` or `max_output_tokens`; null when the request sets none. */
  maxOutputTokens: number | null
  /** `n`: how many completions are generated (each billed as output); 1 by default. */
  choices: number
}
