import type { LayerChange, PriceShape } from '@tokenledger/pricing'

/** One line per change: `+ groq/llama-x  input 0.05 output 0.08`, `~ ... input 0.05 -> 0.06`. */
export function formatChange(change: LayerChange): string {
  const name = `${change.provider}/${change.model}`
  if (change.kind === 'new-model') return `+ ${name}  ${rates(change.after)}`
  if (change.kind === 'removed-model') return `- ${name}  ${rates(change.before)}`
  return `~ ${name}  ${diff(change.before, change.after)}`
}

function rates(shape: PriceShape | undefined): string {
  if (!shape) return '(no card)'
  const parts = Object.entries(shape.rates).map(([field, value]) => `${field} ${value}`)
  if (shape.tiers?.length)
    parts.push(`tiers above ${shape.tiers.map((tier) => tier.above).join(', ')}`)
  return parts.join(' ')
}

function diff(before: PriceShape | undefined, after: PriceShape | undefined): string {
  const fields = new Set([...Object.keys(before?.rates ?? {}), ...Object.keys(after?.rates ?? {})])
  const parts: string[] = []
  for (const field of fields) {
    const a = (before?.rates as Record<string, string> | undefined)?.[field] ?? '-'
    const b = (after?.rates as Record<string, string> | undefined)?.[field] ?? '-'
    if (a !== b) parts.push(`${field} ${a} -> ${b}`)
  }
  if (
    JSON.stringify({ ...before, rates: undefined }) !==
    JSON.stringify({ ...after, rates: undefined })
  )
    parts.push('variants changed')
  return parts.join(', ')
}
