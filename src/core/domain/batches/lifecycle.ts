/**
 * The batch transitions before execution — submit, approve (maker-checker), reject, cancel — and
 * content edits. Each runs inside the router's one transaction, locks the batch row, checks the
 * transition table, and records its audit entry with the change.
 *
 * Maker-checker: the creator never approves their own batch; a batch with any high-value payout
 * needs two distinct approvers holding `batches.approve_high_value`. Every approval is bound to the
 * content hash recomputed from the stored payouts; when the content changes, approvals given for
 * other content are voided (and an APPROVED batch goes back to SUBMITTED).
 */
import { pgArray } from '../../platform/central/arrays.js';
import { sql } from 'drizzle-orm';
import { roleHas } from '../../shared/permissions.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { approvalHits, gate } from '../security/rules.js';
import type { ActorContext, HandlerContext } from '../../platform/kernel/router.js';
import { assertPayoutsBalance, computeContentHash, loadBatch, type BatchRow } from './content.js';
import { transition, type BatchAction, type BatchState } from '../../shared/batch-state.js';

/** Moves the (locked) batch by `action`; writes the status and the audit entry. */
export async function moveBatch(
  ctx: Pick<HandlerContext, 'tx' | 'audit' | 'now'>,
  batch: BatchRow,
  action: BatchAction,
  details: Record<string, unknown> = {},
): Promise<BatchState> {
  const to = transition(batch.number, batch.status, action);
  const extra =
    action === 'submit' ? sql`, submitted_at = ${ctx.now.toISOString()}::timestamptz` : sql``;
  await ctx.tx.execute(
    sql`UPDATE payout_batches SET status = ${to}, updated_at = ${ctx.now.toISOString()}::timestamptz ${extra} WHERE id = ${batch.id}::uuid`,
  );
  ctx.audit({
    action: `batch.${action}`,
    entityType: 'payout_batch',
    entityId: batch.id,
    before: { status: batch.status },
    after: { status: to, number: batch.number, ...(details as Record<string, never>) },
  });
  return to;
}

/** Voids live approvals not given for `currentHash`; returns how many. */
export async function voidStaleApprovals(
  tx: CentralTx,
  batchId: string,
  currentHash: string,
  now: Date,
  reason: string,
): Promise<number> {
  const voided = await rows<{ id: string }>(
    tx,
    sql`UPDATE batch_approvals SET voided_at = ${now.toISOString()}::timestamptz, void_reason = ${reason}
        WHERE batch_id = ${batchId}::uuid AND voided_at IS NULL AND content_hash <> ${currentHash} RETURNING id::text`,
  );
  return voided.length;
}

async function voidAllApprovals(
  tx: CentralTx,
  batchId: string,
  now: Date,
  reason: string,
): Promise<number> {
  const voided = await rows<{ id: string }>(
    tx,
    sql`UPDATE batch_approvals SET voided_at = ${now.toISOString()}::timestamptz, void_reason = ${reason}
        WHERE batch_id = ${batchId}::uuid AND voided_at IS NULL RETURNING id::text`,
  );
  return voided.length;
}

/**
 * Recomputes the content hash; when it differs from the stored one, stores the new one and voids
 * approvals given for other content (an APPROVED batch returns to SUBMITTED). Returns the hash.
 */
export async function refreshContentHash(
  ctx: Pick<HandlerContext, 'tx' | 'audit' | 'now'>,
  batch: BatchRow,
  reason: string,
): Promise<{ hash: string; changed: boolean; voided: number }> {
  const hash = await computeContentHash(ctx.tx, batch);
  if (hash === batch.contentHash) return { hash, changed: false, voided: 0 };
  await ctx.tx.execute(
    sql`UPDATE payout_batches SET content_hash = ${hash}, updated_at = ${ctx.now.toISOString()}::timestamptz WHERE id = ${batch.id}::uuid`,
  );
  const voided = await voidStaleApprovals(ctx.tx, batch.id, hash, ctx.now, reason);
  ctx.audit({
    action: 'batch.content_changed',
    entityType: 'payout_batch',
    entityId: batch.id,
    before: { contentHash: batch.contentHash },
    after: { contentHash: hash, approvalsVoided: voided, reason },
  });
  if (batch.status === 'APPROVED') {
    await moveBatch(ctx, batch, 'invalidate', { reason });
    batch.status = 'SUBMITTED';
  }
  batch.contentHash = hash;
  return { hash, changed: true, voided };
}

export async function submitBatch(ctx: ActorContext, ref: string) {
  const batch = await loadBatch(ctx.tx, ref, { forUpdate: true });
  // Submitting again answers a rejection: it leaves the batch (the audit trail keeps it).
  await ctx.tx.execute(
    sql`UPDATE payout_batches SET submitted_by = ${ctx.actor.operatorId}::uuid, rejected_by = NULL, rejected_at = NULL, rejection_reason = NULL
        WHERE id = ${batch.id}::uuid`,
  );
  const status = await moveBatch(ctx, batch, 'submit');
  return { id: batch.id, number: batch.number, status, contentHash: batch.contentHash };
}

export async function approveBatch(ctx: ActorContext, ref: string, seenHash: string | undefined) {
  const actor = ctx.actor;
  const batch = await loadBatch(ctx.tx, ref, { forUpdate: true });
  // Check legality first so an approval of a DRAFT or EXECUTING batch is a typed transition error.
  transition(batch.number, batch.status, 'approve');
  if (batch.createdBy === actor.operatorId) {
    throw new TreasuryError(
      'MAKER_CHECKER',
      `${actor.username} created batch ${batch.number} and cannot approve it: another operator must`,
    );
  }
  if (batch.highValue && !roleHas(actor.role, 'batches.approve_high_value')) {
    throw new TreasuryError(
      'FORBIDDEN',
      `batch ${batch.number} holds high-value payouts: approving it needs the permission batches.approve_high_value, which ${actor.username} (${actor.role}) lacks`,
    );
  }
  const { hash } = await refreshContentHash(ctx, batch, 'content changed before approval');
  if (seenHash !== undefined && seenHash !== hash) {
    throw new TreasuryError(
      'APPROVAL_VOID',
      `batch ${batch.number} changed since you reviewed it (you saw ${seenHash.slice(0, 12)}…, it is now ${hash.slice(0, 12)}…): review it again`,
    );
  }
  const [mine] = await rows<{ id: string }>(
    ctx.tx,
    sql`SELECT id::text FROM batch_approvals WHERE batch_id = ${batch.id}::uuid AND operator_id = ${actor.operatorId}::uuid AND voided_at IS NULL`,
  );
  if (mine)
    throw new TreasuryError(
      'MAKER_CHECKER',
      `${actor.username} already approved batch ${batch.number}: a second approval must come from another operator`,
    );
  // Suspicious-activity rules: a high-risk hit holds the approval until a second admin
  // acknowledges.
  const held = await gate(ctx, await approvalHits(ctx, batch));
  if (held) return { id: batch.id, number: batch.number, status: batch.status, ...held };
  await ctx.tx
    .execute(sql`INSERT INTO batch_approvals (batch_id, operator_id, content_hash, high_value, created_at)
                           VALUES (${batch.id}::uuid, ${actor.operatorId}::uuid, ${hash}, ${batch.highValue}, ${ctx.now.toISOString()}::timestamptz)`);
  const [{ n } = { n: 0 }] = await rows<{ n: number }>(
    ctx.tx,
    sql`SELECT count(*)::int AS n FROM batch_approvals WHERE batch_id = ${batch.id}::uuid AND voided_at IS NULL AND content_hash = ${hash}`,
  );
  const approvals = Number(n);
  ctx.audit({
    action: 'batch.approval',
    entityType: 'payout_batch',
    entityId: batch.id,
    after: {
      number: batch.number,
      contentHash: hash,
      approvals,
      required: batch.requiredApprovals,
    },
  });
  let status: BatchState = batch.status;
  if (approvals >= batch.requiredApprovals)
    status = await moveBatch(ctx, batch, 'approve', { contentHash: hash, approvals });
  return {
    id: batch.id,
    number: batch.number,
    status,
    approvals,
    requiredApprovals: batch.requiredApprovals,
    contentHash: hash,
  };
}

export async function rejectBatch(ctx: ActorContext, ref: string, reason: string) {
  const batch = await loadBatch(ctx.tx, ref, { forUpdate: true });
  transition(batch.number, batch.status, 'reject');
  if (batch.createdBy === ctx.actor.operatorId)
    throw new TreasuryError(
      'MAKER_CHECKER',
      `${ctx.actor.username} created batch ${batch.number}: a checker rejects it, not its maker (cancel it instead)`,
    );
  const voided = await voidAllApprovals(ctx.tx, batch.id, ctx.now, `rejected: ${reason}`);
  // Kept on the batch until it is submitted again, so the maker sees who, when and why.
  await ctx.tx.execute(
    sql`UPDATE payout_batches SET rejected_by = ${ctx.actor.operatorId}::uuid, rejected_at = ${ctx.now.toISOString()}::timestamptz,
               rejection_reason = ${reason}
        WHERE id = ${batch.id}::uuid`,
  );
  const status = await moveBatch(ctx, batch, 'reject', { reason, approvalsVoided: voided });
  return {
    id: batch.id,
    number: batch.number,
    status,
    rejection: { by: ctx.actor.username, at: ctx.now.toISOString(), reason },
  };
}

/** Releases every live item of the batch's not-yet-sent payouts and cancels them. */
async function releasePayouts(
  ctx: Pick<HandlerContext, 'tx' | 'now'>,
  batchId: string,
  affiliateIds: readonly string[] | null,
): Promise<number> {
  const cancelled = await rows<{ id: string }>(
    ctx.tx,
    sql`UPDATE payouts SET status = 'CANCELLED', updated_at = ${ctx.now.toISOString()}::timestamptz
        WHERE batch_id = ${batchId}::uuid AND status = 'PENDING'
          AND (${affiliateIds === null}::boolean OR affiliate_id = ANY(${pgArray(affiliateIds ?? [])}::text[]))
        RETURNING id`,
  );
  if (cancelled.length > 0) {
    await ctx.tx.execute(
      sql`UPDATE payout_items SET live = false WHERE payout_id = ANY(${pgArray(cancelled.map((c) => c.id))}::uuid[]) AND live`,
    );
  }
  return cancelled.length;
}

export async function cancelBatch(ctx: HandlerContext, ref: string, reason: string) {
  const batch = await loadBatch(ctx.tx, ref, { forUpdate: true });
  transition(batch.number, batch.status, 'cancel');
  const released = await releasePayouts(ctx, batch.id, null);
  const voided = await voidAllApprovals(ctx.tx, batch.id, ctx.now, `cancelled: ${reason}`);
  const status = await moveBatch(ctx, batch, 'cancel', {
    reason,
    payoutsReleased: released,
    approvalsVoided: voided,
  });
  return { id: batch.id, number: batch.number, status, payoutsReleased: released };
}

/** Takes affiliates out of a batch before approval; their commissions become payable again. */
export async function removePayouts(
  ctx: HandlerContext,
  ref: string,
  affiliateIds: readonly string[],
) {
  const batch = await loadBatch(ctx.tx, ref, { forUpdate: true });
  if (batch.status !== 'DRAFT' && batch.status !== 'SUBMITTED' && batch.status !== 'APPROVED') {
    throw new TreasuryError(
      'ILLEGAL_TRANSITION',
      `batch ${batch.number} is ${batch.status}: payouts can only be removed before execution`,
    );
  }
  const released = await releasePayouts(ctx, batch.id, affiliateIds);
  if (released === 0)
    throw new TreasuryError(
      'NOT_FOUND',
      `batch ${batch.number} holds no pending payout for ${affiliateIds.join(', ')}`,
    );
  await assertPayoutsBalance(ctx.tx, [batch.id]);
  ctx.audit({
    action: 'batch.remove_payouts',
    entityType: 'payout_batch',
    entityId: batch.id,
    after: { affiliateIds: [...affiliateIds], released },
  });
  const { hash, voided } = await refreshContentHash(ctx, batch, 'payouts removed');
  return {
    id: batch.id,
    number: batch.number,
    status: batch.status,
    released,
    contentHash: hash,
    approvalsVoided: voided,
  };
}
