import { TokenledgerError } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { createStderrReporter, STDERR_REPORT_INTERVAL_MS } from './stderr-reporter.js'

describe('the default onError', () => {
  it('writes each kind once, then at most once a minute with the count of the rest', () => {
    const lines: string[] = []
    let clock = 0
    const report = createStderrReporter(
      (line) => lines.push(line),
      () => clock,
    )
    const locked = new TokenledgerError(
      'STORE_UNAVAILABLE',
      'sqlite:x.db: insert failed (database is locked)',
    )
    for (let i = 0; i < 500; i++) report(locked, { phase: 'write', records: 3 })
    report(
      new TokenledgerError('STORE_UNAVAILABLE', 'meter queue: dropped the 7 oldest record(s)'),
      {
        phase: 'drop',
        records: 7,
      },
    )
    expect(lines).toEqual([
      'tokenledger meter (write, 3 record(s)): sqlite:x.db: insert failed (database is locked); repeats of this are shown at most once a minute (pass createMeter({ onError }) to handle them)\n',
      'tokenledger meter (drop, 7 record(s)): meter queue: dropped the 7 oldest record(s); repeats of this are shown at most once a minute (pass createMeter({ onError }) to handle them)\n',
    ])
    clock = STDERR_REPORT_INTERVAL_MS
    report(locked, { phase: 'write', records: 3 })
    expect(lines[2]).toContain('(499 more like it since the last line)')
    expect(lines).toHaveLength(3)
  })
})
