/**
 * Reading a budgets file (JSON). A syntax error names the line and column; a bad field names its
 * path and the budget's id (`budgets.json: budgets[1] (team-search).limit: expected ...`).
 */
import { readFile } from 'node:fs/promises'
import { TokenledgerError } from '@tokenledger/pricing'
import { type BudgetsConfig, parseBudgetsConfig } from './budget-definition.js'

/**
 * Loads and checks a budgets file.
 * @throws TokenledgerError BUDGET_INVALID for an unreadable file, bad JSON or a bad definition.
 */
export async function loadBudgetsFile(path: string): Promise<BudgetsConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new TokenledgerError(
      'BUDGET_INVALID',
      `${path}: cannot read the budgets file (${(error as Error).message})`,
      { cause: error },
    )
  }
  return parseBudgetsText(text.replace(/^\uFEFF/, ''), path)
}

/** Parses and checks the text of a budgets file. */
export function parseBudgetsText(text: string, where: string): BudgetsConfig {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const message = (error as Error).message
    const position = /position (\d+)/.exec(message)
    const at = position ? lineColumn(text, Number(position[1])) : ''
    throw new TokenledgerError('BUDGET_INVALID', `${where}${at}: not valid JSON (${message})`, {
      cause: error,
    })
  }
  return parseBudgetsConfig(value, where, (path) => lineOfPath(text, path))
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return `:${line}:${offset - before.lastIndexOf('\n')}`
}

/**
 * The line of a JSON path, found by walking the text: good enough to point at the field (the
 * message names the path as well). Empty when the path cannot be followed.
 */
function lineOfPath(text: string, path: PropertyKey[]): string {
  let offset = 0
  for (const segment of path) {
    if (typeof segment === 'number') {
      let depth = 0
      let index = -1
      let i = text.indexOf('[', offset)
      if (i < 0) return ''
      for (i = i + 1; i < text.length; i++) {
        const ch = text[i]!
        if (ch === '"') {
          i = skipString(text, i)
          continue
        }
        if (depth === 0 && !/\s|,|\]/.test(ch) && index < segment) {
          index++
          if (index === segment) {
            offset = i
            break
          }
        }
        if (ch === '{' || ch === '[') depth++
        else if (ch === '}' || ch === ']') {
          if (depth === 0) return ''
          depth--
        }
      }
      if (index !== segment) return ''
    } else {
      const key = text.indexOf(JSON.stringify(String(segment)), offset)
      if (key < 0) return ''
      offset = key
    }
  }
  return `:${text.slice(0, offset).split('\n').length}`
}

function skipString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i
  }
  return text.length
}
