/**
 * One interface for every payment provider (Xendit, Rise, the sandbox). The executor only ever
 * talks to this interface, so the exactly-once rules live in one place (src/core/domain/execution)
 * and a provider client only has to translate faithfully — including saying "I don't know" when it
 * doesn't.
 *
 * Amounts are integer minor units (bigint) of `currency`; clients convert to and from the
 * provider's wire format exactly (never through a float).
 */

/**
 * The names are the providers' public vocabulary (src/core/shared/providers.ts): the literal type
 * this floor and the renderer need. The registry of descriptors (src/core/domain/providers/
 * registry.ts) is proven equal to it; each provider itself is described by a ProviderDescriptor
 * (descriptor.ts).
 */
export { PROVIDER_NAMES, type ProviderName } from '../../shared/providers.js';
import type { ProviderName } from '../../shared/providers.js';

/**
 * A provider payout's status, normalised. Providers' unknown values are kept as 'OTHER' with the
 * raw text beside it: treated as non-terminal, shown, never a crash.
 */
export type ProviderStatus =
  'ACCEPTED' | 'REQUESTED' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'REVERSED' | 'OTHER';

export const TERMINAL_PROVIDER_STATUSES: ReadonlySet<ProviderStatus> = new Set([
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'REVERSED',
]);

/** What we ask a provider to pay. Built once per attempt, persisted, then sent byte-for-byte. */
export interface PayoutRequest {
  /** Deterministic from (payout id, attempt number): the same attempt always sends the same key. */
  idempotencyKey: string;
  /** Our payout id: the same across attempts, so a lookup finds every attempt ever made. */
  reference: string;
  amountMinor: bigint;
  currency: string;
  channelCode: string;
  accountNumber: string;
  accountHolderName: string;
  description: string;
  metadata: Record<string, string>;
}

export interface ProviderPayout {
  /** The provider's own id (Xendit `disb-…`, Rise payment id, sandbox id). */
  providerId: string;
  reference: string;
  amountMinor: bigint;
  currency: string;
  status: ProviderStatus;
  /** The provider's status text as received (differs from `status` only for 'OTHER'). */
  rawStatus: string;
  failureCode: string | null;
  createdAt: string | null;
  updatedAt: string | null;
}

/**
 * The outcome of a create call. Only 'created' and 'rejected' are definite. 'unknown' (timeout,
 * network error, 5xx, unparseable answer) means the payout may or may not exist: the caller
 * resolves it by resending the same key and body, then by lookup — never by a new attempt.
 */
export type CreateOutcome =
  | { kind: 'created'; payout: ProviderPayout }
  /** The provider refused and created nothing (validation, limits, forbidden). */
  | { kind: 'rejected'; code: string; message: string }
  /** The idempotency key was already used: the payout exists (or existed) — look it up. */
  | { kind: 'duplicate'; message: string }
  | { kind: 'rate_limited'; retryAt: number }
  | { kind: 'unknown'; reason: string };

/** Limits of one channel in minor units of its currency, for the pre-flight check. */
export interface ChannelLimits {
  channelCode: string;
  currency: string;
  minimumMinor: bigint;
  maximumMinor: bigint | null;
  incrementMinor: bigint;
}

/** A provider call that could not give an answer (read calls: get, find, balance, list). */
export class ProviderError extends Error {
  constructor(
    readonly provider: ProviderName,
    /**
     * 'unavailable': timeout/network/5xx; 'rate_limited': 429; 'rejected': a 4xx with a code;
     * 'invalid_response': schema mismatch.
     */
    readonly reason: 'unavailable' | 'rate_limited' | 'rejected' | 'invalid_response',
    message: string,
    readonly code: string | null = null,
    /** For 'rate_limited': when to try again (epoch ms). */
    readonly retryAt: number | null = null,
  ) {
    super(`${provider}: ${message}`);
    this.name = 'ProviderError';
  }
}

export interface PayoutProvider {
  readonly name: ProviderName;
  /**
   * The exact body `create(request)` sends, when the client can say (it must be a pure function of
   * the request). The executor persists it before the first send and refuses to send anything else
   * under the same idempotency key.
   */
  wireBody?(request: PayoutRequest): string;
  create(request: PayoutRequest): Promise<CreateOutcome>;
  /** null when the provider does not know the id. */
  get(providerId: string): Promise<ProviderPayout | null>;
  /** Every payout the provider holds under our reference (all attempts), oldest first. */
  findByReference(reference: string): Promise<ProviderPayout[]>;
  /** Available balance in minor units of `currency`. */
  balance(currency: string): Promise<bigint>;
  /** Cancels if the provider still allows it; returns the payout as it is afterwards. */
  cancel(providerId: string): Promise<ProviderPayout>;
  /** Channel limits for the pre-flight check; null when the provider publishes none. */
  channelLimits(channelCode: string, currency: string): Promise<ChannelLimits | null>;
  /**
   * Every payout created in [from, to) as the provider records it, for reconciliation. `complete`
   * is false when the provider could not list everything (paging cut off, an error mid-way).
   */
  list(
    from: Date,
    to: Date,
  ): Promise<{ payouts: ProviderPayout[]; complete: boolean; problem?: string }>;
}

/** Idempotency key for attempt `attempt` of payout `payoutId`: deterministic, never a timestamp. */
export function idempotencyKey(payoutId: string, attempt: number): string {
  return `tc-${payoutId}-${attempt}`;
}

/** Each provider's client by name, built on first use (the registry's; a test may pass its own). */
export type ProviderResolver = (name: ProviderName) => Promise<PayoutProvider>;
