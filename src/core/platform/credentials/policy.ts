/**
 * Provider secrets and the file vault. A workstation without an OS keychain keeps its secrets in
 * the file vault (vault.ts), whose protection is the OS account's only. What a workstation needs to
 * run (its cache key, sessions) may live there; real provider secrets (Xendit, Rise: API keys,
 * webhook secrets) move money, so they are refused there — written or read — unless an
 * administrator allowed it in the central `file_vault` setting (`settings.set`, audited). The
 * sandbox needs no secret at all.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import type { CredentialStore } from './store.js';

export const FILE_VAULT_KEY = 'file_vault';

export const fileVaultSettingSchema = z
  .strictObject({
    /** Workstations without an OS keychain may keep real provider secrets in their file vault. */
    allowProviderSecrets: z.boolean().optional(),
  })
  .default({});
export type FileVaultSetting = z.infer<typeof fileVaultSettingSchema>;

/** Credential-store accounts of real providers' secrets start with this. */
export const PROVIDER_ACCOUNT_PREFIX = 'provider:';

export async function providerSecretsAllowedInVault(db: CentralTx): Promise<boolean> {
  const [row] = await rows<{ value: unknown }>(
    db,
    sql`SELECT value FROM settings WHERE key = ${FILE_VAULT_KEY}`,
  );
  const parsed = fileVaultSettingSchema.safeParse(row?.value ?? {});
  return parsed.success && parsed.data.allowProviderSecrets === true;
}

export const VAULT_REFUSAL =
  'this workstation has no OS keychain, and provider secrets are not kept in its file vault unless an administrator allows it ' +
  '(`treasury settings set fileVault FILE.json` with {"allowProviderSecrets": true}; audited). ' +
  'Install and unlock a keychain (libsecret + a Secret Service), or use the sandbox provider, which needs no secret';

/**
 * Refuses a real provider's secret in the file vault unless the central setting allows it (read in
 * the caller's transaction: an administrator's change applies at once). Other stores pass.
 */
export async function assertProviderSecretAllowed(
  store: Pick<CredentialStore, 'kind'>,
  tx: CentralTx,
  what: string,
): Promise<void> {
  if (store.kind !== 'vault') return;
  if (!(await providerSecretsAllowedInVault(tx)))
    throw new TreasuryError('PROVIDER_NOT_CONFIGURED', `${what}: ${VAULT_REFUSAL}`);
}
