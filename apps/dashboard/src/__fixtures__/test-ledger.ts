/**
 * Real ledgers for the dashboard's tests: a SQLite file in a temp dir, or a fresh schema in the
 * PostgreSQL on 127.0.0.1:5432 (database `test`), filled through the real store and reopened
 * read-only as the dashboard opens it. `TOKENLEDGER_ENGINES=sqlite` narrows the engines.
 */
import { openStore, type CallRecord, type LedgerStore, type StoreDialect } from '@tokenledger/store'
import { ENGINES } from '@tokenledger/store/testing/engines'

// The store's own engine list: same PostgreSQL URL, skip notice and CI rule as its tests.
export { ENGINES } from '@tokenledger/store/testing/engines'

/** A filled ledger, open read-only. */
export interface TestLedger {
  url: string
  /** Opened with { readOnly: true }, as the dashboard does. */
  store: LedgerStore
  cleanup(): Promise<void>
}

/** Creates a ledger on `engine`, inserts `records` through the store, and reopens it read-only. */
export async function createTestLedger(
  engine: StoreDialect,
  records: CallRecord[],
): Promise<TestLedger> {
  const engineSetup = ENGINES.find((candidate) => candidate.name === engine)
  if (!engineSetup) throw new Error(`engine ${engine} is not in TOKENLEDGER_ENGINES`)
  const { url, cleanup: drop } = await engineSetup.fresh()
  const writer = await openStore(url)
  try {
    for (let i = 0; i < records.length; i += 1000) await writer.insert(records.slice(i, i + 1000))
  } finally {
    await writer.close()
  }
  const store = await openStore(url, { readOnly: true })
  return {
    url,
    store,
    cleanup: async () => {
      await store.close()
      await drop()
    },
  }
}
