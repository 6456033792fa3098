/**
 * Reconciliation runs and their results offline (the offline handlers of reconcile.list and
 * reconcile.results): the central answers' shapes from the cache's mirror tables.
 */
import type { LocalCache } from '../../platform/cache/cache.js';
import { isoText, jsonText } from '../../platform/cache/mirror-text.js';
import { TreasuryError } from '../../shared/errors.js';

export function listReconciliations(
  cache: LocalCache,
  input: { provider?: string; limit?: number; offset?: number },
) {
  const runs = cache.sqlite
    .prepare(
      `SELECT r.id, r.provider, r.period_from, r.period_to, r.status, r.counts, r.problem, o.username AS operator, r.created_at
       FROM reconciliation_runs r LEFT JOIN operators o ON o.id = r.operator_id
       WHERE ? IS NULL OR r.provider = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?`,
    )
    .all(input.provider ?? null, input.provider ?? null, input.limit ?? 50, input.offset ?? 0) as {
    id: string;
    provider: string;
    period_from: string;
    period_to: string;
    status: string;
    counts: string;
    problem: string | null;
    operator: string | null;
    created_at: string;
  }[];
  return runs.map((r) => ({
    id: r.id,
    provider: r.provider,
    from: isoText(r.period_from),
    to: isoText(r.period_to),
    status: r.status,
    counts: jsonText(r.counts, {}),
    problem: r.problem,
    operator: r.operator,
    createdAt: isoText(r.created_at),
  }));
}

export function reconciliationResults(
  cache: LocalCache,
  input: { runId: string; outcome?: string; limit?: number; offset?: number },
) {
  const run = cache.sqlite
    .prepare('SELECT id, provider, status, counts, problem FROM reconciliation_runs WHERE id = ?')
    .get(input.runId) as
    | { id: string; provider: string; status: string; counts: string; problem: string | null }
    | undefined;
  if (!run)
    throw new TreasuryError(
      'NOT_FOUND',
      `no reconciliation run ${input.runId} in this workstation's cache (offline: as of the last sync)`,
    );
  const outcome = input.outcome ?? null;
  const n = cache.sqlite
    .prepare(
      'SELECT count(*) AS n FROM reconciliation_results WHERE run_id = ? AND (? IS NULL OR outcome = ?)',
    )
    .get(run.id, outcome, outcome) as { n: bigint };
  const results = cache.sqlite
    .prepare(
      `SELECT id, payout_id, provider_payout_id, outcome, our_status, provider_status, our_amount_minor, provider_amount_minor, trim(currency) AS currency, details
       FROM reconciliation_results WHERE run_id = ? AND (? IS NULL OR outcome = ?) ORDER BY id LIMIT ? OFFSET ?`,
    )
    .all(run.id, outcome, outcome, input.limit ?? 100, input.offset ?? 0) as Record<
    string,
    unknown
  >[];
  const amount = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    run: {
      id: run.id,
      provider: run.provider,
      status: run.status,
      counts: jsonText(run.counts, {}),
      problem: run.problem,
    },
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
      details: jsonText(r.details, {}),
    })),
  };
}
