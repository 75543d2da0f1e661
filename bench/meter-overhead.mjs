// Metering overhead: the same `openai` SDK client, bare and wrapped by the meter, against a loopback
// server (another process) that answers at once; non-streamed and streamed calls, interleaved
// (bare, wrapped, wrapped, bare...) so drift hits both sides alike. The ledger is a SQLite file in
// the store's default (durable) settings, written on a worker thread as the meter opens URL ledgers
// (writeThread: 'worker'), and every record must be in it at the end.
// Second figure: the metering work alone per call (normalise, price, hand to the store queue): the
// meter's fetch over an in-memory fetch, minus that in-memory fetch alone.
// Third: the same interleaved comparison with OpenTelemetry on (the real SDK, a batch span
// processor and a metric reader, exporting to memory); the main figures have it off.
import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import OpenAI from 'openai'
import { createMeter } from '../packages/meter/dist/index.js'
import { openStore } from '../packages/store/dist/index.js'
import { json, sse } from './support/deepseek-payloads.mjs'

/** Warm-up rounds (one bare and one wrapped call each) before anything is timed. */
const WARMUP_ROUNDS = 500
/**
 * More rounds before the figure that is judged. In 9 of 9 runs on this machine (2 x AMD EPYC,
 * 2026-12-01) the first 8,000 calls after 500 rounds came out above every later 8,000 (wrapped /
 * bare, streams), by 0.4 to 4.8 points, while two bare clients measured that way moved by 0 and 0.8
 * points: the meter's code is still being optimised then. The bench reports those early calls too.
 */
const SETTLE_ROUNDS = 2500

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function startServer() {
  const child = fork(fileURLToPath(new URL('./support/instant-server.mjs', import.meta.url)), [], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (data) => resolve(Number(String(data).trim())))
    child.once('error', reject)
  })
  return { url: `http://127.0.0.1:${port}/v1`, close: () => child.kill() }
}

async function timeCall(client, stream) {
  const t0 = process.hrtime.bigint()
  if (stream) {
    const response = await client.chat.completions.create({
      model: 'deepseek-v4-flash',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
    })
    for await (const _ of response) {
      /* read every chunk, as a caller would */
    }
  } else {
    await client.chat.completions.create({
      model: 'deepseek-v4-flash',
      messages: [{ role: 'user', content: 'Say hello' }],
    })
  }
  return Number(process.hrtime.bigint() - t0) / 1e6
}

export async function run({ quick = false, log = () => {} } = {}) {
  const perKind = quick ? 300 : 2000
  const dir = mkdtempSync(join(tmpdir(), 'tokenledger-bench-meter-'))
  const server = await startServer()
  const store = await openStore(`sqlite:${join(dir, 'ledger.db')}`, { writeThread: 'worker' })
  const errors = []
  const meter = createMeter({
    store,
    provider: 'deepseek',
    onError: (error) => errors.push(error),
    flushOnExit: false,
    openTelemetry: false,
  })
  const bare = new OpenAI({ baseURL: server.url, apiKey: 'bench', maxRetries: 0 })
  const wrapped = meter.wrap(new OpenAI({ baseURL: server.url, apiKey: 'bench', maxRetries: 0 }))
  try {
    // Warm-up: connections, JIT (optimised code for both clients' paths), the ledger's first write.
    for (let i = 0; i < WARMUP_ROUNDS; i++) {
      await timeCall(bare, i % 2 === 0)
      await timeCall(wrapped, i % 2 === 0)
    }
    await meter.flush()
    const early = await interleaved(bare, wrapped, perKind, (i) => log(`  early: ${i} call pairs`))
    for (let i = 0; i < SETTLE_ROUNDS; i++) {
      await timeCall(bare, i % 2 === 0)
      await timeCall(wrapped, i % 2 === 0)
    }
    const times = await interleaved(bare, wrapped, perKind, (i) => log(`  ${i} call pairs`))
    await meter.close()
    const reader = await openStore(`sqlite:${join(dir, 'ledger.db')}`, { readOnly: true })
    const [summary] = await reader.summarize({})
    await reader.close()
    // One wrapped call per warm-up round, and one per call pair.
    const expectedRecords = WARMUP_ROUNDS + SETTLE_ROUNDS + perKind * 4
    const written = summary?.calls ?? 0

    const work = await meteringWork(quick ? 20_000 : 100_000)
    const otel = await withOpenTelemetry(server.url, bare, dir, perKind, log)

    const ratioOf = (sides, kind) => median(sides.wrapped[kind]) / median(sides.bare[kind])
    const ratio = (kind) => ratioOf(times, kind)
    const all = (side) => [...times[side].json, ...times[side].stream]
    const overall = median(all('wrapped')) / median(all('bare'))
    const worst = Math.max(ratio('json'), ratio('stream'))
    return {
      name: 'meter-overhead',
      target:
        'median per-call time wrapped / bare <= 1.05 (non-streamed and streamed), every record written',
      met:
        worst <= 1.05 && written === expectedRecords && errors.length === 0 && work.dropped === 0,
      ratio: {
        label: 'wrapped / bare median per call (worst of JSON and stream)',
        value: worst.toFixed(3),
      },
      figures: [
        { label: 'calls per side and kind', value: perKind.toLocaleString('en-US') },
        {
          label: 'non-streamed median: bare / wrapped',
          value: `${median(times.bare.json).toFixed(3)} ms / ${median(times.wrapped.json).toFixed(3)} ms (ratio ${ratio('json').toFixed(3)})`,
        },
        {
          label: 'streamed median: bare / wrapped',
          value: `${median(times.bare.stream).toFixed(3)} ms / ${median(times.wrapped.stream).toFixed(3)} ms (ratio ${ratio('stream').toFixed(3)})`,
        },
        { label: 'all calls median ratio', value: overall.toFixed(3) },
        {
          label: `the same measured after ${WARMUP_ROUNDS} warm-up rounds only (the meter's code still being optimised; not judged): JSON / stream ratio`,
          value: `${ratioOf(early, 'json').toFixed(3)} / ${ratioOf(early, 'stream').toFixed(3)}`,
        },
        {
          label: 'records in the ledger / calls made through the meter',
          value: `${written} / ${expectedRecords}`,
        },
        { label: 'meter errors reported through onError', value: String(errors.length) },
        {
          label:
            'metering work alone per non-streamed call (normalise, price, queue, its share of the batched SQLite write)',
          value: `${work.json.toFixed(1)} µs`,
        },
        { label: 'metering work alone per streamed call', value: `${work.stream.toFixed(1)} µs` },
        {
          label: 'metering work alone: records dropped (must be 0, or the figure leaves work out)',
          value: String(work.dropped),
        },
        {
          label: 'OpenTelemetry on (spans and metrics to the real SDK): non-streamed median ratio',
          value: `${otel.json.toFixed(3)}`,
        },
        { label: 'OpenTelemetry on: streamed median ratio', value: `${otel.stream.toFixed(3)}` },
        {
          label: 'OpenTelemetry on: spans exported / records written / calls made',
          value: `${otel.spans} / ${otel.written} / ${otel.calls}`,
        },
        {
          label: 'ledger',
          value:
            'SQLite file, store defaults (WAL, durable synchronous setting), written in batches on a worker thread (writeThread: worker)',
        },
      ],
      notes: [
        'Bare and wrapped clients are the same openai SDK version against the same server process; the order alternates per pair.',
        'Metering work alone: meter.fetch over an in-memory fetch that returns the same payload, minus that in-memory fetch alone, per call; records written to a real SQLite ledger.',
      ],
    }
  } finally {
    server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * `perKind` JSON and `perKind` streamed calls on each client, interleaved in pairs, ABBA order
 * (bare first on even pairs, wrapped first on odd ones): each call's time, by side and kind.
 */
async function interleaved(bare, wrapped, perKind, progress) {
  const times = { bare: { json: [], stream: [] }, wrapped: { json: [], stream: [] } }
  for (let i = 0; i < perKind * 2; i++) {
    const stream = i % 2 === 1
    const kind = stream ? 'stream' : 'json'
    const first = Math.floor(i / 2) % 2 === 0 ? 'bare' : 'wrapped'
    const second = first === 'bare' ? 'wrapped' : 'bare'
    times[first][kind].push(await timeCall(first === 'bare' ? bare : wrapped, stream))
    times[second][kind].push(await timeCall(second === 'bare' ? bare : wrapped, stream))
    if (i % 1000 === 999) progress(`${i + 1} / ${perKind * 2}`)
  }
  return times
}

/**
 * The interleaved bare / wrapped comparison again with OpenTelemetry on: a meter given the real
 * SDK's providers (batch span processor, metric reader, both exporting to memory).
 */
async function withOpenTelemetry(url, bare, dir, perKind, log) {
  const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } =
    await import('@opentelemetry/sdk-trace-base')
  const {
    AggregationTemporality,
    InMemoryMetricExporter,
    MeterProvider,
    PeriodicExportingMetricReader,
  } = await import('@opentelemetry/sdk-metrics')
  const spans = new InMemorySpanExporter()
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(spans, { maxQueueSize: 100_000, maxExportBatchSize: 512 }),
    ],
  })
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 1000,
  })
  const meterProvider = new MeterProvider({ readers: [reader] })
  const db = join(dir, 'ledger-otel.db')
  const errors = []
  const meter = createMeter({
    store: `sqlite:${db}`,
    provider: 'deepseek',
    onError: (error) => errors.push(error),
    flushOnExit: false,
    openTelemetry: { tracerProvider, meterProvider },
  })
  const wrapped = meter.wrap(new OpenAI({ baseURL: url, apiKey: 'bench', maxRetries: 0 }))
  for (let i = 0; i < WARMUP_ROUNDS; i++) await timeCall(wrapped, i % 2 === 0)
  const times = await interleaved(bare, wrapped, perKind, (i) =>
    log(`  OpenTelemetry on: ${i} call pairs`),
  )
  await meter.close()
  await tracerProvider.forceFlush()
  const reader2 = await openStore(`sqlite:${db}`, { readOnly: true })
  const [summary] = await reader2.summarize({})
  await reader2.close()
  const result = {
    json: median(times.wrapped.json) / median(times.bare.json),
    stream: median(times.wrapped.stream) / median(times.bare.stream),
    spans: spans.getFinishedSpans().length,
    written: summary?.calls ?? 0,
    calls: WARMUP_ROUNDS + perKind * 2,
    errors: errors.length,
  }
  await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()])
  return result
}

/** Microseconds per call the meter adds when the network costs nothing. */
async function meteringWork(calls) {
  const dir = mkdtempSync(join(tmpdir(), 'tokenledger-bench-work-'))
  const inMemoryFetch = async (_input, init) => {
    const stream = JSON.parse(init.body).stream
    return new Response(stream ? sse : json, {
      status: 200,
      headers: {
        'content-type': stream ? 'text/event-stream' : 'application/json',
        'x-request-id': 'r',
      },
    })
  }
  const store = await openStore(`sqlite:${join(dir, 'ledger.db')}`, { writeThread: 'worker' })
  const meter = createMeter({
    store,
    provider: 'deepseek',
    fetch: inMemoryFetch,
    flushOnExit: false,
  })
  const url = 'https://api.deepseek.com/chat/completions'
  const body = (stream) =>
    JSON.stringify({
      model: 'deepseek-v4-flash',
      messages: [{ role: 'user', content: 'Say hello' }],
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    })
  // The meter builds and writes records off the call's path; flush() at the end brings that work
  // inside the timed span, so the figure includes the calls' share of the batched ledger writes.
  const loop = async (fetchFn, stream, after = async () => {}) => {
    const init = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body(stream),
    }
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) {
      const response = await fetchFn(url, init)
      await response.text()
      // An in-memory fetch never yields to the event loop; real calls do. Without a turn now and
      // then the meter's timers never run and its queue overflows (dropped records cost nothing).
      // Both loops yield alike, so the subtraction cancels it.
      if (i % 256 === 255) await new Promise((resolve) => setImmediate(resolve))
      // A loop this fast outruns any ledger: write what is queued every 2,000 calls, inside the
      // timed span, so no record is dropped and the figure holds all of their work.
      if (i % 2000 === 1999) await after()
    }
    await after()
    return Number(process.hrtime.bigint() - t0) / 1e3 / calls
  }
  const result = {}
  for (const stream of [false, true]) {
    await loop(inMemoryFetch, stream)
    await loop(meter.fetch, stream, () => meter.flush()) // warm-up
    const plain = await loop(inMemoryFetch, stream)
    const metered = await loop(meter.fetch, stream, () => meter.flush())
    result[stream ? 'stream' : 'json'] = metered - plain
  }
  result.dropped = meter.stats().dropped
  await meter.close()
  rmSync(dir, { recursive: true, force: true })
  return result
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await run({ quick: process.argv.includes('--quick'), log: console.error })
  console.log(JSON.stringify(result, null, 2))
}
