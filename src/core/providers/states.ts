/**
 * What a provider's own payout state means, in words a treasury operator reads, and whether a
 * person is needed. The normalised status (provider.ts) decides what the executor may do; this
 * decides what an operator is told — "LOCKED" alone says nothing to the people who must act on it.
 *
 * `attention`: the payout waits on something nobody at the provider will resolve by itself (a
 * compliance review that may need documents, a cash pickup nobody collects, a state we do not know),
 * so it belongs in the exception queue while it lasts. A state not listed is unknown to us: it is
 * kept, shown with its raw text, and always needs a person.
 */
import type { ProviderName } from './provider.js';

export interface StateMeaning {
  /** The provider's state as received. */
  raw: string;
  /** Plain words: what is happening and who acts next. */
  words: string;
  attention: boolean;
  /** False when this project does not know the state (a provider added it later). */
  known: boolean;
}

type Table = Record<string, { words: string; attention?: true }>;

/** Xendit Payouts v2 statuses (docs.xendit.co, Payouts v2 "Payout statuses"), with the cash-pickup ones. */
const XENDIT: Table = {
  ACCEPTED: { words: 'accepted by Xendit and being sent to the bank or e-wallet' },
  REQUESTED: { words: 'sent to the bank or e-wallet; waiting for its answer' },
  PENDING_COMPLIANCE_ASSESSMENT: { words: 'held by Xendit for a compliance review; Xendit may ask for documents', attention: true },
  COMPLIANCE_REJECTED: { words: "refused by Xendit's compliance review; nothing was paid: ask Xendit, then cancel or release it", attention: true },
  READY: { words: 'cash pickup: ready for the affiliate to collect' },
  LOCKED: { words: 'cash pickup: locked for collection; waiting for the affiliate to collect it', attention: true },
  EXPIRED: { words: 'cash pickup: expired uncollected; nothing was paid', attention: true },
  SUCCEEDED: { words: 'paid' },
  FAILED: { words: 'failed: nothing was paid' },
  CANCELLED: { words: 'cancelled before it was paid' },
  REVERSED: { words: 'paid, then returned by the bank: the amount is owed again' },
};

/** Rise payment states (Rise API, payments): `removed` is a cancel or a failure — Rise does not say which. */
const RISE: Table = {
  intent: { words: 'created at Rise; waiting for the team to sign it' },
  scheduled: { words: 'signed and scheduled at Rise' },
  complete: { words: 'paid' },
  removed: { words: 'removed at Rise (cancelled or failed; Rise does not say which): nothing was paid' },
};

/** The project's own sandbox speaks Xendit's words. */
const TABLES: Record<ProviderName, Table> = { xendit: XENDIT, rise: RISE, sandbox: XENDIT };

export function stateMeaning(provider: ProviderName, raw: string): StateMeaning {
  const table = TABLES[provider];
  const entry = table[provider === 'rise' ? raw.toLowerCase() : raw];
  if (entry) return { raw, words: entry.words, attention: entry.attention === true, known: true };
  return { raw, words: `in a state this console does not know (${raw}): check it at ${provider === 'xendit' ? 'Xendit' : provider === 'rise' ? 'Rise' : 'the provider'}`, attention: true, known: false };
}
