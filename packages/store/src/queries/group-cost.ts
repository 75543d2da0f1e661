import { type Usd, usdFromPico } from '@tokenledger/pricing'

/**
 * The cost of a group of calls (a summary row, a series point): null when it has calls and none of
 * them could be priced, since their cost is unknown, never $0 (DESIGN.md s.6, invariant 3); an empty
 * group costs 0.
 */
export function groupCost(pico: bigint, calls: number, unpricedCalls: number): Usd | null {
  return calls > 0 && unpricedCalls === calls ? null : usdFromPico(pico)
}
