/**
 * The sandbox: an in-process provider for demos and training, deterministic from its seed, needing
 * no secret; its books are the central store's `sandbox_payouts` (ledger.ts), so what one process
 * paid is there for the next one's poll and reconciliation. client.ts is the PayoutProvider. This
 * file is its one descriptor.
 */
import { z } from 'zod';
import type { ProviderDescriptor } from '../../../platform/payments/descriptor.js';
import { PROVIDER_LABELS } from '../../../shared/providers.js';
import { xenditStates } from '../xendit/states.js';

/** A share of payouts, said so when it is not one (an operator types it in Settings). */
const share = (what: string) => {
  const words = `the ${what} is a share of payouts between 0 and 1 (0.05 is 5%)`;
  return z.number({ error: words }).min(0, words).max(1, words);
};

const settingsSchema = z.strictObject({
  seed: z
    .number({ error: 'must be a whole number, 0 or more' })
    .int('must be a whole number, 0 or more')
    .min(0, 'must be a whole number, 0 or more')
    .optional()
    .meta({
      title: 'Seed',
      description: 'The same seed gives the same outcomes for the same payouts.',
    }),
  failureRate: share('failure rate').optional().meta({
    title: 'Failure rate',
    description: 'Share of payouts that fail when they settle, 0 to 1 (0.05 is 5%).',
  }),
  unknownRate: share('unknown rate').optional().meta({
    title: 'Unknown rate',
    description:
      'Share of sends answered "unknown" although the payout was made (to exercise recovery), 0 to 1.',
  }),
});

export const sandbox: ProviderDescriptor<'sandbox', typeof settingsSchema> = {
  name: 'sandbox',
  label: PROVIDER_LABELS.sandbox,
  settingsSchema,
  credentials: {},
  channels: {
    currencies: 'any',
    splitAllowed: true,
    limits: (channelCode, currency) => ({
      channelCode,
      currency,
      minimumMinor: 1n,
      maximumMinor: null,
      incrementMinor: 1n,
    }),
  },
  // The project's own sandbox speaks Xendit's words (its statuses and failure codes are Xendit's).
  states: { ...xenditStates, askAt: 'the provider' },
  cashAccount: { code: '1103', name: 'Cash at provider: sandbox' },
  // A share of every market is paid through the sandbox: a demo executes with no credentials.
  demo: { shareOfEveryMarket: 0.1 },
  async build({ settings, db }) {
    const [{ createSandboxProvider }, { centralSandboxLedger }] = await Promise.all([
      import('./client.js'),
      import('./ledger.js'),
    ]);
    return createSandboxProvider({
      seed: settings?.seed ?? 1,
      failureRate: settings?.failureRate ?? 0.05,
      unknownRate: settings?.unknownRate ?? 0,
      ledger: centralSandboxLedger(db),
    });
  },
};
