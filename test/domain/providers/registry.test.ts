/**
 * The provider registry is the one list of providers: these checks hold it to the vocabulary
 * (src/core/shared/providers.ts, which the platform floor and the renderer read), to what the
 * lists it replaced said, and to the central store's CHECK constraints — read from the migrated
 * database's pg_constraint, so a provider added without its migration fails here.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CentralStore } from '../../../src/core/platform/central/store.js';
import { rows } from '../../../src/core/platform/central/store.js';
import {
  PROVIDER_CREDENTIALS,
  PROVIDER_LABELS,
  PROVIDER_NAMES,
} from '../../../src/core/shared/providers.js';
import {
  apiCredential,
  CASH_ACCOUNTS,
  CREDENTIAL_ACCOUNTS,
  CREDENTIAL_CHOICES,
  PROVIDER_CHOICES,
  PROVIDERS,
  providersSettingSchema,
  WEBHOOK_PATHS,
} from '../../../src/core/domain/providers/registry.js';
import {
  knownChannelLimits,
  PROVIDER_CURRENCIES,
  SPLIT_ALLOWED,
} from '../../../src/core/domain/providers/channels.js';
import { stateMeaning, waitingStates } from '../../../src/core/domain/providers/states.js';
import { webhookRoutes } from '../../../src/core/domain/webhooks/relay.js';
import { PROVIDERS as IMPORT_PROVIDERS } from '../../../src/core/domain/imports/affiliates.js';
import { openTestCentral } from '../../support/central.js';
import { drivers } from '../../support/pg.js';

describe('the provider registry', () => {
  it('is the vocabulary: the same names in the same order, each with its label', () => {
    expect(PROVIDERS.map((d) => d.name)).toEqual([...PROVIDER_NAMES]);
    expect(PROVIDER_CHOICES).toEqual(
      PROVIDER_NAMES.map((name) => ({ name, label: PROVIDER_LABELS[name] })),
    );
    expect([...IMPORT_PROVIDERS]).toEqual([...PROVIDER_NAMES]);
  });

  it('each provider holds exactly the secrets the vocabulary names for it, kept apart', () => {
    for (const d of PROVIDERS) {
      const named = Object.entries(PROVIDER_CREDENTIALS)
        .filter(([, c]) => c.provider === d.name)
        .map(([which]) => which);
      expect(Object.keys(d.credentials).sort(), d.name).toEqual(named.sort());
      const uses = Object.values(d.credentials).map((c: { use: string }) => c.use);
      expect(uses.filter((u) => u === 'api').length, d.name).toBeLessThanOrEqual(1);
      if (d.webhook) {
        const secret = (d.credentials as Record<string, { use: string }>)[d.webhook.secret];
        expect(secret?.use, `${d.name}'s webhook secret`).toBe('webhook');
      }
    }
    const accounts = CREDENTIAL_CHOICES.map((c) => c.credential.account);
    expect(new Set(accounts).size).toBe(accounts.length);
    expect(CREDENTIAL_CHOICES.map((c) => c.which).sort()).toEqual(
      Object.keys(PROVIDER_CREDENTIALS).sort(),
    );
    // Only a provider with an API secret has its secrets checked against the file vault's policy.
    expect(PROVIDERS.filter((d) => apiCredential(d)).map((d) => d.name)).toEqual([
      'xendit',
      'rise',
    ]);
  });

  it('says what the lists it replaced said', () => {
    expect(CREDENTIAL_ACCOUNTS).toEqual({
      xendit: 'provider:xendit:secret-key',
      xenditCallbackToken: 'provider:xendit:callback-token',
      rise: 'provider:rise:wallet-key',
      riseWebhookSecret: 'provider:rise:webhook-secret',
    });
    expect(CASH_ACCOUNTS).toEqual({
      xendit: { code: '1101', name: 'Cash at provider: xendit' },
      rise: { code: '1102', name: 'Cash at provider: rise' },
      sandbox: { code: '1103', name: 'Cash at provider: sandbox' },
    });
    expect(PROVIDER_CURRENCIES).toEqual({
      xendit: ['IDR', 'PHP', 'VND', 'THB', 'MYR'],
      rise: ['USD'],
      sandbox: 'any',
    });
    expect(SPLIT_ALLOWED).toEqual({ xendit: true, rise: false, sandbox: true });
    expect(knownChannelLimits('xendit', 'ID_OVO', 'IDR')).toEqual({
      channelCode: 'ID_OVO',
      currency: 'IDR',
      minimumMinor: 1_000_000n,
      maximumMinor: 2_000_000_000n,
      incrementMinor: 100n,
    });
    expect(knownChannelLimits('xendit', 'PH_BDO', 'PHP')?.maximumMinor).toBeNull();
    expect(knownChannelLimits('xendit', 'US_X', 'USD')).toBeNull();
    expect(knownChannelLimits('rise', 'RISE_USD', 'USD')?.minimumMinor).toBe(100n);
    expect(knownChannelLimits('sandbox', 'ANY', 'EUR')?.minimumMinor).toBe(1n);
    expect(WEBHOOK_PATHS).toEqual(['/webhooks/xendit', '/webhooks/rise']);
    expect([...webhookRoutes({}).keys()]).toEqual([...WEBHOOK_PATHS]);
    expect(stateMeaning('rise', 'COMPLETE')).toMatchObject({ words: 'paid', known: true });
    expect(stateMeaning('sandbox', 'LOCKED').attention).toBe(true);
    expect(stateMeaning('sandbox', 'NEW_STATE').words).toMatch(/check it at the provider$/);
    expect(stateMeaning('xendit', 'NEW_STATE').words).toMatch(/check it at Xendit$/);
    expect(waitingStates()).toEqual(['ACCEPTED', 'REQUESTED', 'READY', 'intent', 'scheduled']);
  });

  it('builds the `providers` setting from each provider’s own schema', () => {
    expect(Object.keys(providersSettingSchema.unwrap().shape)).toEqual([...PROVIDER_NAMES]);
    expect(
      providersSettingSchema.parse({
        xendit: { baseUrl: 'https://api.xendit.co' },
        rise: { teamId: 't', riseId: 'r' },
        sandbox: { seed: 3, failureRate: 0 },
      }),
    ).toMatchObject({ sandbox: { seed: 3 } });
    expect(providersSettingSchema.parse(undefined)).toEqual({});
    expect(providersSettingSchema.safeParse({ acme: {} }).success).toBe(false);
    expect(providersSettingSchema.safeParse({ sandbox: { seed: -1 } }).success).toBe(false);
  });

  it('keeps each derived table whole: distinct cash accounts and webhook paths, demo markets sharing every affiliate', () => {
    const codes = PROVIDERS.map((d) => d.cashAccount.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(WEBHOOK_PATHS).size).toBe(WEBHOOK_PATHS.length);
    for (const d of PROVIDERS)
      for (const final of d.states.final) expect(d.states.table[final], d.name).toBeDefined();
    const shares = PROVIDERS.flatMap((d) => (d.demo?.markets ?? []).map((m) => m.share));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

/** The provider names a CHECK lists (`… = ANY (ARRAY['xendit'::text, …])`). */
function namesIn(definition: string): string[] {
  return [...definition.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!);
}

for (const driver of drivers()) {
  describe(`the central store's CHECKs on provider names (${driver})`, () => {
    let store: CentralStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await openTestCentral(driver));
    }, 60_000);
    afterAll(async () => {
      await cleanup?.();
    });

    it('every CHECK on a provider column lists exactly the registry’s names, after the migrations', async () => {
      const checks = await rows<{ table: string; name: string; definition: string }>(
        store.db,
        sql`SELECT c.conrelid::regclass::text AS table, c.conname AS name,
                   pg_get_constraintdef(c.oid) AS definition
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE c.contype = 'c' AND n.nspname = current_schema()
            ORDER BY 1, 2`,
      );
      const onProviders = checks.filter((c) =>
        /provider\w*\s*=\s*ANY\s*\(ARRAY\[/i.test(c.definition),
      );
      expect(onProviders.map((c) => `${c.table}.${c.name}`)).toContain(
        'affiliates.affiliates_provider_check',
      );
      for (const c of onProviders)
        expect(namesIn(c.definition).sort(), `${c.table}.${c.name}`).toEqual(
          PROVIDERS.map((d) => d.name).sort(),
        );
      // No other CHECK lists a provider's name (one written some other way would hide here).
      for (const c of checks.filter((x) => !onProviders.includes(x)))
        for (const d of PROVIDERS)
          expect(c.definition, `${c.table}.${c.name}`).not.toContain(`'${d.name}'`);
    });
  });
}
