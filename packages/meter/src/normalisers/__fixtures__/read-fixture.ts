/**
 * Reads the provider payloads beside this file for tests (this package's and the root e2e tests).
 * They are hand-written, not recorded (README.md here says how they were made). Test-only: the
 * `__fixtures__` folder is excluded from the build.
 */
import { readFileSync } from 'node:fs'

const dir = new URL('./', import.meta.url)

/** The text of a payload file, e.g. `fixtureText('deepseek-stream-reasoning.sse')`. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(name, dir), 'utf8')
}

/** A JSON payload, parsed. */
export function fixtureJson<T extends object = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T
}

/** The JSON `data:` payloads of an SSE file, in order (comments and `[DONE]` skipped). */
export function fixtureSseData(name: string): Array<Record<string, unknown>> {
  return fixtureText(name)
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>)
}
