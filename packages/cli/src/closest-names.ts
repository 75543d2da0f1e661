/**
 * Names close to `wanted`, best first, for "did you mean" messages: those containing it or
 * contained in it, then those within a small edit distance. Suggestions only, never a match.
 */
export function closestNames(wanted: string, names: readonly string[], limit = 5): string[] {
  const target = wanted.toLowerCase()
  const scored = names.map((name) => {
    const candidate = name.toLowerCase()
    const contains = candidate.includes(target) || target.includes(candidate)
    return { name, score: contains ? 0 : editDistance(target, candidate) }
  })
  const threshold = Math.max(3, Math.floor(target.length / 3))
  return scored
    .filter((entry) => entry.score <= threshold)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((entry) => entry.name)
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    }
    previous = current
  }
  return previous[b.length]!
}
