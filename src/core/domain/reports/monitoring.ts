/**
 * Monitoring: what needs an operator's eye now. Batches by status, executions in progress with
 * their progress, stuck payouts (not terminal for longer than a threshold), webhook lag per
 * provider (received_at minus the provider's own `created` stamp on the event envelope), and the
 * last reconciliation per provider with its breaks (every outcome other than `matched`).
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { defineQuery } from '../../platform/kernel/router.js';
import { isoOf } from '../../platform/query/paging.js';
import {
  filtersSchema,
  resolveFilters,
  where,
  type FilterEcho,
  type Filters,
  type FilterSpec,
} from './filters.js';
import { defineReport } from './report.js';

const NON_TERMINAL = ['PENDING', 'UNKNOWN', 'ACCEPTED'] as const;

export const MONITORING_SPEC = {
  report: 'monitoring',
  accepts: ['from', 'to', 'currency', 'provider', 'affiliate', 'status'],
  statuses: NON_TERMINAL,
  dated:
    'the window for webhook lag (default: the last 24 hours); currency, affiliate and status (non-terminal payout status) narrow the stuck payouts',
} as const satisfies FilterSpec;

export const DEFAULT_STUCK_MINUTES = 60;
const STUCK_LISTED = 100;

/**
 * The provider's event time, when the envelope carries one we can read: an ISO 8601 instant or a
 * Unix time in seconds or milliseconds (number or digits). Anything else counts as unknown, never
 * as an error: a provider's odd field must not break monitoring.
 */
const EVENT_TIME = sql`CASE
  WHEN jsonb_typeof(e.payload->'created') = 'number' OR (e.payload->>'created') ~ '^[0-9]{9,13}$'
    THEN to_timestamp(CASE WHEN (e.payload->>'created')::numeric > 100000000000 THEN (e.payload->>'created')::numeric / 1000 ELSE (e.payload->>'created')::numeric END)
  WHEN (e.payload->>'created') ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-][0-9]{2}:?[0-9]{2})$'
    THEN (e.payload->>'created')::timestamptz
  END`;

export interface MonitoringReport {
  filters: FilterEcho;
  at: string;
  batchesByStatus: { status: string; count: number }[];
  executions: {
    batchId: string;
    number: string;
    leaseOwner: string | null;
    startedAt: string | null;
    leaseExpiresAt: string | null;
    payouts: number;
    settled: number;
    succeeded: number;
    failed: number;
    inFlight: number;
  }[];
  stuck: {
    thresholdMinutes: number;
    count: number;
    oldest: {
      payoutId: string;
      batch: string;
      affiliateId: string;
      status: string;
      provider: string;
      amountMinor: string;
      currency: string;
      since: string;
      minutes: number;
    }[];
  };
  webhooks: {
    provider: string;
    events: number;
    lastReceivedAt: string | null;
    lagSecondsP50: string | null;
    lagSecondsP95: string | null;
    lagSecondsMax: string | null;
    withoutTime: number;
  }[];
  reconciliation: {
    provider: string;
    runId: string;
    at: string;
    status: string;
    problem: string | null;
    periodFrom: string;
    periodTo: string;
    results: number;
    breaks: { outcome: string; count: number }[];
  }[];
}

type Section<K extends keyof MonitoringReport> = MonitoringReport[K];

async function batchesByStatus(tx: CentralTx): Promise<Section<'batchesByStatus'>> {
  const batches = await rows<{ status: string; n: number }>(
    tx,
    sql`SELECT status, count(*)::int AS n FROM payout_batches GROUP BY status ORDER BY status`,
  );
  return batches.map((b) => ({ status: b.status, count: Number(b.n) }));
}

/** Batches executing now, with their lease and how far their payouts got. */
async function executions(tx: CentralTx, filters: Filters): Promise<Section<'executions'>> {
  const list = await rows<{
    id: string;
    number: string;
    lease_owner: string | null;
    started: Date | string | null;
    lease_expires_at: Date | string | null;
    payouts: number;
    settled: number;
    succeeded: number;
    failed: number;
    in_flight: number;
  }>(
    tx,
    sql`SELECT b.id, b.number, b.lease_owner, b.execution_started_at AS started, b.lease_expires_at,
                 count(p.id)::int AS payouts,
                 (count(p.id) FILTER (WHERE p.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED', 'REVERSED')))::int AS settled,
                 (count(p.id) FILTER (WHERE p.status IN ('SUCCEEDED', 'REVERSED')))::int AS succeeded,
                 (count(p.id) FILTER (WHERE p.status = 'FAILED'))::int AS failed,
                 (count(p.id) FILTER (WHERE p.status IN ('UNKNOWN', 'ACCEPTED')))::int AS in_flight
          FROM payout_batches b LEFT JOIN payouts p ON p.batch_id = b.id
          WHERE b.status = 'EXECUTING' ${filters.provider ? sql`AND EXISTS (SELECT 1 FROM payouts q WHERE q.batch_id = b.id AND q.provider = ${filters.provider})` : sql``}
          GROUP BY b.id ORDER BY b.execution_started_at NULLS LAST, b.number`,
  );
  return list.map((e) => ({
    batchId: e.id,
    number: e.number,
    leaseOwner: e.lease_owner,
    startedAt: isoOf(e.started),
    leaseExpiresAt: isoOf(e.lease_expires_at),
    payouts: Number(e.payouts),
    settled: Number(e.settled),
    succeeded: Number(e.succeeded),
    failed: Number(e.failed),
    inFlight: Number(e.in_flight),
  }));
}

/**
 * Stuck: not terminal, and untouched for longer than the threshold. PENDING payouts count only in a
 * batch that is executing (elsewhere they are simply waiting for approval).
 */
async function stuckPayouts(
  tx: CentralTx,
  filters: Filters,
  now: Date,
  threshold: number,
): Promise<Section<'stuck'>> {
  const since = new Date(now.getTime() - threshold * 60_000).toISOString();
  const stuckWhere = sql`p.status IN ('PENDING', 'UNKNOWN', 'ACCEPTED') AND p.updated_at < ${since}::timestamptz
      AND (p.status <> 'PENDING' OR b.status = 'EXECUTING')
      AND ${where(filters, { currency: sql`p.currency`, provider: sql`p.provider`, affiliate: sql`p.affiliate_id`, status: sql`p.status` })}`;
  const [stuckCount] = await rows<{ n: number }>(
    tx,
    sql`SELECT count(*)::int AS n FROM payouts p JOIN payout_batches b ON b.id = p.batch_id WHERE ${stuckWhere}`,
  );
  const stuck = await rows<{
    id: string;
    number: string;
    affiliate_id: string;
    status: string;
    provider: string;
    amount: string;
    currency: string;
    since: Date | string;
  }>(
    tx,
    sql`SELECT p.id, b.number, p.affiliate_id, p.status, p.provider, p.amount_minor::text AS amount, trim(p.currency) AS currency, p.updated_at AS since
          FROM payouts p JOIN payout_batches b ON b.id = p.batch_id WHERE ${stuckWhere} ORDER BY p.updated_at, p.id LIMIT ${STUCK_LISTED}`,
  );
  return {
    thresholdMinutes: threshold,
    count: Number(stuckCount!.n),
    oldest: stuck.map((s) => ({
      payoutId: s.id,
      batch: s.number,
      affiliateId: s.affiliate_id,
      status: s.status,
      provider: s.provider,
      amountMinor: s.amount,
      currency: s.currency,
      since: isoOf(s.since)!,
      minutes: Math.floor((now.getTime() - new Date(s.since).getTime()) / 60_000),
    })),
  };
}

/** Webhook lag per provider over the window: received minus the provider's own event time. */
async function webhookLag(tx: CentralTx, window: Filters): Promise<Section<'webhooks'>> {
  const webhooks = await rows<{
    provider: string;
    events: number;
    last: Date | string | null;
    p50: string | null;
    p95: string | null;
    max: string | null;
    without_time: number;
  }>(
    tx,
    sql`SELECT e.provider, count(*)::int AS events, max(e.received_at) AS last,
                 round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.received_at - ${EVENT_TIME})))::numeric, 1)::text AS p50,
                 round((percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM e.received_at - ${EVENT_TIME})))::numeric, 1)::text AS p95,
                 round(max(extract(epoch FROM e.received_at - ${EVENT_TIME}))::numeric, 1)::text AS max,
                 (count(*) FILTER (WHERE ${EVENT_TIME} IS NULL))::int AS without_time
          FROM provider_events e
          WHERE ${where(window, { at: sql`e.received_at`, provider: sql`e.provider` })}
          GROUP BY e.provider ORDER BY e.provider`,
  );
  return webhooks.map((w) => ({
    provider: w.provider,
    events: Number(w.events),
    lastReceivedAt: isoOf(w.last),
    lagSecondsP50: w.p50,
    lagSecondsP95: w.p95,
    lagSecondsMax: w.max,
    withoutTime: Number(w.without_time),
  }));
}

/** The last reconciliation run per provider, with its breaks (every outcome but `matched`). */
async function lastReconciliations(
  tx: CentralTx,
  filters: Filters,
): Promise<Section<'reconciliation'>> {
  const runs = await rows<{
    id: string;
    provider: string;
    created_at: Date | string;
    status: string;
    problem: string | null;
    period_from: Date | string;
    period_to: Date | string;
    results: number;
    breaks: string;
  }>(
    tx,
    sql`SELECT r.id, r.provider, r.created_at, r.status, r.problem, r.period_from, r.period_to,
                 (SELECT count(*)::int FROM reconciliation_results x WHERE x.run_id = r.id) AS results,
                 (SELECT coalesce(json_agg(json_build_object('outcome', o.outcome, 'count', o.n) ORDER BY o.outcome), '[]')::text
                    FROM (SELECT x.outcome, count(*)::int AS n FROM reconciliation_results x WHERE x.run_id = r.id AND x.outcome <> 'matched' GROUP BY x.outcome) o) AS breaks
          FROM (SELECT DISTINCT ON (provider) * FROM reconciliation_runs ORDER BY provider, created_at DESC, id) r
          WHERE ${where(filters, { provider: sql`r.provider` })}
          ORDER BY r.provider`,
  );
  return runs.map((r) => ({
    provider: r.provider,
    runId: r.id,
    at: isoOf(r.created_at)!,
    status: r.status,
    problem: r.problem,
    periodFrom: isoOf(r.period_from)!,
    periodTo: isoOf(r.period_to)!,
    results: Number(r.results),
    breaks: JSON.parse(r.breaks) as { outcome: string; count: number }[],
  }));
}

export const monitoring = defineQuery({
  name: 'reports.monitoring',
  permission: 'reports.view',
  input: filtersSchema(MONITORING_SPEC, {
    stuckAfterMinutes: z
      .number()
      .int()
      .min(1, 'must be at least 1 minute')
      .max(525_600, 'must be at most a year')
      .optional(),
  }),
  async run(ctx, input): Promise<MonitoringReport> {
    const { filters, echo } = await resolveFilters(ctx.tx, MONITORING_SPEC, input);
    const now = ctx.now;
    const threshold = input.stuckAfterMinutes ?? DEFAULT_STUCK_MINUTES;
    const window = { ...filters, from: filters.from ?? new Date(now.getTime() - 86_400_000) };
    // One after another: they share the call's transaction.
    const batches = await batchesByStatus(ctx.tx);
    const running = await executions(ctx.tx, filters);
    const stuck = await stuckPayouts(ctx.tx, filters, now, threshold);
    const webhooks = await webhookLag(ctx.tx, window);
    const reconciliation = await lastReconciliations(ctx.tx, filters);
    return {
      filters: echo,
      at: now.toISOString(),
      batchesByStatus: batches,
      executions: running,
      stuck,
      webhooks,
      reconciliation,
    };
  },
});

export const MONITORING = defineReport({
  name: 'monitoring',
  about:
    'what needs an eye now: batches by status, executions in progress, stuck payouts, webhook lag and the last reconciliation with its breaks',
  query: monitoring,
});
