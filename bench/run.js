// `pnpm bench [--quick] [--only NAME,...]`: runs every benchmark in one process, prints each figure as a
// ratio measured side by side with its baseline in the same run, and writes bench/RESULTS.md.
// Each benchmark module exports `run({ quick, log })` returning
// { name, target, met, ratio: { label, value }, figures: [{ label, value }], notes?: string[] }.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const BENCHES = [
  ['cost-math', './cost-math.mjs'],
  ['pricing-table', './pricing-table.mjs'],
  ['meter-overhead', './meter-overhead.mjs'],
  ['tap-vs-clone', './tap-vs-clone.mjs'],
  ['ledger-ingest', './ledger-ingest.mjs'],
  ['dashboard-scale', './dashboard-scale.mjs'],
  ['estimate-throughput', './estimate-throughput.mjs'],
  ['proxy-overhead', './proxy-overhead.mjs'],
]

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } },
})
const only = values.only ? new Set(values.only.split(',')) : null
const log = (line) => process.stderr.write(`${line}\n`)

const results = []
for (const [name, path] of BENCHES) {
  if (only && !only.has(name)) continue
  let module
  try {
    module = await import(path)
  } catch (error) {
    if (error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(path.slice(2))) {
      log(`skip ${name}: ${path} is not written yet`)
      continue
    }
    throw error
  }
  log(`\n== ${name}`)
  const t0 = Date.now()
  const result = await module.run({ quick: values.quick, log })
  result.seconds = ((Date.now() - t0) / 1000).toFixed(1)
  results.push(result)
  log(
    `${result.met ? 'MET' : 'NOT MET'}: ${result.ratio.label} = ${result.ratio.value} (target: ${result.target})`,
  )
}

const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`
const command = (name) => `pnpm bench${values.quick ? ' --quick' : ''} --only ${name}`
const day = new Date().toISOString().slice(0, 10)

// Each benchmark's latest result is kept in bench/results/NAME.json, and RESULTS.md is written from
// all of them: a run of one benchmark replaces its own section and leaves the others as they were,
// each with the date and machine it was measured on.
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))
mkdirSync(resultsDir, { recursive: true })
for (const result of results) {
  const kept = { ...result, date: day, machine, quick: values.quick, command: command(result.name) }
  writeFileSync(join(resultsDir, `${result.name}.json`), `${JSON.stringify(kept, null, 2)}\n`)
}
const order = BENCHES.map(([name]) => name)
const all = readdirSync(resultsDir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(join(resultsDir, file), 'utf8')))
  .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))
const lines = [
  '# Benchmark results',
  '',
  'Written by `pnpm bench` from bench/results/*.json: each section says when, where and how it was measured.',
  '',
  '| benchmark | figure (ratio, side by side in one run) | target | met | measured |',
  '|---|---|---|---|---|',
  ...all.map(
    (r) =>
      `| ${r.name} | ${r.ratio.label}: **${r.ratio.value}** | ${r.target} | ${r.met ? 'yes' : 'NO'} | ${r.date}${r.quick ? ' (quick)' : ''} |`,
  ),
  '',
  ...all.flatMap((r) => [
    `## ${r.name}`,
    '',
    `Reproduce: \`${r.command}\` (${r.seconds} s). Measured ${r.date} on ${r.machine}.${r.quick ? ' **Quick mode: smaller sizes, figures are indicative only.**' : ''}`,
    '',
    '| figure | value |',
    '|---|---|',
    ...r.figures.map((f) => `| ${f.label} | ${f.value} |`),
    '',
    ...(r.notes ?? []).map((note) => `- ${note}`),
    '',
  ]),
]
writeFileSync(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), lines.join('\n'))
console.log(lines.join('\n'))
