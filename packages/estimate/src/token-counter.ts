/**
 * Counting text tokens fast, with exactly js-tiktoken's result.
 *
 * A tiktoken encoder first splits text with its piece pattern, then byte-pair-merges each piece on
 * its own; a text's count is therefore the sum of its pieces' counts. Real batches repeat
 * themselves at two scales, and both are memoised:
 * - whole texts: requests share long system prompts, few-shot examples, tool results. Each distinct
 *   text longer than a short key is remembered by a SHA-1 of its content in a bounded LRU, so a
 *   10 kB system prompt repeated 50,000 times is counted once;
 * - pieces: words and punctuation follow Zipf's law, so a small map of piece -> count answers most
 *   pieces of even unique text without running the (quadratic) merge.
 * Both caches are bounded, so memory stays flat however large the file is.
 *
 * Special-token strings such as `<|endoftext|>` are counted as plain text (what an API does with
 * user content), never rejected.
 */
import { createHash } from 'node:crypto'
import type { Tiktoken } from 'js-tiktoken/lite'
import { type EncodingName, loadEncoding, piecePattern } from './encodings.js'
import { LruCache } from './lru-cache.js'

/** Anything that counts the tokens of a text. */
export interface TextCounter {
  count(text: string): number
}

/** Sizes of the memo caches. */
export interface TokenCounterOptions {
  /** Distinct texts remembered (default 20,000). */
  textCacheSize?: number
  /** Distinct pieces remembered before the piece map is emptied (default 100,000). */
  pieceCacheSize?: number
}

/** Hit and miss counts, for benchmarks and tuning. */
export interface TokenCounterStats {
  texts: { hits: number; misses: number }
  pieces: { hits: number; misses: number }
}

// Texts up to this length are their own key; longer ones are keyed by a hash, so the cache holds
// 28-character keys instead of the prompts themselves.
const SHORT_TEXT = 64
// Pieces longer than this (long CJK runs, long symbol runs) are not memoised: rare, and they would
// make the map's memory depend on the input.
const LONGEST_CACHED_PIECE = 256

/** Counts tokens of one encoding, memoising texts and pieces. One instance per thread. */
export class TokenCounter implements TextCounter {
  readonly encoding: EncodingName
  readonly #encoder: Tiktoken
  readonly #pattern: RegExp
  readonly #texts: LruCache<string, number>
  readonly #pieces = new Map<string, number>()
  readonly #pieceCapacity: number
  #pieceHits = 0
  #pieceMisses = 0

  constructor(encoding: EncodingName, options: TokenCounterOptions = {}) {
    this.encoding = encoding
    this.#encoder = loadEncoding(encoding)
    this.#pattern = piecePattern(encoding)
    this.#texts = new LruCache(options.textCacheSize ?? 20_000)
    this.#pieceCapacity = options.pieceCacheSize ?? 100_000
  }

  /** The number of tokens of `text`; equal to `encode(text, [], []).length` of js-tiktoken. */
  count(text: string): number {
    if (text.length === 0) return 0
    if (text.length <= SHORT_TEXT) return this.#countPieces(text)
    const key = createHash('sha1').update(text).digest('base64')
    const known = this.#texts.get(key)
    if (known !== undefined) return known
    const counted = this.#countPieces(text)
    this.#texts.set(key, counted)
    return counted
  }

  stats(): TokenCounterStats {
    return {
      texts: this.#texts.stats(),
      pieces: { hits: this.#pieceHits, misses: this.#pieceMisses },
    }
  }

  #countPieces(text: string): number {
    let total = 0
    const pieces = this.#pieces
    this.#pattern.lastIndex = 0
    for (const match of text.matchAll(this.#pattern)) {
      const piece = match[0]
      const known = pieces.get(piece)
      if (known !== undefined) {
        this.#pieceHits++
        total += known
        continue
      }
      this.#pieceMisses++
      // A piece re-split by the same pattern is that one piece again, so encoding it alone gives
      // its share of the whole text's tokens (the property test checks this against encode()).
      const counted = this.#encoder.encode(piece, [], []).length
      if (piece.length <= LONGEST_CACHED_PIECE) {
        if (pieces.size >= this.#pieceCapacity) pieces.clear()
        pieces.set(piece, counted)
      }
      total += counted
    }
    return total
  }
}

const shared = new Map<EncodingName, TokenCounter>()

/** The thread's shared counter for an encoding (built on first use, about a second for o200k). */
export function sharedCounter(encoding: EncodingName): TokenCounter {
  let counter = shared.get(encoding)
  if (!counter) {
    counter = new TokenCounter(encoding)
    shared.set(encoding, counter)
  }
  return counter
}
