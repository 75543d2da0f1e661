import { multiplyRates } from './card-variant.js'
import { TokenledgerError } from './errors.js'
import { formatIssues } from './format-issues.js'
import { type ProviderData, providerSchema, type RateCardData, type Rates } from './schema.js'

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
      checkMultipliers(card, (field, message) => fail(`${cardWhere}.${field}`, message))
    })
  })
  return provider
}

/**
 * Every rate a card can produce through its multipliers (window, then service tier, then region)
 * must stay within 6 decimal places, so pricing never rounds: checked once, here.
 */
function checkMultipliers(
  card: RateCardData,
  fail: (field: string, message: string) => never,
): void {
  const apply = (sets: Rates[], multiplier: string, field: string): Rates[] => {
    try {
      return sets.map((rates) => multiplyRates(rates, multiplier))
    } catch (error) {
      return fail(field, (error as Error).message)
    }
  }
  let sets: Rates[] = [card.rates, ...(card.tiers ?? []).map((tier) => tier.rates)]
  const windowed: Rates[] = []
  ;(card.windows ?? []).forEach((window, index) => {
    if (window.rates) windowed.push(window.rates)
    else windowed.push(...apply(sets, window.multiplier!, `windows[${index}].multiplier`))
  })
  sets = [...sets, ...windowed]
  const tiered: Rates[] = []
  for (const [name, variant] of Object.entries(card.serviceTiers ?? {})) {
    if (!variant) continue
    tiered.push(
      ...('rates' in variant
        ? [variant.rates]
        : apply(sets, variant.multiplier, `serviceTiers.${name}.multiplier`)),
    )
  }
  sets = [...sets, ...tiered]
  for (const [name, variant] of Object.entries(card.regions ?? {})) {
    if ('multiplier' in variant) apply(sets, variant.multiplier, `regions.${name}.multiplier`)
  }
}
