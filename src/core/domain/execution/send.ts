/**
 * The send step of a round (executor.ts, rule 4): the provider calls, at bounded concurrency and
 * under the run's shared rate gate. Every unresolved attempt is sent (its first send, or a resend
 * with the same key and body, then a lookup); payouts with the provider are polled; new attempts
 * are checked against the provider first. Nothing here writes but the adoption of a payout found
 * alive (guardNewAttempts): the outcomes go to the round's one commit (commit.ts).
 */
import {
  ProviderError,
  TERMINAL_PROVIDER_STATUSES,
  type CreateOutcome,
  type PayoutRequest,
  type ProviderPayout,
} from '../../platform/payments/provider.js';
import { TreasuryError } from '../../shared/errors.js';
import type { StatusUpdate } from '../payouts/status.js';
import { backoffDelay, SEND_BACKOFF, sleep } from './backoff.js';
import { adoptLive } from './commit.js';
import { mapLimit } from '../../platform/payments/pool.js';
import { buildRequest, requestBody } from './request.js';
import type { ExecutionRun } from './run.js';
import type { PayoutRow, Work } from './work.js';
import type { Resolution, Sent } from './sent.js';

/** All of a round's provider calls, concurrently; what they came to, for the round's commit. */
export async function sendRound(run: ExecutionRun, work: Work): Promise<Sent> {
  const tHttp = performance.now();
  const [resolutions, polled] = await Promise.all([
    mapLimit(work.unknown, run.concurrency, (p) => resolveUnknown(run, p)),
    mapLimit(work.accepted, run.concurrency, (p) => poll(run, p)),
  ]);
  run.timing.providerMs += performance.now() - tHttp;
  if (run.lost) throw run.lost;
  const outcomes = resolutions.filter((u): u is Resolution => u !== null);
  const answers = polled.filter((u): u is StatusUpdate => u !== null);
  const recorded = new Map(work.accepted.map((p) => [p.id, p.provider_status]));
  const news = answers.filter(
    (u) => TERMINAL_PROVIDER_STATUSES.has(u.status) || u.rawStatus !== recorded.get(u.payoutId),
  );
  const waiting = answers
    .filter((u) => !TERMINAL_PROVIDER_STATUSES.has(u.status))
    .map((u) => ({ payoutId: u.payoutId, attempt: u.attempt }));
  return { outcomes, news, waiting };
}

/** A payout with the provider: where is it now? Null when the provider cannot be asked now. */
async function poll(run: ExecutionRun, p: PayoutRow): Promise<StatusUpdate | null> {
  try {
    const got = await call(run, () =>
      run.provider(p.provider).then((pr) => pr.get(p.provider_payout_id!)),
    );
    return got ? toUpdate(p.id, Number(p.attempt), got, 'poll') : null;
  } catch {
    return null; // unreachable now; the next round polls again
  }
}

/** One provider call under the rate gate; a 429 pauses every worker, then the call is retried. */
async function call<T>(run: ExecutionRun, fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    await run.gate.wait();
    run.providerCalls++;
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ProviderError && error.reason === 'rate_limited' && i < 5) {
        run.gate.pause(error.retryAt ?? Date.now() + 1000);
        continue;
      }
      throw error;
    }
  }
}

/** An attempt committed but not resolved: send it (again) with its committed key and body. */
async function resolveUnknown(run: ExecutionRun, p: PayoutRow): Promise<Resolution | null> {
  const attempt = Number(p.attempt);
  if (!p.request_body) return null;
  const request = buildRequest(p, attempt, run.batch.number);
  return sendAttempt(run, p, attempt, request, p.request_body);
}

/**
 * Sends attempt `attempt`: resends the identical request on unknown/5xx, honours 429, then looks
 * up.
 */
async function sendAttempt(
  run: ExecutionRun,
  p: PayoutRow,
  attempt: number,
  request: PayoutRequest,
  body: string,
): Promise<Resolution> {
  const pr = await run.provider(p.provider);
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
    if (run.lost) return { kind: 'still_unknown', payoutId: p.id, attempt, error: 'lease lost' };
    await run.gate.wait();
    run.providerCalls++;
    run.sends.set(p.id, (run.sends.get(p.id) ?? 0) + 1);
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
        return lookup(run, p, attempt, `duplicate key: ${outcome.message}`);
      case 'rate_limited':
        // Refused unseen: not a try. Everyone waits for the reset; give up to lookup after many.
        run.gate.pause(outcome.retryAt);
        if (++limited > 20) return lookup(run, p, attempt, 'rate limited repeatedly');
        continue;
      case 'unknown':
        lastReason = outcome.reason;
        tries++;
        await sleep(backoffDelay(SEND_BACKOFF, tries, run.random));
        continue;
    }
  }
  return lookup(run, p, attempt, lastReason || 'no definite answer');
}

/** After unknown outcomes: does the provider hold a live payout under our reference? */
async function lookup(
  run: ExecutionRun,
  p: PayoutRow,
  attempt: number,
  why: string,
): Promise<Resolution> {
  try {
    const found = await call(run, () =>
      run.provider(p.provider).then((pr) => pr.findByReference(p.id)),
    );
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

/**
 * A retry (attempt ≥ 2) may start only when nothing is live under our reference: the due payouts
 * that may get a new attempt now. One found alive is adopted (tracked again), one that cannot be
 * checked waits for a later round.
 */
export async function guardNewAttempts(run: ExecutionRun, due: PayoutRow[]): Promise<PayoutRow[]> {
  const retries = due.filter((p) => Number(p.attempt) > 0);
  if (retries.length === 0) return due;
  const adopt: StatusUpdate[] = [];
  const blocked = new Set<string>();
  await mapLimit(retries, run.concurrency, async (p) => {
    try {
      const live = pickLive(
        await call(run, () => run.provider(p.provider).then((pr) => pr.findByReference(p.id))),
      );
      if (live) {
        adopt.push(toUpdate(p.id, Number(p.attempt), live, 'execute'));
        blocked.add(p.id);
      }
    } catch {
      blocked.add(p.id); // cannot prove nothing is live: do not start a new attempt now
    }
  });
  if (adopt.length > 0) await adoptLive(run, adopt);
  return due.filter((p) => !blocked.has(p.id));
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
