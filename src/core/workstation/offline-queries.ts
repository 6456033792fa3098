/**
 * The read side of the offline router: the central queries' answers, in the same shapes, computed
 * from the cache's mirror tables. Where the central query decides something (eligibility, the
 * preview), the same deciding function runs here (calculation/payables.ts, batches/preview.ts).
 *
 * Mirror timestamps are Postgres's COPY text (UTC); they leave here as ISO 8601 like the central
 * answers. Amounts stay integer minor units (bigint in SQLite) and leave as decimal strings.
 */
import { allowedActions, type BatchState } from '../batches/state.js';
import type { PreviewFilters } from '../batches/preview.js';
import type { LocalCache } from '../cache/cache.js';
import { decidePayables, type PayableTotals } from '../calculation/payables.js';
import { TreasuryError } from '../commands/errors.js';
import { toDate } from '../commands/inputs.js';
import { parseRuleSet, ruleVersionAt } from '../commission/index.js';
import { previewOffline, timestampMs } from '../sync/offline.js';

const iso = (text: string | null | undefined) => (text === null || text === undefined ? null : new Date(timestampMs(text)).toISOString());
const json = <T>(text: unknown, fallback: T): T => (typeof text === 'string' ? (JSON.parse(text) as T) : fallback);

export function setupStatus(cache: LocalCache) {
  const row = cache.sqlite.prepare('SELECT count(*) AS n FROM operators').get() as { n: bigint };
  return { initialised: Number(row.n) > 0, offline: true };
}

function ruleRows(cache: LocalCache) {
  return (cache.sqlite.prepare('SELECT version, effective_from, body, created_at FROM commission_rules ORDER BY version').all() as {
    version: bigint; effective_from: string; body: string; created_at: string;
  }[]).map((r) => ({ version: Number(r.version), effectiveFrom: iso(r.effective_from)!, body: JSON.parse(r.body) as unknown, createdAt: iso(r.created_at)! }));
}

export function showRules(cache: LocalCache, now: Date) {
  const versions = ruleRows(cache);
  const current = versions.filter((v) => Date.parse(v.effectiveFrom) <= now.getTime()).at(-1) ?? null;
  return { current: current?.version ?? null, versions };
}

/** payables.list over the cache: the central aggregate in SQLite, then the same decisions. */
export function listPayablesOffline(cache: LocalCache, currency: string | undefined, now: Date) {
  return decidePayables(payableTotalsOffline(cache, currency), rulesInForce(cache, now)?.rules, now);
}

/** The central payables aggregate (calculation/payables.ts), in SQLite over the mirrors. */
export function payableTotalsOffline(cache: LocalCache, currency: string | undefined): PayableTotals[] {
  const totals = cache.sqlite
    .prepare(
      `WITH com AS (
         SELECT m.affiliate_id, trim(m.currency) AS currency,
                coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'payable'), 0) AS payable,
                count(*) FILTER (WHERE m.status = 'payable') AS payable_count,
                coalesce(sum(m.amount_minor) FILTER (WHERE m.status = 'pending'), 0) AS pending,
                count(*) FILTER (WHERE m.status = 'pending') AS pending_count
         FROM commissions m
         WHERE m.status IN ('payable', 'pending') AND NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.commission_id = m.id AND l.live = 1)
         GROUP BY m.affiliate_id, trim(m.currency)),
       adj AS (
         SELECT d.affiliate_id, trim(d.currency) AS currency, sum(d.amount_minor) AS adjustments
         FROM adjustments d WHERE NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.adjustment_id = d.id AND l.live = 1)
         GROUP BY d.affiliate_id, trim(d.currency))
       SELECT a.id AS affiliate_id, a.name, a.status, a.kyc_status, a.payout_provider, k.currency,
              coalesce(com.payable, 0) AS payable, coalesce(com.payable_count, 0) AS payable_count,
              coalesce(com.pending, 0) AS pending, coalesce(com.pending_count, 0) AS pending_count,
              coalesce(adj.adjustments, 0) AS adjustments
       FROM (SELECT affiliate_id, currency FROM com UNION SELECT affiliate_id, currency FROM adj) k
       JOIN affiliates a ON a.id = k.affiliate_id
       LEFT JOIN com ON com.affiliate_id = k.affiliate_id AND com.currency = k.currency
       LEFT JOIN adj ON adj.affiliate_id = k.affiliate_id AND adj.currency = k.currency
       WHERE ? IS NULL OR k.currency = ?
       ORDER BY k.currency, a.id`,
    )
    .all(currency ?? null, currency ?? null) as (Omit<PayableTotals, 'payable' | 'pending' | 'adjustments'> & { payable: bigint; pending: bigint; adjustments: bigint })[];
  // SQLite sums integers exactly (64-bit); they travel on as decimal strings like the central text.
  return totals.map((t) => ({ ...t, payable: String(t.payable), pending: String(t.pending), adjustments: String(t.adjustments) }));
}

/** The rule version in force at `now`, from the mirrored versions. */
export function rulesInForce(cache: LocalCache, now: Date) {
  const versions = ruleRows(cache).map((v) => ({ version: v.version, effectiveFrom: Date.parse(v.effectiveFrom), rules: parseRuleSet(v.body) }));
  return ruleVersionAt(versions, now.getTime());
}

export interface FilterInput {
  affiliateIds?: string[];
  provider?: string;
  currency?: string;
  cutoff?: string;
  fxRates?: Record<string, string>;
}

export function filters(input: FilterInput): PreviewFilters {
  return { ...input, provider: input.provider as never, cutoff: input.cutoff === undefined ? undefined : toDate(input.cutoff) };
}

export function previewInput(cache: LocalCache, input: FilterInput, now: Date) {
  return previewOffline(cache, filters(input), now).preview;
}

interface BatchMirror {
  id: string; number: string; status: BatchState; content_hash: string | null; fx_rates: string; group_id: string | null; part: bigint; parts: bigint;
  request: string; summary: string; required_approvals: bigint; high_value: bigint; created_by: string; submitted_at: string | null;
  lease_owner: string | null; lease_token: bigint; lease_expires_at: string | null; execution_started_at: string | null; completed_at: string | null; created_at: string;
}

export function listBatches(cache: LocalCache, input: { status?: string; limit?: number }) {
  // The same shape as online: maker and valid approvals (not voided, for the current content).
  const list = cache.sqlite
    .prepare(
      `SELECT b.id, b.number, b.status, b.created_at, b.summary, b.required_approvals, o.username AS created_by,
              (SELECT coalesce(json_group_array(ao.username), '[]') FROM (SELECT ao.username FROM batch_approvals a JOIN operators ao ON ao.id = a.operator_id
                WHERE a.batch_id = b.id AND a.voided_at IS NULL AND a.content_hash = b.content_hash ORDER BY a.id) ao) AS approved_by
       FROM payout_batches b LEFT JOIN operators o ON o.id = b.created_by
       WHERE ? IS NULL OR b.status = ? ORDER BY b.created_at DESC, b.number DESC LIMIT ?`,
    )
    .all(input.status ?? null, input.status ?? null, input.limit ?? 50) as (Pick<BatchMirror, 'id' | 'number' | 'status' | 'created_at' | 'summary' | 'required_approvals'> & { created_by: string | null; approved_by: string })[];
  return list.map((b) => {
    const summary = json<{ payouts?: number; totals?: unknown[] }>(b.summary, {});
    return {
      id: b.id,
      number: b.number,
      status: b.status,
      createdAt: iso(b.created_at)!,
      createdBy: b.created_by,
      payouts: summary.payouts ?? 0,
      totals: summary.totals ?? [],
      requiredApprovals: Number(b.required_approvals),
      approvedBy: JSON.parse(b.approved_by) as string[],
    };
  });
}

export function showBatch(cache: LocalCache, input: { batch: string; payouts?: boolean; limit?: number; offset?: number }) {
  const b = cache.sqlite.prepare('SELECT * FROM payout_batches WHERE id = ? OR number = ?').get(input.batch, input.batch) as BatchMirror | undefined;
  if (!b) throw new TreasuryError('NOT_FOUND', `no batch ${input.batch} in this workstation's cache (offline: as of the last sync)`);
  const creator = cache.sqlite.prepare('SELECT username FROM operators WHERE id = ?').get(b.created_by) as { username: string } | undefined;
  const approvals = cache.sqlite
    .prepare('SELECT o.username, a.content_hash, a.created_at, a.voided_at, a.void_reason FROM batch_approvals a LEFT JOIN operators o ON o.id = a.operator_id WHERE a.batch_id = ? ORDER BY a.id')
    .all(b.id) as { username: string | null; content_hash: string; created_at: string; voided_at: string | null; void_reason: string | null }[];
  const counts = cache.sqlite
    .prepare('SELECT status, trim(currency) AS currency, count(*) AS n, sum(amount_minor) AS amount FROM payouts WHERE batch_id = ? GROUP BY status, trim(currency) ORDER BY status, currency')
    .all(b.id) as { status: string; currency: string; n: bigint; amount: bigint }[];
  const summary = json<{ totals?: unknown[] }>(b.summary, {});
  const payouts = input.payouts
    ? (cache.sqlite
        .prepare(
          `SELECT id, affiliate_id, amount_minor, trim(currency) AS currency, source_amount_minor, trim(source_currency) AS source_currency, fx_rate, provider, channel_code,
                  status, attempt, provider_payout_id, provider_status, failure_code
           FROM payouts WHERE batch_id = ? ORDER BY affiliate_id LIMIT ? OFFSET ?`,
        )
        .all(b.id, input.limit ?? 1000, input.offset ?? 0) as Record<string, unknown>[]).map((p) => ({
        ...p,
        amount_minor: String(p.amount_minor),
        source_amount_minor: String(p.source_amount_minor),
        attempt: Number(p.attempt),
      }))
    : undefined;
  return {
    id: b.id,
    number: b.number,
    status: b.status,
    contentHash: b.content_hash,
    fxRates: json<Record<string, string>>(b.fx_rates, {}),
    highValue: Boolean(Number(b.high_value)),
    requiredApprovals: Number(b.required_approvals),
    createdBy: creator?.username ?? b.created_by,
    summary: json<unknown>(b.summary, {}),
    request: json<unknown>(b.request, {}),
    group_id: b.group_id,
    part: Number(b.part),
    parts: Number(b.parts),
    created_at: iso(b.created_at),
    submitted_at: iso(b.submitted_at),
    execution_started_at: iso(b.execution_started_at),
    completed_at: iso(b.completed_at),
    created_by_name: creator?.username ?? null,
    totals: summary.totals ?? [],
    approvals: approvals.map((a) => ({ by: a.username, contentHash: a.content_hash, at: iso(a.created_at), valid: !a.voided_at && a.content_hash === b.content_hash, voidReason: a.void_reason })),
    payoutsByStatus: counts.map((c) => ({ status: c.status, currency: c.currency, payouts: Number(c.n), amountMinor: String(c.amount) })),
    allowedActions: allowedActions(b.status),
    lease: b.lease_owner ? { owner: b.lease_owner, token: String(b.lease_token), expiresAt: iso(b.lease_expires_at) } : null,
    payouts,
    offline: true,
  };
}

export function listReconciliations(cache: LocalCache, input: { provider?: string; limit?: number; offset?: number }) {
  const runs = cache.sqlite
    .prepare(
      `SELECT r.id, r.provider, r.period_from, r.period_to, r.status, r.counts, r.problem, o.username AS operator, r.created_at
       FROM reconciliation_runs r LEFT JOIN operators o ON o.id = r.operator_id
       WHERE ? IS NULL OR r.provider = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?`,
    )
    .all(input.provider ?? null, input.provider ?? null, input.limit ?? 50, input.offset ?? 0) as {
    id: string; provider: string; period_from: string; period_to: string; status: string; counts: string; problem: string | null; operator: string | null; created_at: string;
  }[];
  return runs.map((r) => ({
    id: r.id, provider: r.provider, from: iso(r.period_from), to: iso(r.period_to), status: r.status, counts: json(r.counts, {}), problem: r.problem, operator: r.operator, createdAt: iso(r.created_at),
  }));
}

export function reconciliationResults(cache: LocalCache, input: { runId: string; outcome?: string; limit?: number; offset?: number }) {
  const run = cache.sqlite.prepare('SELECT id, provider, status, counts, problem FROM reconciliation_runs WHERE id = ?').get(input.runId) as
    | { id: string; provider: string; status: string; counts: string; problem: string | null }
    | undefined;
  if (!run) throw new TreasuryError('NOT_FOUND', `no reconciliation run ${input.runId} in this workstation's cache (offline: as of the last sync)`);
  const outcome = input.outcome ?? null;
  const n = cache.sqlite.prepare('SELECT count(*) AS n FROM reconciliation_results WHERE run_id = ? AND (? IS NULL OR outcome = ?)').get(run.id, outcome, outcome) as { n: bigint };
  const results = cache.sqlite
    .prepare(
      `SELECT id, payout_id, provider_payout_id, outcome, our_status, provider_status, our_amount_minor, provider_amount_minor, trim(currency) AS currency, details
       FROM reconciliation_results WHERE run_id = ? AND (? IS NULL OR outcome = ?) ORDER BY id LIMIT ? OFFSET ?`,
    )
    .all(run.id, outcome, outcome, input.limit ?? 100, input.offset ?? 0) as Record<string, unknown>[];
  const amount = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    run: { id: run.id, provider: run.provider, status: run.status, counts: json(run.counts, {}), problem: run.problem },
    total: Number(n.n),
    results: results.map((r) => ({
      id: String(r.id),
      payoutId: r.payout_id,
      providerPayoutId: r.provider_payout_id,
      outcome: r.outcome,
      ourStatus: r.our_status,
      providerStatus: r.provider_status,
      ourAmountMinor: amount(r.our_amount_minor),
      providerAmountMinor: amount(r.provider_amount_minor),
      currency: r.currency,
      details: json(r.details, {}),
    })),
  };
}

export function listProviderEvents(cache: LocalCache, input: { payout?: string; provider?: string; limit?: number; offset?: number }) {
  const list = cache.sqlite
    .prepare(
      `SELECT id, provider, event_key, payout_id, provider_payout_id, type, status, payload, received_at FROM provider_events
       WHERE (? IS NULL OR payout_id = ?) AND (? IS NULL OR provider = ?) ORDER BY id DESC LIMIT ? OFFSET ?`,
    )
    .all(input.payout ?? null, input.payout ?? null, input.provider ?? null, input.provider ?? null, input.limit ?? 100, input.offset ?? 0) as {
    id: bigint; provider: string; event_key: string; payout_id: string | null; provider_payout_id: string | null; type: string; status: string | null; payload: string; received_at: string;
  }[];
  return list.map((e) => ({
    id: String(e.id), provider: e.provider, eventKey: e.event_key, payoutId: e.payout_id, providerPayoutId: e.provider_payout_id, type: e.type, status: e.status,
    payload: json<unknown>(e.payload, null), receivedAt: iso(e.received_at),
  }));
}
