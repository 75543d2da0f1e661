/**
 * Tags of a proxied call from `x-tokenledger-tags: team=search,user=alice`, checked by the same
 * rule as the library's tags (`checkTags` of @tokenledger/meter).
 */
import { checkTags } from '@tokenledger/meter'
import { TokenledgerError } from '@tokenledger/pricing'
import type { Tags } from '@tokenledger/store'

export const TAGS_HEADER = 'x-tokenledger-tags'

/**
 * Parses the tags header; undefined when absent.
 * @throws TokenledgerError FLAG_INVALID naming the header and the bad pair.
 */
export function parseTagsHeader(value: string | null): Readonly<Tags> | undefined {
  if (value === null || value.trim() === '') return undefined
  const tags: Record<string, string> = {}
  for (const pair of value.split(',')) {
    const equals = pair.indexOf('=')
    const key = (equals === -1 ? pair : pair.slice(0, equals)).trim()
    if (equals === -1 || key === '') {
      throw new TokenledgerError(
        'FLAG_INVALID',
        `${TAGS_HEADER}: expected KEY=VALUE pairs separated by commas, got ${JSON.stringify(pair.trim())}`,
      )
    }
    tags[key] = pair.slice(equals + 1).trim()
  }
  return checkTags(tags, TAGS_HEADER)
}
