import { isTokenledgerError, type TokenledgerError } from '@tokenledger/pricing'
import { createRecordFactory } from '@tokenledger/store/testing'
import { describe, expect, it } from 'vitest'
import { UsageNotices } from './usage-notices.js'

const factory = createRecordFactory({ seed: 5 })
const estimated = (stream: boolean) =>
  factory.next({
    provider: 'oxen',
    requestedModel: 'deepseek-v4-flash',
    endpoint: '/chat/completions',
    status: 'ok',
    stream,
    usage: {
      inputTokens: 12,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 3,
      reasoningTokens: 0,
      provenance: {
        inputTokens: 'estimated',
        cacheReadTokens: 'missing',
        cacheWriteTokens: 'missing',
        outputTokens: 'estimated',
        reasoningTokens: 'missing',
      },
    },
  })

describe('UsageNotices', () => {
  it('tells once per provider, endpoint and stream-or-not, and never for failed or reported calls', () => {
    const told: TokenledgerError[] = []
    const notices = new UsageNotices((error) => told.push(error))
    notices.check(estimated(false), false)
    notices.check(estimated(false), false)
    notices.check(estimated(true), true)
    notices.check(factory.next({ provider: 'oxen', status: 'error' }), false)
    notices.check(
      { ...estimated(false), provider: 'deepseek', usage: factory.next({ status: 'ok' }).usage },
      false,
    )
    expect(told.map((error) => error.message)).toEqual([
      'oxen /chat/completions (model "deepseek-v4-flash"): the response carried no usable input or output count; its tokens are estimated from the text and flagged "estimated" in the record (told once for this provider and endpoint)',
      'oxen /chat/completions (model "deepseek-v4-flash"): the stream carried no usable input or output count although the meter asked for it (stream_options.include_usage); its tokens are estimated from the text and flagged "estimated" in the record (told once for this provider and endpoint)',
    ])
    expect(told.every((error) => isTokenledgerError(error, 'USAGE_MISSING'))).toBe(true)
  })
})
