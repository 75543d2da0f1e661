import { describe, expect, it } from 'vitest'
import { csvCell, toCsv } from './csv-cell.js'

describe('the CSV cell policy', () => {
  it('makes every formula start inert (OWASP set, fullwidth forms, leading space and LF)', () => {
    const starts = [
      '=1+1',
      '+1+1',
      '-1+1',
      '@SUM(A1)',
      '\t=1',
      '\r=1',
      '\n=1',
      ' =1',
      '＝1+1',
      '＋1',
      '－1',
      '＠A1',
    ]
    for (const text of starts)
      expect(csvCell(text).replace(/^"/, ''), JSON.stringify(text)).toMatch(/^'/)
  })

  it('leaves plain text, numbers and negative amounts alone', () => {
    expect(csvCell('deepseek-v4-flash')).toBe('deepseek-v4-flash')
    expect(csvCell('-0.25')).toBe('-0.25')
    expect(csvCell(-3)).toBe('-3')
    expect(csvCell(null)).toBe('')
    expect(csvCell('a=b')).toBe('a=b')
  })

  it('quotes what needs quoting, after neutralising', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`)
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('\n=1')).toBe(`"'\n=1"`)
    expect(toCsv(['a', 'b'], [['x', 1]], '\n')).toBe('a,b\nx,1\n')
    expect(toCsv(['a'], [['x']])).toBe('a\r\nx\r\n')
  })
})
