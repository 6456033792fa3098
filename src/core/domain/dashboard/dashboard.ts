/**
 * dashboard.summary: the console's first screen — what is owed, where the batches are, what is
 * being paid right now, what failed lately, open security events (for those who may see them) and
 * when commissions were last calculated. A handful of grouped statements, none per row.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { roleHas } from '../../shared/permissions.js';
import type { LocalCache } from '../../platform/cache/cache.js';
import { isoText, mirrorInstant } from '../../platform/cache/mirror-text.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { defineQuery, type ActorContext } from '../../platform/kernel/router.js';
import { events as securityEvents } from '../security/commands.js';
import { decidedPayables } from '../payables/decided.js';
import { payablesSet } from '../payables/offline.js';
import { isoOf } from '../../platform/query/paging.js';
import type { PayablesTotal } from '../payables/payables.js';

/** Payout statuses nothing more will happen to (unless a succeeded one is reversed). */
export const TERMINAL = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'REVERSED'] as const;
/** Sent, or maybe sent, and not settled: with the provider. */
export const IN_FLIGHT = ['UNKNOWN', 'ACCEPTED'] as const;

export interface Execution {
  batchId: string;
  number: string;
  status: string;
  startedAt: string | null;
  total: number;
  /** Terminal payouts: succeeded, failed, cancelled, reversed. */
  done: number;
  succeeded: number;
  failed: number;
  /** Sent (or maybe sent) and not settled yet. */
  inFlight: number;
  /** Not sent yet. */
  pending: number;
  /**
   * What is happening, in truth: an executor holds the lease now (`running`); or nobody does, and
   * the batch waits for retries someone queued (`retries_queued`), for the provider to settle what
   * was sent (`waiting_for_provider`), or for someone to resume an interrupted run (`interrupted`).
   */
  situation: 'running' | 'retries_queued' | 'waiting_for_provider' | 'interrupted';
}

export interface RecentFailure {
  payoutId: string;
  batchId: string;
  batchNumber: string;
  affiliateId: string;
  amountMinor: string;
  currency: string;
  provider: string;
  failureCode: string | null;
  error: string | null;
  at: string;
}

export type SecurityEventView = Awaited<ReturnType<typeof securityEvents.run>>[number];

export interface DashboardSummary {
  /**
   * Per currency over every affiliate (as payables.page's totals, unfiltered). Empty before rules
   * exist.
   */
  payables: PayablesTotal[];
  batches: { status: string; count: number }[];
  /** Batches being executed, or finished with payouts still with the provider. */
  executions: Execution[];
  recentFailures: RecentFailure[];
  /**
   * null when the operator may not see security events (the permission `security.events` needs).
   */
  security: { unacknowledged: number; recent: SecurityEventView[] } | null;
  calcLastRun: { at: string; asOf: string; conversions: number } | null;
}

const RECENT_FAILURES = 20;
const RECENT_EVENTS = 10;

export async function executions(tx: CentralTx): Promise<Execution[]> {
  const list = await rows<{
    id: string;
    number: string;
    status: string;
    execution_started_at: Date | string | null;
    total: number;
    done: number;
    succeeded: number;
    failed: number;
    in_flight: number;
    pending: number;
    leased: boolean;
    completed: boolean;
  }>(
    tx,
    sql`SELECT b.id, b.number, b.status, b.execution_started_at, count(p.id)::int AS total,
               coalesce(b.lease_expires_at > now(), false) AS leased, b.completed_at IS NOT NULL AS completed,
               (count(*) FILTER (WHERE p.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED', 'REVERSED')))::int AS done,
               (count(*) FILTER (WHERE p.status = 'SUCCEEDED'))::int AS succeeded,
               (count(*) FILTER (WHERE p.status = 'FAILED'))::int AS failed,
               (count(*) FILTER (WHERE p.status IN ('UNKNOWN', 'ACCEPTED')))::int AS in_flight,
               (count(*) FILTER (WHERE p.status = 'PENDING'))::int AS pending
        FROM payout_batches b LEFT JOIN payouts p ON p.batch_id = b.id
        WHERE b.status = 'EXECUTING'
           OR b.status IN ('COMPLETED', 'COMPLETED_WITH_FAILURES', 'FAILED')
              AND EXISTS (SELECT 1 FROM payouts q WHERE q.batch_id = b.id AND q.status IN ('PENDING', 'UNKNOWN', 'ACCEPTED'))
        GROUP BY b.id ORDER BY b.execution_started_at DESC NULLS LAST, b.number DESC`,
  );
  return list.map((b) => ({
    batchId: b.id,
    number: b.number,
    status: b.status,
    startedAt: isoOf(b.execution_started_at),
    total: Number(b.total),
    done: Number(b.done),
    succeeded: Number(b.succeeded),
    failed: Number(b.failed),
    inFlight: Number(b.in_flight),
    pending: Number(b.pending),
    situation: situationOf(b.leased, b.completed, Number(b.pending), Number(b.in_flight)),
  }));
}

function situationOf(
  leased: boolean,
  completed: boolean,
  pending: number,
  inFlight: number,
): Execution['situation'] {
  if (leased) return 'running';
  if (pending > 0) return completed ? 'retries_queued' : 'interrupted';
  return inFlight > 0 ? 'waiting_for_provider' : 'interrupted';
}

export const summary = defineQuery({
  name: 'dashboard.summary',
  permission: 'payables.view',
  input: z.strictObject({}),
  async run(ctx): Promise<DashboardSummary> {
    const payables = await decidedPayables(ctx, {}).then(
      (set) => set.totals(),
      (e: unknown) =>
        e instanceof TreasuryError && e.code === 'NOT_FOUND' ? [] : Promise.reject(e), // no rules yet: nothing is owed
    );
    const batches = await rows<{ status: string; n: number }>(
      ctx.tx,
      sql`SELECT status, count(*)::int AS n FROM payout_batches GROUP BY status ORDER BY status`,
    );
    const recentFailures = await recentFailuresOf(ctx.tx);
    const calcLastRun = await lastCalcRun(ctx.tx);
    const security = await securityPreview(ctx);
    return {
      payables,
      batches: batches.map((b) => ({ status: b.status, count: Number(b.n) })),
      executions: await executions(ctx.tx),
      recentFailures,
      security,
      calcLastRun,
    };
  },
  offline: (ctx) => dashboardOffline(ctx.cache, ctx.now),
});

/** The newest failed payouts, with their current attempt's error. */
async function recentFailuresOf(tx: CentralTx): Promise<RecentFailure[]> {
  const failures = await rows<{
    id: string;
    batch_id: string;
    number: string;
    affiliate_id: string;
    amount_minor: string;
    currency: string;
    provider: string;
    failure_code: string | null;
    last_error: string | null;
    at: Date | string;
  }>(
    tx,
    sql`SELECT p.id, p.batch_id, b.number, p.affiliate_id, p.amount_minor::text AS amount_minor, trim(p.currency) AS currency, p.provider, p.failure_code,
               t.last_error, coalesce(p.settled_at, p.updated_at) AS at
        FROM payouts p JOIN payout_batches b ON b.id = p.batch_id
        LEFT JOIN payout_attempts t ON t.payout_id = p.id AND t.attempt = p.attempt
        WHERE p.status = 'FAILED' ORDER BY coalesce(p.settled_at, p.updated_at) DESC, p.id DESC LIMIT ${RECENT_FAILURES}`,
  );
  return failures.map((f) => ({
    payoutId: f.id,
    batchId: f.batch_id,
    batchNumber: f.number,
    affiliateId: f.affiliate_id,
    amountMinor: f.amount_minor,
    currency: f.currency,
    provider: f.provider,
    failureCode: f.failure_code,
    error: f.last_error ?? f.failure_code,
    at: isoOf(f.at)!,
  }));
}

async function lastCalcRun(tx: CentralTx): Promise<DashboardSummary['calcLastRun']> {
  const [calc] = await rows<{
    finished_at: Date | string;
    as_of: Date | string;
    conversions: number | null;
  }>(
    tx,
    sql`SELECT finished_at, as_of, (summary ->> 'conversions')::int AS conversions FROM calc_runs ORDER BY finished_at DESC LIMIT 1`,
  );
  if (!calc) return null;
  return {
    at: isoOf(calc.finished_at)!,
    asOf: isoOf(calc.as_of)!,
    conversions: Number(calc.conversions ?? 0),
  };
}

/**
 * The same permission and the same rows as `security.events`: the dashboard shows a preview of
 * that list (null for an operator who may not see it).
 */
async function securityPreview(ctx: ActorContext): Promise<DashboardSummary['security']> {
  const permission = securityEvents.permission;
  const maySee =
    permission === 'signed_in' || (permission !== 'public' && roleHas(ctx.actor.role, permission));
  if (!maySee) return null;
  const [{ n } = { n: 0 }] = await rows<{ n: number }>(
    ctx.tx,
    sql`SELECT count(*)::int AS n FROM security_events WHERE acknowledged_at IS NULL`,
  );
  return {
    unacknowledged: Number(n),
    recent: await securityEvents.run(ctx, { limit: RECENT_EVENTS }),
  };
}

/**
 * The dashboard offline, over the cache's mirrors as last pulled. Security events and calc runs are
 * not in the cache (`security: null`, `calcLastRun: null`); error texts fall back to failure codes.
 */
export function dashboardOffline(
  cache: LocalCache,
  now: Date,
): DashboardSummary & { offline: true } {
  const hasRules =
    (cache.sqlite.prepare('SELECT count(*) AS n FROM commission_rules').get() as { n: bigint }).n >
    0n;
  const batches = cache.sqlite
    .prepare('SELECT status, count(*) AS n FROM payout_batches GROUP BY status ORDER BY status')
    .all() as { status: string; n: bigint }[];
  return {
    payables: hasRules ? payablesSet(cache, {}, now).totals() : [],
    batches: batches.map((b) => ({ status: b.status, count: Number(b.n) })),
    executions: executionsOffline(cache, now),
    recentFailures: recentFailuresOffline(cache),
    security: null,
    calcLastRun: null,
    offline: true,
  };
}

/** executions() over the cache. */
function executionsOffline(cache: LocalCache, now: Date): Execution[] {
  const list = cache.sqlite
    .prepare(
      `SELECT b.id, b.number, b.status, b.execution_started_at, count(p.id) AS total, b.lease_expires_at, b.completed_at,
              count(*) FILTER (WHERE p.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED', 'REVERSED')) AS done,
              count(*) FILTER (WHERE p.status = 'SUCCEEDED') AS succeeded,
              count(*) FILTER (WHERE p.status = 'FAILED') AS failed,
              count(*) FILTER (WHERE p.status IN ('UNKNOWN', 'ACCEPTED')) AS in_flight,
              count(*) FILTER (WHERE p.status = 'PENDING') AS pending
       FROM payout_batches b LEFT JOIN payouts p ON p.batch_id = b.id
       WHERE b.status = 'EXECUTING'
          OR b.status IN ('COMPLETED', 'COMPLETED_WITH_FAILURES', 'FAILED')
             AND EXISTS (SELECT 1 FROM payouts q WHERE q.batch_id = b.id AND q.status IN ('PENDING', 'UNKNOWN', 'ACCEPTED'))
       GROUP BY b.id ORDER BY ${mirrorInstant('b.execution_started_at')} DESC NULLS LAST, b.number DESC`,
    )
    .all() as {
    id: string;
    number: string;
    status: string;
    execution_started_at: string | null;
    total: bigint;
    done: bigint;
    succeeded: bigint;
    failed: bigint;
    in_flight: bigint;
    pending: bigint;
    lease_expires_at: string | null;
    completed_at: string | null;
  }[];
  return list.map((b): Execution => ({
    batchId: b.id,
    number: b.number,
    status: b.status,
    startedAt: isoText(b.execution_started_at),
    total: Number(b.total),
    done: Number(b.done),
    succeeded: Number(b.succeeded),
    failed: Number(b.failed),
    inFlight: Number(b.in_flight),
    pending: Number(b.pending),
    // As last pulled: a lease seen live then may have ended since.
    situation: situationOf(
      b.lease_expires_at !== null && Date.parse(isoText(b.lease_expires_at)!) > now.getTime(),
      b.completed_at !== null,
      Number(b.pending),
      Number(b.in_flight),
    ),
  }));
}

/** recentFailuresOf over the cache: no attempts mirrored, so the error is the failure code. */
function recentFailuresOffline(cache: LocalCache): RecentFailure[] {
  const failures = cache.sqlite
    .prepare(
      `SELECT p.id, p.batch_id, b.number, p.affiliate_id, p.amount_minor, trim(p.currency) AS currency, p.provider, p.failure_code, coalesce(p.settled_at, p.updated_at) AS at
       FROM payouts p JOIN payout_batches b ON b.id = p.batch_id
       WHERE p.status = 'FAILED' ORDER BY ${mirrorInstant('coalesce(p.settled_at, p.updated_at)')} DESC, p.id DESC LIMIT 20`,
    )
    .all() as {
    id: string;
    batch_id: string;
    number: string;
    affiliate_id: string;
    amount_minor: bigint;
    currency: string;
    provider: string;
    failure_code: string | null;
    at: string;
  }[];
  return failures.map((f) => ({
    payoutId: f.id,
    batchId: f.batch_id,
    batchNumber: f.number,
    affiliateId: f.affiliate_id,
    amountMinor: String(f.amount_minor),
    currency: f.currency,
    provider: f.provider,
    failureCode: f.failure_code,
    error: f.failure_code,
    at: isoText(f.at),
  }));
}
