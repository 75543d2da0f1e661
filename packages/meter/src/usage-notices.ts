/**
 * Telling the user, once, that a kind of call came back without usage: its tokens are then
 * estimated from the text (provenance `'estimated'`), which a team should know before it trusts
 * the figures. Once per provider, endpoint and stream-or-not: the first such call says it, the
 * rest carry the flag in their records.
 */
import { TokenledgerError } from '@tokenledger/pricing'
import type { CallRecord } from '@tokenledger/store'

/** Most distinct kinds of call remembered (bounds memory with pathological callers). */
const MAX_KINDS = 256

/** Notices of missing usage, each kind of call told once. */
export class UsageNotices {
  readonly #told = new Set<string>()
  readonly #tell: (error: TokenledgerError, callId: string) => void

  constructor(tell: (error: TokenledgerError, callId: string) => void) {
    this.#tell = tell
  }

  /** Looks at a finished record; tells when an ok call's input or output total was not reported. */
  check(record: CallRecord, askedForUsage: boolean): void {
    if (record.status !== 'ok') return
    const { inputTokens, outputTokens } = record.usage.provenance
    if (!unreported(inputTokens) && !unreported(outputTokens)) return
    const kind = `${record.provider}\u0000${record.endpoint}\u0000${record.stream}`
    if (this.#told.has(kind) || this.#told.size >= MAX_KINDS) return
    this.#told.add(kind)
    this.#tell(usageMissingError(record, askedForUsage), record.id)
  }
}

function unreported(provenance: string): boolean {
  return provenance === 'missing' || provenance === 'estimated'
}

/** The notice for one kind of call that came back without its usage. */
export function usageMissingError(record: CallRecord, askedForUsage: boolean): TokenledgerError {
  const what = record.stream ? 'stream' : 'response'
  const asked = askedForUsage
    ? ' although the meter asked for it (stream_options.include_usage)'
    : ''
  return new TokenledgerError(
    'USAGE_MISSING',
    `${record.provider} ${record.endpoint} (model ${JSON.stringify(record.requestedModel)}): the ${what} carried no usable input or output count${asked}; ` +
      'its tokens are estimated from the text and flagged "estimated" in the record (told once for this provider and endpoint)',
  )
}
