/**
 * What a round's sending came to: the values send.ts hands to commit.ts. Apart from both, so that
 * the round's two halves do not import each other (send.ts writes a live payout's adoption through
 * commit.ts).
 */
import type { StatusUpdate } from '../payouts/status.js';

/** What sending an unresolved attempt came to. */
export type Resolution =
  | { kind: 'status'; update: StatusUpdate }
  | { kind: 'rejected'; payoutId: string; attempt: number; code: string; message: string }
  | { kind: 'still_unknown'; payoutId: string; attempt: number; error: string };

export interface Sent {
  /** What each unresolved attempt came to. */
  outcomes: Resolution[];
  /** Final news, and a waiting payout's new provider state (LOCKED, a compliance review) to show. */
  news: StatusUpdate[];
  /** Polled payouts still with the provider: their lookup back-off moves on. */
  waiting: { payoutId: string; attempt: number }[];
}
