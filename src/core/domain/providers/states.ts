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
import type { StateWords } from '../../platform/payments/descriptor.js';
import { byProvider, PROVIDERS } from './registry.js';

export interface StateMeaning {
  /** The provider's state as received. */
  raw: string;
  /** Plain words: what is happening and who acts next. */
  words: string;
  attention: boolean;
  /** False when this project does not know the state (a provider added it later). */
  known: boolean;
}

/** Each provider's states (its descriptor's `states`: the tables live in the providers' folders). */
const STATES = byProvider((d) => d.states);

export function stateMeaning(provider: ProviderName, raw: string): StateMeaning {
  const states = STATES[provider];
  const entry: StateWords | undefined = states.table[states.key ? states.key(raw) : raw];
  if (entry) return { raw, words: entry.words, attention: entry.attention === true, known: true };
  return {
    raw,
    words: `in a state this console does not know (${raw}): check it at ${states.askAt}`,
    attention: true,
    known: false,
  };
}

/**
 * Raw states in which a payout normally waits at its provider: not final, nothing for a person to
 * do yet.
 */
export function waitingStates(): string[] {
  const out = new Set<string>();
  for (const { states } of PROVIDERS) {
    for (const [raw, entry] of Object.entries(states.table))
      if (!entry.attention && !states.final.includes(raw)) out.add(raw);
  }
  return [...out];
}

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
  if (typeof raw !== 'string' || typeof provider !== 'string' || !(provider in STATES)) return null;
  return stateMeaning(provider as ProviderName, raw).words;
}
