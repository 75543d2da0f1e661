import { isTokenledgerError } from '@tokenledger/pricing'
import { describe, expect, it } from 'vitest'
import { defaultStoreUrl, parseStoreUrl, redact } from './store-url.js'

describe('parseStoreUrl', () => {
  it.each([
    ['sqlite:./ledger.db', { dialect: 'sqlite', path: './ledger.db' }],
    ['sqlite:/var/lib/tl.db', { dialect: 'sqlite', path: '/var/lib/tl.db' }],
    ['sqlite:///var/lib/tl.db', { dialect: 'sqlite', path: '/var/lib/tl.db' }],
    ['sqlite://rel/tl.db', { dialect: 'sqlite', path: 'rel/tl.db' }],
    ['./tokenledger.db', { dialect: 'sqlite', path: './tokenledger.db' }],
    ['C:\\ledgers\\tl.db', { dialect: 'sqlite', path: 'C:\\ledgers\\tl.db' }],
    ['  spaced.db  ', { dialect: 'sqlite', path: 'spaced.db' }],
    [
      'postgres://postgres@127.0.0.1:5432/test',
      {
        dialect: 'postgres',
        connectionString: 'postgres://postgres@127.0.0.1:5432/test',
        schema: undefined,
      },
    ],
    [
      'postgresql://u:p@db.internal/ledger?schema=team_a&sslmode=require',
      {
        dialect: 'postgres',
        connectionString: 'postgresql://u:p@db.internal/ledger?sslmode=require',
        schema: 'team_a',
      },
    ],
  ])('%s', (url, expected) => {
    expect(parseStoreUrl(url)).toEqual(expected)
  })

  it.each([
    ['', 'store URL: empty; expected sqlite:PATH, a file path, or postgres://...'],
    ['sqlite:', 'store URL sqlite:: no file path after sqlite:'],
    [
      'mysql://u:secret@h/db',
      'store URL mysql://u:***@h/db: unknown scheme "mysql"; expected sqlite:PATH, a file path, or postgres://...',
    ],
    [
      'postgres://h/db?schema=a;drop',
      'store URL postgres://h/db?schema=a;drop: schema "a;drop" is not a plain identifier',
    ],
  ])('rejects %j', (url, message) => {
    let error: unknown
    try {
      parseStoreUrl(url)
    } catch (e) {
      error = e
    }
    // An input error, never STORE_UNAVAILABLE (which callers retry).
    expect(isTokenledgerError(error, 'OPTION_INVALID')).toBe(true)
    expect((error as Error).message).toContain(message)
  })

  it('defaults to TOKENLEDGER_DB, then ./tokenledger.db', () => {
    expect(defaultStoreUrl({ TOKENLEDGER_DB: 'sqlite:/x.db' })).toBe('sqlite:/x.db')
    expect(defaultStoreUrl({ TOKENLEDGER_DB: '  ' })).toBe('./tokenledger.db')
    expect(defaultStoreUrl({})).toBe('./tokenledger.db')
  })

  it('never shows a password', () => {
    expect(redact('postgres://user:hunter2@host/db')).toBe('postgres://user:***@host/db')
    expect(redact('postgres://user@host/db')).toBe('postgres://user@host/db')
  })
})
