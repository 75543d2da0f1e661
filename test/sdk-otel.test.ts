/**
 * OpenTelemetry with the real SDK: the meter's spans and metrics go to the in-memory span and
 * metric exporters, and are checked against the GenAI semantic conventions' own constants
 * (`@opentelemetry/semantic-conventions/incubating`) as the oracle for names and values; the cost
 * on each span equals the ledger's, read back through `tokenledger report --json`.
 * Prices (USD per 1M tokens): gpt-4o input 2.50, cache read 1.25, output 10.00; claude-sonnet-4-5
 * input 3.00, cache read 0.30, 5-minute write 3.75, 1-hour write 6.00, output 15.00.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { context, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_TOKEN_TYPE_VALUE_INPUT,
  GEN_AI_TOKEN_TYPE_VALUE_OUTPUT,
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '@opentelemetry/semantic-conventions/incubating'
import { createCallTelemetry, createMeter, loadOtelApi } from '@tokenledger/meter'
import { loadPricingTable } from '@tokenledger/pricing'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fixtureJson } from '../packages/meter/src/normalisers/__fixtures__/read-fixture.js'
import { runReadmeSample } from './helpers/readme-sample.js'
import { type ReplayServer, startReplayServer } from './helpers/replay-server.js'
import { localOpenAI, localAnthropic, localPricesFile, report } from './helpers/sdk-ledger.js'

let dir: string
let openai: ReplayServer
let anthropic: ReplayServer
const contextManager = new AsyncLocalStorageContextManager()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokenledger-sdk-otel-'))
  context.setGlobalContextManager(contextManager.enable())
  openai = await startReplayServer({
    'gpt-4o': { json: fixtureJson('openai-chat-cached.json') },
    boom: { status: 500, json: fixtureJson('openai-error-500.json') },
  })
  anthropic = await startReplayServer({
    'claude-sonnet-4-5': { json: fixtureJson('anthropic-message.json') },
  })
})

afterAll(async () => {
  context.disable()
  trace.disable()
  metrics.disable()
  await Promise.all([openai?.close(), anthropic?.close()])
  rmSync(dir, { recursive: true, force: true })
})

function sdk() {
  const spans = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  })
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
  const meterProvider = new MeterProvider({ readers: [reader] })
  /** Every data point of a metric: its attributes and value (a histogram's count and sum). */
  const points = async (name: string) => {
    await reader.forceFlush()
    const all =
      exporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.flatMap((scope) => scope.metrics) ?? []
    const metric = all.find((candidate) => candidate.descriptor.name === name)
    return {
      unit: metric?.descriptor.unit,
      points:
        metric?.dataPoints.map((point) => ({ attributes: point.attributes, value: point.value })) ??
        [],
    }
  }
  return { spans, tracerProvider, meterProvider, points }
}

const prices = () =>
  loadPricingTable({
    overrides: [localPricesFile(dir, [localOpenAI(openai.url), localAnthropic(anthropic.url)])],
    env: {},
  })

describe('OpenTelemetry spans and metrics of metered calls', () => {
  it('follows the GenAI conventions, parents each span on the caller span, and carries the ledger cost', async () => {
    const db = join(dir, 'otel.db')
    const { spans, tracerProvider, meterProvider, points } = sdk()
    const meter = createMeter({
      store: `sqlite:${db}`,
      prices: prices(),
      flushOnExit: false,
      openTelemetry: { tracerProvider, meterProvider },
    })
    const client = meter.wrap(new OpenAI({ baseURL: openai.url, apiKey: 'test', maxRetries: 0 }))
    const messages = [{ role: 'user' as const, content: 'Why cache prompts?' }]
    const app = tracerProvider.getTracer('app')
    const parent = await app.startActiveSpan('handle request', async (span) => {
      await client.chat.completions.create({ model: 'gpt-4o', messages })
      await client.chat.completions
        .create({ model: 'gpt-4o', messages }, { headers: { 'x-replay': 'boom' } })
        .catch(() => {})
      const response = await meter.fetch(`${anthropic.url}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 400, messages }),
      })
      await response.json()
      span.end()
      return span
    })
    await meter.close()

    const calls = spans
      .getFinishedSpans()
      .filter(
        (span) => span !== (parent as unknown as ReadableSpan) && span.name !== 'handle request',
      )
    expect(calls.map((span) => span.name)).toEqual([
      'chat gpt-4o',
      'chat gpt-4o',
      'chat claude-sonnet-4-5',
    ])
    for (const span of calls) {
      expect(span.kind).toBe(SpanKind.CLIENT)
      expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId)
      expect(span.spanContext().traceId).toBe(parent.spanContext().traceId)
    }
    const [chat, failed, claude] = calls as [ReadableSpan, ReadableSpan, ReadableSpan]
    const groups = await report(db)
    expect(chat.attributes).toMatchObject({
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
      [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
      [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
      [ATTR_GEN_AI_RESPONSE_ID]: (fixtureJson('openai-chat-cached.json') as { id: string }).id,
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 2006,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 300,
      [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 1920,
      [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: 0,
      [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: 0,
      [ATTR_SERVER_ADDRESS]: '127.0.0.1',
      [ATTR_SERVER_PORT]: Number(new URL(openai.url).port),
      'tokenledger.priced': true,
      'tokenledger.cost.usd': '0.005615',
      'tokenledger.card': 'openai/gpt-4o@2024-08-06T00:00:00.000Z',
    })
    expect(chat.status.code).toBe(SpanStatusCode.UNSET)
    expect(failed.status.code).toBe(SpanStatusCode.ERROR)
    expect(failed.attributes).toMatchObject({
      [ATTR_ERROR_TYPE]: 'server_error',
      'tokenledger.call.status': 'error',
      'tokenledger.cost.usd': '0',
    })
    // input 150 + cache write 2048 + cache read 8192 = 10390 (the conventions count cached input in
    // the input); 150 x 3 = 450, 8192 x 0.30 = 2457.6, 1024 x 3.75 = 3840, 1024 x 6 = 6144,
    // 310 x 15 = 4650 -> 17541.6 uUSD
    expect(claude.attributes).toMatchObject({
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
      [ATTR_GEN_AI_RESPONSE_MODEL]: 'claude-sonnet-4-5-20250929',
      [ATTR_GEN_AI_RESPONSE_ID]: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 10390,
      [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 8192,
      [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: 2048,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 310,
      'tokenledger.cost.usd': '0.0175416',
    })
    // The span costs are the ledger's, to the last digit.
    expect(groups['gpt-4o']!.cost).toBe('0.005615')
    expect(groups['claude-sonnet-4-5']!.cost).toBe(claude.attributes['tokenledger.cost.usd'])

    const usage = await points(METRIC_GEN_AI_CLIENT_TOKEN_USAGE)
    expect(usage.unit).toBe('{token}')
    const sums = Object.fromEntries(
      usage.points.map(({ attributes, value }) => [
        `${attributes[ATTR_GEN_AI_REQUEST_MODEL]} ${attributes[ATTR_GEN_AI_TOKEN_TYPE]}`,
        value as { sum: number; count: number },
      ]),
    )
    // The failed call was not billed: it adds no token counts.
    expect(sums[`gpt-4o ${GEN_AI_TOKEN_TYPE_VALUE_INPUT}`]).toMatchObject({ count: 1, sum: 2006 })
    expect(sums[`gpt-4o ${GEN_AI_TOKEN_TYPE_VALUE_OUTPUT}`]).toMatchObject({ count: 1, sum: 300 })
    expect(sums[`claude-sonnet-4-5 ${GEN_AI_TOKEN_TYPE_VALUE_INPUT}`]).toMatchObject({
      count: 1,
      sum: 10390,
    })
    expect(sums[`claude-sonnet-4-5 ${GEN_AI_TOKEN_TYPE_VALUE_OUTPUT}`]).toMatchObject({
      count: 1,
      sum: 310,
    })

    const duration = await points(METRIC_GEN_AI_CLIENT_OPERATION_DURATION)
    expect(duration.unit).toBe('s')
    expect(
      duration.points
        .map(({ attributes, value }) => [
          attributes[ATTR_ERROR_TYPE] ?? null,
          (value as { count: number }).count,
        ])
        .sort(),
    ).toEqual(
      [
        ['server_error', 1],
        [null, 1],
        [null, 1],
      ].sort(),
    )

    const cost = await points('tokenledger.client.cost')
    expect(cost.unit).toBe('USD')
    const byModel = Object.fromEntries(
      cost.points
        .filter(({ attributes }) => attributes[ATTR_ERROR_TYPE] === undefined)
        .map(({ attributes, value }) => [attributes[ATTR_GEN_AI_REQUEST_MODEL], value]),
    )
    // One priced call per model: the counter holds that call's cost as a float, by provider and model.
    expect(byModel).toEqual({
      'gpt-4o': Number(groups['gpt-4o']!.cost),
      'claude-sonnet-4-5': Number(groups['claude-sonnet-4-5']!.cost),
    })
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()])
  })

  it('uses the globally registered tracer provider by default (one registered after the meter was made too), and makes nothing when turned off', async () => {
    const { spans, tracerProvider } = sdk()
    const on = createMeter({
      store: `sqlite:${join(dir, 'global.db')}`,
      prices: prices(),
      flushOnExit: false,
    })
    const off = createMeter({
      store: `sqlite:${join(dir, 'off.db')}`,
      prices: prices(),
      flushOnExit: false,
      openTelemetry: false,
    })
    // Registered after the meters were made: a meter asks the global provider on every record.
    trace.setGlobalTracerProvider(tracerProvider)
    for (const meter of [on, off]) {
      await meter
        .wrap(new OpenAI({ baseURL: openai.url, apiKey: 'test', maxRetries: 0 }))
        .chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] })
      await meter.close()
    }
    expect(
      spans.getFinishedSpans().map((span) => [span.name, span.attributes['tokenledger.cost.usd']]),
    ).toEqual([['chat gpt-4o', '0.005615']])
    trace.disable()
  })

  it('runs the README sample: the call span is a child of the application span, with the ledger cost', async () => {
    const db = join(dir, 'readme.db')
    const { spans, tracerProvider, meterProvider, points } = sdk()
    trace.setGlobalTracerProvider(tracerProvider)
    metrics.setGlobalMeterProvider(meterProvider)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      await runReadmeSample('packages/meter/README.md', 'opentelemetry', {
        TOKENLEDGER_DB: `sqlite:${db}`,
        TOKENLEDGER_PRICES: localPricesFile(dir, [localOpenAI(openai.url)]),
        OPENAI_BASE_URL: openai.url,
        OPENAI_API_KEY: 'test',
      })
      expect(warn).not.toHaveBeenCalled()
    } finally {
      warn.mockRestore()
      trace.disable()
      metrics.disable()
    }
    const [app, call] = spans.getFinishedSpans()
    expect([app?.name, call?.name]).toEqual(['answer ticket', 'chat gpt-4o'])
    expect(call!.parentSpanContext?.spanId).toBe(app!.spanContext().spanId)
    expect(call!.attributes['tokenledger.cost.usd']).toBe((await report(db))['gpt-4o']!.cost)
    expect((await points('tokenledger.client.cost')).points.map((point) => point.value)).toEqual([
      0.005615,
    ])
  })

  it('loads nothing when @opentelemetry/api is not installed', () => {
    expect(loadOtelApi('@opentelemetry/api-not-installed')).toBeNull()
    expect(
      createCallTelemetry({}, () => loadOtelApi('@opentelemetry/api-not-installed')),
    ).toBeNull()
    expect(loadOtelApi()).not.toBeNull()
  })

  it('rejects a malformed openTelemetry option, naming it', () => {
    expect(() =>
      createMeter({ store: 'sqlite::memory:', openTelemetry: 'yes' as unknown as boolean }),
    ).toThrow(
      /^createMeter\(\{ openTelemetry \}\): expected true, false or \{ tracerProvider, meterProvider \}, got yes$/,
    )
  })
})
