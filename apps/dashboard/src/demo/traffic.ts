/**
 * The shape of the demo ledger's synthetic traffic: which provider serves which model how often,
 * the features that make calls (with their token profiles), and the daily and hourly rhythm.
 * DeepSeek V4 Flash and Pro across DeepSeek, OpenRouter, TokenHub and Oxen.ai dominate, as in the
 * seed documents; a few other models and some calls nobody can price round it off.
 */

/** One provider x model the demo application calls. */
export interface Route {
  provider: string
  /** The model id as the application sends it (OpenRouter ids are namespaced). */
  requestedModel: string
  /** What the provider reports back as the served model. */
  servedModel: string
  /** Share of traffic (relative weight). */
  weight: number
  endpoint: string
  /** Chance that a call thinks before answering (reasoning tokens inside output). */
  reasoning: number
  /** Chance that a call reads from the prompt cache. */
  cacheRead: number
  /** Anthropic-style explicit cache writes. */
  cacheWrites: boolean
  /** Chance of an error answer. */
  errorRate: number
  /** Milliseconds per output token (throughput) and to the first token. */
  msPerToken: number
  ttftMs: number
  /** The provider returns its own cost per call: `rate` USD per 1M input / output when we have no card. */
  reports?: { style: 'openrouter' | 'tokenhub'; input?: number; output?: number }
  /** Routed calls name their upstream. */
  upstreams?: { name: string; weight: number }[]
  /** OpenAI Batch: share of `summarize` calls sent at the batch tier. */
  batchShare?: number
}

const OPENROUTER_UPSTREAMS = [
  { name: 'DeepSeek', weight: 55 },
  { name: 'Novita', weight: 20 },
  { name: 'SiliconFlow', weight: 15 },
  { name: 'Together', weight: 10 },
]

/** The demo's routes. Weights sum to about 100. */
export const ROUTES: readonly Route[] = [
  {
    provider: 'deepseek',
    requestedModel: 'deepseek-v4-flash',
    servedModel: 'deepseek-v4-flash',
    weight: 26,
    endpoint: '/chat/completions',
    reasoning: 0.6,
    cacheRead: 0.75,
    cacheWrites: false,
    errorRate: 0.015,
    msPerToken: 9,
    ttftMs: 450,
  },
  {
    provider: 'deepseek',
    requestedModel: 'deepseek-v4-pro',
    servedModel: 'deepseek-v4-pro',
    weight: 8,
    endpoint: '/chat/completions',
    reasoning: 0.8,
    cacheRead: 0.7,
    cacheWrites: false,
    errorRate: 0.02,
    msPerToken: 18,
    ttftMs: 900,
  },
  {
    provider: 'openrouter',
    requestedModel: 'deepseek/deepseek-v4-flash',
    servedModel: 'deepseek/deepseek-v4-flash',
    weight: 13,
    endpoint: '/chat/completions',
    reasoning: 0.5,
    cacheRead: 0.4,
    cacheWrites: false,
    errorRate: 0.02,
    msPerToken: 11,
    ttftMs: 650,
    reports: { style: 'openrouter' },
    upstreams: OPENROUTER_UPSTREAMS,
  },
  // OpenRouter lists V4 Pro, but no price for it is in the table: these calls are unpriced, yet OpenRouter reports a cost.
  {
    provider: 'openrouter',
    requestedModel: 'deepseek/deepseek-v4-pro',
    servedModel: 'deepseek/deepseek-v4-pro',
    weight: 3,
    endpoint: '/chat/completions',
    reasoning: 0.8,
    cacheRead: 0.3,
    cacheWrites: false,
    errorRate: 0.025,
    msPerToken: 20,
    ttftMs: 1100,
    reports: { style: 'openrouter', input: 0.435, output: 0.87 },
    upstreams: OPENROUTER_UPSTREAMS,
  },
  {
    provider: 'tokenhub',
    requestedModel: 'deepseek-v4-flash',
    servedModel: 'deepseek-v4-flash',
    weight: 9,
    endpoint: '/chat/completions',
    reasoning: 0.5,
    cacheRead: 0.6,
    cacheWrites: false,
    errorRate: 0.02,
    msPerToken: 10,
    ttftMs: 550,
    reports: { style: 'tokenhub' },
  },
  // Oxen.ai serves both models but publishes no per-token price in the seeds: unpriced.
  {
    provider: 'oxen',
    requestedModel: 'deepseek-v4-flash',
    servedModel: 'deepseek-v4-flash',
    weight: 5,
    endpoint: '/chat/completions',
    reasoning: 0.5,
    cacheRead: 0.2,
    cacheWrites: false,
    errorRate: 0.05,
    msPerToken: 12,
    ttftMs: 700,
  },
  {
    provider: 'oxen',
    requestedModel: 'deepseek-v4-pro',
    servedModel: 'deepseek-v4-pro',
    weight: 2,
    endpoint: '/chat/completions',
    reasoning: 0.8,
    cacheRead: 0.2,
    cacheWrites: false,
    errorRate: 0.05,
    msPerToken: 22,
    ttftMs: 1200,
  },
  {
    provider: 'openai',
    requestedModel: 'gpt-5-mini',
    servedModel: 'gpt-5-mini-2025-08-07',
    weight: 9,
    endpoint: '/responses',
    reasoning: 0.7,
    cacheRead: 0.5,
    cacheWrites: false,
    errorRate: 0.01,
    msPerToken: 8,
    ttftMs: 600,
    batchShare: 0.5,
  },
  {
    provider: 'openai',
    requestedModel: 'gpt-4.1-nano',
    servedModel: 'gpt-4.1-nano-2025-04-14',
    weight: 5,
    endpoint: '/chat/completions',
    reasoning: 0,
    cacheRead: 0.4,
    cacheWrites: false,
    errorRate: 0.01,
    msPerToken: 5,
    ttftMs: 300,
    batchShare: 0.5,
  },
  // A fine-tuned model the pricing table cannot know: unpriced, model unknown.
  {
    provider: 'openai',
    requestedModel: 'ft:gpt-4.1-mini:acme:support-v3',
    servedModel: 'ft:gpt-4.1-mini:acme:support-v3',
    weight: 1,
    endpoint: '/chat/completions',
    reasoning: 0,
    cacheRead: 0.3,
    cacheWrites: false,
    errorRate: 0.01,
    msPerToken: 7,
    ttftMs: 400,
  },
  {
    provider: 'anthropic',
    requestedModel: 'claude-sonnet-4-5',
    servedModel: 'claude-sonnet-4-5-20250929',
    weight: 3,
    endpoint: '/messages',
    reasoning: 0.3,
    cacheRead: 0.7,
    cacheWrites: true,
    errorRate: 0.02,
    msPerToken: 14,
    ttftMs: 800,
  },
  {
    provider: 'anthropic',
    requestedModel: 'claude-haiku-4-5',
    servedModel: 'claude-haiku-4-5-20251001',
    weight: 3,
    endpoint: '/messages',
    reasoning: 0,
    cacheRead: 0.6,
    cacheWrites: true,
    errorRate: 0.015,
    msPerToken: 6,
    ttftMs: 350,
  },
  {
    provider: 'google',
    requestedModel: 'gemini-2.5-flash',
    servedModel: 'gemini-2.5-flash',
    weight: 5,
    endpoint: '/chat/completions',
    reasoning: 0.5,
    cacheRead: 0.3,
    cacheWrites: false,
    errorRate: 0.015,
    msPerToken: 5,
    ttftMs: 500,
  },
]

/** What the application does with a call: its token profile. */
export interface Feature {
  name: string
  team: string
  weight: number
  /** Median and spread (log sigma) of prompt tokens. */
  input: [number, number]
  output: [number, number]
  /** Share of the prompt that a cache hit covers. */
  cacheShare: [number, number]
  /** Chance the call is streamed. */
  stream: number
}

export const FEATURES: readonly Feature[] = [
  {
    name: 'chat',
    team: 'support',
    weight: 45,
    input: [1800, 0.6],
    output: [320, 0.7],
    cacheShare: [0.35, 0.85],
    stream: 0.85,
  },
  {
    name: 'search',
    team: 'search',
    weight: 25,
    input: [9000, 0.5],
    output: [450, 0.5],
    cacheShare: [0.1, 0.5],
    stream: 0.4,
  },
  {
    name: 'summarize',
    team: 'data',
    weight: 15,
    input: [14000, 0.7],
    output: [650, 0.4],
    cacheShare: [0.05, 0.3],
    stream: 0.1,
  },
  {
    name: 'agent',
    team: 'platform',
    weight: 15,
    input: [30000, 0.6],
    output: [1100, 0.6],
    cacheShare: [0.6, 0.95],
    stream: 0.7,
  },
]

/** Relative traffic per UTC hour: quiet nights, busy European and American afternoons. */
export const HOURLY = [
  2, 1.5, 1.2, 1, 1, 1.2, 2, 3, 4.5, 5.5, 6, 6.5, 6.5, 7, 7.5, 7.5, 7, 6.5, 6, 5, 4.5, 4, 3.2, 2.5,
]

/** Traffic on Saturday and Sunday relative to a weekday. */
export const WEEKEND_FACTOR = 0.55

/** Typical error answers: HTTP status and error type. */
export const ERRORS = [
  { httpStatus: 429, errorType: 'rate_limit_exceeded', weight: 45 },
  { httpStatus: 500, errorType: 'server_error', weight: 20 },
  { httpStatus: 503, errorType: 'overloaded', weight: 20 },
  { httpStatus: 400, errorType: 'invalid_request_error', weight: 10 },
  { httpStatus: 408, errorType: 'timeout', weight: 5 },
]
