import { describe, expect, it } from 'vitest'
import { asRecord, parseJsonObject, parseJsonOrNull, stringField } from './json-fields.js'

describe('json fields', () => {
  it('asRecord takes plain objects only', () => {
    expect(asRecord({ a: 1 })).toEqual({ a: 1 })
    for (const value of [null, undefined, [], 3, 'x']) expect(asRecord(value)).toBeUndefined()
  })

  it('stringField reads non-empty strings only', () => {
    expect(stringField({ model: 'deepseek-v4-flash' }, 'model')).toBe('deepseek-v4-flash')
    expect(stringField({ model: '' }, 'model')).toBeNull()
    expect(stringField({ model: 4 }, 'model')).toBeNull()
    expect(stringField(undefined, 'model')).toBeNull()
  })

  it('parseJsonObject refuses [DONE], arrays and broken JSON', () => {
    expect(parseJsonObject('{"id":"c1"}')).toEqual({ id: 'c1' })
    for (const text of ['[DONE]', '', '[1]', '{"id":', ' {"id":1}']) {
      expect(parseJsonObject(text)).toBeUndefined()
    }
  })

  it('parseJsonOrNull gives any JSON value, null for text that is not JSON', () => {
    expect(parseJsonOrNull('[{"a":1}]')).toEqual([{ a: 1 }])
    expect(parseJsonOrNull('{"truncated":')).toBeNull()
  })
})
