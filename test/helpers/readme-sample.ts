/**
 * Runs a code sample of a README as it is written there, so a test fails when the README's code
 * breaks. A sample is the first ```ts block after a `<!-- sample: NAME -->` line. It is written
 * next to this file (so vitest resolves its imports like any test's) and imported, which runs it;
 * it configures itself from the environment, as a user's code would (`TOKENLEDGER_DB`,
 * `OPENAI_BASE_URL`...), and `env` sets those variables for the run only.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The code of sample `name` in the README at `readme` (a path from the repository root). */
export function readmeSample(readme: string, name: string): string {
  const text = readFileSync(fileURLToPath(new URL(`../../${readme}`, import.meta.url)), 'utf8')
  const marker = text.indexOf(`<!-- sample: ${name} -->`)
  if (marker === -1) throw new Error(`${readme}: no <!-- sample: ${name} --> marker`)
  const match = /```ts\n([\s\S]*?)```/.exec(text.slice(marker))
  if (!match) throw new Error(`${readme}: no \`\`\`ts block after the ${name} marker`)
  return match[1]!
}

let counter = 0

/** Runs sample `name` of `readme` with `env` set; restores the environment afterwards. */
export async function runReadmeSample(
  readme: string,
  name: string,
  env: Record<string, string>,
): Promise<void> {
  const file = fileURLToPath(
    new URL(`./.sample-${name}-${process.pid}-${++counter}.ts`, import.meta.url),
  )
  writeFileSync(file, readmeSample(readme, name))
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]))
  Object.assign(process.env, env)
  try {
    await import(file)
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
    rmSync(file, { force: true })
  }
}
