// Writes pricing/provider.schema.json (for editors: completion and checks in pricing/*.json) from the
// zod schema in src/schema.ts. Run by the root `pnpm generate`, after `pnpm build`; CI fails when it is stale.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { providerJsonSchema } from '../dist/json-schema.js'

const target = fileURLToPath(new URL('../../../pricing/provider.schema.json', import.meta.url))
writeFileSync(target, `${JSON.stringify(providerJsonSchema(), null, 2)}\n`)
