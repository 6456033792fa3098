/**
 * Applying what a provider says about a payout — from the executor, polling, webhooks or
 * reconciliation — through one function, so the rules hold whichever way the news came:
 *
 * - statuses never move backwards (a late ACCEPTED after SUCCEEDED is ignored; FAILED never
 *   replaces SUCCEEDED);
 * - news about an older attempt does not touch a payout that has moved on to a newer attempt;
 * - SUCCEEDED marks the payout's commissions PAID (and only then);
 * - REVERSED re-opens the liability as a `reversal` adjustment of the payout's source amount
 *   (id `rev:<payout id>`), carried into the affiliate's next payout. The commissions stay PAID:
 *   they were paid once, and the ledger keeps that fact; the reversal is a new, separate debt.
 *
 * Set-based: one locking read, then a few statements for any number of updates.
 */
import { pgArray } from '../../platform/central/arrays.js';
import { sql } from 'drizzle-orm';
import type { AuditEntry } from '../../platform/kernel/audit-chain.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import {
  TERMINAL_PROVIDER_STATUSES,
  type ProviderName,
  type ProviderStatus,
} from '../../platform/payments/provider.js';
import { stateMeaning } from '../providers/states.js';

import type { PayoutStatus } from '../../shared/vocabulary.js';
export {
  PAYOUT_STATUSES,
  TERMINAL_PAYOUT_STATUSES,
  type PayoutStatus,
} from '../../shared/vocabulary.js';

export interface StatusUpdate {
  payoutId: string;
  /** The attempt the news is about. */
  attempt: number;
  providerPayoutId: string | null;
  status: ProviderStatus;
  rawStatus: string;
  failureCode: string | null;
  source: 'execute' | 'poll' | 'webhook' | 'reconcile';
}

/**
 * Our payout status for a provider status. A provider-side cancel is a failure to pay (retry or
 * release).
 */
export function payoutStatusFor(status: ProviderStatus): PayoutStatus {
  switch (status) {
    case 'SUCCEEDED':
      return 'SUCCEEDED';
    case 'FAILED':
    case 'CANCELLED':
      return 'FAILED';
    case 'REVERSED':
      return 'REVERSED';
    default:
      return 'ACCEPTED'; // ACCEPTED, REQUESTED and unknown values: with the provider, not final
  }
}

const RANK: Record<PayoutStatus, number> = {
  PENDING: 0,
  UNKNOWN: 1,
  ACCEPTED: 2,
  FAILED: 3,
  SUCCEEDED: 3,
  REVERSED: 4,
  CANCELLED: 5,
};

/**
 * The status after the news, or null when the news must be ignored (backwards, or about nothing
 * new).
 */
export function nextPayoutStatus(current: PayoutStatus, news: PayoutStatus): PayoutStatus | null {
  if (current === 'CANCELLED' || current === 'REVERSED') return null;
  if (news === 'REVERSED') return current === 'FAILED' ? null : 'REVERSED';
  if (current === 'SUCCEEDED' || current === 'FAILED') return null; // final unless reversed
  if (current === 'ACCEPTED' && news === 'ACCEPTED') return null;
  return RANK[news] >= RANK[current] ? news : null;
}

export const ATTEMPT_STATES = [
  'PREPARED',
  'ACCEPTED',
  'SUCCEEDED',
  'FAILED',
  'REJECTED',
  'CANCELLED',
  'REVERSED',
] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

/**
 * An attempt's state after the provider's news, or null when the news must be ignored. Never
 * backwards: a failed, cancelled, rejected or reversed attempt stays so (a late ACCEPTED from the
 * executor's create response after the provider's FAILED webhook is old news); a succeeded one only
 * becomes REVERSED. ACCEPTED → ACCEPTED is kept: it refreshes the provider's own state while the
 * payout waits there (LOCKED, PENDING_COMPLIANCE_ASSESSMENT, …).
 */
export function nextAttemptState(current: AttemptState, news: ProviderStatus): AttemptState | null {
  const target: AttemptState =
    news === 'SUCCEEDED' || news === 'FAILED' || news === 'CANCELLED' || news === 'REVERSED'
      ? news
      : 'ACCEPTED';
  if (current === 'PREPARED' || current === 'ACCEPTED') return target;
  if (current === 'SUCCEEDED') return target === 'REVERSED' ? target : null;
  return null;
}

export interface Applied {
  payoutId: string;
  from: PayoutStatus;
  to: PayoutStatus;
}

/**
 * Applies updates; returns those that changed something. Audit entries for every change are pushed
 * to `audit` (the caller writes them in this same transaction).
 */
export async function applyStatusUpdates(
  tx: CentralTx,
  updates: readonly StatusUpdate[],
  now: Date,
  audit: (e: AuditEntry) => void,
): Promise<Applied[]> {
  if (updates.length === 0) return [];
  const current = await lockPayouts(
    tx,
    updates.map((u) => u.payoutId),
  );
  const known = new Set(current.map((c) => c.id));
  const attemptRows = await attemptNews(
    tx,
    updates.filter((u) => known.has(u.payoutId)),
  );
  const { finals, waiting } = foldPayoutNews(current, updates);
  await recordWaiting(tx, current, waiting, now, audit);
  await writeAttempts(tx, attemptRows, now);
  if (finals.length === 0) return [];
  await writePayoutStatuses(tx, finals, now);
  await markCommissionsPaid(tx, finals, now);
  await reopenReversed(tx, finals, now);
  for (const a of finals) {
    audit({
      action: 'payout.status',
      entityType: 'payout',
      entityId: a.payoutId,
      before: { status: a.from },
      after: {
        status: a.to,
        attempt: a.u.attempt,
        providerPayoutId: a.u.providerPayoutId,
        providerStatus: a.u.rawStatus,
        failureCode: a.u.failureCode,
        source: a.u.source,
      },
    });
  }
  return finals.map(({ payoutId, from, to }) => ({ payoutId, from, to }));
}

interface LockedPayout {
  id: string;
  status: PayoutStatus;
  attempt: number;
  provider: ProviderName;
  provider_status: string | null;
}

/** The payouts the news is about, locked (in id order: no deadlock between two appliers). */
async function lockPayouts(tx: CentralTx, payoutIds: readonly string[]): Promise<LockedPayout[]> {
  const ids = [...new Set(payoutIds)];
  return rows<LockedPayout>(
    tx,
    sql`SELECT id, status, attempt, provider, provider_status FROM payouts WHERE id = ANY(${pgArray(ids)}::uuid[]) ORDER BY id FOR UPDATE`,
  );
}

type Change = Applied & { u: StatusUpdate };

/**
 * The news folded in order through nextPayoutStatus, per payout: its last change (`finals`, from
 * the status it was read in), or, when nothing changes its status, the last news of a payout still
 * with the provider (`waiting`). News about an attempt the payout has moved on from is ignored.
 */
function foldPayoutNews(
  current: readonly LockedPayout[],
  updates: readonly StatusUpdate[],
): { finals: Change[]; waiting: StatusUpdate[] } {
  const state = new Map(
    current.map((c) => [c.id, { status: c.status, attempt: Number(c.attempt) }]),
  );
  const applied: Change[] = [];
  const waiting = new Map<string, StatusUpdate>();
  for (const u of updates) {
    const cur = state.get(u.payoutId);
    if (!cur) continue;
    if (u.attempt !== cur.attempt) continue;
    const next = nextPayoutStatus(cur.status, payoutStatusFor(u.status));
    if (next === null) {
      // Still with the provider, perhaps in a new state of its own (LOCKED, a compliance review):
      // recorded as it arrives, so every view shows where the payout waits.
      if (cur.status === 'ACCEPTED' && !TERMINAL_PROVIDER_STATUSES.has(u.status))
        waiting.set(u.payoutId, u);
      continue;
    }
    applied.push({ payoutId: u.payoutId, from: cur.status, to: next, u });
    waiting.delete(u.payoutId);
    state.set(u.payoutId, { status: next, attempt: cur.attempt });
  }
  const last = new Map<string, Change>();
  for (const a of applied) last.set(a.payoutId, a);
  return { finals: [...last.values()], waiting: [...waiting.values()] };
}

/**
 * Each attempt moved once, to where its news (folded in order, never backwards) leaves it; the
 * state it was read in is required (the payout's row lock is held, so it still is).
 */
async function writeAttempts(
  tx: CentralTx,
  attemptRows: Awaited<ReturnType<typeof attemptNews>>,
  now: Date,
): Promise<void> {
  if (attemptRows.length === 0) return;
  await tx.execute(sql`
    UPDATE payout_attempts a SET state = u.state, provider_payout_id = coalesce(u.provider_payout_id, a.provider_payout_id), provider_status = u.raw_status,
           failure_code = u.failure_code, updated_at = ${now.toISOString()}::timestamptz
    FROM json_to_recordset(${JSON.stringify(attemptRows)}::json)
         AS u(payout_id uuid, attempt int, was text, state text, provider_payout_id text, raw_status text, failure_code text)
    WHERE a.payout_id = u.payout_id AND a.attempt = u.attempt AND a.state = u.was`);
}

/** Each changed payout's new status, provider state, failure code and settlement time. */
async function writePayoutStatuses(
  tx: CentralTx,
  finals: readonly Change[],
  now: Date,
): Promise<void> {
  await tx.execute(sql`
    UPDATE payouts p SET status = u.status, provider_payout_id = coalesce(u.provider_payout_id, p.provider_payout_id),
           provider_status = u.raw_status,
           -- A paid payout carries no failure code: an earlier attempt's stays on that attempt, as history.
           failure_code = CASE WHEN u.status = 'FAILED' THEN coalesce(u.failure_code, 'FAILED') WHEN u.status = 'SUCCEEDED' THEN NULL ELSE p.failure_code END,
           settled_at = CASE WHEN u.status IN ('SUCCEEDED','FAILED','REVERSED') THEN ${now.toISOString()}::timestamptz ELSE p.settled_at END,
           updated_at = ${now.toISOString()}::timestamptz
    FROM json_to_recordset(${JSON.stringify(finals.map((a) => ({ id: a.payoutId, status: a.to, provider_payout_id: a.u.providerPayoutId, raw_status: a.u.rawStatus, failure_code: a.u.failureCode })))}::json)
         AS u(id uuid, status text, provider_payout_id text, raw_status text, failure_code text)
    WHERE p.id = u.id`);
}

/** SUCCEEDED (or REVERSED: it was paid first) marks the payout's commissions paid, and only then. */
async function markCommissionsPaid(
  tx: CentralTx,
  finals: readonly Change[],
  now: Date,
): Promise<void> {
  const paid = finals
    .filter((a) => a.to === 'SUCCEEDED' || a.to === 'REVERSED')
    .map((a) => a.payoutId);
  if (paid.length === 0) return;
  await tx.execute(sql`UPDATE commissions SET status = 'paid', updated_at = ${now.toISOString()}::timestamptz
    WHERE id IN (SELECT commission_id FROM payout_items WHERE payout_id = ANY(${pgArray(paid)}::uuid[]) AND live AND commission_id IS NOT NULL) AND status <> 'paid'`);
}

/** A reversal re-opens the liability: a `reversal` adjustment of the source amount, once. */
async function reopenReversed(tx: CentralTx, finals: readonly Change[], now: Date): Promise<void> {
  const reversed = finals.filter((a) => a.to === 'REVERSED').map((a) => a.payoutId);
  if (reversed.length === 0) return;
  await tx.execute(sql`INSERT INTO adjustments (id, affiliate_id, kind, amount_minor, currency, reason, created_at)
    SELECT 'rev:' || p.id, p.affiliate_id, 'reversal', p.source_amount_minor, p.source_currency,
           'payout ' || p.id || ' was reversed by ' || p.provider || ': the amount is owed again', ${now.toISOString()}::timestamptz
    FROM payouts p WHERE p.id = ANY(${pgArray(reversed)}::uuid[])
    ON CONFLICT (id) DO NOTHING`);
}

/**
 * The attempts' news folded in order through nextAttemptState: for each attempt that moves (or
 * refreshes its provider state), the state it was read in and where it ends. News about any attempt
 * counts, current or superseded: its record keeps the provider's word.
 */
async function attemptNews(tx: CentralTx, updates: readonly StatusUpdate[]) {
  if (updates.length === 0) return [];
  const keys = JSON.stringify(updates.map((u) => ({ payout_id: u.payoutId, attempt: u.attempt })));
  const found = await rows<{ payout_id: string; attempt: number; state: AttemptState }>(
    tx,
    sql`SELECT a.payout_id, a.attempt, a.state FROM payout_attempts a
        JOIN (SELECT DISTINCT * FROM json_to_recordset(${keys}::json) AS k(payout_id uuid, attempt int)) k ON k.payout_id = a.payout_id AND k.attempt = a.attempt`,
  );
  const moved = new Map<
    string,
    {
      payout_id: string;
      attempt: number;
      was: AttemptState;
      state: AttemptState;
      provider_payout_id: string | null;
      raw_status: string;
      failure_code: string | null;
    }
  >();
  const at = new Map(found.map((f) => [`${f.payout_id}|${Number(f.attempt)}`, f.state]));
  for (const u of updates) {
    const key = `${u.payoutId}|${u.attempt}`;
    const cur = at.get(key);
    if (cur === undefined) continue;
    const next = nextAttemptState(cur, u.status);
    if (next === null) continue;
    at.set(key, next);
    const was = moved.get(key)?.was ?? cur;
    moved.set(key, {
      payout_id: u.payoutId,
      attempt: u.attempt,
      was,
      state: next,
      provider_payout_id: u.providerPayoutId,
      raw_status: u.rawStatus,
      failure_code: u.failureCode,
    });
  }
  return [...moved.values()];
}

/**
 * A payout that stays with the provider but whose provider state changed (ACCEPTED → LOCKED →
 * READY …): the payout row takes the new state and one audit entry says what it means. The same
 * state again writes nothing.
 */
async function recordWaiting(
  tx: CentralTx,
  current: readonly { id: string; provider: ProviderName; provider_status: string | null }[],
  news: readonly StatusUpdate[],
  now: Date,
  audit: (e: AuditEntry) => void,
): Promise<void> {
  const before = new Map(current.map((c) => [c.id, c]));
  const changed = news.filter((u) => before.get(u.payoutId)?.provider_status !== u.rawStatus);
  if (changed.length === 0) return;
  await tx.execute(sql`
    UPDATE payouts p SET provider_status = u.raw_status, provider_payout_id = coalesce(p.provider_payout_id, u.provider_payout_id), updated_at = ${now.toISOString()}::timestamptz
    FROM json_to_recordset(${JSON.stringify(changed.map((u) => ({ id: u.payoutId, raw_status: u.rawStatus, provider_payout_id: u.providerPayoutId })))}::json)
         AS u(id uuid, raw_status text, provider_payout_id text)
    WHERE p.id = u.id AND p.status = 'ACCEPTED'`);
  for (const u of changed) {
    const meaning = stateMeaning(before.get(u.payoutId)!.provider, u.rawStatus);
    audit({
      action: 'payout.provider_state',
      entityType: 'payout',
      entityId: u.payoutId,
      before: { providerStatus: before.get(u.payoutId)!.provider_status },
      after: {
        providerStatus: u.rawStatus,
        meaning: meaning.words,
        attention: meaning.attention,
        attempt: u.attempt,
        source: u.source,
      },
    });
  }
}
