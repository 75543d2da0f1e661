import { isLosslessNumber, parse } from 'lossless-json'

/**
 * Parses catalog JSON keeping every number's exact text (`1.25e-06` stays `1.25e-06`), so that no
 * price passes through a binary float. Numbers come back as LosslessNumber; read them with
 * `numberText`.
 */
export function parseCatalogJson(text: string): unknown {
  return parse(text.replace(/^\uFEFF/, ''))
}

/** The exact text of a JSON number, or of a numeric string (OpenRouter writes prices as strings). */
export function numberText(value: unknown): string | undefined {
  if (isLosslessNumber(value)) return value.value
  if (typeof value === 'string' && /^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value.trim()))
    return value.trim()
  return undefined
}

/** A JSON integer as a JS number (token counts), or undefined. */
export function integer(value: unknown): number | undefined {
  const text = numberText(value)
  if (text === undefined) return undefined
  const number = Number(text)
  return Number.isSafeInteger(number) && number > 0 ? number : undefined
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value)
  )
}
