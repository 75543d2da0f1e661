// Validates the bundled table at build time (run by the root `pnpm build` after tsc): every curated
// file and every generated catalog layer against the schema, then the assembled table. At run time
// the bundled data is only indexed, so a broken file fails the build here, naming the place.
import { fileURLToPath } from 'node:url'
import { BUNDLED_CATALOGS, BUNDLED_PRICING } from '../dist/bundled-data.generated.js'
import { loadPricingTable, parseCatalogLayer, validateProvider } from '../dist/index.js'

export function validateBundled() {
  let models = 0
  for (const { file, data } of BUNDLED_PRICING) {
    const provider = validateProvider(file, data)
    models += provider.models.length
    // A bundled card's source is a page a user can open, never a seed or file name.
    provider.models.forEach((model, index) => {
      model.cards.forEach((card, cardIndex) => {
        if (!/^https?:\/\/\S+$/.test(card.source)) {
          throw new Error(
            `${file}: models[${index}] (${model.id}).cards[${cardIndex}].source: expected a URL a user can open, got ${JSON.stringify(card.source)}`,
          )
        }
      })
    })
  }
  for (const { file, json } of BUNDLED_CATALOGS) {
    for (const provider of parseCatalogLayer(file, json, { validate: true }).providers)
      models += provider.models.length
  }
  const table = loadPricingTable({ env: {}, layers: [] })
  return {
    files: BUNDLED_PRICING.length + BUNDLED_CATALOGS.length,
    models,
    providers: table.providers().length,
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { files, models } = validateBundled()
    process.stderr.write(`pricing: ${files} bundled files valid (${models} models)\n`)
  } catch (error) {
    process.stderr.write(`${error.message}\n`)
    process.exit(1)
  }
}
