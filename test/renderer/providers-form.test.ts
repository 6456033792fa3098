/**
 * Settings → Providers (src/renderer/src/views/settings/providersForm.ts): the inputs start from
 * the saved setting; what is sent leaves empty inputs out and sends a number field as a number only
 * when it reads as one (anything else as typed, for the central store to refuse in its words); the
 * store's refusals land under the field they name.
 */
import { describe, expect, it } from 'vitest';
import { CallFailed } from '../../src/renderer/src/api.js';
import {
  problemsOf,
  textsOf,
  valueOf,
  type Providers,
} from '../../src/renderer/src/views/settings/providersForm.js';

const field = (name: string, type: 'string' | 'number' | 'integer') => ({
  name,
  title: name,
  description: null,
  type,
  format: null,
  minimum: null,
  maximum: null,
});

const providers = {
  value: { sandbox: { seed: 3, failureRate: 0.05 } },
  updatedAt: null,
  updatedBy: null,
  fields: [
    { provider: 'rise', label: 'Rise', fields: [field('teamId', 'string')] },
    {
      provider: 'sandbox',
      label: 'Sandbox',
      fields: [field('seed', 'integer'), field('failureRate', 'number')],
    },
  ],
} as unknown as Providers;

describe('the providers form', () => {
  it('starts from what is saved and sends it back unchanged', () => {
    const texts = textsOf(providers);
    expect(texts).toEqual({ rise: { teamId: '' }, sandbox: { seed: '3', failureRate: '0.05' } });
    expect(valueOf(providers, texts)).toEqual({ sandbox: { seed: 3, failureRate: 0.05 } });
  });

  it('leaves empty inputs out and sends what does not read as a number as typed', () => {
    const value = valueOf(providers, {
      rise: { teamId: ' team-1 ' },
      sandbox: { seed: '', failureRate: 'five percent' },
    });
    expect(value).toEqual({ rise: { teamId: 'team-1' }, sandbox: { failureRate: 'five percent' } });
  });

  it("puts the store's refusals under their fields, and says the rest as a whole", () => {
    const refused = new CallFailed({
      code: 'VALIDATION',
      kind: 'user',
      message: 'invalid input for settings.set',
      problems: [
        { path: 'value.sandbox.failureRate', message: 'between 0 and 1' },
        { path: 'value', message: 'Unrecognized key: "acme"' },
      ],
    });
    expect(problemsOf(refused)).toEqual({
      fields: { 'sandbox.failureRate': 'between 0 and 1' },
      other: 'invalid input for settings.set',
    });
    expect(problemsOf(new Error('offline'))).toEqual({ fields: {}, other: 'offline' });
  });
});
