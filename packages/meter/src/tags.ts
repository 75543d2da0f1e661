/**
 * Tags: free key/value labels on every record (user, feature, project, environment...). They come
 * from three places, merged in this order (later wins):
 * 1. the meter's default `tags`;
 * 2. a child meter's or wrapped client's tags (`meter.withTags()`, `meter.wrap(client, { tags })`);
 * 3. the scope of `meter.runWithTags(tags, fn)`, which follows async calls made inside `fn` (via
 *    AsyncLocalStorage), so a request handler can tag every LLM call it makes without passing
 *    anything down.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { TokenledgerError } from '@tokenledger/pricing'
import type { Tags } from '@tokenledger/store'

/** Longest tag key and value accepted. */
const MAX_KEY = 128
const MAX_VALUE = 1024

/**
 * Checks tags given as an option and returns a frozen copy.
 * @throws TokenledgerError OPTION_INVALID naming the option and the tag.
 */
export function checkTags(tags: unknown, where: string): Readonly<Tags> {
  if (tags === undefined) return EMPTY_TAGS
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    throw new TokenledgerError(
      'OPTION_INVALID',
      `${where}: expected an object of string values, got ${describe(tags)}`,
    )
  }
  const copy: Tags = {}
  for (const [key, value] of Object.entries(tags)) {
    if (key === '' || key.length > MAX_KEY) {
      throw new TokenledgerError(
        'OPTION_INVALID',
        `${where}: tag key ${JSON.stringify(key)}: expected 1 to ${MAX_KEY} characters`,
      )
    }
    if (typeof value !== 'string' || value.length > MAX_VALUE) {
      throw new TokenledgerError(
        'OPTION_INVALID',
        `${where}.${key}: expected a string of at most ${MAX_VALUE} characters, got ${describe(value)}`,
      )
    }
    copy[key] = value
  }
  return Object.freeze(copy)
}

/** The empty tag set. */
export const EMPTY_TAGS: Readonly<Tags> = Object.freeze({})

/** Merges tag sets, later ones winning; returns the first when the others are empty. */
export function mergeTags(
  base: Readonly<Tags>,
  ...more: Array<Readonly<Tags> | undefined>
): Readonly<Tags> {
  let merged = base
  for (const tags of more) {
    if (!tags || tags === EMPTY_TAGS) continue
    merged = merged === EMPTY_TAGS ? tags : Object.freeze({ ...merged, ...tags })
  }
  return merged
}

/** The scoped tags of `runWithTags`, shared by a meter and its children. */
export class TagScope {
  readonly #storage = new AsyncLocalStorage<Readonly<Tags>>()

  /** Runs `fn` with `tags` added to every call it makes (nested scopes merge, inner wins). */
  run<R>(tags: Readonly<Tags>, fn: () => R): R {
    return this.#storage.run(mergeTags(this.current(), tags), fn)
  }

  /** The tags of the current scope. */
  current(): Readonly<Tags> {
    return this.#storage.getStore() ?? EMPTY_TAGS
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'string' ? JSON.stringify(value) : typeof value
}
