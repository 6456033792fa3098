/**
 * Provider credentials: written to the credential store (OS keychain) through the router, so the
 * change is permission-checked and audited — the secret itself is never stored, echoed or audited.
 * Which secrets exist, where each is kept and what it is for come from the providers' descriptors
 * (registry.ts).
 */
import { z } from 'zod';
import { defineCommand, defineQuery, type HandlerContext } from '../../platform/kernel/router.js';
import { TreasuryError } from '../../shared/errors.js';
import { assertProviderSecretAllowed } from '../../platform/credentials/policy.js';
import type { CredentialStore } from '../../platform/credentials/store.js';
import { rememberSecret } from '../../platform/log/logger.js';
import type { CredentialWhich } from '../../shared/providers.js';
import {
  buildProvider,
  CREDENTIAL_CHOICES,
  providerDescriptor,
  type CredentialEntry,
} from './registry.js';

type Which = CredentialWhich;
const SECRETS = new Map<string, CredentialEntry>(CREDENTIAL_CHOICES.map((c) => [c.which, c]));
const entry = (which: Which): CredentialEntry => SECRETS.get(which)!;
const which = z.enum(CREDENTIAL_CHOICES.map((c) => c.which) as [Which, ...Which[]]);
const secret = z.string().min(8, 'is too short to be a provider secret').max(4096);

function credentialStore(ctx: HandlerContext): CredentialStore {
  const credentials = ctx.services.credentials;
  if (!credentials)
    throw new TreasuryError('CREDENTIAL_STORE_UNAVAILABLE', 'this host has no credential store');
  return credentials;
}

function checkFormat(input: { which: Which; secret: string }): void {
  const problem = entry(input.which).credential.formatProblem?.(input.secret);
  if (problem)
    throw new TreasuryError('VALIDATION', problem.message, [
      { field: 'secret', message: problem.problem },
    ]);
}

/**
 * The provider whose client a secret is for: its API secret (webhook secrets are checked by the
 * relay, not a client).
 */
function clientOf(which: Which) {
  const e = entry(which);
  return e.credential.use === 'api' ? e.provider : null;
}

/**
 * Stores the secret and drops the provider client built with the old one (the next payout uses the
 * new one).
 */
async function store(
  ctx: HandlerContext,
  input: { which: Which; secret: string },
): Promise<string> {
  const account = entry(input.which).credential.account;
  await assertProviderSecretAllowed(
    credentialStore(ctx),
    ctx.tx,
    `the ${input.which} secret was not stored`,
  );
  await credentialStore(ctx).set(account, input.secret);
  const provider = clientOf(input.which);
  if (provider) ctx.services.forgetProvider?.(provider);
  return account;
}

export const setCredential = defineCommand({
  name: 'provider.credentials.set',
  permission: 'admin.manage',
  stepUp: true,
  input: z.strictObject({ which, secret }),
  async run(ctx, input) {
    checkFormat(input);
    await assertProviderSecretAllowed(
      credentialStore(ctx),
      ctx.tx,
      `the ${input.which} secret was not stored`,
    );
    const existed =
      (await credentialStore(ctx).get(entry(input.which).credential.account)) !== null;
    const account = await store(ctx, input);
    ctx.audit({
      action: 'provider.credentials.set',
      entityType: 'credential',
      entityId: account,
      before: { configured: existed },
      after: { configured: true },
    });
    return { account, replaced: existed };
  },
});

/**
 * Rotation: the new secret replaces one that is configured, and an API key is proven first — a
 * client built with it asks the provider for a balance; if the provider refuses it, nothing changes
 * and the old key stays in use. Webhook secrets cannot be proven from here (the provider presents
 * them on delivery): they are replaced as they are, and the provider's side is changed at the same
 * time (docs/operations.md, "Rotating provider credentials").
 */
export const rotateCredential = defineCommand({
  name: 'provider.credentials.rotate',
  permission: 'admin.manage',
  stepUp: true,
  input: z.strictObject({
    which,
    secret,
    /**
     * The currency whose balance proves an API key (default: the secret's own, IDR for Xendit, USD
     * for Rise).
     */
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'is not a currency code')
      .optional(),
  }),
  async run(ctx, input) {
    rememberSecret(input.secret); // cut out of any log line from here on, refused or not
    checkFormat(input);
    const credentials = credentialStore(ctx);
    await assertProviderSecretAllowed(
      credentials,
      ctx.tx,
      `the ${input.which} secret was not rotated`,
    );
    const account = entry(input.which).credential.account;
    const current = await credentials.get(account);
    if (current === null)
      throw new TreasuryError(
        'NOT_FOUND',
        `${input.which} has no credential to rotate yet: set it with \`treasury provider credentials set ${input.which}\``,
      );
    if (current === input.secret)
      throw new TreasuryError(
        'VALIDATION',
        `the new ${input.which} secret is the one already stored: nothing to rotate`,
        [{ field: 'secret', message: 'unchanged' }],
      );
    const provider = clientOf(input.which);
    let proof: string | null = null;
    if (provider) {
      const currency = input.currency ?? proofCurrency(input.which);
      // Only this check sees the new secret: a store that answers it for this one account.
      const candidate: CredentialStore = {
        ...credentials,
        get: async (a) => (a === account ? input.secret : credentials.get(a)),
      };
      try {
        const client = await buildProvider(provider, candidate, ctx.tx);
        await client.balance(currency);
      } catch (error) {
        throw new TreasuryError(
          'VALIDATION',
          `${provider} refused the new ${input.which} secret when asked for the ${currency} balance (${(error as Error).message}); nothing was changed, the current secret stays in use`,
          [{ field: 'secret', message: 'refused by the provider' }],
          { cause: error },
        );
      }
      proof = `${currency} balance read with the new secret`;
    }
    await store(ctx, input);
    ctx.audit({
      action: 'provider.credentials.rotate',
      entityType: 'credential',
      entityId: account,
      before: { configured: true },
      after: { configured: true, proof },
    });
    return { account, verified: proof !== null, proof };
  },
});

/**
 * What the settings screen may know about provider secrets: configured or not. Never the secret.
 */
export const credentialStatus = defineQuery({
  name: 'provider.credentials.status',
  permission: 'admin.manage',
  input: z.strictObject({}),
  async run(ctx) {
    const credentials = ctx.services.credentials;
    const out: Record<string, { configured: boolean }> = {};
    for (const { which, credential } of CREDENTIAL_CHOICES)
      out[which] = {
        configured: credentials ? (await credentials.get(credential.account)) !== null : false,
      };
    return out;
  },
});

/** The currency whose balance proves a new API secret: the descriptor's, else the first it pays. */
function proofCurrency(which: Which): string {
  const e = entry(which);
  const currencies = providerDescriptor(e.provider)?.channels.currencies;
  const first = currencies === 'any' ? undefined : currencies?.[0];
  return e.credential.proofCurrency ?? first ?? 'USD';
}
