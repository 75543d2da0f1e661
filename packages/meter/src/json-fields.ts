/**
 * Reading fields of parsed JSON payloads without trusting their shape: every helper answers
 * undefined or null for what is not there or not of the expected type, never throws.
 */

/** A plain object, or undefined for anything else (null, arrays, numbers...). */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

/** A non-empty string field, or null. */
export function stringField(
  record: Record<string, unknown> | undefined,
  key: string,
): string | null {
  const value = record?.[key]
  return typeof value === 'string' && value !== '' ? value : null
}

/** Parses JSON text; null when it is not JSON. */
export function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/**
 * Parses JSON text that should hold an object (an SSE event's data, say); undefined for `[DONE]`
 * and anything that is not a JSON object. Text not starting with `{` is refused before parsing.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (text.length === 0 || text.charCodeAt(0) !== 123 /* '{' */) return undefined
  return asRecord(parseJsonOrNull(text))
}
