/**
 * Builds provider clients on demand from configuration and the credential store.
 *
 * Configuration (not secret): base URLs from `TREASURY_XENDIT_URL` / `TREASURY_RISE_URL` (else the
 * `providers` setting, else the providers' public hosts); Rise's team and Rise id from the
 * `providers` setting or `TREASURY_RISE_TEAM` / `TREASURY_RISE_ID`; the sandbox's seed and failure
 * rate from the `providers` setting. Secrets (Xendit secret key, Rise wallet key) come only from
 * the credential store (the OS keychain).
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { assertProviderSecretAllowed } from '../../platform/credentials/policy.js';
import type { CredentialStore } from '../../platform/credentials/store.js';
import type { PayoutProvider, ProviderName } from '../../platform/payments/provider.js';

export const providersSettingSchema = z
  .strictObject({
    xendit: z.strictObject({ baseUrl: z.string().url().optional() }).optional(),
    rise: z
      .strictObject({
        baseUrl: z.string().url().optional(),
        riseId: z.string().min(1).optional(),
        teamId: z.string().min(1).optional(),
      })
      .optional(),
    sandbox: z
      .strictObject({
        seed: z.number().int().min(0).optional(),
        failureRate: z.number().min(0).max(1).optional(),
        unknownRate: z.number().min(0).max(1).optional(),
      })
      .optional(),
  })
  .default({});
export type ProvidersSetting = z.infer<typeof providersSettingSchema>;

/** Credential-store accounts holding provider secrets. */
export const CREDENTIAL_ACCOUNTS = {
  xendit: 'provider:xendit:secret-key',
  xenditCallbackToken: 'provider:xendit:callback-token',
  rise: 'provider:rise:wallet-key',
  riseWebhookSecret: 'provider:rise:webhook-secret',
} as const;

export async function loadProvidersSetting(tx: CentralTx): Promise<ProvidersSetting> {
  const [row] = await rows<{ value: unknown }>(
    tx,
    sql`SELECT value FROM settings WHERE key = 'providers'`,
  );
  const parsed = providersSettingSchema.safeParse(row?.value ?? {});
  if (!parsed.success) {
    throw new TreasuryError(
      'VALIDATION',
      `the providers setting is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** Builds provider clients once and keeps them; `forget` drops one whose credential changed. */
export type CachingResolver = ((name: ProviderName) => Promise<PayoutProvider>) & {
  forget(name: ProviderName): void;
};

/**
 * A client for `name` built from the stored configuration and the given credential store — for
 * checking a new credential before it replaces the stored one (provider.credentials.rotate).
 */
export async function buildProvider(
  name: 'xendit' | 'rise',
  credentials: CredentialStore,
  db: CentralTx,
): Promise<PayoutProvider> {
  const resolver = createProviderResolver({ credentials, db });
  return resolver(name);
}

export function createProviderResolver(options: {
  credentials: CredentialStore;
  db: CentralTx;
}): CachingResolver {
  const cache = new Map<ProviderName, Promise<PayoutProvider>>();
  const build = async (name: ProviderName): Promise<PayoutProvider> => {
    const setting = await loadProvidersSetting(options.db);
    switch (name) {
      case 'xendit': {
        await assertProviderSecretAllowed(
          options.credentials,
          options.db,
          'Xendit cannot be used from this workstation',
        );
        const { xenditFromCredentials } = await import('./xendit/xendit.js');
        return xenditFromCredentials(
          options.credentials,
          process.env.TREASURY_XENDIT_URL ?? setting.xendit?.baseUrl,
        );
      }
      case 'rise': {
        await assertProviderSecretAllowed(
          options.credentials,
          options.db,
          'Rise cannot be used from this workstation',
        );
        const { riseFromCredentials } = await import('./rise/rise.js');
        const riseId = process.env.TREASURY_RISE_ID ?? setting.rise?.riseId;
        const teamId = process.env.TREASURY_RISE_TEAM ?? setting.rise?.teamId;
        if (!riseId || !teamId) {
          throw new TreasuryError(
            'PROVIDER_NOT_CONFIGURED',
            'Rise needs a team id and a Rise id: set them with `treasury settings set providers FILE.json` or TREASURY_RISE_TEAM / TREASURY_RISE_ID',
          );
        }
        return riseFromCredentials(options.credentials, {
          baseUrl: process.env.TREASURY_RISE_URL ?? setting.rise?.baseUrl,
          riseId,
          teamId,
        });
      }
      case 'sandbox': {
        const [{ createSandboxProvider }, { centralSandboxLedger }] = await Promise.all([
          import('./sandbox/sandbox.js'),
          import('./sandbox/ledger.js'),
        ]);
        return createSandboxProvider({
          seed: setting.sandbox?.seed ?? 1,
          failureRate: setting.sandbox?.failureRate ?? 0.05,
          unknownRate: setting.sandbox?.unknownRate ?? 0,
          ledger: centralSandboxLedger(options.db),
        });
      }
    }
  };
  const resolve = (name: ProviderName) => {
    let p = cache.get(name);
    if (!p) {
      p = build(name).catch((error: unknown) => {
        cache.delete(name); // a missing credential can be fixed without restarting
        if (error instanceof TreasuryError) throw error;
        throw new TreasuryError('PROVIDER_NOT_CONFIGURED', (error as Error).message, [], {
          cause: error,
        });
      });
      cache.set(name, p);
    }
    return p;
  };
  return Object.assign(resolve, { forget: (name: ProviderName) => void cache.delete(name) });
}
