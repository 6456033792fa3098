/**
 * Router definitions of reconciliation: a run compares our payouts with a provider's records for a
 * period (it calls the provider for as long as that takes, so it is not one router transaction:
 * it writes its own short transactions with their audit entries); the runs and their results are
 * read online and from the cache.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows } from '../../platform/central/store.js';
import { instant, periodOrdered, toDate } from '../../platform/kernel/inputs.js';
import { defineCommand, defineQuery } from '../../platform/kernel/router.js';
import { PROVIDER_NAMES } from '../../platform/payments/provider.js';
import { TreasuryError } from '../../shared/errors.js';
import { listReconciliations, reconciliationResults } from './offline.js';
import { reconcile, RECONCILE_OUTCOMES } from './reconcile.js';

const provider = z.enum(PROVIDER_NAMES);

export const reconcileRun = defineCommand({
  name: 'reconcile.run',
  permission: 'reconciliation.run',
  transactional: false,
  input: z.strictObject({ provider, from: instant, to: instant }).superRefine(periodOrdered),
  async run(ctx, input) {
    return reconcile(ctx.store, (name) => ctx.services.providers(name), {
      provider: input.provider,
      from: toDate(input.from),
      to: toDate(input.to),
      operatorId: ctx.actor.operatorId,
      audit: { commandId: ctx.commandId, ip: ctx.call.ip, workstationId: ctx.workstationId },
      now: () => ctx.now, // the central clock's, not this workstation's (central/clock.ts)
    });
  },
});

export const reconcileList = defineQuery({
  name: 'reconcile.list',
  permission: 'reports.view',
  input: z.strictObject({
    provider: provider.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    offset: z.number().int().min(0).optional(),
  }),
  async run(ctx, input) {
    const runs = await rows<{
      id: string;
      provider: string;
      period_from: Date | string;
      period_to: Date | string;
      status: string;
      counts: Record<string, number>;
      problem: string | null;
      operator: string | null;
      created_at: Date | string;
    }>(
      ctx.tx,
      sql`SELECT r.id, r.provider, r.period_from, r.period_to, r.status, r.counts, r.problem, o.username AS operator, r.created_at
          FROM reconciliation_runs r LEFT JOIN operators o ON o.id = r.operator_id
          WHERE ${input.provider ?? null}::text IS NULL OR r.provider = ${input.provider ?? null}::text
          ORDER BY r.created_at DESC, r.id DESC LIMIT ${input.limit ?? 50} OFFSET ${input.offset ?? 0}`,
    );
    return runs.map((r) => ({
      id: r.id,
      provider: r.provider,
      from: new Date(r.period_from).toISOString(),
      to: new Date(r.period_to).toISOString(),
      status: r.status,
      counts: r.counts,
      problem: r.problem,
      operator: r.operator,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  },
  offline: (ctx, input) => listReconciliations(ctx.cache, input),
});

export const reconcileResults = defineQuery({
  name: 'reconcile.results',
  permission: 'reports.view',
  input: z.strictObject({
    runId: z.string().uuid('must be a reconciliation run id (uuid)'),
    outcome: z.enum(RECONCILE_OUTCOMES).optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
    offset: z.number().int().min(0).optional(),
  }),
  async run(ctx, input) {
    const [run] = await rows<{
      id: string;
      provider: string;
      status: string;
      counts: Record<string, number>;
      problem: string | null;
    }>(
      ctx.tx,
      sql`SELECT id, provider, status, counts, problem FROM reconciliation_runs WHERE id = ${input.runId}::uuid`,
    );
    if (!run) throw new TreasuryError('NOT_FOUND', `no reconciliation run ${input.runId}`);
    const outcome = input.outcome ?? null;
    const [{ n } = { n: 0 }] = await rows<{ n: number }>(
      ctx.tx,
      sql`SELECT count(*)::int AS n FROM reconciliation_results WHERE run_id = ${run.id}::uuid AND (${outcome}::text IS NULL OR outcome = ${outcome}::text)`,
    );
    const results = await rows<{
      id: string;
      payout_id: string | null;
      provider_payout_id: string | null;
      outcome: string;
      our_status: string | null;
      provider_status: string | null;
      our_amount_minor: string | null;
      provider_amount_minor: string | null;
      currency: string | null;
      details: Record<string, unknown>;
    }>(
      ctx.tx,
      sql`SELECT id::text AS id, payout_id, provider_payout_id, outcome, our_status, provider_status,
                 our_amount_minor::text AS our_amount_minor, provider_amount_minor::text AS provider_amount_minor, trim(currency) AS currency, details
          FROM reconciliation_results WHERE run_id = ${run.id}::uuid AND (${outcome}::text IS NULL OR outcome = ${outcome}::text)
          ORDER BY id LIMIT ${input.limit ?? 100} OFFSET ${input.offset ?? 0}`,
    );
    return {
      run: {
        id: run.id,
        provider: run.provider,
        status: run.status,
        counts: run.counts,
        problem: run.problem,
      },
      total: Number(n),
      results: results.map((r) => ({
        id: r.id,
        payoutId: r.payout_id,
        providerPayoutId: r.provider_payout_id,
        outcome: r.outcome,
        ourStatus: r.our_status,
        providerStatus: r.provider_status,
        ourAmountMinor: r.our_amount_minor,
        providerAmountMinor: r.provider_amount_minor,
        currency: r.currency,
        details: r.details,
      })),
    };
  },
  offline: (ctx, input) => reconciliationResults(ctx.cache, input),
});
