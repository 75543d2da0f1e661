import { z } from 'zod'
import { providerSchema } from './schema.js'

/** The JSON Schema of a pricing file, as committed in pricing/provider.schema.json. */
export function providerJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(providerSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'tokenledger pricing file: one provider, its models and their rate cards',
  }
}
