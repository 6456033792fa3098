/**
 * Xendit Payouts v2: IDR, PHP, VND, THB and MYR to banks and e-wallets.
 *
 * The folder, by concern: client.ts (the PayoutProvider over HTTP: http.ts, lookup.ts,
 * listing.ts, rate-limit.ts), wire.ts and money.ts (the wire format, exact amounts), auth.ts (the
 * secret key's header and redaction), webhook.ts (callback token, events), channels.ts, states.ts,
 * demo.ts, credentials.ts. This file is its one descriptor.
 */
import { z } from 'zod';
import type { ProviderDescriptor } from '../../../platform/payments/descriptor.js';
import { PROVIDER_LABELS } from '../../../shared/providers.js';
import { xenditChannels } from './channels.js';
import { xenditCredentials } from './credentials.js';
import { xenditDemo } from './demo.js';
import { xenditStates } from './states.js';
import { xenditWebhook } from './webhook.js';

const settingsSchema = z.strictObject({
  baseUrl: z.string().url('must be a web address, such as https://api.xendit.co').optional().meta({
    title: 'API address',
    description: "Empty: Xendit's live API. TREASURY_XENDIT_URL overrides it.",
  }),
});

export const xendit: ProviderDescriptor<'xendit', typeof settingsSchema> = {
  name: 'xendit',
  label: PROVIDER_LABELS.xendit,
  settingsSchema,
  credentials: xenditCredentials,
  channels: xenditChannels,
  states: xenditStates,
  cashAccount: { code: '1101', name: 'Cash at provider: xendit' },
  webhook: xenditWebhook,
  demo: xenditDemo,
  async build({ settings, credentials }) {
    // The base URL from TREASURY_XENDIT_URL, else the setting, else the live API.
    const { xenditFromCredentials } = await import('./client.js');
    return xenditFromCredentials(credentials, process.env.TREASURY_XENDIT_URL ?? settings?.baseUrl);
  },
};
