import { TokenledgerError } from '@tokenledger/pricing'

/** Where a ledger lives, parsed from a store URL. */
export type StoreLocation =
  | { dialect: 'sqlite'; path: string }
  | {
      dialect: 'postgres'
      /** The URL without tokenledger's own `schema` parameter, for `pg`. */
      connectionString: string
      /** PostgreSQL schema to keep the tables in (`?schema=NAME`); the server default when absent. */
      schema: string | undefined
    }

/** The store URL used when none is given: `TOKENLEDGER_DB`, else `./tokenledger.db`. */
export function defaultStoreUrl(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['TOKENLEDGER_DB']
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : './tokenledger.db'
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * Parses a store URL: `sqlite:PATH`, `sqlite://PATH`, a bare file path, or
 * `postgres://` / `postgresql://` (optionally with `?schema=NAME`).
 * @throws TokenledgerError OPTION_INVALID for an empty URL, an unknown scheme or a bad schema name.
 * @example
 * parseStoreUrl('sqlite:./ledger.db') // { dialect: 'sqlite', path: './ledger.db' }
 * parseStoreUrl('postgres://postgres@127.0.0.1:5432/test?schema=team_a')
 * // { dialect: 'postgres', connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: 'team_a' }
 */
export function parseStoreUrl(url: string): StoreLocation {
  const text = url.trim()
  if (text === '') {
    throw new TokenledgerError(
      'OPTION_INVALID',
      'store URL: empty; expected sqlite:PATH, a file path, or postgres://...',
    )
  }
  if (/^postgres(ql)?:\/\//i.test(text)) return parsePostgresUrl(text)
  if (/^sqlite:/i.test(text)) {
    // sqlite:///abs/path and sqlite://rel both name files; sqlite:PATH is the documented form.
    const rest = text.slice('sqlite:'.length)
    const path = rest.startsWith('///') ? rest.slice(2) : rest.replace(/^\/\//, '')
    if (path === '') {
      throw new TokenledgerError('OPTION_INVALID', `store URL ${url}: no file path after sqlite:`)
    }
    return { dialect: 'sqlite', path }
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)
  if (scheme) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      `store URL ${redact(text)}: unknown scheme "${scheme[1]}"; expected sqlite:PATH, a file path, or postgres://...`,
    )
  }
  return { dialect: 'sqlite', path: text }
}

function parsePostgresUrl(text: string): StoreLocation {
  let parsed: URL
  try {
    parsed = new URL(text)
  } catch (cause) {
    throw new TokenledgerError('OPTION_INVALID', `store URL ${redact(text)}: not a valid URL`, {
      cause,
    })
  }
  const schema = parsed.searchParams.get('schema') ?? undefined
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      `store URL ${redact(text)}: schema "${schema}" is not a plain identifier; expected letters, digits and _`,
    )
  }
  parsed.searchParams.delete('schema')
  return { dialect: 'postgres', connectionString: parsed.toString(), schema }
}

/** The URL with any password replaced, for error messages. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@')
}
