/**
 * Estimates what a batch file will cost before it is submitted: every request counted, output as a
 * low / expected / high range, priced at every provider that serves the model (or one), with its
 * batch / flex / off-peak options and the separate effect of automatic prefix caching.
 *
 * The file is streamed (memory stays flat up to the Batch API's 200 MB / 50,000 requests), large
 * files are counted on worker threads, and a bad line is reported with its line number and skipped:
 * it never stops the estimate of the rest.
 */
import { defaultPricingTable, type PricingTable } from '@tokenledger/pricing'
import type { InputCorrection } from './calibration.js'
import type { LineProblem } from './chunk-counter.js'
import { countFile } from './count-pool.js'
import type { EncodingName, ModelFamily } from './encodings.js'
import type { HistoryOptions, LedgerHistorySource } from './ledger-history.js'
import { addRequest, type ModelState, setUpModel } from './model-state.js'
import type { OutputModel, TokenRange } from './output-range.js'
import { FALLBACK_MAX_OUTPUT } from './output-range.js'
import { PrefixTracker } from './prefix-cache.js'
import { priceModel, type ProviderEstimate } from './price-batch.js'

/** What to estimate and how. */
export interface EstimateBatchOptions {
  /** Path of the batch file (JSONL, or `.txt` with one prompt per line). */
  file: string
  /** Pricing table (default: `defaultPricingTable()`). */
  table?: PricingTable
  /** The model for every line (`--model`); overrides the lines' own `model`. */
  model?: string
  /** System prompt text put before every prompt line (`--system`). */
  system?: string
  /** Read every line as a plain-text prompt (default: true for `.txt` files). */
  text?: boolean
  /** Price at this provider only (default: every provider that serves the model). */
  provider?: string
  /** Only the batch service tier (`--batch`). */
  batchOnly?: boolean
  /** The instant prices are taken at (default: now). */
  at?: Date
  /** The ledger, for output history and input calibration; null or absent: defaults. */
  ledger?: LedgerHistorySource | null
  /** Which ledger calls to learn from (default: the 90 days before `at`, all tags). */
  history?: Omit<HistoryOptions, 'until'>
  /** Worker threads: 'auto' (default), or a number (0: main thread only). */
  workers?: number | 'auto'
  /** Chunk size for reading (default 512 kB). */
  chunkBytes?: number
  /** Problems kept in the result (default 1,000; all are counted in `skipped`). */
  maxProblems?: number
  /** Called after each chunk. */
  onProgress?: (progress: EstimateProgress) => void
}

/** Progress of an estimate. */
export interface EstimateProgress {
  bytesRead: number
  totalBytes: number
  requests: number
  skipped: number
}

/** One model of the batch: how it was counted and what it contributes. */
export interface ModelEstimate {
  /** As the file (or `--model`) names it. */
  model: string
  /** Canonical id in the pricing table; null when no provider (or not the chosen one) serves it. */
  canonical: string | null
  known: boolean
  requests: number
  inputTokens: number
  output: TokenRange
  tokenizer: { encoding: EncodingName; family: ModelFamily; exact: boolean }
  input: InputCorrection
  outputSource: Pick<OutputModel, 'source' | 'calls' | 'low' | 'expected' | 'note'>
  reasoning: boolean
  images: { count: number; sizeAssumed: number; ruleAssumed: boolean }
  notes: string[]
}

/** The estimate of a batch file. */
export interface BatchEstimate {
  file: string
  /** Requests estimated. */
  requests: number
  /** Lines skipped because they were invalid (see `problems`). */
  skipped: number
  /** Blank lines (ignored, not problems). */
  blankLines: number
  /** Prompt tokens of every estimated request (approximate models corrected). */
  inputTokens: number
  output: TokenRange
  /** Every provider x option of every model; per model, cheapest expected first. */
  providers: ProviderEstimate[]
  models: ModelEstimate[]
  /** The first `maxProblems` bad lines, in line order. */
  problems: LineProblem[]
  /** Instant the prices were taken at (ISO). */
  at: string
  /** Worker threads used (0: main thread). */
  workers: number
  notes: string[]
}

/**
 * Estimates a batch file.
 * @throws TokenledgerError only for the file as a whole (unreadable); bad lines are in `problems`.
 * @example
 * const estimate = await estimateBatch({ file: 'batch.jsonl', provider: 'openai' })
 * for (const row of estimate.providers) console.log(row.provider, row.option, row.cost?.expected ?? 'unpriced')
 */
export async function estimateBatch(options: EstimateBatchOptions): Promise<BatchEstimate> {
  const table = options.table ?? defaultPricingTable()
  const at = options.at ?? new Date()
  const maxProblems = options.maxProblems ?? 1000
  const counting = countFile(options.file, {
    file: options.file,
    context: {
      ...(options.model !== undefined ? { model: options.model } : {}),
      ...(options.system !== undefined ? { system: options.system } : {}),
      text: options.text ?? options.file.toLowerCase().endsWith('.txt'),
    },
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
    ...(options.chunkBytes !== undefined ? { chunkBytes: options.chunkBytes } : {}),
  })
  const models = new Map<string, ModelState>()
  const tracker = new PrefixTracker()
  const problems: LineProblem[] = []
  let skipped = 0
  let blankLines = 0
  let requests = 0
  const setup = {
    table,
    ...(options.provider !== undefined ? { provider: options.provider } : {}),
    ledger: options.ledger ?? null,
    history: { ...options.history, until: at },
  }

  for await (const result of counting.results) {
    for (const request of result.requests) {
      let state = models.get(request.model)
      if (!state) {
        state = await setUpModel(request.model, setup)
        models.set(request.model, state)
      }
      addRequest(state, request, tracker)
    }
    requests += result.requests.length
    skipped += result.problems.length
    blankLines += result.blankLines
    for (const problem of result.problems) if (problems.length < maxProblems) problems.push(problem)
    options.onProgress?.({
      bytesRead: result.endOffset,
      totalBytes: counting.totalBytes,
      requests,
      skipped,
    })
  }

  const providers: ProviderEstimate[] = []
  const modelEstimates: ModelEstimate[] = []
  const output: TokenRange = { low: 0, expected: 0, high: 0 }
  let inputTokens = 0
  for (const state of models.values()) {
    providers.push(...priceModel(state, table, at, { batchOnly: options.batchOnly ?? false }))
    modelEstimates.push(describeModel(state, options.provider))
    inputTokens += state.inputTokens
    output.low += state.totals.low
    output.expected += state.totals.expected
    output.high += state.totals.high
  }
  const notes: string[] = []
  if (skipped > problems.length)
    notes.push(`${skipped} lines skipped; the first ${problems.length} are listed`)
  return {
    file: options.file,
    requests,
    skipped,
    blankLines,
    inputTokens,
    output,
    providers,
    models: modelEstimates,
    problems,
    at: at.toISOString(),
    workers: counting.workers,
    notes,
  }
}

function describeModel(state: ModelState, provider: string | undefined): ModelEstimate {
  const notes: string[] = [state.correction.note, state.output.note]
  if (state.canonical === null) {
    notes.push(
      provider !== undefined
        ? `provider "${provider}" does not serve "${state.name}" in the pricing table: not priced`
        : `no provider in the pricing table serves "${state.name}": not priced`,
    )
  }
  if (state.reasoning) {
    notes.push(
      'reasoning model: thinking tokens are billed as output and widen the range (high is the output limit, thinking included)',
    )
  }
  if (state.unbounded > 0) {
    const bound =
      state.modelMaxOutput !== null
        ? `the model's maximum output (${state.modelMaxOutput.toLocaleString('en-US')})`
        : state.contextWindow !== null
          ? 'what the context window leaves after the prompt'
          : `an assumed ${FALLBACK_MAX_OUTPUT.toLocaleString('en-US')} tokens (no limit known)`
    notes.push(`${state.unbounded} request(s) set no output limit: their high is ${bound}`)
  }
  if (state.overContext > 0 && state.contextWindow !== null) {
    notes.push(
      `warning: ${state.overContext} request(s) have a prompt above the context window (${state.contextWindow.toLocaleString('en-US')} tokens): a provider will reject them, yet they are priced here`,
    )
  }
  if (state.bySize > 0)
    notes.push(
      `${state.bySize} request(s) took their expected output from ledger calls of a similar prompt size`,
    )
  if (state.images.count > 0) {
    let text = `${state.images.count} image(s) counted by the ${state.images.ruleAssumed ? "GPT-4o rule (this model's rule is not known)" : "model's documented rule"}`
    if (state.images.sizeAssumed > 0)
      text += `; ${state.images.sizeAssumed} of unknown size (remote URL) counted as 1024x1024`
    notes.push(text)
  }
  if (state.uncountedParts > 0)
    notes.push(
      `${state.uncountedParts} audio/file content part(s) not counted: input is a lower bound`,
    )
  return {
    model: state.name,
    canonical: state.canonical,
    known: state.canonical !== null,
    requests: state.requests,
    inputTokens: state.inputTokens,
    output: { ...state.totals },
    tokenizer: {
      encoding: state.choice.encoding,
      family: state.choice.family,
      exact: state.choice.exact,
    },
    input: state.correction,
    outputSource: {
      source: state.output.source,
      calls: state.output.calls,
      low: state.output.low,
      expected: state.output.expected,
      note: state.output.note,
    },
    reasoning: state.reasoning,
    images: { ...state.images },
    notes,
  }
}
