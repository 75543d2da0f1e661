/**
 * OpenAI usage, in both shapes the API returns:
 *
 * - Chat completions: `prompt_tokens` INCLUDES `prompt_tokens_details.cached_tokens`, and
 *   `completion_tokens` INCLUDES `completion_tokens_details.reasoning_tokens`. Adding the cached
 *   tokens to the prompt again is the classic double count.
 * - Responses API: `input_tokens` (with `input_tokens_details.cached_tokens`) and `output_tokens`
 *   (with `output_tokens_details.reasoning_tokens`), the same subset rules under other names.
 *
 * @example
 * // {"prompt_tokens":2006,"completion_tokens":300,"prompt_tokens_details":{"cached_tokens":1920},
 * //  "completion_tokens_details":{"reasoning_tokens":192}}
 * // -> inputTokens 2006 (1920 of them cache reads), outputTokens 300 (192 of them reasoning)
 */
import type { MeteredUsage } from '@tokenledger/pricing'
import {
  asRecord,
  buildUsage,
  derived,
  type Figures,
  missingUsage,
  readCount,
  reported,
  type NormaliseUsage,
} from './normalise-usage.js'

/** Gathers the figures of an OpenAI-shaped usage (chat completions or Responses API). */
export function openAiFigures(usage: Record<string, unknown>): Figures {
  const responses =
    !('prompt_tokens' in usage) && ('input_tokens' in usage || 'output_tokens' in usage)
  const inputKey = responses ? 'input_tokens' : 'prompt_tokens'
  const outputKey = responses ? 'output_tokens' : 'completion_tokens'
  const inputDetails = asRecord(usage[responses ? 'input_tokens_details' : 'prompt_tokens_details'])
  const outputDetails = asRecord(
    usage[responses ? 'output_tokens_details' : 'completion_tokens_details'],
  )

  const total = readCount(usage, 'total_tokens')
  const input = readCount(usage, inputKey)
  const output = readCount(usage, outputKey)
  return {
    // A total with one side missing still pins the other side down exactly.
    inputTokens: input !== undefined ? reported(input) : derived(difference(total, output)),
    outputTokens: output !== undefined ? reported(output) : derived(difference(total, input)),
    cacheReadTokens: reported(readCount(inputDetails, 'cached_tokens')),
    cacheWriteTokens: reported(readCount(inputDetails, 'cache_write_tokens')),
    reasoningTokens: reported(readCount(outputDetails, 'reasoning_tokens')),
    audioInputTokens: readCount(inputDetails, 'audio_tokens'),
    audioOutputTokens: readCount(outputDetails, 'audio_tokens'),
  }
}

/** Normalises an OpenAI chat-completions or Responses API usage. */
export const normaliseOpenAiUsage: NormaliseUsage = function normaliseOpenAiUsage(
  raw: unknown,
): MeteredUsage {
  const usage = asRecord(raw)
  return usage ? buildUsage(openAiFigures(usage)) : missingUsage()
}

function difference(total: number | undefined, part: number | undefined): number | undefined {
  return total !== undefined && part !== undefined && total >= part ? total - part : undefined
}
