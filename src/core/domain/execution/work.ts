/**
 * What a round reads (rounds.ts): the batch's payouts counted by status, and the work at hand in
 * bounded lists. Only counts and the work at hand are read each round, never the whole batch (O(n)
 * per round would make a large batch quadratic).
 */
import { sql } from 'drizzle-orm';
import { pgArray } from '../../platform/central/arrays.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import type { ProviderName } from '../../platform/payments/provider.js';
import { LOOKUP_DUE } from '../payouts/lookups.js';
import { MAX_AUTO_RETRIES } from './backoff.js';
import { RETRYABLE_CODES } from './failures.js';
import type { ExecuteResult } from './types.js';

export interface PayoutRow {
  id: string;
  affiliate_id: string;
  amount_minor: string;
  currency: string;
  provider: ProviderName;
  channel_code: string;
  account_number: string;
  account_holder_name: string;
  status: string;
  attempt: number;
  provider_payout_id: string | null;
  provider_status: string | null;
  failure_code: string | null;
  auto_retries: number;
  next_attempt_at: Date | string | null;
  request_body: string | null;
}

/** The work of one round, each list bounded (see loadWork). */
export interface Work {
  /** Attempts committed but not resolved: sent (or resent with the same key and body) this round. */
  unknown: PayoutRow[];
  /** PENDING payouts whose next attempt is due: prepared this round, sent the next. */
  due: PayoutRow[];
  /** With the provider, not final, due a poll. */
  accepted: PayoutRow[];
  /** FAILED with a transient code and retries left: an automatic new attempt is scheduled. */
  retryable: PayoutRow[];
}

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** What one round read. */
export class Round {
  readonly total: number;
  constructor(
    readonly counts: Record<string, number>,
    readonly work: Work,
    /** Where the next round's polls start (after the last payout polled now, or from the start). */
    readonly nextPollAfter: string,
  ) {
    this.total = Object.values(counts).reduce((a, b) => a + b, 0);
  }

  count(status: string): number {
    return this.counts[status] ?? 0;
  }

  /** Payouts still to send or to resolve: the round is `sending`, else `waiting`. */
  get toSend(): number {
    return this.count('PENDING') + this.count('UNKNOWN') + this.work.retryable.length;
  }

  /** Payouts not settled yet (and failures about to be retried): 0 when the batch is done. */
  get open(): number {
    return this.toSend + this.count('ACCEPTED');
  }

  /** The payouts by status, as the result and the batch's final audit entry show them. */
  summary(): ExecuteResult['payouts'] {
    return {
      total: this.total,
      succeeded: this.count('SUCCEEDED'),
      failed: this.count('FAILED'),
      cancelled: this.count('CANCELLED'),
      reversed: this.count('REVERSED'),
      pending: this.count('PENDING'),
      unknown: this.count('UNKNOWN'),
      accepted: this.count('ACCEPTED'),
    };
  }
}

const PAYOUT_COLUMNS = sql`p.id, p.affiliate_id, p.amount_minor::text AS amount_minor, p.currency, p.provider, p.channel_code, p.account_number,
  p.account_holder_name, p.status, p.attempt, p.provider_payout_id, p.provider_status, p.failure_code, p.auto_retries, p.next_attempt_at, a.request_body`;

export async function statusCounts(
  db: CentralTx,
  batchId: string,
): Promise<Record<string, number>> {
  const list = await rows<{ status: string; n: number }>(
    db,
    sql`SELECT status, count(*)::int AS n FROM payouts WHERE batch_id = ${batchId}::uuid GROUP BY status`,
  );
  return Object.fromEntries(list.map((r) => [r.status, Number(r.n)]));
}

/**
 * The work of one round, each list bounded: unresolved attempts, due new attempts, payouts to poll,
 * automatic retries. No ORDER BY where any bounded subset will do (each round changes them all);
 * payouts to poll are taken in id order after a cursor that wraps around, so a batch with more
 * payouts at the provider than one round polls is polled fairly, none starved.
 */
export async function loadWork(
  db: CentralTx,
  batchId: string,
  limit: number,
  pollAfter: string = NIL_UUID,
): Promise<Work> {
  const list = await rows<PayoutRow & { kind: keyof Work }>(
    db,
    sql`(SELECT 'unknown' AS kind, ${PAYOUT_COLUMNS} FROM payouts p LEFT JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt
          WHERE p.batch_id = ${batchId}::uuid AND p.status = 'UNKNOWN' LIMIT ${limit})
        UNION ALL
        (SELECT 'due', ${PAYOUT_COLUMNS} FROM payouts p LEFT JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt
          WHERE p.batch_id = ${batchId}::uuid AND p.status = 'PENDING' AND (p.next_attempt_at IS NULL OR p.next_attempt_at <= clock_timestamp()) LIMIT ${limit})
        UNION ALL
        (SELECT 'accepted', ${PAYOUT_COLUMNS} FROM payouts p LEFT JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt
          WHERE p.batch_id = ${batchId}::uuid AND p.status = 'ACCEPTED' AND ${LOOKUP_DUE} AND p.id > ${pollAfter}::uuid ORDER BY p.id LIMIT ${limit * 2})
        UNION ALL
        (SELECT 'retryable', ${PAYOUT_COLUMNS} FROM payouts p LEFT JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt
          WHERE p.batch_id = ${batchId}::uuid AND p.status = 'FAILED' AND p.auto_retries < ${MAX_AUTO_RETRIES}
            AND p.failure_code = ANY(${pgArray(RETRYABLE_CODES)}::text[]) LIMIT ${limit})`,
  );
  const of = (k: keyof Work) => list.filter((p) => p.kind === k);
  return {
    unknown: of('unknown'),
    due: of('due'),
    accepted: of('accepted'),
    retryable: of('retryable'),
  };
}
