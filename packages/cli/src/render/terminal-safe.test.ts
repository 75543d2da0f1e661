import { describe, expect, it } from 'vitest'
import { terminalSafe } from './terminal-safe.js'
import { renderTable } from './table.js'

describe('terminalSafe', () => {
  it('shows control characters and bidi overrides as visible escapes', () => {
    expect(terminalSafe('Deep\u001b[2JSeek')).toBe('Deep\\x1B[2JSeek')
    expect(terminalSafe('\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007')).toBe(
      '\\x1B]8;;https://evil.example\\x07link\\x1B]8;;\\x07',
    )
    expect(terminalSafe('a\rb\nc\td\u007f\u009b')).toBe('a\\x0Db\\x0Ac\\x09d\\x7F\\x9B')
    expect(terminalSafe('abc\u202Eexe.txt')).toBe('abc\\u202Eexe.txt')
    expect(terminalSafe('DeepSeek 深度求索 ＝')).toBe('DeepSeek 深度求索 ＝')
  })

  it('is applied to every table cell and header', () => {
    const out = renderTable(
      [{ name: 'Up\u001b[1A\u001b[2Kstream' }],
      [{ header: 'up\u001bstream', value: (row) => row.name }],
    )
    expect(out).not.toContain('\u001b')
    expect(out).toContain('Up\\x1B[1A\\x1B[2Kstream')
  })
})
