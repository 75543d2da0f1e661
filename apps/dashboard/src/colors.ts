/**
 * One colour per model, per provider and per tag value, the same in every chart and table of every
 * page: a key's colour comes from a hash of its name (not from its rank in one chart, which made
 * one colour mean different models in adjacent charts). Keys of one set that hash to the same
 * slot take the next free one, in name order, so a page never shows two keys in one colour while
 * the palette has room.
 */

/** Twelve colours distinguishable on light and dark panels (contrast >= 3:1 against both). */
export const PALETTE = [
  '#6366f1',
  '#0ea5e9',
  '#f59e0b',
  '#10b981',
  '#ef4444',
  '#a855f7',
  '#ec4899',
  '#84cc16',
  '#f97316',
  '#14b8a6',
  '#eab308',
  '#8b5cf6',
] as const

/** The colour of calls without a model or provider name. */
export const UNKNOWN_COLOR = '#94a3b8'

/** FNV-1a over the UTF-16 code units: small, stable, and the same in every process. */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/**
 * Colours for a set of keys (models, or providers, or tag values).
 * @example colorsFor(['deepseek-v4-flash', 'gpt-5-mini'])['gpt-5-mini'] // the same on every page
 */
export function colorsFor(keys: Iterable<string>): Record<string, string> {
  const colors: Record<string, string> = {}
  const taken = new Set<number>()
  const sorted = [...new Set(keys)].sort()
  for (const key of sorted) {
    let slot = hash(key) % PALETTE.length
    if (taken.size < PALETTE.length) {
      while (taken.has(slot)) slot = (slot + 1) % PALETTE.length
    }
    taken.add(slot)
    colors[key] = PALETTE[slot]!
  }
  return colors
}
