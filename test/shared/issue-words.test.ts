import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldInWords, issueInWords, problemInWords } from '../../src/core/shared/issue-words.js';
import { validated } from '../../src/core/platform/kernel/admission.js';
import { parseRuleSet, RuleSetError } from '../../src/core/shared/commission/index.js';
import { TreasuryError } from '../../src/core/shared/errors.js';

const messagesOf = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value, { error: issueInWords });
  return r.success ? [] : r.error.issues.map((i) => i.message);
};

describe('validation problems in words', () => {
  it('turns the common zod issues into predicates, none of zod’s developer texts left', () => {
    const schema = z.strictObject({
      holdDays: z.int().min(0).max(3650),
      frequency: z.enum(['weekly', 'monthly']),
      name: z.string().min(1),
      currencies: z.array(z.string()).min(1),
      code: z.string().regex(/^[A-Z]{3}$/),
      note: z.string().max(3),
    });
    const messages = messagesOf(schema, {
      holdDays: '3',
      frequency: 'daily',
      name: '',
      currencies: [],
      code: 'usd',
      note: 'long',
      extra: 1,
    });
    expect(messages).toEqual([
      'must be a number — it was text',
      'must be one of "weekly", "monthly"',
      'must not be empty',
      'needs at least one entry',
      'is not in the expected form',
      'must be at most 3 characters long',
      'has a field it does not know: extra (check the spelling)',
    ]);
    expect(messagesOf(schema.shape.holdDays, -1)).toEqual(['must be 0 or more']);
    expect(messagesOf(schema.shape.holdDays, 4000)).toEqual(['must be 3650 or less']);
    expect(messagesOf(z.strictObject({ a: z.string() }), {})).toEqual(['is required']);
    for (const m of messages)
      expect(m).not.toMatch(/Invalid|expected \w+, received|Too (small|big)/);
  });

  it('names fields as people do', () => {
    expect(fieldInWords('holdDays')).toBe('Hold days');
    expect(fieldInWords('minimumPayout.USD')).toBe('Minimum payout (USD)');
    expect(fieldInWords('tiers.brackets[1].percentBps')).toBe('Tiers, bracket 2, rate');
    expect(fieldInWords(['payoutSchedule', 'day'])).toBe('Payout schedule, day');
    expect(fieldInWords('(root)')).toBe('The document');
    expect(problemInWords('holdDays', 'must be 0 or more')).toBe('Hold days must be 0 or more');
  });

  it('the router’s validation error says it in words, with the path (the CLI option’s name)', () => {
    const def = {
      name: 'demo.call',
      permission: 'public' as const,
      input: z.strictObject({ holdDays: z.int() }),
    };
    let caught: unknown;
    try {
      validated(def, { holdDays: 'seven' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TreasuryError);
    const error = caught as TreasuryError;
    expect(error.message).toBe(
      'invalid input for demo.call: holdDays: must be a number — it was text',
    );
    expect(error.problems).toEqual([
      { path: 'holdDays', message: 'must be a number — it was text' },
    ]);
  });

  it('the rule-set parser uses the same words', () => {
    let caught: unknown;
    try {
      parseRuleSet({
        currencies: ['USD'],
        holdDays: 'seven',
        percentBps: 1000,
        minimumPayout: { USD: '50.00' },
        payoutSchedule: { frequency: 'daily' },
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RuleSetError);
    const issues = (caught as RuleSetError).issues.map((i) => `${i.path}: ${i.message}`);
    expect(issues).toContain('holdDays: must be a number — it was text');
    expect(issues.join('\n')).not.toMatch(/Invalid input/);
  });
});
