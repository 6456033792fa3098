/**
 * Router definitions for what happens to payouts after execution: polling the providers, and what
 * they told us (reconciliation is in reconciliation/commands.ts, the exports in reports/).
 *
 * Polling and reconciliation call providers for as long as they take, so
 * they are not one router transaction (transactional: false): each writes its own short transaction
 * with its audit entries, and the router records the call itself.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { defineCommand, defineQuery } from '../../platform/kernel/router.js';
import { PROVIDER_NAMES } from '../../platform/payments/provider.js';
import { pollPayouts } from './poll.js';
import { instant, toDate } from '../../platform/kernel/inputs.js';
import { listProviderEvents } from './offline.js';

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

/** A failed payout given up: its commissions and adjustments become payable again. */
/** A failed payout given up on: its commissions are released for a later batch. */
export const cancelPayout = defineCommand({
  name: 'payout.cancel',
  permission: 'batches.cancel',
  input: z.strictObject({ payoutId: z.string().uuid(), reason: z.string().min(3).max(500) }),
  async run(ctx, input) {
    const [p] = await rows<{ id: string; status: string; batch_id: string }>(
      ctx.tx,
      sql`SELECT id, status, batch_id FROM payouts WHERE id = ${input.payoutId}::uuid FOR UPDATE`,
    );
    if (!p) throw new TreasuryError('NOT_FOUND', `no payout ${input.payoutId}`);
    if (p.status !== 'FAILED')
      throw new TreasuryError(
        'ILLEGAL_TRANSITION',
        `payout ${p.id} is ${p.status}: only a FAILED payout can be cancelled here (pending ones: remove them from the batch or cancel the batch)`,
      );
    await ctx.tx.execute(
      sql`UPDATE payouts SET status = 'CANCELLED', updated_at = ${ctx.now.toISOString()}::timestamptz WHERE id = ${p.id}::uuid`,
    );
    const released = await rows<{ id: string }>(
      ctx.tx,
      sql`UPDATE payout_items SET live = false WHERE payout_id = ${p.id}::uuid AND live RETURNING id::text`,
    );
    ctx.audit({
      action: 'payout.cancel',
      entityType: 'payout',
      entityId: p.id,
      before: { status: 'FAILED' },
      after: { status: 'CANCELLED', reason: input.reason, itemsReleased: released.length },
    });
    return { id: p.id, status: 'CANCELLED', itemsReleased: released.length };
  },
});
