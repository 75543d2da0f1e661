import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultPricingTable, type Usd } from '@tokenledger/pricing'
import { type CallRecord, openStore } from '@tokenledger/store'
import { callRecord, reportedUsage } from '@tokenledger/store/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CLI_BIN, runCli } from './helpers/run-cli.js'

const usd = (value: string) => value as Usd

/** A call priced the way the meter prices it with today's table (so reprice leaves it alone). */
function priced(id: string, fields: Partial<CallRecord>): CallRecord {
  const record = callRecord(id, fields)
  const cost = defaultPricingTable().price({
    provider: record.provider,
    model: record.model!,
    at: new Date(record.timestamp),
    usage: record.usage,
  })!
  return {
    ...record,
    cost: cost.total,
    costBreakdown: cost.breakdown,
    cacheSavings: cost.cacheSavings,
    card: cost.card.id,
  }
}

/**
 * Six calls over three days. Hand computation with the bundled cards in force in May 2026
 * (USD per 1M tokens): DeepSeek V4 Flash at deepseek input 0.14, cache read 0.0028, output 0.28;
 * at tokenhub 0.15 / 0.003 / 0.30; at openrouter 0.14 / 0.28 (no cache price).
 */
function ledger(): CallRecord[] {
  return [
    // A: 600,000 x 0.14 + 400,000 x 0.0028 + 100,000 x 0.28 = 0.084 + 0.00112 + 0.028 = 0.11312
    priced('a', {
      timestamp: '2026-05-01T10:00:00.000Z',
      usage: reportedUsage(1_000_000, 400_000, 100_000, 50_000),
      tags: { user: 'alice' },
    }),
    // B: stored with a wrong price (0.5); right: 200,000 x 0.14 + 20,000 x 0.28 = 0.028 + 0.0056 = 0.0336
    callRecord('b', {
      timestamp: '2026-05-01T23:30:00.000Z',
      usage: reportedUsage(200_000, 0, 20_000),
      cost: usd('0.5'),
      costBreakdown: {
        input: usd('0.4'),
        cacheRead: usd('0'),
        cacheWrite: usd('0'),
        output: usd('0.1'),
      },
      cacheSavings: usd('0'),
      card: 'deepseek/deepseek-v4-flash@2026-04-24T00:00:00.000Z',
      tags: { user: 'bob' },
    }),
    // C: 600,000 x 0.15 + 400,000 x 0.003 = 0.09 + 0.0012 = 0.0912
    priced('c', {
      timestamp: '2026-05-02T08:00:00.000Z',
      provider: 'tokenhub',
      usage: reportedUsage(1_000_000, 400_000, 0),
      tags: { user: 'alice', env: 'prod' },
    }),
    // D: recorded unpriced (older table); now 1M x 0.14 + 1M x 0.28 = 0.42. OpenRouter reported 0.3.
    callRecord('d', {
      timestamp: '2026-05-02T09:00:00.000Z',
      provider: 'openrouter',
      requestedModel: 'deepseek/deepseek-v4-flash',
      model: null,
      upstreamProvider: 'DeepSeek',
      usage: reportedUsage(1_000_000, 0, 1_000_000),
      reportedCost: usd('0.3'),
    }),
    // E: a model no table knows: unpriced, stays unpriced.
    callRecord('e', {
      timestamp: '2026-05-03T12:00:00.000Z',
      requestedModel: 'deepseek-v9-experimental',
      model: null,
      usage: reportedUsage(5_000, 0, 500),
    }),
    // F: a rate-limited call: nothing billed, priced at 0 (a known price times zero tokens).
    priced('f', {
      timestamp: '2026-05-03T13:00:00.000Z',
      status: 'error',
      httpStatus: 429,
      errorType: 'rate_limit',
      usage: {
        ...reportedUsage(0, 0, 0),
        provenance: {
          inputTokens: 'missing',
          cacheReadTokens: 'missing',
          cacheWriteTokens: 'missing',
          outputTokens: 'missing',
          reasoningTokens: 'missing',
        },
      },
    }),
  ]
}

/** A report row grouped by `key`; `spend` defaults to `cost` (no reported cost of unpriced calls). */
const row = (key: string, group: string, r: Partial<Record<string, unknown>>) => ({
  group,
  keys: { [key]: group === '(none)' ? null : group },
  calls: 0,
  inputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  cost: '0',
  reportedCost: null,
  unpricedCalls: 0,
  reportedCostOfUnpriced: null,
  unpricedReportedCalls: 0,
  spend: r['cost'] === undefined ? '0' : r['cost'],
  errorCalls: 0,
  ...r,
})

describe('tokenledger report and reprice', () => {
  let dir: string
  let db: string

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenledger-cli-report-'))
    db = `sqlite:${join(dir, 'ledger.db')}`
    const store = await openStore(db)
    await store.insert(ledger())
    await store.close()
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const json = (args: string[]) => {
    const result = runCli(args)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    return JSON.parse(result.stdout)
  }

  it('report --by day --json: exact sums per UTC day', () => {
    expect(json(['report', '--db', db, '--by', 'day', '--json'])).toEqual([
      row('day', '2026-05-01', {
        calls: 2,
        inputTokens: 1_200_000,
        cacheReadTokens: 400_000,
        outputTokens: 120_000,
        reasoningTokens: 50_000,
        cost: '0.61312',
      }),
      row('day', '2026-05-02', {
        calls: 2,
        inputTokens: 2_000_000,
        cacheReadTokens: 400_000,
        outputTokens: 1_000_000,
        cost: '0.0912',
        reportedCost: '0.3',
        unpricedCalls: 1,
        // D: unpriced, but OpenRouter reported $0.30 for it (item 13).
        reportedCostOfUnpriced: '0.3',
        unpricedReportedCalls: 1,
        spend: '0.3912',
      }),
      row('day', '2026-05-03', {
        calls: 2,
        inputTokens: 5_000,
        outputTokens: 500,
        unpricedCalls: 1,
        errorCalls: 1,
      }),
    ])
  })

  it('report by model, provider and tag; unpriced models named; filters', () => {
    expect(json(['report', '--db', db, '--by', 'model', '--json'])).toEqual([
      row('model', 'deepseek-v4-flash', {
        calls: 4,
        inputTokens: 2_200_000,
        cacheReadTokens: 800_000,
        outputTokens: 120_000,
        reasoningTokens: 50_000,
        cost: '0.70432',
        errorCalls: 1,
      }),
      // Unpriced models by the id served or requested, never "(unknown)" (item 12), and with no
      // priced call their cost is null, never 0 (item 11).
      row('model', 'deepseek/deepseek-v4-flash', {
        calls: 1,
        inputTokens: 1_000_000,
        outputTokens: 1_000_000,
        cost: null,
        reportedCost: '0.3',
        unpricedCalls: 1,
        reportedCostOfUnpriced: '0.3',
        unpricedReportedCalls: 1,
        spend: '0.3',
      }),
      row('model', 'deepseek-v9-experimental', {
        calls: 1,
        inputTokens: 5_000,
        outputTokens: 500,
        cost: null,
        unpricedCalls: 1,
        spend: null,
      }),
    ])
    expect(
      json(['report', '--db', db, '--by', 'tag:user', '--json']).map(
        (r: { group: string; cost: string; calls: number }) => [r.group, r.calls, r.cost],
      ),
    ).toEqual([
      // By spend: (none) holds D's reported $0.30.
      ['bob', 1, '0.5'],
      ['(none)', 3, '0'],
      ['alice', 2, '0.20432'],
    ])
    expect(
      json([
        'report',
        '--db',
        db,
        '--by',
        'provider',
        '--provider',
        'deepseek',
        '--since',
        '2026-05-01T12:00',
        '--until',
        '2026-05-03T12:30:00Z',
        '--json',
      ]),
    ).toEqual([
      row('provider', 'deepseek', {
        calls: 2,
        inputTokens: 205_000,
        outputTokens: 20_500,
        cost: '0.5',
        unpricedCalls: 1,
      }),
    ])
    // An alias the pricing table knows selects the canonical model.
    expect(
      json([
        'report',
        '--db',
        db,
        '--by',
        'provider',
        '--model',
        'deepseek/deepseek-v4-flash',
        '--json',
      ]).map((r: { group: string }) => r.group),
    ).toEqual(['deepseek', 'tokenhub'])
    expect(json(['report', '--db', db, '--since', '2027-01-01', '--json'])).toEqual([])
  })

  it('report --csv and the table carry the same figures', () => {
    const csv = runCli(['report', '--db', db, '--by', 'week', '--csv'])
    expect(csv.code).toBe(0)
    expect(csv.stdout).toBe(
      'week,calls,inputTokens,cacheReadTokens,cacheWriteTokens,outputTokens,reasoningTokens,cost,reportedCost,unpricedCalls,reportedCostOfUnpriced,unpricedReportedCalls,spend,errorCalls\n' +
        '2026-04-27,6,3205000,800000,0,1120500,50000,0.70432,0.3,2,0.3,1,1.00432,1\n',
    )
    const table = runCli(['report', '--db', db, '--by', 'provider'])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/│ provider\s+│\s+calls │/)
    expect(table.stdout).toMatch(
      /│ deepseek\s+│\s+4 │\s+1,205,000 │\s+400,000 │\s+120,500 │\s+\$0\.61312 │\s+1 │\s+- │\s+\$0\.61312 │\s+1 │/,
    )
    // A group with no priced call says so, never $0 (item 11); its reported cost is apart (item 13).
    expect(table.stdout).toMatch(
      /│ openrouter\s+│\s+1 │\s+1,000,000 │\s+0 │\s+1,000,000 │\s+unpriced │\s+1 │\s+\$0\.30 │\s+\$0\.30 │\s+0 │/,
    )
    expect(table.stdout).toMatch(
      /│ total\s+│\s+6 │\s+3,205,000 │\s+800,000 │\s+1,120,500 │\s+\$0\.70432 │\s+2 │\s+\$0\.30 │\s+\$1\.00432 │\s+1 │/,
    )
    expect(table.stdout).toContain(
      [
        'computed cost (4 priced call(s)): $0.70432',
        '¹ reported by providers for unpriced calls (1 call(s)): $0.30',
        '² spend, computed + reported: $1.00432',
        '1 call(s) have no price and no reported cost and are not in the spend; add their prices, then run `tokenledger reprice`',
      ].join('\n'),
    )
  })

  it('report rejects bad flags and a missing ledger clearly', () => {
    const by = runCli(['report', '--db', db, '--by', 'weekday'])
    expect(by.code).toBe(1)
    expect(by.stderr).toContain(
      '--by: expected one of hour, day, week, month, model, provider, upstream, status or tag:KEY, got "weekday"',
    )
    const missing = runCli(['report', '--db', join(dir, 'nope.db'), '--json'])
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toMatch(
      /nope\.db: cannot open read-only .*expected an existing ledger file/,
    )
  })

  it('report --by day,model groups on two levels; --tag filters; a repeated --by is an error', () => {
    const rows = json(['report', '--db', db, '--by', 'day,model', '--json'])
    expect(rows.map((r: { group: string }) => r.group)).toEqual([
      '2026-05-01 / deepseek-v4-flash',
      '2026-05-02 / deepseek/deepseek-v4-flash',
      '2026-05-02 / deepseek-v4-flash',
      '2026-05-03 / deepseek-v4-flash',
      '2026-05-03 / deepseek-v9-experimental',
    ])
    expect(rows[1].keys).toEqual({ day: '2026-05-02', model: 'deepseek/deepseek-v4-flash' })
    expect(rows[1].spend).toBe('0.3')
    const table = runCli(['report', '--db', db, '--by', 'day,model'])
    expect(table.stdout).toMatch(/│ day\s+│ model\s+│\s+calls │/)
    expect(table.stdout).toMatch(/│ 2026-05-02 │ deepseek\/deepseek-v4-flash\s+│\s+1 │/)
    const csv = runCli(['report', '--db', db, '--by', 'day,model', '--csv'])
    expect(csv.stdout.split('\n')[0]).toMatch(/^day,model,calls,/)

    const alice = json(['report', '--db', db, '--by', 'provider', '--tag', 'user=alice', '--json'])
    expect(alice.map((r: { group: string; calls: number }) => [r.group, r.calls])).toEqual([
      ['deepseek', 1],
      ['tokenhub', 1],
    ])
    const both = json(['report', '--db', db, '--tag', 'user=alice', '--tag', 'env=prod', '--json'])
    expect(both.map((r: { group: string; calls: number }) => [r.group, r.calls])).toEqual([
      ['2026-05-02', 1],
    ])
    const cases: Array<[string[], string]> = [
      [
        ['--by', 'day', '--by', 'model'],
        '--by: given twice (day and model); to group by two keys write --by day,model',
      ],
      [['--by', 'day,day'], '--by: day is listed twice in "day,day"'],
      [
        ['--by', 'day,model,provider'],
        '--by: at most two keys (OUTER,INNER), got "day,model,provider"',
      ],
      [['--tag', 'user'], '--tag: expected KEY=VALUE, got "user"'],
      [['--since', '2026-02-30'], '--since: "2026-02-30" is not a date: February 2026 has 28 days'],
      [['--until', '2026-05-01 junk'], '--until: expected a date YYYY-MM-DD or a date-time'],
    ]
    for (const [flags, message] of cases) {
      const result = runCli(['report', '--db', db, ...flags])
      expect(result.code, flags.join(' ')).toBe(1)
      expect(result.stderr, flags.join(' ')).toContain(message)
    }
  })

  it('report --model with no calls of a model nobody knows suggests close matches', () => {
    const typo = runCli(['report', '--db', db, '--model', 'deepseek-v9-experimentl'])
    expect(typo.code).toBe(2)
    expect(typo.stdout).toBe('')
    expect(typo.stderr).toContain(
      'error: --model: no calls of "deepseek-v9-experimentl" in the ledger, and the pricing table does not know it; close matches: deepseek-v9-experimental',
    )
    const flash = runCli(['report', '--db', db, '--model', 'deepseek-v4-flsh'])
    expect(flash.code).toBe(2)
    expect(flash.stderr).toMatch(/close matches: .*deepseek-v4-flash/)
    // An unpriced model the ledger holds is found by its id; a known model without calls is just empty.
    expect(
      json(['report', '--db', db, '--model', 'deepseek-v9-experimental', '--json']),
    ).toHaveLength(1)
    expect(json(['report', '--db', db, '--model', 'gpt-4o', '--json'])).toEqual([])
  })

  it('reprice --until limits the calls to an end, exclusive', () => {
    // B (2026-05-01T23:30, wrong price) is before the end; D (2026-05-02T09:00, newly priced) is not.
    const result = json(['reprice', '--db', db, '--dry-run', '--until', '2026-05-02', '--json'])
    expect(result).toMatchObject({
      until: '2026-05-02T00:00:00.000Z',
      calls: 2,
      changed: 1,
      newlyPriced: 0,
    })
    const window = json([
      'reprice',
      '--db',
      db,
      '--dry-run',
      '--since',
      '2026-05-02',
      '--until',
      '2026-05-02T09:00:00.001Z',
      '--json',
    ])
    expect(window).toMatchObject({ calls: 2, changed: 1, newlyPriced: 1 })
    const backwards = runCli([
      'reprice',
      '--db',
      db,
      '--since',
      '2026-05-02',
      '--until',
      '2026-05-01',
    ])
    expect(backwards.code).toBe(1)
    expect(backwards.stderr).toBe(
      'error: --until 2026-05-01T00:00:00.000Z is not after --since 2026-05-02T00:00:00.000Z\n',
    )
  })

  it('names a directory or an empty file given as --db, and exits quietly when the reader goes', async () => {
    const folder = runCli(['report', '--db', dir])
    expect(folder.code).toBe(1)
    expect(folder.stderr).toBe(
      `error: sqlite:${dir}: is a directory; expected a ledger file, such as ${join(dir, 'tokenledger.db')}\n`,
    )
    writeFileSync(join(dir, 'empty.db'), '')
    const empty = runCli(['report', '--db', join(dir, 'empty.db')])
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain('it is not a ledger yet: the first writer creates the schema')
    expect(empty.stderr).not.toContain('tokenledger report`')

    // `report | head -2`: a reader that leaves early ends the report quietly (no EPIPE trace).
    const store = await openStore(db)
    await store.insert(
      // 400 hours of JSON rows: about 160 kB, more than a pipe holds.
      Array.from({ length: 400 }, (_, i) =>
        callRecord(`many-${i}`, {
          timestamp: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString(),
        }),
      ),
    )
    await store.close()
    const piped = spawnSync(
      'sh',
      ['-c', `node "${CLI_BIN}" report --db "${db}" --by hour --json | head -2`],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TZ: 'UTC' },
      },
    )
    expect(piped.stdout.split('\n')).toHaveLength(3)
    expect(piped.stderr).toBe('')
  })

  it('reprice --dry-run shows the changes and writes nothing', () => {
    const before = json(['report', '--db', db, '--by', 'model', '--json'])
    const result = json(['reprice', '--db', db, '--dry-run', '--json'])
    expect(result).toEqual({
      dryRun: true,
      since: null,
      until: null,
      calls: 6,
      changed: 2,
      newlyPriced: 1,
      newlyUnpriced: 0,
      unpriced: 1,
      // 0.11312 + 0.5 + 0.0912 + 0 -> 0.11312 + 0.0336 + 0.0912 + 0.42 + 0
      oldCost: '0.70432',
      newCost: '0.65792',
      difference: '-0.0464',
      written: 0,
      groups: [
        {
          provider: 'deepseek',
          requestedModel: 'deepseek-v4-flash',
          model: 'deepseek-v4-flash',
          calls: 3,
          changed: 1,
          newlyPriced: 0,
          newlyUnpriced: 0,
          unpriced: 0,
          oldCost: '0.61312',
          newCost: '0.14672',
        },
        {
          provider: 'deepseek',
          requestedModel: 'deepseek-v9-experimental',
          model: null,
          calls: 1,
          changed: 0,
          newlyPriced: 0,
          newlyUnpriced: 0,
          unpriced: 1,
          oldCost: '0',
          newCost: '0',
        },
        {
          provider: 'openrouter',
          requestedModel: 'deepseek/deepseek-v4-flash',
          model: 'deepseek-v4-flash',
          calls: 1,
          changed: 1,
          newlyPriced: 1,
          newlyUnpriced: 0,
          unpriced: 0,
          oldCost: '0',
          newCost: '0.42',
        },
        {
          provider: 'tokenhub',
          requestedModel: 'deepseek-v4-flash',
          model: 'deepseek-v4-flash',
          calls: 1,
          changed: 0,
          newlyPriced: 0,
          newlyUnpriced: 0,
          unpriced: 0,
          oldCost: '0.0912',
          newCost: '0.0912',
        },
      ],
    })
    expect(json(['report', '--db', db, '--by', 'model', '--json'])).toEqual(before)
    const table = runCli(['reprice', '--db', db, '--dry-run'])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(
      /│ openrouter\s+│ deepseek\/deepseek-v4-flash\s+│\s+1 │\s+1 │\s+1 │\s+0 │\s+0 │\s+\$0\.00 │\s+\$0\.42 │/,
    )
    expect(table.stdout).toContain('dry run: 2 call(s) would change; nothing was written')
  })

  it('reprice writes the new prices; the report and rollups follow; a second run changes nothing', () => {
    expect(json(['reprice', '--db', db, '--json'])).toMatchObject({
      dryRun: false,
      changed: 2,
      written: 2,
      newCost: '0.65792',
    })
    expect(json(['report', '--db', db, '--by', 'model', '--json'])).toEqual([
      row('model', 'deepseek-v4-flash', {
        calls: 5,
        inputTokens: 3_200_000,
        cacheReadTokens: 800_000,
        outputTokens: 1_120_000,
        reasoningTokens: 50_000,
        cost: '0.65792',
        reportedCost: '0.3',
        errorCalls: 1,
      }),
      row('model', 'deepseek-v9-experimental', {
        calls: 1,
        inputTokens: 5_000,
        outputTokens: 500,
        cost: null,
        unpricedCalls: 1,
        spend: null,
      }),
    ])
    // The day view reads the rollups (whole days): they moved with the update.
    expect(
      json(['report', '--db', db, '--by', 'day', '--json']).map((r: { cost: string }) => r.cost),
    ).toEqual(['0.14672', '0.5112', '0'])
    const again = runCli(['reprice', '--db', db])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('every call already has its current price; nothing to write')
  })

  it('reprice --prices prices a model once its price is known; --since limits the calls', () => {
    const deepseek = JSON.parse(
      readFileSync(fileURLToPath(new URL('../pricing/deepseek.json', import.meta.url)), 'utf8'),
    )
    const override = join(dir, 'v9.json')
    writeFileSync(
      override,
      JSON.stringify({
        id: 'deepseek',
        name: deepseek.name,
        apiBaseUrls: deepseek.apiBaseUrls,
        usageStyle: deepseek.usageStyle,
        reportsCost: deepseek.reportsCost,
        models: [
          {
            id: 'deepseek-v9-experimental',
            cards: [
              {
                from: '2026-01-01T00:00:00Z',
                source: 'test contract',
                checked: '2026-05-01',
                rates: { input: '1', output: '2' },
              },
            ],
          },
        ],
      }),
    )
    // Only E and F are on or after 2026-05-03: E gets 5,000 x 1 + 500 x 2 per 1M = 0.006.
    const result = json([
      'reprice',
      '--db',
      db,
      '--since',
      '2026-05-03',
      '--prices',
      override,
      '--json',
    ])
    expect(result).toMatchObject({
      calls: 2,
      changed: 1,
      newlyPriced: 1,
      unpriced: 0,
      oldCost: '0',
      newCost: '0.006',
      written: 1,
    })
    expect(
      json(['report', '--db', db, '--by', 'day', '--json']).map(
        (r: { cost: string; unpricedCalls: number }) => [r.cost, r.unpricedCalls],
      ),
    ).toEqual([
      ['0.61312', 0],
      ['0.0912', 1],
      ['0.006', 0],
    ])
  })
})
