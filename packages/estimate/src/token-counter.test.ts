import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { loadEncoding } from './encodings.js'
import { TokenCounter } from './token-counter.js'

// The counter splits text into pieces and memoises piece counts; these tests hold it to js-tiktoken's
// own whole-text encode, which is the definition of a correct count.
describe('TokenCounter', () => {
  const o200k = new TokenCounter('o200k_base', { pieceCacheSize: 64, textCacheSize: 8 })
  const cl100k = new TokenCounter('cl100k_base', { pieceCacheSize: 64, textCacheSize: 8 })
  const reference = (encoding: 'o200k_base' | 'cl100k_base', text: string) =>
    loadEncoding(encoding).encode(text, [], []).length

  it('equals js-tiktoken encode() on arbitrary Unicode text, both encodings', () => {
    // Small caches force evictions and clears mid-run, so cached and uncached paths both run.
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        expect(o200k.count(text)).toBe(reference('o200k_base', text))
        expect(cl100k.count(text)).toBe(reference('cl100k_base', text))
      }),
      { numRuns: 300 },
    )
  })

  it('equals encode() on text built from tricky pieces (whitespace runs, contractions, digits, CJK, emoji)', () => {
    const pieces = [
      ' ',
      '  ',
      '\n',
      '\r\n',
      '\t',
      "'s",
      "'LL",
      "don't",
      '12345',
      '3.14',
      '日本語',
      '中文文本',
      '🙂',
      '👍🏽',
      '🇯🇵',
      'Ünïcödé',
      '<|endoftext|>',
      '<|im_start|>',
      'def f(x):',
      '    return',
      '{}',
      '===',
      'HTTPServer',
      'iPhone',
      'naïve',
    ]
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const text = parts.join('')
        expect(o200k.count(text)).toBe(reference('o200k_base', text))
        expect(cl100k.count(text)).toBe(reference('cl100k_base', text))
      }),
      { numRuns: 300 },
    )
  })

  it('counts special-token strings as plain text instead of throwing', () => {
    const text = 'before <|endoftext|> after <|fim_prefix|>'
    // js-tiktoken's default encode() throws on these; as user content they are just characters.
    expect(() => loadEncoding('o200k_base').encode(text)).toThrow()
    const count = new TokenCounter('o200k_base').count(text)
    expect(count).toBe(reference('o200k_base', text))
    expect(count).toBeGreaterThan(5)
  })

  it('answers a repeated long text from its text cache', () => {
    const counter = new TokenCounter('o200k_base')
    const prompt = 'You are a meticulous assistant who answers in JSON. '.repeat(100)
    const first = counter.count(prompt)
    const before = counter.stats()
    for (let i = 0; i < 10; i++) expect(counter.count(prompt)).toBe(first)
    const after = counter.stats()
    expect(after.texts.hits - before.texts.hits).toBe(10)
    expect(after.pieces.misses).toBe(before.pieces.misses)
  })

  it('counts the empty string as zero tokens', () => {
    expect(new TokenCounter('cl100k_base').count('')).toBe(0)
  })
})
