// One writer process of the concurrent-writers test: opens the ledger (the first open of a fresh
// file races the other writers through the migration), then inserts its calls in batches.
// Usage: node concurrent-writer.mjs URL SEED COUNT BATCH
import { openStore } from '../../dist/index.js'
import { createRecordFactory } from '../../dist/testing/index.js'

const [url, seed, count, batch] = process.argv.slice(2)
const total = Number(count)
const size = Number(batch)
const store = await openStore(url)
// Every writer covers the same hours, so they contend for the same rollup rows.
const factory = createRecordFactory({ seed: Number(seed), stepMs: 2_000 })
for (let done = 0; done < total; done += size) {
  await store.insert(factory.batch(Math.min(size, total - done)))
}
await store.close()
