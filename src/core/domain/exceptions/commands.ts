/**
 * The exception queue's calls: the list, and the two actions that are its own — acknowledging an
 * exception a person has dealt with, and cancelling a waiting payout at the provider. The other
 * actions the queue offers are the existing calls: retry (`batch.retry` with the payout), release
 * for the next batch (`payout.cancel`), resume (`batch.execute`), look now (`payouts.poll` with
 * the payout named: asked at once, whatever its lookup schedule), hold the affiliate
 * (`affiliate.hold`).
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { appendAudit, type AuditEntry } from '../../platform/kernel/audit-chain.js';
import { centralNow } from '../../platform/central/clock.js';
import { rows, type CentralStore } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import {
  defineCommand,
  defineQuery,
  operatorIdOf,
  type HandlerContext,
  type Services,
} from '../../platform/kernel/router.js';
import { applyStatusUpdates } from '../payouts/status.js';
import {
  ProviderError,
  type ProviderName,
  type ProviderPayout,
} from '../../platform/payments/provider.js';
import { EXCEPTION_KINDS, listExceptions, type ExceptionsPage } from './queue.js';

export const list = defineQuery({
  name: 'exceptions.list',
  permission: 'payables.view',
  input: z.strictObject({
    kind: z
      .enum(EXCEPTION_KINDS, { error: `must be one of ${EXCEPTION_KINDS.join(', ')}` })
      .optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    offset: z.number().int().min(0).optional(),
  }),
  run: (ctx, input): Promise<ExceptionsPage> => listExceptions(ctx.tx, input, ctx.now),
});

const note = z
  .string()
  .trim()
  .min(3, 'say in a few words what was done (at least 3 characters)')
  .max(500);

/**
 * Takes a payout out of the queue without changing it: a reversal whose amount the next payout
 * carries anyway, a compliance hold the provider is working on. The note says what a person did.
 */
export const acknowledge = defineCommand({
  name: 'exception.acknowledge',
  permission: 'payouts.retry',
  input: z.strictObject({ payoutId: z.string().uuid(), note }),
  async run(ctx, input) {
    const [p] = await rows<{
      id: string;
      status: string;
      provider_status: string | null;
      cleared: boolean;
    }>(
      ctx.tx,
      sql`SELECT id, status, provider_status, exception_cleared_at IS NOT NULL AS cleared FROM payouts WHERE id = ${input.payoutId}::uuid FOR UPDATE`,
    );
    if (!p) throw new TreasuryError('NOT_FOUND', `no payout ${input.payoutId}`);
    if (p.cleared) throw new TreasuryError('CONFLICT', `payout ${p.id} was already acknowledged`);
    // A failed payout is dealt with by retrying or releasing it, an unresolved one by resuming: an
    // acknowledgement would hide money that is still owed or still in doubt.
    if (p.status !== 'REVERSED' && p.status !== 'ACCEPTED') {
      throw new TreasuryError(
        'ILLEGAL_TRANSITION',
        `payout ${p.id} is ${p.status}: only a reversed payout or one held at the provider can be acknowledged (retry or release a failed one; resume the batch for an unknown one)`,
      );
    }
    await ctx.tx
      .execute(sql`UPDATE payouts SET exception_cleared_at = ${ctx.now.toISOString()}::timestamptz, exception_cleared_by = ${operatorIdOf(ctx)}::uuid,
                             exception_note = ${input.note}, updated_at = ${ctx.now.toISOString()}::timestamptz WHERE id = ${p.id}::uuid`);
    ctx.audit({
      action: 'exception.acknowledge',
      entityType: 'payout',
      entityId: p.id,
      before: { status: p.status, providerStatus: p.provider_status },
      after: { acknowledged: true, note: input.note },
    });
    return { payoutId: p.id, acknowledged: true };
  },
});

/**
 * Asks the provider to cancel a payout that waits there (stuck, held). The provider decides: the
 * answer — cancelled, or already paid, or still going — is applied like any other news, so a payout
 * the provider paid in the meantime is recorded as paid, never as cancelled.
 */
export const cancelAtProvider = defineCommand({
  name: 'payout.cancelAtProvider',
  permission: 'batches.cancel',
  stepUp: true,
  transactional: false,
  input: z.strictObject({ payoutId: z.string().uuid(), reason: note }),
  async run(ctx, input) {
    const p = await waitingPayout(ctx.store, input.payoutId);
    const after = await askToCancel(ctx.services, p);
    return recordCancelAnswer(ctx, p, after, input.reason);
  },
});

interface WaitingPayout {
  id: string;
  status: string;
  provider: ProviderName;
  attempt: number;
  provider_payout_id: string;
}

/** The payout with its current attempt's provider id; refused unless it waits at the provider. */
async function waitingPayout(store: CentralStore, payoutId: string): Promise<WaitingPayout> {
  const [p] = await rows<
    Omit<WaitingPayout, 'provider_payout_id'> & { provider_payout_id: string | null }
  >(
    store.db,
    sql`SELECT p.id, p.status, p.provider, p.attempt, coalesce(a.provider_payout_id, p.provider_payout_id) AS provider_payout_id
        FROM payouts p LEFT JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt WHERE p.id = ${payoutId}::uuid`,
  );
  if (!p) throw new TreasuryError('NOT_FOUND', `no payout ${payoutId}`);
  if (p.status !== 'ACCEPTED' || !p.provider_payout_id) {
    throw new TreasuryError(
      'ILLEGAL_TRANSITION',
      `payout ${p.id} is ${p.status}: only a payout waiting at the provider can be cancelled there`,
    );
  }
  return { ...p, provider_payout_id: p.provider_payout_id };
}

/** The provider's answer to the cancel; a provider that cannot be asked changes nothing. */
async function askToCancel(services: Services, p: WaitingPayout): Promise<ProviderPayout> {
  try {
    return await (await services.providers(p.provider)).cancel(p.provider_payout_id);
  } catch (error) {
    if (error instanceof ProviderError)
      throw new TreasuryError(
        'PROVIDER_UNAVAILABLE',
        `${p.provider} could not be asked to cancel payout ${p.id}: ${error.message}; nothing changed`,
        [],
        { cause: error },
      );
    throw error;
  }
}

/**
 * The answer applied like any other news, in one transaction with the request's audit entry and
 * whatever status change it makes.
 */
async function recordCancelAnswer(
  ctx: HandlerContext,
  p: WaitingPayout,
  after: ProviderPayout,
  reason: string,
) {
  return ctx.store.db.transaction(async (tx) => {
    const now = await centralNow(tx);
    const entries: AuditEntry[] = [
      {
        action: 'payout.cancel_at_provider',
        entityType: 'payout',
        entityId: p.id,
        before: { status: p.status },
        after: { reason, providerStatus: after.rawStatus },
      },
    ];
    const update = {
      payoutId: p.id,
      attempt: Number(p.attempt),
      providerPayoutId: after.providerId,
      status: after.status,
      rawStatus: after.rawStatus,
      failureCode: after.failureCode,
      source: 'poll' as const,
    };
    const applied = await applyStatusUpdates(tx, [update], now, (e) => void entries.push(e));
    await appendAudit(
      tx,
      {
        operatorId: operatorIdOf(ctx),
        commandId: ctx.commandId,
        ip: ctx.call.ip,
        workstationId: ctx.workstationId,
        decision: 'allowed',
        at: now,
      },
      entries,
    );
    return {
      payoutId: p.id,
      providerStatus: after.rawStatus,
      status: applied[0]?.to ?? p.status,
    };
  });
}
