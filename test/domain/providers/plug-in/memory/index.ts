/**
 * A minimal provider folder, plugged in by test/domain/providers/plug-in/plug-in.test.ts: its one
 * descriptor, with an in-memory client (client.ts).
 *
 * It answers to the sandbox's name. Provider names are a closed vocabulary — a literal type the
 * router's schemas are built from (src/core/shared/providers.ts) and a CHECK in the central store —
 * so a test provider takes a name through the descriptor like any provider, and the test relaxes
 * neither: the vocabulary's name brings the vocabulary's label and secrets (none).
 */
import { z } from 'zod';
import type { ProviderDescriptor } from '../../../../../src/core/platform/payments/descriptor.js';
import { PROVIDER_LABELS } from '../../../../../src/core/shared/providers.js';

const settingsSchema = z.strictObject({});

export const memory: ProviderDescriptor<'sandbox', typeof settingsSchema> = {
  name: 'sandbox',
  label: PROVIDER_LABELS.sandbox,
  settingsSchema,
  credentials: {},
  channels: {
    currencies: 'any',
    splitAllowed: false,
    limits: (channelCode, currency) => ({
      channelCode,
      currency,
      minimumMinor: 1n,
      maximumMinor: null,
      incrementMinor: 1n,
    }),
  },
  states: {
    table: { SUCCEEDED: { words: 'paid (in memory)' } },
    final: ['SUCCEEDED'],
    askAt: 'the memory provider',
  },
  cashAccount: { code: '1199', name: 'Cash at provider: memory' },
  async build({ db }) {
    const { createMemoryProvider } = await import('./client.js');
    return createMemoryProvider('sandbox', db);
  },
};
