/**
 * Exactly-once execution of an approved batch.
 *
 * The rules (why each exists):
 * 1. One executor per batch: a lease with a fencing token (lease.ts). A crashed executor's lease
 *    expires and another run takes over; a stale executor's writes are refused.
 * 2. Before anything is sent: the content hash must still be the one the approvals were given for
 *    (else the approvals are voided and nothing is sent), and the pre-flight must pass (provider
 *    balance covers what is left to send, each amount within its channel's limits and increment).
 * 3. Per payout, the attempt (idempotency key from payout id + attempt number, and the exact
 * request
 *    body) is committed BEFORE the provider is called. Waves of attempts share one commit, so the
 *    durable writes per payout stay far below one.
 * 4. A timeout, network error or 5xx leaves the payout UNKNOWN. It is resolved by resending the
 *    same key and identical body (the provider returns the payout it already made), then by looking
 *    up our reference. A new attempt (new key) only follows a provider-confirmed terminal failure,
 *    and only after a lookup shows nothing live under our reference.
 * 5. Killing the process at any instant loses nothing: whatever was committed says what may have
 *    been sent, and the next run resumes from there with the same keys.
 */
import { pgArray } from '../../platform/central/arrays.js';
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { compactReportAggregates } from '../reports/aggregates.js';
import {
  appendAudit,
  canonicalJson,
  type AuditContext,
  type AuditEntry,
} from '../../platform/kernel/audit-chain.js';
import { computeContentHash, loadBatch, type BatchRow } from '../batches/content.js';
import { moveBatch, voidStaleApprovals } from '../batches/lifecycle.js';
import { transition } from '../../shared/batch-state.js';
import { centralNow } from '../../platform/central/clock.js';
import { rows, type CentralStore, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError, type Problem } from '../../shared/errors.js';
import { formatAmount } from '../../shared/money/index.js';
import { LOOKUP_DUE, noteStillWaiting } from '../payouts/lookups.js';
import { applyStatusUpdates, type StatusUpdate } from '../payouts/status.js';
import { channelProblem } from '../providers/channels.js';
import {
  idempotencyKey,
  ProviderError,
  TERMINAL_PROVIDER_STATUSES,
  type CreateOutcome,
  type PayoutProvider,
  type PayoutRequest,
  type ProviderName,
  type ProviderPayout,
} from '../../platform/payments/provider.js';
import { backoffDelay, MAX_AUTO_RETRIES, RETRY_BACKOFF, SEND_BACKOFF, sleep } from './backoff.js';
import { RETRYABLE_CODES } from './failures.js';
import { acquireLease, assertLease, releaseLease, renewLease, type Lease } from './lease.js';
import { mapLimit, RateGate } from './pool.js';

export type ProviderResolver = (name: ProviderName) => Promise<PayoutProvider>;

export interface ExecuteOptions {
  store: CentralStore;
  providers: ProviderResolver;
  audit: Omit<AuditContext, 'decision' | 'at'>;
  /** Who holds the lease: workstation, process, run. */
  owner?: string;
  leaseTtlMs?: number;
  concurrency?: number;
  waveSize?: number;
  /** Stop waiting for non-final payouts after this long (the batch stays EXECUTING; run again). */
  waitMs?: number;
  pollIntervalMs?: number;
  onProgress?: (p: ExecuteProgress) => void;
  random?: () => number;
}

/**
 * What an operator watches. `done` never goes down within a run (an automatic retry puts a failed
 * payout back to PENDING: it is counted in `retrying`, not taken off the bar). Phases: sending
 * (some payouts still to send or to resolve), waiting (everything sent; the provider has not
 * settled all), done (settled, or this run stopped waiting: see the result).
 */
export interface ExecuteProgress {
  phase: 'preflight' | 'sending' | 'waiting' | 'done';
  done: number;
  total: number;
  failed: number;
  unknown: number;
  /** With the provider, not final. */
  waiting: number;
  /** Failed with a transient code, queued for an automatic new attempt. */
  retrying: number;
}

export interface ExecuteResult {
  batchId: string;
  number: string;
  status: string;
  payouts: {
    total: number;
    succeeded: number;
    failed: number;
    cancelled: number;
    reversed: number;
    pending: number;
    unknown: number;
    accepted: number;
  };
  /** Durable commits this run made, and per payout sent. */
  commits: number;
  commitsPerPayout: string;
  providerCalls: number;
  elapsedMs: number;
  /**
   * Durable writes, provider calls (creates, resends, lookups and polls of a round overlap) and
   * reads, in ms.
   */
  timing: { writeMs: number; providerMs: number; readMs: number };
  takenOverFrom: string | null;
}

interface PayoutRow {
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

const DEFAULT_TTL = Number(process.env.TREASURY_LEASE_TTL_MS ?? 30_000);

export function buildRequest(
  p: Pick<
    PayoutRow,
    'id' | 'amount_minor' | 'currency' | 'channel_code' | 'account_number' | 'account_holder_name'
  >,
  attempt: number,
  batchNumber: string,
): PayoutRequest {
  return {
    idempotencyKey: idempotencyKey(p.id, attempt),
    reference: p.id,
    amountMinor: BigInt(p.amount_minor),
    currency: p.currency.trim(),
    channelCode: p.channel_code,
    accountNumber: p.account_number,
    accountHolderName: p.account_holder_name,
    description: `Affiliate commission payout ${batchNumber}`,
    metadata: { batch: batchNumber, payout: p.id, attempt: String(attempt) },
  };
}

/**
 * The exact body persisted before sending: the provider's wire body when it can say, else our
 * canonical request.
 */
export function requestBody(provider: PayoutProvider, request: PayoutRequest): string {
  return provider.wireBody ? provider.wireBody(request) : canonicalJson(request);
}

export async function executeBatch(ref: string, options: ExecuteOptions): Promise<ExecuteResult> {
  const started = Date.now();
  const ttl = options.leaseTtlMs ?? DEFAULT_TTL;
  const owner =
    options.owner ??
    `${options.audit.workstationId ?? 'workstation'}/pid-${process.pid}/${randomUUID().slice(0, 8)}`;
  const concurrency = options.concurrency ?? 16;
  const waveSize = options.waveSize ?? 500;
  const waitMs = options.waitMs ?? 120_000;
  const pollMs = options.pollIntervalMs ?? 200;
  const random = options.random ?? Math.random;
  const db = options.store.db;
  const gate = new RateGate();
  const providerCache = new Map<ProviderName, Promise<PayoutProvider>>();
  const provider = (name: ProviderName) => {
    let p = providerCache.get(name);
    if (!p) providerCache.set(name, (p = options.providers(name)));
    return p;
  };
  let commits = 0;
  let providerCalls = 0;
  /** Where the time went (ms): durable writes, provider calls (wall, overlapping), reads. */
  const timing = { writeMs: 0, providerMs: 0, readMs: 0 };
  /**
   * Create calls per payout since the last record (written with the outcomes, not one write per
   * send).
   */
  const sends = new Map<string, number>();
  let sent = 0;

  /**
   * One executor write: fenced by the lease, audited in the same transaction. `now` is the central
   * clock's (central/clock.ts): settlement times, retry times and audit times must not follow the
   * executing workstation's clock.
   */
  const write = async <T>(
    lease: Lease | null,
    number: string,
    fn: (tx: CentralTx, audit: (e: AuditEntry) => void, now: Date) => Promise<T>,
  ): Promise<T> => {
    const t0 = performance.now();
    const result = await db.transaction(async (tx) => {
      if (lease) await assertLease(tx, lease, number);
      const now = await centralNow(tx);
      const entries: AuditEntry[] = [];
      const r = await fn(tx, (e) => void entries.push(e), now);
      if (entries.length > 0)
        await appendAudit(tx, { ...options.audit, decision: 'allowed', at: now }, entries);
      return r;
    });
    commits++;
    timing.writeMs += performance.now() - t0;
    return result;
  };

  // --- 1. Start: check state, approvals and content; pre-flight; take the lease. -----------------
  const first = await loadBatch(db, ref);
  if (first.status !== 'APPROVED' && first.status !== 'EXECUTING')
    transition(first.number, first.status, 'execute');
  if (first.status === 'APPROVED') {
    const problem = await approvalProblem(db, first);
    if (problem) {
      await write(null, first.number, async (tx, audit, now) => {
        const batch = await loadBatch(tx, first.id, { forUpdate: true });
        if (batch.status !== 'APPROVED') return;
        const hash = await computeContentHash(tx, batch);
        const voided = await voidStaleApprovals(tx, batch.id, hash, now, problem);
        await tx.execute(
          sql`UPDATE payout_batches SET content_hash = ${hash} WHERE id = ${batch.id}::uuid`,
        );
        await moveBatch({ tx, audit, now }, batch, 'invalidate', {
          reason: problem,
          approvalsVoided: voided,
        });
      });
      throw new TreasuryError(
        'APPROVAL_VOID',
        `batch ${first.number} was not executed: ${problem}. Its approvals are void; it is SUBMITTED again and needs fresh approval`,
      );
    }
  }
  options.onProgress?.({
    phase: 'preflight',
    done: 0,
    total: 0,
    failed: 0,
    unknown: 0,
    waiting: 0,
    retrying: 0,
  });
  await preflight(db, first, provider);

  const lease = await write(null, first.number, async (tx, audit, now) => {
    const batch = await loadBatch(tx, first.id, { forUpdate: true });
    if (batch.status !== 'APPROVED' && batch.status !== 'EXECUTING')
      transition(batch.number, batch.status, 'execute');
    const l = await acquireLease(tx, batch.id, owner, ttl);
    if (batch.status === 'APPROVED') {
      await tx.execute(
        sql`UPDATE payout_batches SET execution_started_at = now() WHERE id = ${batch.id}::uuid`,
      );
      await moveBatch({ tx, audit, now }, batch, 'execute', {
        leaseOwner: owner,
        leaseToken: l.token.toString(),
      });
    } else {
      audit({
        action: l.takenOverFrom ? 'batch.lease_takeover' : 'batch.resume',
        entityType: 'payout_batch',
        entityId: batch.id,
        after: {
          leaseOwner: owner,
          leaseToken: l.token.toString(),
          takenOverFrom: l.takenOverFrom,
        },
      });
    }
    return l;
  });

  let lost: Error | null = null;
  const heartbeat = setInterval(
    () => {
      renewLease(db, lease, ttl).then(
        (ok) => {
          if (!ok)
            lost ??= new TreasuryError(
              'LEASE_HELD',
              `lost the execution lease on batch ${first.number}: another executor took over`,
            );
        },
        () => {
          /* a missed heartbeat is not a lost lease; the fence decides at the next write */
        },
      );
    },
    Math.max(50, Math.floor(ttl / 3)),
  );
  heartbeat.unref?.();

  try {
    const deadline = Date.now() + waitMs;
    let pollCursor = NIL_UUID;
    let shownDone = 0;
    for (;;) {
      if (lost) throw lost;
      // Only counts and the work at hand are read each round: never the whole batch (O(n) per round
      // would make a large batch quadratic).
      const tRead = performance.now();
      const counts = await statusCounts(db, first.id);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const count = (s: string) => counts[s] ?? 0;
      const { unknown, due, accepted, retryable } = await loadWork(
        db,
        first.id,
        waveSize,
        pollCursor,
      );
      const report = (phase: ExecuteProgress['phase']) => {
        shownDone = Math.max(
          shownDone,
          total - count('PENDING') - count('UNKNOWN') - count('ACCEPTED'),
        );
        options.onProgress?.({
          phase,
          total,
          done: shownDone,
          failed: count('FAILED'),
          unknown: count('UNKNOWN'),
          waiting: count('ACCEPTED'),
          retrying: retryable.length + due.filter((p) => Number(p.attempt) > 0).length,
        });
      };
      report(count('PENDING') + count('UNKNOWN') + retryable.length > 0 ? 'sending' : 'waiting');

      pollCursor = accepted.length === waveSize * 2 ? accepted.at(-1)!.id : NIL_UUID;
      timing.readMs += performance.now() - tRead;
      const open = count('PENDING') + count('UNKNOWN') + count('ACCEPTED') + retryable.length;
      if (open === 0) {
        const status = await write(lease, first.number, async (tx, audit, now) => {
          const batch = await loadBatch(tx, first.id, { forUpdate: true });
          const action =
            count('SUCCEEDED') + count('REVERSED') === total - count('CANCELLED') &&
            count('FAILED') === 0
              ? 'complete'
              : count('SUCCEEDED') + count('REVERSED') === 0
                ? 'fail'
                : 'complete_with_failures';
          await tx.execute(
            sql`UPDATE payout_batches SET completed_at = now() WHERE id = ${batch.id}::uuid`,
          );
          const s = await moveBatch({ tx, audit, now }, batch, action, {
            payouts: summarise(counts),
          });
          await compactReportAggregates(tx); // every wave appended report deltas (reports/aggregates.ts)
          await releaseLease(tx, lease);
          return s;
        });
        report('done');
        return result(first, status, counts, lease.takenOverFrom);
      }
      if (Date.now() > deadline) {
        await db.transaction((tx) => releaseLease(tx, lease));
        report('done');
        return result(first, 'EXECUTING', counts, lease.takenOverFrom);
      }

      // One round: (a) the provider calls, concurrently — every unresolved attempt is sent (its
      // first send, or a resend with the same key and body, then a lookup) and payouts with the
      // provider are polled; (b) retries are checked against the provider; (c) ONE commit records
      // every outcome, schedules automatic retries and prepares the next wave of attempts, which
      // the next round sends.
      const tHttp = performance.now();
      const [resolutions, polled] = await Promise.all([
        mapLimit(unknown, concurrency, (p) => resolveUnknown(p)),
        mapLimit(accepted, concurrency, async (p) => {
          try {
            const got = await call(() =>
              provider(p.provider).then((pr) => pr.get(p.provider_payout_id!)),
            );
            return got ? toUpdate(p.id, Number(p.attempt), got, 'poll') : null;
          } catch {
            return null; // unreachable now; the next round polls again
          }
        }),
      ]);
      timing.providerMs += performance.now() - tHttp;
      if (lost) throw lost;
      const outcomes = resolutions.filter((u): u is Resolution => u !== null);
      const answers = polled.filter((u): u is StatusUpdate => u !== null);
      // Final news, and a waiting payout's new provider state (LOCKED, a compliance review) to
      // show.
      const recorded = new Map(accepted.map((p) => [p.id, p.provider_status]));
      const news = answers.filter(
        (u) => TERMINAL_PROVIDER_STATUSES.has(u.status) || u.rawStatus !== recorded.get(u.payoutId),
      );
      const waiting = answers
        .filter((u) => !TERMINAL_PROVIDER_STATUSES.has(u.status))
        .map((u) => ({ payoutId: u.payoutId, attempt: u.attempt }));
      const ready = due.length > 0 ? await guardNewAttempts(due) : [];
      const progressed =
        outcomes.some((r) => r.kind !== 'still_unknown') ||
        news.length > 0 ||
        retryable.length > 0 ||
        ready.length > 0;
      if (
        outcomes.length > 0 ||
        news.length > 0 ||
        waiting.length > 0 ||
        retryable.length > 0 ||
        ready.length > 0
      ) {
        await write(lease, first.number, async (tx, audit, now) => {
          if (outcomes.length > 0) await recordIn(tx, audit, outcomes, now);
          if (news.length > 0) await applyStatusUpdates(tx, news, now, audit);
          await noteStillWaiting(tx, waiting, now);
          if (retryable.length > 0) {
            // Automatic new attempts for transient failures, after a backoff with jitter (due by
            // the central clock, which is what loadWork compares next_attempt_at with).
            const plan = retryable.map((p) => ({
              id: p.id,
              at: new Date(
                now.getTime() + backoffDelay(RETRY_BACKOFF, Number(p.auto_retries), random),
              ).toISOString(),
            }));
            await tx.execute(sql`UPDATE payouts p SET status = 'PENDING', auto_retries = p.auto_retries + 1, next_attempt_at = u.at, updated_at = now()
              FROM json_to_recordset(${JSON.stringify(plan)}::json) AS u(id uuid, at timestamptz) WHERE p.id = u.id AND p.status = 'FAILED'`);
            for (const p of retryable)
              audit({
                action: 'payout.auto_retry',
                entityType: 'payout',
                entityId: p.id,
                before: { status: 'FAILED', failureCode: p.failure_code },
                after: { status: 'PENDING', autoRetry: Number(p.auto_retries) + 1 },
              });
          }
          if (ready.length > 0) {
            // The attempt — key and exact body — is committed here; it is sent only in the next
            // round.
            const prepared: {
              p: PayoutRow;
              attempt: number;
              request: PayoutRequest;
              body: string;
            }[] = [];
            for (const p of ready) {
              const attempt = Number(p.attempt) + 1;
              const request = buildRequest(p, attempt, first.number);
              prepared.push({
                p,
                attempt,
                request,
                body: requestBody(await provider(p.provider), request),
              });
            }
            await tx.execute(sql`
              INSERT INTO payout_attempts (payout_id, attempt, provider, idempotency_key, request_body, lease_token)
              SELECT a.payout_id, a.attempt, a.provider, a.key, a.body, ${lease.token.toString()}::bigint
              FROM json_to_recordset(${JSON.stringify(prepared.map((x) => ({ payout_id: x.p.id, attempt: x.attempt, provider: x.p.provider, key: x.request.idempotencyKey, body: x.body })))}::json)
                   AS a(payout_id uuid, attempt int, provider text, key text, body text)`);
            await tx.execute(sql`UPDATE payouts p SET status = 'UNKNOWN', attempt = a.attempt, next_attempt_at = NULL, updated_at = now()
              FROM json_to_recordset(${JSON.stringify(prepared.map((x) => ({ id: x.p.id, attempt: x.attempt })))}::json) AS a(id uuid, attempt int)
              WHERE p.id = a.id AND p.status = 'PENDING'`);
            for (const x of prepared)
              audit({
                action: 'payout.attempt',
                entityType: 'payout',
                entityId: x.p.id,
                before: { status: 'PENDING' },
                after: {
                  status: 'UNKNOWN',
                  attempt: x.attempt,
                  idempotencyKey: x.request.idempotencyKey,
                  bodySha256: sha256(x.body),
                },
              });
            sent += prepared.length;
          }
        });
      }
      if (!progressed) {
        await sleep(pollMs);
      }
    }
  } finally {
    clearInterval(heartbeat);
  }

  // --- helpers (closures over the run's state)
  //   ----------------------------------------------------

  type Resolution =
    | { kind: 'status'; update: StatusUpdate }
    | { kind: 'rejected'; payoutId: string; attempt: number; code: string; message: string }
    | { kind: 'still_unknown'; payoutId: string; attempt: number; error: string };

  async function call<T>(fn: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      await gate.wait();
      providerCalls++;
      try {
        return await fn();
      } catch (error) {
        if (error instanceof ProviderError && error.reason === 'rate_limited' && i < 5) {
          gate.pause(error.retryAt ?? Date.now() + 1000);
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * Sends attempt `attempt`: resends the identical request on unknown/5xx, honours 429, then looks
   * up.
   */
  async function send(
    p: PayoutRow,
    attempt: number,
    request: PayoutRequest,
    body: string,
  ): Promise<Resolution> {
    const pr = await provider(p.provider);
    if (requestBody(pr, request) !== body) {
      // The payout row changed since the attempt was committed: never send other content under this
      // key.
      throw new TreasuryError(
        'INTERNAL',
        `payout ${p.id} attempt ${attempt}: the request rebuilt from the payout differs from the one persisted; refusing to send`,
      );
    }
    let lastReason = '';
    let tries = 0;
    let limited = 0;
    while (tries < 4) {
      if (lost) return { kind: 'still_unknown', payoutId: p.id, attempt, error: 'lease lost' };
      await gate.wait();
      providerCalls++;
      sends.set(p.id, (sends.get(p.id) ?? 0) + 1);
      const outcome: CreateOutcome = await pr.create(request);
      switch (outcome.kind) {
        case 'created':
          return { kind: 'status', update: toUpdate(p.id, attempt, outcome.payout, 'execute') };
        case 'rejected':
          return {
            kind: 'rejected',
            payoutId: p.id,
            attempt,
            code: outcome.code,
            message: outcome.message,
          };
        case 'duplicate':
          return lookup(p, attempt, `duplicate key: ${outcome.message}`);
        case 'rate_limited':
          // Refused unseen: not a try. Everyone waits for the reset; give up to lookup after many.
          gate.pause(outcome.retryAt);
          if (++limited > 20) return lookup(p, attempt, 'rate limited repeatedly');
          continue;
        case 'unknown':
          lastReason = outcome.reason;
          tries++;
          await sleep(backoffDelay(SEND_BACKOFF, tries, random));
          continue;
      }
    }
    return lookup(p, attempt, lastReason || 'no definite answer');
  }

  /** After unknown outcomes: does the provider hold a live payout under our reference? */
  async function lookup(p: PayoutRow, attempt: number, why: string): Promise<Resolution> {
    try {
      const found = await call(() => provider(p.provider).then((pr) => pr.findByReference(p.id)));
      const live = pickLive(found);
      if (live) return { kind: 'status', update: toUpdate(p.id, attempt, live, 'execute') };
      return {
        kind: 'still_unknown',
        payoutId: p.id,
        attempt,
        error: `${why}; nothing live under reference ${p.id} yet`,
      };
    } catch (error) {
      return {
        kind: 'still_unknown',
        payoutId: p.id,
        attempt,
        error: `${why}; lookup failed: ${(error as Error).message}`,
      };
    }
  }

  async function resolveUnknown(p: PayoutRow): Promise<Resolution | null> {
    const attempt = Number(p.attempt);
    if (!p.request_body) return null;
    const request = buildRequest(p, attempt, first.number);
    return send(p, attempt, request, p.request_body);
  }

  /** A retry (attempt ≥ 2) may start only when nothing is live under our reference. */
  async function guardNewAttempts(due: PayoutRow[]): Promise<PayoutRow[]> {
    const retries = due.filter((p) => Number(p.attempt) > 0);
    if (retries.length === 0) return due;
    const adopt: StatusUpdate[] = [];
    const blocked = new Set<string>();
    await mapLimit(retries, concurrency, async (p) => {
      try {
        const live = pickLive(
          await call(() => provider(p.provider).then((pr) => pr.findByReference(p.id))),
        );
        if (live) {
          adopt.push(toUpdate(p.id, Number(p.attempt), live, 'execute'));
          blocked.add(p.id);
        }
      } catch {
        blocked.add(p.id); // cannot prove nothing is live: do not start a new attempt now
      }
    });
    if (adopt.length > 0) {
      // A payout we thought failed is alive at the provider: go back to tracking that attempt.
      await write(lease, first.number, async (tx, audit, now) => {
        await tx.execute(
          sql`UPDATE payouts SET status = 'ACCEPTED', next_attempt_at = NULL WHERE id = ANY(${pgArray(adopt.map((a) => a.payoutId))}::uuid[]) AND status = 'PENDING'`,
        );
        await applyStatusUpdates(tx, adopt, now, audit);
      });
    }
    return due.filter((p) => !blocked.has(p.id));
  }

  async function recordIn(
    tx: CentralTx,
    audit: (e: AuditEntry) => void,
    resolutions: Resolution[],
    now: Date,
  ): Promise<void> {
    const sendCounts = resolutions.map((r) => ({
      id: r.kind === 'status' ? r.update.payoutId : r.payoutId,
      attempt: r.kind === 'status' ? r.update.attempt : r.attempt,
      n: sends.get(r.kind === 'status' ? r.update.payoutId : r.payoutId) ?? 0,
    }));
    for (const c of sendCounts) sends.delete(c.id);
    await tx.execute(sql`UPDATE payout_attempts a SET sends = a.sends + u.n FROM json_to_recordset(${JSON.stringify(sendCounts)}::json) AS u(id uuid, attempt int, n int)
      WHERE a.payout_id = u.id AND a.attempt = u.attempt AND u.n > 0`);
    const updates = resolutions.flatMap((r) => (r.kind === 'status' ? [r.update] : []));
    await applyStatusUpdates(tx, updates, now, audit);
    const rejected = resolutions.filter((r) => r.kind === 'rejected');
    if (rejected.length > 0) {
      const data = JSON.stringify(
        rejected.map((r) => ({
          id: r.payoutId,
          attempt: r.attempt,
          code: r.code,
          message: r.message,
        })),
      );
      await tx.execute(sql`UPDATE payout_attempts a SET state = 'REJECTED', failure_code = u.code, last_error = u.message, updated_at = now()
        FROM json_to_recordset(${data}::json) AS u(id uuid, attempt int, code text, message text) WHERE a.payout_id = u.id AND a.attempt = u.attempt AND a.state = 'PREPARED'`);
      await tx.execute(sql`UPDATE payouts p SET status = 'FAILED', failure_code = u.code, settled_at = now(), updated_at = now()
        FROM json_to_recordset(${data}::json) AS u(id uuid, attempt int, code text, message text) WHERE p.id = u.id AND p.attempt = u.attempt AND p.status = 'UNKNOWN'`);
      for (const r of rejected)
        audit({
          action: 'payout.status',
          entityType: 'payout',
          entityId: r.payoutId,
          before: { status: 'UNKNOWN' },
          after: {
            status: 'FAILED',
            attempt: r.attempt,
            failureCode: r.code,
            message: r.message,
            source: 'execute',
          },
        });
    }
    const still = resolutions.filter((r) => r.kind === 'still_unknown');
    if (still.length > 0) {
      await tx.execute(sql`UPDATE payout_attempts a SET last_error = u.error, updated_at = now()
        FROM json_to_recordset(${JSON.stringify(still.map((r) => ({ id: r.payoutId, attempt: r.attempt, error: r.error })))}::json) AS u(id uuid, attempt int, error text)
        WHERE a.payout_id = u.id AND a.attempt = u.attempt`);
    }
  }

  function result(
    batch: BatchRow,
    status: string,
    counts: Record<string, number>,
    takenOverFrom: string | null,
  ): ExecuteResult {
    const elapsedMs = Date.now() - started;
    return {
      batchId: batch.id,
      number: batch.number,
      status,
      payouts: summarise(counts),
      commits,
      commitsPerPayout: sent === 0 ? 'n/a' : ratio(commits, sent),
      providerCalls,
      elapsedMs,
      timing: Object.fromEntries(
        Object.entries(timing).map(([k, v]) => [k, Math.round(v)]),
      ) as typeof timing,
      takenOverFrom,
    };
  }
}

/** The live one among the payouts found under our reference: anything not terminal-failed. */
function pickLive(found: readonly ProviderPayout[]): ProviderPayout | null {
  const live = found.filter((f) => f.status !== 'FAILED' && f.status !== 'CANCELLED');
  if (live.length > 1) {
    // Two live payouts under one reference would be a double payment already made: surface loudly.
    throw new TreasuryError(
      'INTERNAL',
      `the provider holds ${live.length} live payouts under reference ${found[0]!.reference}: ${live.map((l) => l.providerId).join(', ')} — investigate before anything else is sent`,
    );
  }
  return live[0] ?? null;
}

function toUpdate(
  payoutId: string,
  attempt: number,
  p: ProviderPayout,
  source: StatusUpdate['source'],
): StatusUpdate {
  return {
    payoutId,
    attempt,
    providerPayoutId: p.providerId,
    status: p.status,
    rawStatus: p.rawStatus,
    failureCode: p.failureCode,
    source,
  };
}

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const PAYOUT_COLUMNS = sql`p.id, p.affiliate_id, p.amount_minor::text AS amount_minor, p.currency, p.provider, p.channel_code, p.account_number,
  p.account_holder_name, p.status, p.attempt, p.provider_payout_id, p.provider_status, p.failure_code, p.auto_retries, p.next_attempt_at, a.request_body`;

async function statusCounts(db: CentralTx, batchId: string): Promise<Record<string, number>> {
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
async function loadWork(
  db: CentralTx,
  batchId: string,
  limit: number,
  pollAfter: string = NIL_UUID,
) {
  const list = await rows<PayoutRow & { kind: 'unknown' | 'due' | 'accepted' | 'retryable' }>(
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
  const of = (k: string) => list.filter((p) => p.kind === k);
  return {
    unknown: of('unknown'),
    due: of('due'),
    accepted: of('accepted'),
    retryable: of('retryable'),
  };
}

function summarise(counts: Record<string, number>) {
  const c = (s: string) => counts[s] ?? 0;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    total,
    succeeded: c('SUCCEEDED'),
    failed: c('FAILED'),
    cancelled: c('CANCELLED'),
    reversed: c('REVERSED'),
    pending: c('PENDING'),
    unknown: c('UNKNOWN'),
    accepted: c('ACCEPTED'),
  };
}

function ratio(a: number, b: number): string {
  // Three decimals without floats: a/b rounded down.
  const scaled = (BigInt(a) * 1000n) / BigInt(b);
  return `${scaled / 1000n}.${(scaled % 1000n).toString().padStart(3, '0')}`;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Why the approvals do not cover the batch as stored, or null when they do. */
async function approvalProblem(db: CentralTx, batch: BatchRow): Promise<string | null> {
  const hash = await computeContentHash(db, batch);
  if (batch.contentHash !== hash)
    return 'the batch content changed after approval (stored payouts no longer match the approved content hash)';
  const approvals = await rows<{ operator_id: string }>(
    db,
    sql`SELECT operator_id FROM batch_approvals WHERE batch_id = ${batch.id}::uuid AND voided_at IS NULL AND content_hash = ${hash}`,
  );
  const distinct = new Set(
    approvals.map((a) => a.operator_id).filter((o) => o !== batch.createdBy),
  );
  if (distinct.size < batch.requiredApprovals)
    return `it holds ${distinct.size} valid approval(s) for its current content; ${batch.requiredApprovals} are required`;
  return null;
}

/**
 * Refuses to start when a provider cannot take what is left to send: balance per provider and
 * currency, and each amount against the channel's live limits. Nothing is written when it refuses.
 */
async function preflight(
  db: CentralTx,
  batch: BatchRow,
  provider: (n: ProviderName) => Promise<PayoutProvider>,
): Promise<void> {
  const pending = await rows<{
    id: string;
    affiliate_id: string;
    provider: ProviderName;
    channel_code: string;
    currency: string;
    amount_minor: string;
    hold: string | null;
  }>(
    db,
    sql`SELECT p.id, p.affiliate_id, p.provider, p.channel_code, p.currency, p.amount_minor::text AS amount_minor, a.payout_hold_reason AS hold
        FROM payouts p JOIN affiliates a ON a.id = p.affiliate_id WHERE p.batch_id = ${batch.id}::uuid AND p.status = 'PENDING'`,
  );
  if (pending.length === 0) return;
  const problems: Problem[] = [];
  // A hold placed after approval stops the money too: nothing is sent until the payout is removed
  // from the batch (batch.removePayouts) or the hold released.
  for (const p of pending.filter((x) => x.hold !== null)) {
    problems.push({
      message: `affiliate ${p.affiliate_id}'s payouts are held (${p.hold}): remove the payout from the batch or release the hold`,
      field: `payout ${p.id} (affiliate ${p.affiliate_id})`,
    });
  }
  const need = new Map<string, { provider: ProviderName; currency: string; amount: bigint }>();
  const limitsCache = new Map<string, Awaited<ReturnType<PayoutProvider['channelLimits']>>>();
  for (const p of pending) {
    const currency = p.currency.trim();
    const key = `${p.provider}|${currency}`;
    const n = need.get(key) ?? { provider: p.provider, currency, amount: 0n };
    n.amount += BigInt(p.amount_minor);
    need.set(key, n);
  }
  try {
    for (const n of need.values()) {
      const pr = await provider(n.provider);
      const balance = await pr.balance(n.currency);
      if (balance < n.amount) {
        problems.push({
          message: `${n.provider} balance ${formatAmount(balance, n.currency)} ${n.currency} does not cover ${formatAmount(n.amount, n.currency)} ${n.currency} still to send: top up first`,
          field: `${n.provider}.${n.currency}`,
        });
      }
    }
    for (const p of pending) {
      const currency = p.currency.trim();
      const key = `${p.provider}|${p.channel_code}|${currency}`;
      if (!limitsCache.has(key))
        limitsCache.set(
          key,
          await (await provider(p.provider)).channelLimits(p.channel_code, currency),
        );
      const limits = limitsCache.get(key);
      if (!limits) {
        problems.push({
          message: `${p.provider} does not support channel ${p.channel_code} in ${currency}`,
          field: `payout ${p.id} (affiliate ${p.affiliate_id})`,
        });
        continue;
      }
      const problem = channelProblem(limits, BigInt(p.amount_minor));
      if (problem)
        problems.push({
          message: `${formatAmount(BigInt(p.amount_minor), currency)} ${currency}: ${problem.replace(/_/g, ' ')} of ${p.channel_code}`,
          field: `payout ${p.id} (affiliate ${p.affiliate_id})`,
        });
    }
  } catch (error) {
    if (error instanceof ProviderError)
      throw new TreasuryError(
        'PROVIDER_UNAVAILABLE',
        `pre-flight for batch ${batch.number} could not reach the provider: ${error.message}; nothing was sent`,
      );
    throw error;
  }
  if (problems.length > 0) {
    throw new TreasuryError(
      'PREFLIGHT_FAILED',
      `batch ${batch.number} was not executed: ${problems.length} pre-flight problem(s); nothing was sent. ${problems
        .slice(0, 3)
        .map((p) => p.message)
        .join('; ')}`,
      problems,
    );
  }
}
