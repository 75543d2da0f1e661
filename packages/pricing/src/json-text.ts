/**
 * Reads the JSON text of a pricing file. Editors on Windows often save UTF-8 with a byte-order
 * mark, which JSON.parse rejects ("Unexpected token"); the mark carries nothing, so it is dropped.
 */
export function parseJsonText(text: string): unknown {
  return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
}
