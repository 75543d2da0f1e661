// The names JSDoc examples take as given, with their real types (see scripts/doc-examples.mjs).
// Add a name here only when an example cannot reasonably make the value itself.
import type OpenAIClient from 'openai'
import type { serve as honoServe } from '@hono/node-server'
import type { Meter } from '@tokenledger/meter'
import type { KnownModels, PricingTable, ProviderData, Usage } from '@tokenledger/pricing'
import type { countRequest as CountRequest } from '@tokenledger/estimate'
import type { CallRecord } from '@tokenledger/store'
import type { LedgerStore, openStore as OpenStore } from '@tokenledger/store'

declare global {
  /** A ledger opened with openStore(). */
  const store: LedgerStore
  /** A call's normalised usage. */
  const usage: Usage
  /** The chat messages of a request. */
  const messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>
  /** A pricing table (defaultPricingTable()). */
  const table: PricingTable
  /** A meter (createMeter()). */
  const meter: Meter
  /** An `openai` SDK client. */
  const client: InstanceType<typeof OpenAIClient>
  /** A request body about to be sent. */
  const body: Record<string, unknown>
  /** A second pricing table (the curated one, say). */
  const curatedTable: PricingTable
  /** Providers of a pricing table or catalog. */
  const providers: readonly ProviderData[]
  /** The models a table knows (knownModels()). */
  const known: KnownModels
  /** A stored or just-built call record. */
  const record: CallRecord
  /** The text of a file, and the URL it came from. */
  const text: string
  const url: string
  /** A provider API key. */
  const apiKey: string
  const OpenAI: typeof OpenAIClient
  const openStore: typeof OpenStore
  const serve: typeof honoServe
  /**
   * @tokenledger/estimate's countRequest, for examples of packages that do not depend on it (an
   * import line there would read as a dependency to the release check).
   */
  const countRequest: typeof CountRequest
}
