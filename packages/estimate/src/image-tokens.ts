/**
 * Tokens of an image in a prompt, by the provider's documented rule.
 *
 * OpenAI (platform.openai.com/docs/guides/images-vision, as documented in 2025):
 * - tile rule (GPT-4o, GPT-4.1, GPT-4.5, o1, o3, GPT-5...): `detail: "low"` costs the base tokens.
 *   Otherwise the image is scaled to fit 2048 x 2048, then its shortest side scaled down to 768,
 *   and each 512 px tile costs the tile tokens: GPT-4o 85 + 170 per tile (a 1024 x 1024 image is
 *   768 x 768 = 4 tiles = 765 tokens); gpt-4o-mini 2833 + 5667 per tile; GPT-5 70 + 140;
 *   o1 / o3 75 + 150; computer-use-preview 65 + 129. `detail: "auto"` is counted as high (the bound).
 * - patch rule (gpt-4.1-mini, gpt-4.1-nano, gpt-5-mini, gpt-5-nano, o4-mini): 32 px patches, at most
 *   1536 (a larger image is scaled down to fit), times a multiplier (1.62, 2.46, 1.62, 2.46, 1.72).
 * Anthropic (docs.anthropic.com, vision): width x height / 750 after scaling the long edge to at
 * most 1568 px.
 * Gemini (ai.google.dev, token counting): 258 tokens when both sides are at most 384 px, otherwise
 * 258 per 768 x 768 tile.
 * Other models: OpenAI's GPT-4o rule, flagged as an assumption.
 *
 * An image whose size cannot be read (a remote URL: estimates never fetch) is counted as 1024 x 1024
 * and flagged, so the summary can say how many sizes were assumed.
 */
import type { TokenizerChoice } from './encodings.js'
import type { ImageSize } from './image-size.js'

/** How a model bills image input. */
export type ImageRule =
  | { kind: 'tile'; base: number; tile: number }
  | { kind: 'patch'; multiplier: number }
  | { kind: 'anthropic' }
  | { kind: 'gemini' }

/** The rule for a model, and whether it is the model's documented rule or an assumption. */
export interface ImageRuleChoice {
  rule: ImageRule
  documented: boolean
}

/** The size assumed for an image whose size is unknown. */
export const ASSUMED_IMAGE_SIZE: ImageSize = { width: 1024, height: 1024 }

const GPT_4O_TILES: ImageRule = { kind: 'tile', base: 85, tile: 170 }

// First matching prefix wins: the minis before their families.
const OPENAI_RULES: ReadonlyArray<readonly [string, ImageRule]> = [
  ['gpt-4o-mini', { kind: 'tile', base: 2833, tile: 5667 }],
  ['gpt-4.1-mini', { kind: 'patch', multiplier: 1.62 }],
  ['gpt-4.1-nano', { kind: 'patch', multiplier: 2.46 }],
  ['gpt-5-mini', { kind: 'patch', multiplier: 1.62 }],
  ['gpt-5-nano', { kind: 'patch', multiplier: 2.46 }],
  ['o4-mini', { kind: 'patch', multiplier: 1.72 }],
  ['gpt-5', { kind: 'tile', base: 70, tile: 140 }],
  ['o1', { kind: 'tile', base: 75, tile: 150 }],
  ['o3', { kind: 'tile', base: 75, tile: 150 }],
  ['computer-use-preview', { kind: 'tile', base: 65, tile: 129 }],
  ['gpt-4o', GPT_4O_TILES],
  ['chatgpt-4o', GPT_4O_TILES],
  ['gpt-4.1', GPT_4O_TILES],
  ['gpt-4.5', GPT_4O_TILES],
  ['gpt-4-turbo', GPT_4O_TILES],
  ['gpt-4-vision', GPT_4O_TILES],
]

/** The image rule for a model. */
export function imageRuleFor(choice: TokenizerChoice): ImageRuleChoice {
  if (choice.family === 'openai') {
    for (const [prefix, rule] of OPENAI_RULES) {
      if (choice.name.startsWith(prefix)) return { rule, documented: true }
    }
  }
  if (choice.family === 'claude') return { rule: { kind: 'anthropic' }, documented: true }
  if (choice.family === 'gemini') return { rule: { kind: 'gemini' }, documented: true }
  return { rule: GPT_4O_TILES, documented: false }
}

/**
 * Tokens of one image.
 * @param size pixel size, or null when unknown (then ASSUMED_IMAGE_SIZE is used)
 * @param detail OpenAI's `detail`: `low` bills the base only under the tile rule
 * @example imageTokens({ kind: 'tile', base: 85, tile: 170 }, { width: 1024, height: 1024 }, 'high') // 765
 */
export function imageTokens(
  rule: ImageRule,
  size: ImageSize | null,
  detail: string | undefined,
): number {
  const { width, height } = size ?? ASSUMED_IMAGE_SIZE
  switch (rule.kind) {
    case 'tile':
      return detail === 'low' ? rule.base : rule.base + rule.tile * tileCount(width, height)
    case 'patch':
      return Math.ceil(patchCount(width, height) * rule.multiplier)
    case 'anthropic': {
      const scale = Math.min(1, 1568 / Math.max(width, height))
      return Math.ceil((Math.round(width * scale) * Math.round(height * scale)) / 750)
    }
    case 'gemini':
      return width <= 384 && height <= 384
        ? 258
        : 258 * Math.ceil(width / 768) * Math.ceil(height / 768)
    default:
      return rule satisfies never
  }
}

/** 512 px tiles after fitting 2048 x 2048 and scaling the shortest side down to 768. */
function tileCount(width: number, height: number): number {
  let w = width
  let h = height
  if (w > 2048 || h > 2048) {
    const scale = 2048 / Math.max(w, h)
    w = Math.floor(w * scale)
    h = Math.floor(h * scale)
  }
  if (Math.min(w, h) > 768) {
    const scale = 768 / Math.min(w, h)
    w = Math.floor(w * scale)
    h = Math.floor(h * scale)
  }
  return Math.ceil(w / 512) * Math.ceil(h / 512)
}

/** 32 px patches, at most 1536: a larger image is scaled so whole patches fit the budget. */
function patchCount(width: number, height: number): number {
  const patches = Math.ceil(width / 32) * Math.ceil(height / 32)
  if (patches <= 1536) return patches
  let shrink = Math.sqrt((32 * 32 * 1536) / (width * height))
  const w = (width * shrink) / 32
  const h = (height * shrink) / 32
  shrink *= Math.min(Math.floor(w) / w, Math.floor(h) / h)
  return Math.min(1536, Math.ceil((width * shrink) / 32) * Math.ceil((height * shrink) / 32))
}
