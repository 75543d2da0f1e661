/**
 * Prepared statements kept by their SQL text. kysely's SQLite driver prepares every query anew, and
 * preparing cost as much as running the query for the budget check before each call and for the
 * dashboard's small rollup reads. A statement is reused only on its own connection, which runs
 * one query at a time (kysely holds it for a stream until the stream ends), so a statement is never
 * asked for again while it is still running.
 */
import type { SqliteDatabase, SqliteStatement } from './sqlite-connection.js'

/** How many distinct statements a connection keeps (queries with IN lists vary in length). */
const KEPT_STATEMENTS = 256

/** What kysely needs of a SQLite database, with `prepare` returning kept statements. */
export function withStatementCache(db: SqliteDatabase): {
  prepare(sql: string): SqliteStatement
  close(): unknown
} {
  const kept = new Map<string, SqliteStatement>()
  return {
    prepare(sql) {
      let statement = kept.get(sql)
      if (statement) {
        kept.delete(sql) // most recently used last
      } else {
        statement = db.prepare(sql)
        if (kept.size >= KEPT_STATEMENTS) kept.delete(kept.keys().next().value!)
      }
      kept.set(sql, statement)
      return statement
    },
    close: () => db.close(),
  }
}
