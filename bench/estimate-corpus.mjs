// A realistic Batch API file for the estimate benchmark and tests: requests that share a few long
// system prompts (and some few-shot examples), each with its own user message mixing prose, code,
// CJK text and emoji. Words follow a Zipf law over a large generated vocabulary, so pieces repeat the
// way real text does, with a long tail. Deterministic: the same seed gives the same file.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
// The project's one seeded PRNG (also behind the record factory and the demo ledger).
import { SeededRandom } from '../packages/store/dist/testing/index.js'

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ter',
  'on',
  'str',
  'ex',
  'pre',
  'ing',
  'tion',
  'al',
  'ver',
  'qu',
  'ize',
  'ment',
  'ly',
  'ph',
  'or',
  'an',
  'es',
  'un',
  're',
  'de',
  'ble',
]
const CJK = [
  '数据',
  '模型',
  '价格',
  '缓存',
  '请求',
  '输出',
  '令牌',
  '日本語',
  'テキスト',
  '東京',
  '계산',
  '비용',
  '分析',
  '用户',
  '系统',
]
const EMOJI = ['🙂', '🚀', '✅', '🔥', '📦', '👍🏽', '🇯🇵']
const CODE = [
  'function total(items) {\n  return items.reduce((sum, item) => sum + item.price * item.qty, 0)\n}\n',
  'SELECT provider, SUM(cost_pico) FROM calls WHERE ts >= $1 GROUP BY provider;\n',
  'def tokens(text: str) -> int:\n    return len(enc.encode(text))\n',
  'const { data, error } = await client.chat.completions.create({ model, messages })\n',
  '<div class="row"><span>{{ name }}</span><b>{{ price | currency }}</b></div>\n',
]

function vocabulary(random, size) {
  const words = new Set([
    'the',
    'a',
    'of',
    'to',
    'and',
    'in',
    'is',
    'for',
    'that',
    'with',
    'cost',
    'model',
    'price',
    'token',
    'cache',
  ])
  while (words.size < size) {
    let word = ''
    const parts = 1 + Math.floor(random() * 4)
    for (let i = 0; i < parts; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)]
    words.add(random() < 0.05 ? word[0].toUpperCase() + word.slice(1) : word)
  }
  return [...words]
}

/** Text of about `chars` characters: Zipf-distributed words, with code, CJK and emoji mixed in. */
function makeText(random, words, chars) {
  let text = ''
  while (text.length < chars) {
    const roll = random()
    if (roll < 0.03) text += `\n${CODE[Math.floor(random() * CODE.length)]}`
    else if (roll < 0.07)
      text += CJK[Math.floor(random() * CJK.length)] + CJK[Math.floor(random() * CJK.length)] + '。'
    else if (roll < 0.08) text += ` ${EMOJI[Math.floor(random() * EMOJI.length)]}`
    else if (roll < 0.1) text += ` ${Math.floor(random() * 100000)}`
    else {
      // Zipf: rank ~ 1 / u^1.3, clamped to the vocabulary.
      const rank = Math.min(words.length - 1, Math.floor(1 / (random() + 1e-9) ** 1.3) - 1)
      text += ` ${words[rank]}`
      if (random() < 0.08) text += random() < 0.5 ? '.' : ','
    }
  }
  return text.trim()
}

/**
 * Writes a Batch API JSONL file and returns { path, requests, bytes }.
 * @param options.requests number of lines (default 50,000)
 * @param options.model the model of every request (default gpt-4o-mini)
 * @param options.systemChars size of each shared system prompt (default 2,800 characters)
 * @param options.userChars size of each unique user message (default 800 characters)
 */
export async function writeBatchFile(path, options = {}) {
  const {
    requests = 50_000,
    model = 'gpt-4o-mini',
    systemChars = 2_800,
    userChars = 800,
    seed = 42,
  } = options
  const rng = new SeededRandom(seed)
  const random = () => rng.next()
  const words = vocabulary(random, 40_000)
  const systems = Array.from({ length: 4 }, () => makeText(random, words, systemChars))
  const shots = Array.from({ length: 6 }, () => [
    makeText(random, words, 300),
    makeText(random, words, 200),
  ])
  const out = createWriteStream(path)
  let bytes = 0
  for (let i = 0; i < requests; i++) {
    const messages = [{ role: 'system', content: systems[i % systems.length] }]
    if (random() < 0.3) {
      const [question, answer] = shots[Math.floor(random() * shots.length)]
      messages.push({ role: 'user', content: question }, { role: 'assistant', content: answer })
    }
    messages.push({ role: 'user', content: makeText(random, words, userChars * (0.5 + random())) })
    const line = `${JSON.stringify({ custom_id: `request-${i + 1}`, method: 'POST', url: '/v1/chat/completions', body: { model, messages, max_tokens: 400 } })}\n`
    bytes += Buffer.byteLength(line)
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return { path, requests, bytes }
}
