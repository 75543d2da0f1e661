import { isTokenledgerError } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { createMeter } from './create-meter.js'

// Tags are library options, never command-line flags: a bad one is OPTION_INVALID (as every other
// bad option of createMeter), naming where it was given.
describe('bad tags', () => {
  const meter = createMeter({ store: 'sqlite:./never-opened.db', flushOnExit: false })

  it.each([
    [
      'createMeter({ tags })',
      () => createMeter({ tags: 'user=alice' as never, flushOnExit: false }),
    ],
    ['meter.withTags(tags)', () => meter.withTags({ user: 42 as never })],
    ['meter.runWithTags(tags)', () => meter.runWithTags({ '': 'x' }, () => 1)],
  ])('%s throws OPTION_INVALID naming the place', (where, run) => {
    let error: unknown
    try {
      run()
    } catch (caught) {
      error = caught
    }
    expect(isTokenledgerError(error, 'OPTION_INVALID'), String(error)).toBe(true)
    expect((error as Error).message.startsWith(where)).toBe(true)
  })
})
