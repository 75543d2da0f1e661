import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toCsv } from './csv.js'
import { safeJsonForScript } from './safe-json.js'

describe('safeJsonForScript', () => {
  it('cannot close or comment out the script element', () => {
    const text = safeJsonForScript({
      model: '</script><script>alert(1)</script>',
      note: '<!-- & \u2028',
    })
    expect(text).not.toMatch(/[<>&\u2028\u2029]/)
    expect(text).toBe(
      '{"model":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e","note":"\\u003c!-- \\u0026 \\u2028"}',
    )
  })

  it('parses back to the same value, for any value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = safeJsonForScript(value)
        expect(text).not.toMatch(/[<>&\u2028\u2029]/)
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)))
      }),
    )
  })
})

describe('toCsv', () => {
  it('quotes what needs quoting and keeps numbers and money exact', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          [null, 0.5],
          ['line\nbreak', true],
          ['0.000000000001', -3],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n,0.5\r\n"line\nbreak",true\r\n0.000000000001,-3\r\n')
  })
  it('defuses spreadsheet formulas in text but not negative amounts', () => {
    expect(toCsv(['v'], [['=HYPERLINK("x")'], ['+1+1'], ['@SUM(A1)'], ['-3.5'], ['-x']])).toBe(
      'v\r\n"\'=HYPERLINK(""x"")"\r\n\'+1+1\r\n\'@SUM(A1)\r\n-3.5\r\n\'-x\r\n',
    )
  })
})
