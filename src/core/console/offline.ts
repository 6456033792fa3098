/**
 * The console's grids and dashboard while the central store cannot be reached: the same inputs and
 * shapes as payables.page, payouts.page and dashboard.summary, computed in SQLite over the cache's
 * mirrors as last pulled (plus `offline: true`). Payables are decided by the same functions as
 * centrally. What is not mirrored is missing: provider error texts (payout attempts) fall back to
 * the failure code; security events and calc runs are not in the cache, so the dashboard shows
 * `security: null` and `calcLastRun: null`. The manifest comes from the operators mirror and the
 * workstation's own session record.
 *
 * Mirror timestamps are Postgres COPY text (`2026-11-21 09:00:00.123+00`) or, for rows written
 * offline, ISO 8601; `instant()` reads both as epoch seconds for filters and order.
 */
import type { LocalCache } from '../cache/cache.js';
import { toDate } from '../commands/inputs.js';
import { tokenHash, type Actor, type AnyDefinition } from '../commands/router.js';
import { timestampMs } from '../sync/offline.js';
import { payableTotalsOffline, rulesInForce } from '../workstation/offline-queries.js';
import type { DashboardSummary, Execution } from './dashboard.js';
import { buildManifest, type Manifest } from './manifest.js';
import { likePattern, pageOf } from './paging.js';
import { PayablesSet, type PayablesPage, type PayablesPageInput } from './payables.js';
import { PAYOUTS_DEFAULT_SORT, type PayoutsPage, type PayoutsPageInput, type PayoutsSortField } from './payouts.js';

type Offline<T> = T & { offline: true };

const instant = (column: string) => `unixepoch(CASE WHEN ${column} LIKE '%+00' THEN ${column} || ':00' ELSE ${column} END, 'subsec')`;
const iso = (text: string) => new Date(timestampMs(text)).toISOString();

/**
 * Offline too, the decided payables set is kept between requests (a SQLite aggregate over a million
 * mirrored commissions takes seconds). The mirrors change only through a pull (it moves the cursor
 * and the last-pull time in sync_state), through commands prepared offline and their settling or
 * discarding (the outbox), or through another connection (another process syncing: SQLite's
 * data_version). A set is kept while none of those has moved.
 */
const keptOffline = new WeakMap<LocalCache, Map<string, { stamp: string; version: number | null; set: PayablesSet }>>();

function mirrorsStamp(cache: LocalCache): string {
  const other = cache.sqlite.pragma('data_version', { simple: true }) as number;
  const { state } = cache.sqlite.prepare("SELECT group_concat(key || '=' || value, ';') AS state FROM (SELECT key, value FROM sync_state ORDER BY key)").get() as { state: string | null };
  const { outbox } = cache.sqlite
    .prepare("SELECT count(*) || ':' || coalesce(max(seq), 0) || ':' || coalesce(sum(status = 'pending'), 0) || ':' || coalesce(sum(status = 'rejected'), 0) AS outbox FROM outbox")
    .get() as { outbox: string };
  return `${other}|${state ?? ''}|${outbox}`;
}

function payablesSet(cache: LocalCache, filter: { currency?: string | undefined; search?: string | undefined }, now: Date): PayablesSet {
  const term = filter.search?.trim().toLowerCase() ?? '';
  const key = JSON.stringify([filter.currency ?? null, term]);
  const stamp = mirrorsStamp(cache);
  const rules = rulesInForce(cache, now);
  let sets = keptOffline.get(cache);
  if (!sets) keptOffline.set(cache, (sets = new Map()));
  const kept = sets.get(key);
  if (kept && kept.stamp === stamp && kept.version === (rules?.version ?? null)) return kept.set;
  const totals = payableTotalsOffline(cache, filter.currency).filter((t) => !term || t.affiliate_id.toLowerCase().includes(term) || t.name.toLowerCase().includes(term));
  const set = PayablesSet.fromTotals(totals, rules?.rules, now);
  sets.delete(key);
  sets.set(key, { stamp, version: rules?.version ?? null, set });
  while (sets.size > 4) sets.delete(sets.keys().next().value!);
  return set;
}

export function payablesPageOffline(cache: LocalCache, input: PayablesPageInput, now: Date): Offline<PayablesPage> {
  return { ...payablesSet(cache, input, now).page(input), offline: true };
}

/** Sort fields → SQLite expressions (fixed text, never from the request). */
const PAYOUT_COLUMNS: Record<PayoutsSortField, string> = {
  createdAt: instant('p.created_at'),
  updatedAt: instant('p.updated_at'),
  amountMinor: 'p.amount_minor',
  currency: 'trim(p.currency)',
  status: 'p.status',
  provider: 'p.provider',
  affiliateId: 'p.affiliate_id',
  affiliateName: 'a.name',
  batchNumber: 'b.number',
  attempts: 'p.attempt',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function payoutsPageOffline(cache: LocalCache, input: PayoutsPageInput): Offline<PayoutsPage> {
  const where: string[] = ['1'];
  const params: (string | number)[] = [];
  const add = (condition: string, ...values: (string | number)[]) => {
    where.push(condition);
    params.push(...values);
  };
  if (input.status) add('p.status = ?', input.status);
  if (input.provider) add('p.provider = ?', input.provider);
  if (input.currency) add('trim(p.currency) = ?', input.currency);
  if (input.batch) add(UUID.test(input.batch) ? 'p.batch_id = ?' : 'b.number = ?', input.batch);
  if (input.affiliateId) add('p.affiliate_id = ?', input.affiliateId);
  if (input.from) add(`${instant('p.created_at')} >= ?`, toDate(input.from).getTime() / 1000);
  if (input.to) add(`${instant('p.created_at')} < ?`, toDate(input.to).getTime() / 1000);
  const pattern = likePattern(input.search);
  if (pattern) {
    add(
      "(p.id LIKE ? ESCAPE '\\' OR p.affiliate_id LIKE ? ESCAPE '\\' OR a.name LIKE ? ESCAPE '\\' OR b.number LIKE ? ESCAPE '\\' OR coalesce(p.provider_payout_id, '') LIKE ? ESCAPE '\\')",
      pattern, pattern, pattern, pattern, pattern,
    );
  }
  const from = 'payouts p JOIN payout_batches b ON b.id = p.batch_id JOIN affiliates a ON a.id = p.affiliate_id';
  const condition = where.join(' AND ');
  const n = cache.sqlite.prepare(`SELECT count(*) AS n FROM ${from} WHERE ${condition}`).get(...params) as { n: bigint };
  const sort = input.sort ?? PAYOUTS_DEFAULT_SORT;
  const { offset, limit } = pageOf(input);
  const list = cache.sqlite
    .prepare(
      `SELECT p.id, p.batch_id, b.number, p.affiliate_id, a.name, p.amount_minor, trim(p.currency) AS currency, p.provider, p.status, p.provider_payout_id,
              p.attempt, p.failure_code, p.created_at, p.updated_at
       FROM ${from} WHERE ${condition}
       ORDER BY ${PAYOUT_COLUMNS[sort.field]} ${sort.dir === 'desc' ? 'DESC' : 'ASC'} NULLS LAST, p.id ASC
       LIMIT ? OFFSET ?`,
    )
    .all(...params, limit, offset) as {
    id: string; batch_id: string; number: string; affiliate_id: string; name: string; amount_minor: bigint; currency: string; provider: string; status: string;
    provider_payout_id: string | null; attempt: bigint; failure_code: string | null; created_at: string; updated_at: string;
  }[];
  return {
    total: Number(n.n),
    rows: list.map((p) => ({
      id: p.id, batchId: p.batch_id, batchNumber: p.number, affiliateId: p.affiliate_id, affiliateName: p.name, amountMinor: String(p.amount_minor), currency: p.currency,
      provider: p.provider, status: p.status, providerReference: p.provider_payout_id, attempts: Number(p.attempt), failureCode: p.failure_code,
      lastError: p.failure_code, createdAt: iso(p.created_at), updatedAt: iso(p.updated_at),
    })),
    offline: true,
  };
}

export function dashboardOffline(cache: LocalCache, now: Date): Offline<DashboardSummary> {
  const hasRules = (cache.sqlite.prepare('SELECT count(*) AS n FROM commission_rules').get() as { n: bigint }).n > 0n;
  const batches = cache.sqlite.prepare('SELECT status, count(*) AS n FROM payout_batches GROUP BY status ORDER BY status').all() as { status: string; n: bigint }[];
  const executions = cache.sqlite
    .prepare(
      `SELECT b.id, b.number, b.status, b.execution_started_at, count(p.id) AS total,
              count(*) FILTER (WHERE p.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED', 'REVERSED')) AS done,
              count(*) FILTER (WHERE p.status = 'SUCCEEDED') AS succeeded,
              count(*) FILTER (WHERE p.status = 'FAILED') AS failed,
              count(*) FILTER (WHERE p.status IN ('UNKNOWN', 'ACCEPTED')) AS in_flight,
              count(*) FILTER (WHERE p.status = 'PENDING') AS pending
       FROM payout_batches b LEFT JOIN payouts p ON p.batch_id = b.id
       WHERE b.status = 'EXECUTING'
          OR b.status IN ('COMPLETED', 'COMPLETED_WITH_FAILURES', 'FAILED')
             AND EXISTS (SELECT 1 FROM payouts q WHERE q.batch_id = b.id AND q.status IN ('PENDING', 'UNKNOWN', 'ACCEPTED'))
       GROUP BY b.id ORDER BY ${instant('b.execution_started_at')} DESC NULLS LAST, b.number DESC`,
    )
    .all() as { id: string; number: string; status: string; execution_started_at: string | null; total: bigint; done: bigint; succeeded: bigint; failed: bigint; in_flight: bigint; pending: bigint }[];
  const failures = cache.sqlite
    .prepare(
      `SELECT p.id, p.batch_id, b.number, p.affiliate_id, p.amount_minor, trim(p.currency) AS currency, p.provider, p.failure_code, coalesce(p.settled_at, p.updated_at) AS at
       FROM payouts p JOIN payout_batches b ON b.id = p.batch_id
       WHERE p.status = 'FAILED' ORDER BY ${instant('coalesce(p.settled_at, p.updated_at)')} DESC, p.id DESC LIMIT 20`,
    )
    .all() as { id: string; batch_id: string; number: string; affiliate_id: string; amount_minor: bigint; currency: string; provider: string; failure_code: string | null; at: string }[];
  return {
    payables: hasRules ? payablesSet(cache, {}, now).totals() : [],
    batches: batches.map((b) => ({ status: b.status, count: Number(b.n) })),
    executions: executions.map(
      (b): Execution => ({
        batchId: b.id, number: b.number, status: b.status, startedAt: b.execution_started_at ? iso(b.execution_started_at) : null,
        total: Number(b.total), done: Number(b.done), succeeded: Number(b.succeeded), failed: Number(b.failed), inFlight: Number(b.in_flight), pending: Number(b.pending),
      }),
    ),
    recentFailures: failures.map((f) => ({
      payoutId: f.id, batchId: f.batch_id, batchNumber: f.number, affiliateId: f.affiliate_id, amountMinor: String(f.amount_minor), currency: f.currency,
      provider: f.provider, failureCode: f.failure_code, error: f.failure_code, at: iso(f.at),
    })),
    security: null,
    calcLastRun: null,
    offline: true,
  };
}

export function manifestOffline(cache: LocalCache, actor: Actor, session: string | null, now: Date, catalog: readonly AnyDefinition[]): Offline<Manifest> {
  const op = cache.sqlite.prepare('SELECT display_name FROM operators WHERE id = ?').get(actor.operatorId) as { display_name: string } | undefined;
  const s = session
    ? (cache.sqlite.prepare('SELECT created_at, stepped_up_at FROM local_sessions WHERE token_hash = ?').get(tokenHash(session)) as { created_at: bigint; stepped_up_at: bigint | null } | undefined)
    : undefined;
  const confirmedAt = s ? Math.max(Number(s.created_at), s.stepped_up_at === null ? 0 : Number(s.stepped_up_at)) : null;
  return { ...buildManifest({ actor, displayName: op?.display_name ?? actor.username, confirmedAt, now }, catalog), offline: true };
}
