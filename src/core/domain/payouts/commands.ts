/**
 * Router definitions for what happens to payouts after execution: polling the providers,
 * reconciliation runs and their results (the exports are in reports/commands.ts).
 *
 * Polling and reconciliation call providers for as long as they take, so
 * they are not one router transaction (transactional: false): each writes its own short transaction
 * with its audit entries, and the router records the call itself.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows } from '../../platform/central/store.js';
import { defineCommand, defineQuery } from '../../platform/kernel/router.js';
import { TreasuryError } from '../../shared/errors.js';
import { PROVIDER_NAMES } from '../../platform/payments/provider.js';
import { reconcile, RECONCILE_OUTCOMES } from '../reconciliation/reconcile.js';
import { pollPayouts } from './poll.js';
import { instant, periodOrdered, toDate } from '../../platform/kernel/inputs.js';
import { listProviderEvents, listReconciliations, reconciliationResults } from './offline.js';

const batchRef = z.string().min(1, 'name a batch by number (B-YYYYMMDD-NNN) or id');
const provider = z.enum(PROVIDER_NAMES);

export const poll = defineCommand({
  name: 'payouts.poll',
  permission: 'batches.execute',
  transactional: false,
  input: z.strictObject({
    batch: batchRef.optional(),
    /** Only these payouts (the exception queue's "look now"). */
    payoutIds: z.array(z.string().uuid()).min(1).max(1000).optional(),
    /** Only payouts whose lookup is due by their back-off schedule (automatic pollers). */
    dueOnly: z.boolean().optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
    /** Also ask about SUCCEEDED payouts settled since then, to catch reversals. */
    includeSucceededSince: instant.optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
  }),
  async run(ctx, input) {
    return pollPayouts(ctx.store, (name) => ctx.services.providers(name), {
      batch: input.batch,
      payoutIds: input.payoutIds,
      dueOnly: input.dueOnly,
      limit: input.limit,
      includeSucceededSince:
        input.includeSucceededSince === undefined ? undefined : toDate(input.includeSucceededSince),
      concurrency: input.concurrency,
      audit: {
        operatorId: ctx.actor.operatorId,
        commandId: ctx.commandId,
        ip: ctx.call.ip,
        workstationId: ctx.workstationId,
      },
    });
  },
});

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

/**
 * Starting the webhook relay is a privileged act (it writes provider news into the central store
 * for as long as it runs): the host asks the router first, so it passes the one permission check
 * and leaves its audit entry like every other command.
 */
export const startRelay = defineCommand({
  name: 'webhooks.relay.start',
  permission: 'admin.manage',
  input: z.strictObject({ host: z.string().min(1), port: z.number().int().min(0).max(65_535) }),
  async run(ctx, input) {
    ctx.audit({
      action: 'webhooks.relay.start',
      entityType: 'webhook_relay',
      entityId: `${input.host}:${input.port}`,
      after: { host: input.host, port: input.port },
    });
    return { authorised: true };
  },
});

/** What the providers told us (webhooks and polls), newest first; per payout or per provider. */
export const events = defineQuery({
  name: 'payout.events',
  permission: 'payables.view',
  input: z.strictObject({
    payout: z.string().uuid('must be a payout id (uuid)').optional(),
    provider: provider.optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
    offset: z.number().int().min(0).optional(),
  }),
  async run(ctx, input) {
    const list = await rows<{
      id: string;
      provider: string;
      event_key: string;
      payout_id: string | null;
      provider_payout_id: string | null;
      type: string;
      status: string | null;
      payload: unknown;
      received_at: Date | string;
    }>(
      ctx.tx,
      sql`SELECT id::text AS id, provider, event_key, payout_id, provider_payout_id, type, status, payload, received_at FROM provider_events
          WHERE (${input.payout ?? null}::uuid IS NULL OR payout_id = ${input.payout ?? null}::uuid)
            AND (${input.provider ?? null}::text IS NULL OR provider = ${input.provider ?? null}::text)
          ORDER BY id DESC LIMIT ${input.limit ?? 100} OFFSET ${input.offset ?? 0}`,
    );
    return list.map((e) => ({
      id: e.id,
      provider: e.provider,
      eventKey: e.event_key,
      payoutId: e.payout_id,
      providerPayoutId: e.provider_payout_id,
      type: e.type,
      status: e.status,
      payload: typeof e.payload === 'string' ? (JSON.parse(e.payload) as unknown) : e.payload,
      receivedAt: new Date(e.received_at).toISOString(),
    }));
  },
  offline: (ctx, input) => listProviderEvents(ctx.cache, input),
});
