/**
 * The `providers` setting as Settings edits it (settings.show / settings.set): each provider's
 * fields described from its schema, a bad value refused per field in words, a good one saved with
 * who and when and audited with before and after, and no secret ever allowed in (a web address
 * carrying a user name or password is refused).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import type { SettingsView } from '../../../src/core/domain/settings/settings.js';
import {
  addOperator,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

describe('the providers setting', () => {
  let tw: TestWorkstation;
  beforeAll(async () => {
    tw = await openTestWorkstation('pglite');
  }, 120_000);
  afterAll(() => tw?.cleanup());

  it("describes every provider's fields from its schema, for the form", async () => {
    const view = await tw.call<SettingsView>('settings.show');
    const fields = Object.fromEntries(
      view.providers.fields.map((p) => [p.provider, p.fields.map((f) => f.name)]),
    );
    expect(fields).toEqual({
      xendit: ['baseUrl'],
      rise: ['baseUrl', 'riseId', 'teamId'],
      sandbox: ['seed', 'failureRate', 'unknownRate'],
    });
    const sandbox = view.providers.fields.find((p) => p.provider === 'sandbox')!;
    expect(sandbox.fields.find((f) => f.name === 'failureRate')).toMatchObject({
      title: 'Failure rate',
      type: 'number',
      minimum: 0,
      maximum: 1,
    });
  });

  it('refuses a failure rate that is not a share, naming the field in words', async () => {
    const refused = await tw
      .call('settings.set', { key: 'providers', value: { sandbox: { failureRate: 1.5 } } })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'VALIDATION',
      problems: [
        {
          path: 'value.sandbox.failureRate',
          message: 'the failure rate is a share of payouts between 0 and 1 (0.05 is 5%)',
        },
      ],
    });
    const text = await tw
      .call('settings.set', { key: 'providers', value: { sandbox: { failureRate: 'abc' } } })
      .catch((e: unknown) => e);
    expect(text).toMatchObject({ problems: [{ path: 'value.sandbox.failureRate' }] });
  });

  it('refuses a secret in a web address: credentials go to the credential store', async () => {
    const refused = await tw
      .call('settings.set', {
        key: 'providers',
        value: { rise: { baseUrl: 'https://user:hunter2@rise.example' } },
      })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'VALIDATION',
      problems: [
        { path: 'value.rise.baseUrl', message: expect.stringMatching(/credential store/) },
      ],
    });
  });

  it('saves a good value with who and when, audited with before and after', async () => {
    const admin2 = await addOperator(tw, 'admin2', 'admin');
    await tw.call('settings.set', { key: 'providers', value: { sandbox: { seed: 3 } } });
    const saved = await tw.call<SettingsView>(
      'settings.set',
      {
        key: 'providers',
        value: {
          sandbox: { seed: 3, failureRate: 0.05 },
          rise: { teamId: 'team-1', riseId: 'r-9' },
        },
      },
      admin2,
    );
    expect(saved.providers).toMatchObject({
      value: { sandbox: { seed: 3, failureRate: 0.05 }, rise: { teamId: 'team-1', riseId: 'r-9' } },
      updatedBy: 'admin2',
    });
    expect(Date.parse(saved.providers.updatedAt!)).not.toBeNaN();
    const [last] = await rows<{ before: unknown; after: unknown }>(
      tw.ws.central.db,
      sql`SELECT before, after FROM audit_log WHERE action = 'settings.set' AND entity_id = 'providers' ORDER BY seq DESC LIMIT 1`,
    );
    expect(last).toEqual({
      before: { sandbox: { seed: 3 } },
      after: { sandbox: { seed: 3, failureRate: 0.05 }, rise: { teamId: 'team-1', riseId: 'r-9' } },
    });
  });

  it('is changed only by administrators', async () => {
    const processor = await addOperator(tw, 'proc1', 'processor');
    await expect(
      tw.call('settings.set', { key: 'providers', value: {} }, processor),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
