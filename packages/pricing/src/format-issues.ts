import type { z } from 'zod'

/**
 * Renders zod issues as `file: models[1] (deepseek-v4-flash).cards[0].rates.input: message`, naming
 * the model by id where the path passes through one, so a broken file is fixed without counting.
 */
export function formatIssues(
  file: string,
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
): string {
  const lines = issues
    .slice(0, 10)
    .map((issue) => `${file}: ${formatPath(data, issue.path)}: ${issue.message}`)
  if (issues.length > 10) lines.push(`${file}: ... and ${issues.length - 10} more problems`)
  return lines.join('\n')
}

export function formatPath(data: unknown, path: readonly PropertyKey[]): string {
  let text = ''
  let node: unknown = data
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`
      node = Array.isArray(node) ? node[segment] : undefined
      const id = node && typeof node === 'object' ? (node as { id?: unknown }).id : undefined
      if (typeof id === 'string') text += ` (${id})`
    } else {
      text += text ? `.${String(segment)}` : String(segment)
      node =
        node && typeof node === 'object'
          ? (node as Record<PropertyKey, unknown>)[segment]
          : undefined
    }
  }
  return text || '(top level)'
}
