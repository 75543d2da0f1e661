import { multiplyRates } from './card-variant.js'
import { TokenledgerError } from './errors.js'
import { formatIssues } from './format-issues.js'
import { type ProviderData, providerSchema } from './schema.js'

/**
 * Validates one provider's data: the schema, then the rules a schema cannot say (unique ids,
 * aliases and card dates; service-tier multipliers that keep rates exact).
 * @throws TokenledgerError PRICING_INVALID naming the file, the model and the field.
 */
export function validateProvider(file: string, data: unknown): ProviderData {
  const parsed = providerSchema.safeParse(data)
  if (!parsed.success) {
    throw new TokenledgerError('PRICING_INVALID', formatIssues(file, data, parsed.error.issues))
  }
  const provider = parsed.data
  const fail = (where: string, message: string): never => {
    throw new TokenledgerError('PRICING_INVALID', `${file}: ${where}: ${message}`)
  }
  const names = new Map<string, string>()
  provider.models.forEach((model, modelIndex) => {
    const where = `models[${modelIndex}] (${model.id})`
    for (const name of [model.id, ...(model.aliases ?? [])]) {
      const owner = names.get(name)
      if (owner !== undefined)
        fail(where, `id or alias "${name}" is already used by model ${owner}`)
      names.set(name, model.id)
    }
    const froms = new Set<number>()
    model.cards.forEach((card, cardIndex) => {
      const cardWhere = `${where}.cards[${cardIndex}]`
      const from = Date.parse(card.from)
      if (froms.has(from))
        fail(`${cardWhere}.from`, `another card of this model starts at ${card.from}`)
      froms.add(from)
      const thresholds = new Set<number>()
      for (const tier of card.tiers ?? []) {
        if (thresholds.has(tier.above))
          fail(`${cardWhere}.tiers`, `two tiers start above ${tier.above}`)
        thresholds.add(tier.above)
      }
      for (const [tierName, variant] of Object.entries(card.serviceTiers ?? {})) {
        if (!variant || !('multiplier' in variant)) continue
        const all = [
          card.rates,
          ...(card.tiers ?? []).map((t) => t.rates),
          ...(card.windows ?? []).map((w) => w.rates),
        ]
        try {
          for (const rates of all) multiplyRates(rates, variant.multiplier)
        } catch (error) {
          fail(`${cardWhere}.serviceTiers.${tierName}.multiplier`, (error as Error).message)
        }
      }
    })
  })
  return provider
}
