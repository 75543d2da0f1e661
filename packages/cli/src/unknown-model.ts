import { type PricingTable, TokenledgerError } from '@tokenledger/pricing'
import { closestNames } from './closest-names.js'

/** The error for a model no provider (or the given one) knows, with close matches. */
export function unknownModelError(
  table: PricingTable,
  model: string,
  provider?: string,
): TokenledgerError {
  const close = closestNames(model, table.modelNames(provider))
  const where = provider ? `provider "${provider}"` : 'any provider'
  const hint = close.length ? `; close matches: ${close.join(', ')}` : ''
  return new TokenledgerError('MODEL_UNKNOWN', `unknown model "${model}" for ${where}${hint}`)
}

/** The error for an unknown provider id, listing the known ones. */
export function unknownProviderError(table: PricingTable, provider: string): TokenledgerError {
  const known = table
    .providers()
    .map((p) => p.id)
    .sort()
  return new TokenledgerError(
    'FLAG_INVALID',
    `--provider: unknown provider "${provider}"; known providers: ${known.join(', ')}`,
  )
}
