/**
 * Xendit's payout states in words (docs.xendit.co, Payouts v2 "Payout statuses"), with the
 * cash-pickup ones. See src/core/domain/providers/states.ts for what `attention` means.
 */
import type { ProviderStates } from '../../../platform/payments/descriptor.js';

export const xenditStates: ProviderStates = {
  table: {
    ACCEPTED: { words: 'accepted by Xendit and being sent to the bank or e-wallet' },
    REQUESTED: { words: 'sent to the bank or e-wallet; waiting for its answer' },
    PENDING_COMPLIANCE_ASSESSMENT: {
      words: 'held by Xendit for a compliance review; Xendit may ask for documents',
      attention: true,
    },
    COMPLIANCE_REJECTED: {
      words:
        "refused by Xendit's compliance review; nothing was paid: ask Xendit, then cancel or release it",
      attention: true,
    },
    READY: { words: 'cash pickup: ready for the affiliate to collect' },
    LOCKED: {
      words: 'cash pickup: locked for collection; waiting for the affiliate to collect it',
      attention: true,
    },
    EXPIRED: { words: 'cash pickup: expired uncollected; nothing was paid', attention: true },
    SUCCEEDED: { words: 'paid' },
    FAILED: { words: 'failed: nothing was paid' },
    CANCELLED: { words: 'cancelled before it was paid' },
    REVERSED: { words: 'paid, then returned by the bank: the amount is owed again' },
  },
  final: ['SUCCEEDED', 'FAILED', 'CANCELLED', 'REVERSED'],
  askAt: 'Xendit',
};
