/** The error a provider names inside a payload: an error body, or an error event of a stream. */

/** The type (or code) of an error object in a provider payload, or null. */
export function errorTypeOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null)
    return typeof error === 'string' && error ? error : null
  // OpenAI and Anthropic name the error in `type`, some OpenAI-compatible APIs only in `code`,
  // Gemini in `status` (its `code` is the HTTP status number).
  const record = error as Record<string, unknown>
  for (const key of ['type', 'code', 'status']) {
    const value = record[key]
    if (typeof value === 'string' && value !== '') return value
  }
  return typeof record['code'] === 'number' ? String(record['code']) : null
}
