import { describe, expect, it } from 'vitest'
import { bareModelName, tokenizerFor } from './encodings.js'

describe('tokenizerFor', () => {
  it.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['openai/gpt-4.1-nano', 'o200k_base'],
    ['gpt-5-mini', 'o200k_base'],
    ['o1', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['o4-mini', 'o200k_base'],
    ['chatgpt-4o-latest', 'o200k_base'],
    ['ft:gpt-4o-mini-2024-07-18:acme::abc123', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo-2024-04-09', 'cl100k_base'],
    ['gpt-4-0613', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
  ])('counts %s exactly with %s', (model, encoding) => {
    expect(tokenizerFor(model)).toMatchObject({ family: 'openai', encoding, exact: true })
  })

  it.each([
    ['deepseek-v4-flash', 'deepseek'],
    ['deepseek/deepseek-v4-pro', 'deepseek'],
    ['claude-sonnet-4-5', 'claude'],
    ['anthropic/claude-3.7-sonnet', 'claude'],
    ['gemini-2.5-pro', 'gemini'],
    ['qwen/qwen3-235b-a22b', 'qwen'],
    ['meta-llama/llama-3.3-70b-instruct', 'llama'],
    ['mistral-large-latest', 'mistral'],
    ['some-new-model', 'other'],
    ['o10-mystery', 'other'],
  ])('approximates %s as %s with o200k', (model, family) => {
    expect(tokenizerFor(model)).toMatchObject({ family, encoding: 'o200k_base', exact: false })
  })

  it('strips namespaces and fine-tune prefixes', () => {
    expect(bareModelName('OpenAI/GPT-4o')).toBe('gpt-4o')
    expect(bareModelName('ft:gpt-3.5-turbo-0125:org:name:id')).toBe('gpt-3.5-turbo-0125')
  })
})
