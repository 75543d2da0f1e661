import { TokenledgerError } from '@tokenledger/pricing'

/** The database drivers the store loads on demand; both are optional peer dependencies. */
export type DriverName = 'better-sqlite3' | 'pg'

/**
 * Loads a driver with `load` (a literal `import()` at the call site, so bundlers still see it).
 * The drivers are optional peer dependencies: a PostgreSQL service never compiles better-sqlite3
 * and a SQLite user never installs `pg`, so a missing one is named with the command that fixes it.
 * @param where the store URL (redacted) the driver is needed for, to open the message.
 * @throws TokenledgerError DRIVER_MISSING when the driver is not installed; any other load failure
 *   (a native module built for another Node version, say) is rethrown as it is.
 */
export async function loadDriver<T>(
  name: DriverName,
  where: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load()
  } catch (cause) {
    if (isMissingPackage(cause, name)) {
      throw new TokenledgerError(
        'DRIVER_MISSING',
        `${where}: the ${name} package is not installed; it is an optional peer dependency of ` +
          `@tokenledger/store: run \`npm install ${name}\``,
        { cause },
      )
    }
    throw cause
  }
}

function isMissingPackage(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    error.message.includes(`'${name}'`)
  )
}
