/** Provider credentials: written to the credential store (OS keychain) through the router, so the change is permission-checked and audited — the secret itself is never stored, echoed or audited. */
import { z } from 'zod';
import { defineCommand, defineQuery } from '../commands/router.js';
import { TreasuryError } from '../commands/errors.js';
import { CREDENTIAL_ACCOUNTS } from './registry.js';

const ACCOUNTS = {
  xendit: CREDENTIAL_ACCOUNTS.xendit,
  'xendit-callback-token': CREDENTIAL_ACCOUNTS.xenditCallbackToken,
  rise: CREDENTIAL_ACCOUNTS.rise,
  'rise-webhook-secret': CREDENTIAL_ACCOUNTS.riseWebhookSecret,
} as const;

export const setCredential = defineCommand({
  name: 'provider.credentials.set',
  permission: 'admin.manage',
  stepUp: true,
  input: z.strictObject({
    which: z.enum(Object.keys(ACCOUNTS) as [keyof typeof ACCOUNTS, ...(keyof typeof ACCOUNTS)[]]),
    secret: z.string().min(8, 'is too short to be a provider secret').max(4096),
  }),
  async run(ctx, input) {
    const credentials = ctx.services.credentials;
    if (!credentials) throw new TreasuryError('CREDENTIAL_STORE_UNAVAILABLE', 'this host has no credential store');
    if (input.which === 'rise' && !/^0x[0-9a-fA-F]{64}$/.test(input.secret)) {
      throw new TreasuryError('VALIDATION', 'a Rise wallet key is 0x followed by 64 hex digits', [{ field: 'secret', message: 'not a 32-byte hex private key' }]);
    }
    const account = ACCOUNTS[input.which];
    const existed = (await credentials.get(account)) !== null;
    await credentials.set(account, input.secret);
    ctx.audit({ action: 'provider.credentials.set', entityType: 'credential', entityId: account, before: { configured: existed }, after: { configured: true } });
    return { account, replaced: existed };
  },
});

/** What the settings screen may know about provider secrets: configured or not. Never the secret. */
export const credentialStatus = defineQuery({
  name: 'provider.credentials.status',
  permission: 'admin.manage',
  input: z.strictObject({}),
  async run(ctx) {
    const credentials = ctx.services.credentials;
    const out: Record<string, { configured: boolean }> = {};
    for (const [which, account] of Object.entries(ACCOUNTS)) out[which] = { configured: credentials ? (await credentials.get(account)) !== null : false };
    return out;
  },
});
