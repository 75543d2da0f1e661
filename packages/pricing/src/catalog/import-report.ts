import type { CatalogImport } from './catalog-import.js'

/**
 * The Markdown section of an import: counts, then every catalog field not converted (with how many
 * entries carry it), every entry skipped and every part left out, so nothing is dropped silently.
 */
export function renderImportReport(result: CatalogImport, file: string): string[] {
  const { snapshot, counts, unknownFields, skipped, warnings, providers } = result
  const lines = [
    `## ${snapshot.catalog} (snapshot ${snapshot.snapshot}, ${file})`,
    '',
    `${counts.entries} entries read; ${counts.models} models of ${providers.length} providers written; ${skipped.length} entries skipped; ${warnings.length} warnings.`,
    '',
    '### Fields not converted (entries carrying each)',
    '',
    ...(Object.keys(unknownFields).length
      ? Object.entries(unknownFields).map(([field, count]) => `- \`${field}\`: ${count}`)
      : ['- none']),
    '',
    '### Skipped entries',
    '',
    ...summarise(skipped),
    '',
    '### Warnings',
    '',
    ...summarise(warnings),
    '',
  ]
  return lines
}

/** Groups issues by message (the entry names listed up to a few), so the report stays readable. */
function summarise(issues: ReadonlyArray<{ entry: string; message: string }>): string[] {
  if (issues.length === 0) return ['- none']
  const byMessage = new Map<string, string[]>()
  for (const issue of issues) {
    const key = issue.message.replace(/\b\d+(\.\d+)?\b/g, 'N')
    const list = byMessage.get(key) ?? []
    list.push(`${issue.entry}: ${issue.message}`)
    byMessage.set(key, list)
  }
  return [...byMessage.entries()]
    .sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))
    .map(
      ([, list]) =>
        `- ${list.length} x ${list.slice(0, 3).join('; ')}${list.length > 3 ? '; ...' : ''}`,
    )
}
