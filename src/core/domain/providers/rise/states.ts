/**
 * Rise's payment states in words (Rise API, payments): `removed` is a cancel or a failure — Rise
 * does not say which. Rise may send any case: states are read in lower case.
 */
import type { ProviderStates } from '../../../platform/payments/descriptor.js';

export const riseStates: ProviderStates = {
  table: {
    intent: { words: 'created at Rise; waiting for the team to sign it' },
    scheduled: { words: 'signed and scheduled at Rise' },
    complete: { words: 'paid' },
    removed: {
      words: 'removed at Rise (cancelled or failed; Rise does not say which): nothing was paid',
    },
  },
  final: ['complete', 'removed'],
  key: (raw) => raw.toLowerCase(),
  askAt: 'Rise',
};
