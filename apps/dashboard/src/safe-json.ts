/**
 * JSON that is safe to place inside an HTML `<script type="application/json">` element.
 *
 * The HTML parser ends a script element at the first `</script` whatever the JSON means, and
 * `<!--` changes how it scans, so `<`, `>` and `&` are written as JSON unicode escapes (which
 * `JSON.parse` reads back unchanged). U+2028 / U+2029 are escaped too, for old JS parsers.
 */

const UNSAFE = /[<>&\u2028\u2029]/g
const ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
}

/**
 * Serialises `value` as JSON with every character that could end or alter a script element escaped.
 * @example safeJsonForScript({ model: '</script><script>alert(1)</script>' })
 * // '{"model":"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"}'
 */
export function safeJsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, (char) => ESCAPES[char]!)
}
