/**
 * Counts one chunk of batch lines: parse each line, count its prompt, record its prefixes. The same
 * code runs in the main thread (small files, tests) and in worker threads (large files), and its
 * result is plain data so it crosses a thread boundary by structured clone.
 */
import { createHash, type Hash } from 'node:crypto'
import { type LineContext, type LineFormat, parseBatchLine } from './batch-line.js'
import { type LineChunk, linesOf } from './batch-reader.js'
import type { ChatRequest } from './chat-request.js'
import { countChat } from './count-chat.js'
import { type TokenizerChoice, tokenizerFor } from './encodings.js'
import { sharedCounter } from './token-counter.js'

/** One request of the batch, counted. */
export interface CountedRequest {
  line: number
  customId: string | null
  format: LineFormat
  /** The model as the line (or `--model`) names it. */
  model: string
  /**
   * Prompt tokens counted with the tokenizer's encoding. Exact for OpenAI models; for others this
   * is the o200k count that the approximation factor or calibration still has to scale.
   */
  tokens: number
  maxOutputTokens: number | null
  choices: number
  /**
   * Prefixes of the prompt at each message boundary: a key (hash of tools + messages up to there)
   * and the tokens up to there. Two requests with the same key share that prefix.
   */
  prefixKeys: string[]
  prefixTokens: number[]
  images: number
  imagesSizeAssumed: number
  imageRuleAssumed: boolean
  uncountedParts: number
}

/** A line that could not be estimated. */
export interface LineProblem {
  line: number
  /** Where, what, what was expected: `batch.jsonl:12: body.messages: expected an array...`. */
  message: string
}

/** What a chunk gave. */
export interface ChunkResult {
  index: number
  requests: CountedRequest[]
  problems: LineProblem[]
  /** Blank lines skipped (not problems). */
  blankLines: number
  endOffset: number
}

/** What every chunk of one file is counted with. */
export interface ChunkCountOptions {
  /** The file name used in problem messages. */
  file: string
  context: LineContext
}

// Very long conversations: prefixes past this many messages are not tracked (keeps results small).
const MAX_PREFIXES = 64

const choices = new Map<string, TokenizerChoice>()

function choiceFor(model: string): TokenizerChoice {
  let choice = choices.get(model)
  if (!choice) {
    choice = tokenizerFor(model)
    choices.set(model, choice)
  }
  return choice
}

/** Counts every line of a chunk. Never throws for a bad line: it becomes a LineProblem. */
export function countChunk(chunk: LineChunk, options: ChunkCountOptions): ChunkResult {
  const requests: CountedRequest[] = []
  const problems: LineProblem[] = []
  let blankLines = 0
  for (const { line, text, invalidUtf8 } of linesOf(chunk)) {
    if (invalidUtf8) {
      problems.push({ line, message: `${options.file}:${line}: not valid UTF-8 text` })
      continue
    }
    if (text.trim() === '') {
      blankLines++
      continue
    }
    const parsed = parseBatchLine(text, options.context)
    if (!parsed.ok) {
      problems.push({ line, message: `${options.file}:${line}: ${parsed.message}` })
      continue
    }
    requests.push(countRequest(parsed.request, line, parsed.format, parsed.customId))
  }
  return { index: chunk.index, requests, problems, blankLines, endOffset: chunk.endOffset }
}

function countRequest(
  request: ChatRequest,
  line: number,
  format: LineFormat,
  customId: string | null,
): CountedRequest {
  const choice = choiceFor(request.model)
  const counted = countChat(request, sharedCounter(choice.encoding), choice)
  const { prefixKeys, prefixTokens } = prefixesOf(
    request,
    counted.toolTokens,
    counted.messageTokens,
    choice,
  )
  return {
    line,
    customId,
    format,
    model: request.model,
    tokens: counted.tokens,
    maxOutputTokens: request.maxOutputTokens,
    choices: request.choices,
    prefixKeys,
    prefixTokens,
    images: counted.images.count,
    imagesSizeAssumed: counted.images.sizeAssumed,
    imageRuleAssumed: counted.images.ruleAssumed,
    uncountedParts: counted.uncountedParts,
  }
}

/**
 * A running hash over the model, the tools and the messages in order: the key after message i
 * identifies the prompt prefix up to it. `Hash.copy()` keeps the running state, so each message is
 * hashed once.
 */
function prefixesOf(
  request: ChatRequest,
  toolTokens: number,
  messageTokens: readonly number[],
  choice: TokenizerChoice,
): { prefixKeys: string[]; prefixTokens: number[] } {
  const hash: Hash = createHash('sha1')
  hash.update(choice.name)
  hash.update('\u0000')
  if (request.tools.length > 0) hash.update(JSON.stringify(request.tools))
  const prefixKeys: string[] = []
  const prefixTokens: number[] = []
  let tokens = toolTokens
  const count = Math.min(request.messages.length, MAX_PREFIXES)
  for (let index = 0; index < count; index++) {
    hash.update('\u0000')
    hash.update(JSON.stringify(request.messages[index]))
    tokens += messageTokens[index]!
    prefixKeys.push(hash.copy().digest('base64'))
    prefixTokens.push(tokens)
  }
  return { prefixKeys, prefixTokens }
}
