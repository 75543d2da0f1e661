import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { providerSchema } from './schema.js'

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../pricing')
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'provider.schema.json')

describe('pricing data', () => {
  it('has files', () => expect(files.length).toBeGreaterThan(0))
  for (const file of files) {
    it(file, () => {
      const data = JSON.parse(readFileSync(join(dir, file), 'utf8'))
      const result = providerSchema.safeParse(data)
      if (!result.success) console.error(file, JSON.stringify(result.error.issues, null, 2))
      expect(result.success).toBe(true)
      expect(data.id + '.json').toBe(file)
    })
  }
})
