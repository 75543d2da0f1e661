import { describe, expect, it } from 'vitest'
import { isTokenledgerError, TokenledgerError } from './errors.js'

describe('isTokenledgerError', () => {
  it('recognises an error thrown by another installed copy of the package', async () => {
    // A second instance of this very module, as when two versions are installed side by side.
    // (A variable specifier: the query makes it a distinct module, which the type checker
    // cannot resolve.)
    const secondCopy = './errors.js?second-copy'
    const copy = (await import(secondCopy)) as typeof import('./errors.js')
    expect(copy.TokenledgerError).not.toBe(TokenledgerError)
    const error = new copy.TokenledgerError('STORE_UNAVAILABLE', 'sqlite:x.db: cannot open')
    expect(error instanceof TokenledgerError).toBe(false)
    expect(isTokenledgerError(error)).toBe(true)
    expect(isTokenledgerError(error, 'STORE_UNAVAILABLE')).toBe(true)
    expect(isTokenledgerError(error, 'FLAG_INVALID')).toBe(false)
  })

  it('checks the code of its own errors', () => {
    const error = new TokenledgerError('FLAG_INVALID', '--at: expected a date')
    expect(isTokenledgerError(error)).toBe(true)
    expect(isTokenledgerError(error, 'FLAG_INVALID')).toBe(true)
    expect(isTokenledgerError(error, 'QUERY_INVALID')).toBe(false)
  })

  it('does not take any error that merely borrows the name', () => {
    const impostor = Object.assign(new Error('x'), { name: 'TokenledgerError', code: 'NOT_A_CODE' })
    expect(isTokenledgerError(impostor)).toBe(false)
    expect(isTokenledgerError(Object.assign(new Error('x'), { name: 'TokenledgerError' }))).toBe(
      false,
    )
    expect(isTokenledgerError({ name: 'TokenledgerError', code: 'FLAG_INVALID' })).toBe(false)
    expect(isTokenledgerError(new TypeError('bad'))).toBe(false)
    expect(isTokenledgerError(undefined)).toBe(false)
  })
})
