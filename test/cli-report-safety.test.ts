import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '@tokenledger/store'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callRecord } from '@tokenledger/store/testing'
import { runCli } from './helpers/run-cli.js'

// Provider- and user-controlled strings in a real SQLite ledger: an upstream name with terminal
// escapes, tag values that a spreadsheet would run as formulas.
const HOSTILE_UPSTREAM =
  'Evil\u001b[2J\u001b[1;1H\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007'
const FORMULAS = [
  '=HYPERLINK("https://evil.example")',
  '+1+1',
  '-2+3',
  '@SUM(A1)',
  '\t=1',
  '\r=1',
  ' =1',
  '\n=1',
  '＝1+1',
]

describe('report output is safe with hostile ledger strings', () => {
  let dir: string
  let db: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tokenledger-cli-safety-'))
    db = `sqlite:${join(dir, 'ledger.db')}`
    const store = await openStore(db)
    await store.insert([
      callRecord('up', {
        provider: 'openrouter',
        requestedModel: 'x/y',
        model: null,
        upstreamProvider: HOSTILE_UPSTREAM,
      }),
      ...FORMULAS.map((value, i) => callRecord(`f${i}`, { tags: { feature: value } })),
    ])
    await store.close()
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('escapes control characters in tables (item 18)', () => {
    const result = runCli(['report', '--db', db, '--by', 'upstream'])
    expect(result.code).toBe(0)
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/)
    expect(result.stdout).toContain('Evil\\x1B[2J\\x1B[1;1H\\x1B]8;;https://evil.example\\x07click')
  })

  it('makes formula cells inert in --csv (item 17)', () => {
    const result = runCli(['report', '--db', db, '--by', 'tag:feature', '--csv'])
    expect(result.code).toBe(0)
    // Parse the CSV back (RFC 4180 quoting) and look at the group column.
    const cells: string[] = []
    const text = result.stdout
    let i = text.indexOf('\n') + 1
    while (i < text.length) {
      let cell = ''
      if (text[i] === '"') {
        i++
        while (!(text[i] === '"' && text[i + 1] !== '"')) {
          if (text[i] === '"') i++
          cell += text[i++]
        }
        i++
      } else {
        while (text[i] !== ',') cell += text[i++]
      }
      cells.push(cell)
      i = text.indexOf('\n', i) + 1
      if (i === 0) break
    }
    const groups = cells.filter((cell) => cell !== '')
    expect(groups.sort()).toEqual(FORMULAS.map((value) => `'${value}`).sort())
  })
})
