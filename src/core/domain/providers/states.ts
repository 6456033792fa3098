/**
 * What a provider's own payout state means, in words a treasury operator reads, and whether a
 * person is needed. The normalised status (provider.ts) decides what the executor may do; this
 * decides what an operator is told — "LOCKED" alone says nothing to the people who must act on it.
 *
 * `attention`: the payout waits on something nobody at the provider will resolve by itself (a
 * compliance review that may need documents, a cash pickup nobody collects, a state we do not
 * know), so it belongs in the exception queue while it lasts. A state not listed is unknown to us:
 * it is kept, shown with its raw text, and always needs a person.
 */
import type { ProviderName } from '../../platform/payments/provider.js';

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

/**
 * Xendit Payouts v2 statuses (docs.xendit.co, Payouts v2 "Payout statuses"), with the cash-pickup
 * ones.
 */
const XENDIT: Table = {
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
};

/**
 * Rise payment states (Rise API, payments): `removed` is a cancel or a failure — Rise does not say
 * which.
 */
const RISE: Table = {
  intent: { words: 'created at Rise; waiting for the team to sign it' },
  scheduled: { words: 'signed and scheduled at Rise' },
  complete: { words: 'paid' },
  removed: {
    words: 'removed at Rise (cancelled or failed; Rise does not say which): nothing was paid',
  },
};

/** The project's own sandbox speaks Xendit's words. */
const TABLES: Record<ProviderName, Table> = { xendit: XENDIT, rise: RISE, sandbox: XENDIT };

export function stateMeaning(provider: ProviderName, raw: string): StateMeaning {
  const table = TABLES[provider];
  const entry = table[provider === 'rise' ? raw.toLowerCase() : raw];
  if (entry) return { raw, words: entry.words, attention: entry.attention === true, known: true };
  return {
    raw,
    words: `in a state this console does not know (${raw}): check it at ${provider === 'xendit' ? 'Xendit' : provider === 'rise' ? 'Rise' : 'the provider'}`,
    attention: true,
    known: false,
  };
}

/**
 * Raw states in which a payout normally waits at its provider: not final, nothing for a person to
 * do yet.
 */
export function waitingStates(): string[] {
  const out: string[] = [];
  for (const table of [XENDIT, RISE]) {
    for (const [raw, entry] of Object.entries(table))
      if (!entry.attention && !FINAL_WORDS.has(raw)) out.push(raw);
  }
  return out;
}
const FINAL_WORDS = new Set([
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'REVERSED',
  'complete',
  'removed',
]);

/**
 * Xendit's failure codes (Payouts v2 "failure codes"; the sandbox uses the same) in words, with
 * what to do.
 */
const FAILURES: Record<string, string> = {
  INSUFFICIENT_BALANCE: 'our balance at the provider was too low: top up, then retry',
  INVALID_DESTINATION:
    "the destination account does not exist or cannot receive payouts: correct the affiliate's destination, then retry",
  REJECTED_BY_CHANNEL:
    'the bank or e-wallet refused the payout: check the destination with the affiliate before retrying',
  DESTINATION_MAXIMUM_LIMIT:
    'more than the destination account may receive: ask the affiliate, or release it for a smaller payout',
  TRANSFER_ERROR:
    'the transfer failed at the bank: retry once; if it fails again, ask the provider',
  TEMPORARY_TRANSFER_ERROR: 'a temporary transfer problem at the bank: retry',
  UNKNOWN_BANK_NETWORK_ERROR: 'a bank network problem: retry',
  TEMPORARY_BANK_NETWORK_ERROR: 'a temporary bank network problem: retry',
  SWITCHING_NETWORK_ERROR: 'a problem in the interbank switching network: retry',
  SERVER_ERROR: "the provider's own error: retry",
  TEMPORARY_ERROR: 'a temporary error at the provider: retry',
};

export function failureMeaning(code: string | null): string {
  if (code === null) return 'failed without a reason given by the provider';
  return (
    FAILURES[code] ??
    `failed with the provider's code ${code}, which this console does not know: ask the provider before retrying`
  );
}

/**
 * A payout row as shown to people: its provider state's meaning beside the raw state (null when
 * nothing was heard from the provider yet).
 */
export function withStateMeaning<T extends { provider: unknown; provider_status: unknown }>(
  row: T,
): T & { provider_state_meaning: string | null } {
  return { ...row, provider_state_meaning: stateWords(row.provider, row.provider_status) };
}

/**
 * A stored row's provider state in words: null before any answer, or for a provider name we do not
 * know.
 */
export function stateWords(provider: unknown, raw: unknown): string | null {
  if (typeof raw !== 'string' || typeof provider !== 'string' || !(provider in TABLES)) return null;
  return stateMeaning(provider as ProviderName, raw).words;
}
