/**
 * Text from the ledger (model ids, upstream names, tags) comes from providers and users; written raw
 * to a terminal, an ESC sequence could move the cursor, rewrite earlier lines or open links.
 * Control characters (C0, DEL, C1) and the bidirectional overrides that reorder what a reader sees
 * are shown as visible escapes instead: `\x1B`, `\u202E`.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g

/**
 * A string safe to print on a terminal.
 * @example terminalSafe('Deep\u001b[2JSeek') // 'Deep\\x1B[2JSeek'
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.charCodeAt(0)
    return code <= 0xff
      ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
      : `\\u${code.toString(16).toUpperCase()}`
  })
}
