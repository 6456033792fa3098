/**
 * Rise (RiseWorks B2B API v2): USD payouts signed with the treasury's wallet.
 *
 * The folder, by concern: client.ts (the PayoutProvider: payments.ts, create.ts), http.ts (calls
 * with deadlines), wire.ts (schemas, payments ↔ payouts, exact cents), auth.ts (SIWE sign-in),
 * signing.ts and typed-data.ts (the wallet, EIP-712), webhook.ts (signature, events), channels.ts,
 * states.ts, demo.ts, credentials.ts. This file is its one descriptor.
 */
import { z } from 'zod';
import type { ProviderDescriptor } from '../../../platform/payments/descriptor.js';
import { PROVIDER_LABELS } from '../../../shared/providers.js';
import { TreasuryError } from '../../../shared/errors.js';
import { riseChannels } from './channels.js';
import { riseCredentials } from './credentials.js';
import { riseDemo } from './demo.js';
import { riseStates } from './states.js';
import { riseWebhook } from './webhook.js';

const settingsSchema = z.strictObject({
  baseUrl: z
    .string()
    .url('must be a web address, such as https://b2b-api.dev-riseworks.io')
    .optional()
    .meta({
      title: 'API address',
      description: "Empty: Rise's documented host. TREASURY_RISE_URL overrides it.",
    }),
  riseId: z.string().trim().min(1, 'must not be empty: leave it out instead').optional().meta({
    title: 'Rise ID',
    description: "Your company's Rise id. TREASURY_RISE_ID overrides it.",
  }),
  teamId: z.string().trim().min(1, 'must not be empty: leave it out instead').optional().meta({
    title: 'Team ID',
    description: 'The Rise team that pays. TREASURY_RISE_TEAM overrides it.',
  }),
});

export const rise: ProviderDescriptor<'rise', typeof settingsSchema> = {
  name: 'rise',
  label: PROVIDER_LABELS.rise,
  settingsSchema,
  credentials: riseCredentials,
  channels: riseChannels,
  states: riseStates,
  cashAccount: { code: '1102', name: 'Cash at provider: rise' },
  webhook: riseWebhook,
  demo: riseDemo,
  async build({ settings, credentials }) {
    // Rise's team and Rise id from TREASURY_RISE_TEAM / TREASURY_RISE_ID, else the setting.
    const riseId = process.env.TREASURY_RISE_ID ?? settings?.riseId;
    const teamId = process.env.TREASURY_RISE_TEAM ?? settings?.teamId;
    if (!riseId || !teamId) {
      throw new TreasuryError(
        'PROVIDER_NOT_CONFIGURED',
        'Rise needs a team id and a Rise id: set them with `treasury settings set providers FILE.json` or TREASURY_RISE_TEAM / TREASURY_RISE_ID',
      );
    }
    const { riseFromCredentials } = await import('./client.js');
    return riseFromCredentials(credentials, {
      baseUrl: process.env.TREASURY_RISE_URL ?? settings?.baseUrl,
      riseId,
      teamId,
    });
  },
};
