/**
 * What maker and checker say to each other through a batch: the maker's note, the affiliates the
 * maker left out and why (left-out.ts), the rejection that stands until the batch is submitted
 * again, and each operator's approvals inbox — the batches awaiting their approval.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { roleHas } from '../../shared/permissions.js';
import { isoText } from '../../platform/cache/mirror-text.js';
import { leftOutOf, type LeftOut } from './left-out.js';

/** A rejection while it stands (cleared by the next submit). */
export interface Rejection {
  by: string | null;
  at: string;
  reason: string;
}

export interface Conversation {
  note: string | null;
  leftOut: LeftOut[];
  rejection: Rejection | null;
}

/** What this operator's role lets them approve: nothing, ordinary batches, or high-value ones too. */
export function mayApprove(role: string): { any: boolean; highValue: boolean } {
  return {
    any: roleHas(role, 'batches.approve'),
    highValue: roleHas(role, 'batches.approve_high_value'),
  };
}

/**
 * The batches awaiting this operator's approval, as a condition on `payout_batches b`: submitted
 * (and not yet fully approved), not their own, not already approved by them, and high-value only
 * when they may approve high value. Partly approved batches are still SUBMITTED.
 */
export function awaitingSql(actor: { operatorId: string; role: string }): SQL {
  const may = mayApprove(actor.role);
  if (!may.any) return sql`false`;
  return sql`(b.status = 'SUBMITTED' AND b.created_by <> ${actor.operatorId}::uuid
    AND (${may.highValue}::boolean OR NOT b.high_value)
    AND NOT EXISTS (SELECT 1 FROM batch_approvals ma WHERE ma.batch_id = b.id AND ma.operator_id = ${actor.operatorId}::uuid AND ma.voided_at IS NULL))`;
}

/** The note, the exclusions and the standing rejection of one batch. */
export async function batchConversation(tx: CentralTx, batchId: string): Promise<Conversation> {
  const [b] = await rows<{
    note: string | null;
    left_out: unknown;
    rejected_at: Date | string | null;
    rejection_reason: string | null;
    rejected_by: string | null;
  }>(
    tx,
    sql`SELECT b.request->>'note' AS note, b.left_out, b.rejected_at, b.rejection_reason, r.username AS rejected_by
        FROM payout_batches b LEFT JOIN operators r ON r.id = b.rejected_by WHERE b.id = ${batchId}::uuid`,
  );
  return conversationOf(b ?? null);
}

/** The stored columns (central or cached) as the batch page shows them. */
export function conversationOf(
  b: {
    note: string | null;
    left_out: unknown;
    rejected_at: Date | string | null;
    rejection_reason: string | null;
    rejected_by: string | null;
  } | null,
): Conversation {
  if (!b) return { note: null, leftOut: [], rejection: null };
  return {
    note: b.note ?? null,
    leftOut: leftOutOf(b.left_out),
    rejection:
      b.rejected_at !== null
        ? {
            by: b.rejected_by,
            at: instantText(b.rejected_at),
            reason: b.rejection_reason ?? '',
          }
        : null,
  };
}

/** An instant as ISO text, from a Date or the cache's COPY text. */
const instantText = (v: Date | string): string =>
  v instanceof Date ? v.toISOString() : isoText(v);
