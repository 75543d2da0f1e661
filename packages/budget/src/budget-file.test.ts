import { describe, expect, it } from 'vitest'
import { parseBudgetsText } from './budget-file.js'

const file = (budgets: unknown[]) => JSON.stringify({ budgets }, null, 2)

describe('budgets files', () => {
  it('accepts a valid file', () => {
    const config = parseBudgetsText(
      file([
        {
          id: 'team-search',
          scope: { tags: { team: 'search' } },
          limit: '25.00',
          period: 'month',
          timeZone: 'Europe/Paris',
          action: 'block',
        },
      ]),
      'budgets.json',
    )
    expect(config.budgets[0]).toMatchObject({ id: 'team-search', limit: '25.00', period: 'month' })
  })

  it('names the file, the line, the budget and the field', () => {
    const text = file([
      { id: 'ok', limit: '1', period: 'day', action: 'block' },
      { id: 'team-search', limit: 5, period: 'day', action: 'block' },
    ])
    expect(() => parseBudgetsText(text, 'budgets.json')).toThrow(
      'budgets.json:11: budgets[1] (team-search).limit: expected a decimal string of USD such as "25.00", got 5',
    )
  })

  it('rejects a negative or over-precise limit', () => {
    expect(() =>
      parseBudgetsText(file([{ id: 'a', limit: '-1', period: 'day', action: 'block' }]), 'b.json'),
    ).toThrow('budgets[0] (a).limit: expected a non-negative')
    expect(() =>
      parseBudgetsText(
        file([{ id: 'a', limit: '0.0000000000001', period: 'day', action: 'block' }]),
        'b.json',
      ),
    ).toThrow('at most 12 decimals')
  })

  it('rejects bad periods, zones, actions and repeated ids with the allowed values', () => {
    expect(() =>
      parseBudgetsText(file([{ id: 'a', limit: '1', period: 'year', action: 'block' }]), 'b.json'),
    ).toThrow('budgets[0] (a).period: expected "day", "week", "month" or { "rollingHours": N }')
    expect(() =>
      parseBudgetsText(
        file([{ id: 'a', limit: '1', period: 'day', timeZone: 'Mars/Olympus', action: 'block' }]),
        'b.json',
      ),
    ).toThrow('budgets[0] (a).timeZone: expected an IANA time zone')
    expect(() =>
      parseBudgetsText(file([{ id: 'a', limit: '1', period: 'day', action: 'stop' }]), 'b.json'),
    ).toThrow('budgets[0] (a).action')
    expect(() =>
      parseBudgetsText(
        file([
          { id: 'a', limit: '1', period: 'day', action: 'block' },
          { id: 'a', limit: '2', period: 'day', action: 'warn' },
        ]),
        'b.json',
      ),
    ).toThrow('b.json: budgets[1].id: "a" is used by an earlier budget; ids must be unique')
  })

  it('a JSON syntax error names the line and column', () => {
    expect(() =>
      parseBudgetsText('{\n  "budgets": [\n    { "id": "a", }\n  ]\n}', 'b.json'),
    ).toThrow(/^b\.json:3:\d+: not valid JSON/)
  })
})
