/**
 * Batches offline (the offline handlers of batch.preview, previewPage, list, show and create and
 * approve's checks): the same shapes as online, from the cache's mirror tables and the offline
 * outbox's optimistic changes (sync/offline.ts); the preview decided by the same function as
 * online (batches/preview.ts).
 */
import { withStateMeaning } from '../providers/states.js';
import { allowedActions, type BatchState } from '../../shared/batch-state.js';
import type { PreviewFilters } from './preview.js';
import type { LocalCache } from '../../platform/cache/cache.js';
import { isoText, jsonText } from '../../platform/cache/mirror-text.js';
import { TreasuryError } from '../../shared/errors.js';
import { operatorOf, type SignedInContext } from '../../platform/kernel/router.js';
import { toDate } from '../../platform/kernel/inputs.js';
import type { ProviderName } from '../../shared/providers.js';
import {
  approveOffline,
  createOffline,
  previewOffline,
  type OfflineOperator,
} from './offline-prepare.js';
import { conversationOf, mayApprove } from './conversation.js';
import type { LeftOutChoice } from './left-out.js';

export interface FilterInput {
  affiliateIds?: string[];
  provider?: ProviderName;
  currency?: string;
  cutoff?: string;
  fxRates?: Record<string, string>;
}

export function filters(input: FilterInput): PreviewFilters {
  return {
    ...input,
    provider: input.provider,
    cutoff: input.cutoff === undefined ? undefined : toDate(input.cutoff),
  };
}

export function previewInput(cache: LocalCache, input: FilterInput, now: Date) {
  return previewOffline(cache, filters(input), now).preview;
}

interface BatchMirror {
  id: string;
  number: string;
  status: BatchState;
  content_hash: string | null;
  fx_rates: string;
  group_id: string | null;
  part: bigint;
  parts: bigint;
  request: string;
  summary: string;
  required_approvals: bigint;
  high_value: bigint;
  created_by: string;
  submitted_at: string | null;
  left_out: string;
  rejected_by: string | null;
  rejected_at: string | null;
  rejection_reason: string | null;
  lease_owner: string | null;
  lease_token: bigint;
  lease_expires_at: string | null;
  execution_started_at: string | null;
  completed_at: string | null;
  created_at: string;
}

/**
 * The batches awaiting this operator's approval, as a condition on `payout_batches b` (the same
 * rule as online, conversation.ts's awaitingSql) with its parameters.
 */
function awaitingWhere(operator: OfflineOperator): { where: string; params: unknown[] } {
  const may = mayApprove(operator.role);
  if (!may.any) return { where: '0', params: [] };
  return {
    where: `(b.status = 'SUBMITTED' AND b.created_by <> ? AND (? OR NOT b.high_value)
      AND NOT EXISTS (SELECT 1 FROM batch_approvals ma WHERE ma.batch_id = b.id AND ma.operator_id = ? AND ma.voided_at IS NULL))`,
    params: [operator.id, may.highValue ? 1 : 0, operator.id],
  };
}

export function listBatches(
  cache: LocalCache,
  input: { status?: string; awaitingMe?: boolean; limit?: number },
  operator: OfflineOperator,
) {
  const awaiting = input.awaitingMe ? awaitingWhere(operator) : { where: '1', params: [] };
  // The same shape as online: maker and valid approvals (not voided, for the current content).
  const list = cache.sqlite
    .prepare(
      `SELECT b.id, b.number, b.status, b.created_at, b.summary, b.required_approvals, b.high_value, json_extract(b.request, '$.note') AS note,
              b.rejected_at IS NOT NULL AS rejected, o.username AS created_by,
              (SELECT coalesce(json_group_array(ao.username), '[]') FROM (SELECT ao.username FROM batch_approvals a JOIN operators ao ON ao.id = a.operator_id
                WHERE a.batch_id = b.id AND a.voided_at IS NULL AND a.content_hash = b.content_hash ORDER BY a.id) ao) AS approved_by
       FROM payout_batches b LEFT JOIN operators o ON o.id = b.created_by
       WHERE (? IS NULL OR b.status = ?) AND ${awaiting.where} ORDER BY b.created_at DESC, b.number DESC LIMIT ?`,
    )
    .all(
      input.status ?? null,
      input.status ?? null,
      ...awaiting.params,
      input.limit ?? 50,
    ) as (Pick<
    BatchMirror,
    'id' | 'number' | 'status' | 'created_at' | 'summary' | 'required_approvals' | 'high_value'
  > & { created_by: string | null; approved_by: string; note: string | null; rejected: bigint })[];
  return list.map((b) => {
    const summary = jsonText<{ payouts?: number; totals?: unknown[] }>(b.summary, {});
    return {
      id: b.id,
      number: b.number,
      status: b.status,
      createdAt: isoText(b.created_at)!,
      createdBy: b.created_by,
      payouts: summary.payouts ?? 0,
      totals: summary.totals ?? [],
      requiredApprovals: Number(b.required_approvals),
      highValue: Boolean(Number(b.high_value)),
      note: b.note,
      rejected: Boolean(Number(b.rejected)),
      approvedBy: JSON.parse(b.approved_by) as string[],
    };
  });
}

export function showBatch(
  cache: LocalCache,
  input: { batch: string; payouts?: boolean; limit?: number; offset?: number },
) {
  const b = mirroredBatch(cache, input.batch);
  const creator = cache.sqlite
    .prepare('SELECT username FROM operators WHERE id = ?')
    .get(b.created_by) as { username: string } | undefined;
  const summary = jsonText<{ totals?: unknown[] }>(b.summary, {});
  const rejecter = b.rejected_by
    ? (cache.sqlite.prepare('SELECT username FROM operators WHERE id = ?').get(b.rejected_by) as
        { username: string } | undefined)
    : undefined;
  const conversation = conversationOf({
    note: jsonText<{ note?: string | null }>(b.request, {}).note ?? null,
    left_out: b.left_out,
    rejected_at: b.rejected_at,
    rejection_reason: b.rejection_reason,
    rejected_by: rejecter?.username ?? b.rejected_by,
  });
  const payouts = input.payouts
    ? payoutsPage(cache, b.id, input.limit ?? 1000, input.offset ?? 0)
    : undefined;
  return {
    id: b.id,
    number: b.number,
    status: b.status,
    contentHash: b.content_hash,
    fxRates: jsonText<Record<string, string>>(b.fx_rates, {}),
    highValue: Boolean(Number(b.high_value)),
    requiredApprovals: Number(b.required_approvals),
    createdBy: creator?.username ?? b.created_by,
    summary: jsonText<unknown>(b.summary, {}),
    request: jsonText<unknown>(b.request, {}),
    group_id: b.group_id,
    part: Number(b.part),
    parts: Number(b.parts),
    created_at: isoText(b.created_at),
    submitted_at: isoText(b.submitted_at),
    execution_started_at: isoText(b.execution_started_at),
    completed_at: isoText(b.completed_at),
    created_by_name: creator?.username ?? null,
    totals: summary.totals ?? [],
    ...conversation,
    approvals: approvalsOf(cache, b),
    payoutsByStatus: payoutsByStatus(cache, b.id),
    allowedActions: allowedActions(b.status),
    lease: b.lease_owner
      ? {
          owner: b.lease_owner,
          token: String(b.lease_token),
          expiresAt: isoText(b.lease_expires_at),
        }
      : null,
    payouts,
    offline: true,
  };
}

/** The batch by id or number, as last synced (or as prepared offline). */
function mirroredBatch(cache: LocalCache, ref: string): BatchMirror {
  const b = cache.sqlite
    .prepare('SELECT * FROM payout_batches WHERE id = ? OR number = ?')
    .get(ref, ref) as BatchMirror | undefined;
  if (!b)
    throw new TreasuryError(
      'NOT_FOUND',
      `no batch ${ref} in this workstation's cache (offline: as of the last sync)`,
    );
  return b;
}

/** Every approval given, valid only when not voided and for the batch's current content. */
function approvalsOf(cache: LocalCache, b: BatchMirror) {
  const approvals = cache.sqlite
    .prepare(
      'SELECT o.username, a.content_hash, a.created_at, a.voided_at, a.void_reason FROM batch_approvals a LEFT JOIN operators o ON o.id = a.operator_id WHERE a.batch_id = ? ORDER BY a.id',
    )
    .all(b.id) as {
    username: string | null;
    content_hash: string;
    created_at: string;
    voided_at: string | null;
    void_reason: string | null;
  }[];
  return approvals.map((a) => ({
    by: a.username,
    contentHash: a.content_hash,
    at: isoText(a.created_at),
    valid: !a.voided_at && a.content_hash === b.content_hash,
    voidReason: a.void_reason,
  }));
}

/** The batch's payouts counted and summed per status and currency. */
function payoutsByStatus(cache: LocalCache, batchId: string) {
  const counts = cache.sqlite
    .prepare(
      'SELECT status, trim(currency) AS currency, count(*) AS n, sum(amount_minor) AS amount FROM payouts WHERE batch_id = ? GROUP BY status, trim(currency) ORDER BY status, currency',
    )
    .all(batchId) as { status: string; currency: string; n: bigint; amount: bigint }[];
  return counts.map((c) => ({
    status: c.status,
    currency: c.currency,
    payouts: Number(c.n),
    amountMinor: String(c.amount),
  }));
}

/** A page of the batch's payouts, with what the provider's state means. */
function payoutsPage(cache: LocalCache, batchId: string, limit: number, offset: number) {
  return (
    cache.sqlite
      .prepare(
        `SELECT id, affiliate_id, amount_minor, trim(currency) AS currency, source_amount_minor, trim(source_currency) AS source_currency, fx_rate, provider, channel_code,
                  status, attempt, provider_payout_id, provider_status, failure_code, split_part, split_parts
           FROM payouts WHERE batch_id = ? ORDER BY affiliate_id, split_part LIMIT ? OFFSET ?`,
      )
      .all(batchId, limit, offset) as Record<string, unknown>[]
  )
    .map((p) => ({
      ...p,
      amount_minor: String(p.amount_minor),
      source_amount_minor: String(p.source_amount_minor),
      attempt: Number(p.attempt),
    }))
    .map((p) =>
      withStateMeaning(p as typeof p & { provider: string; provider_status: string | null }),
    );
}

/**
 * batch.create offline: one batch, whole (splitting needs the central store), queued in the outbox.
 */
export function createBatchOffline(
  ctx: SignedInContext,
  input: FilterInput & {
    maxPayouts?: number | undefined;
    note?: string | undefined;
    leftOut?: LeftOutChoice[] | undefined;
  },
) {
  const chosen = { ...filters(input), note: input.note, leftOut: input.leftOut };
  if (input.maxPayouts !== undefined) {
    const eligible = previewInput(ctx.cache, input, ctx.now).eligibleCount;
    if (eligible > input.maxPayouts) {
      throw new TreasuryError(
        'VALIDATION',
        `offline, a batch is created whole: ${eligible} payouts are eligible, more than --max-payouts ${input.maxPayouts}; narrow the filters or create it online, where it is split`,
      );
    }
  }
  const made = createOffline(ctx.cache, operatorOf(ctx), chosen, ctx.now);
  const batch = showBatch(ctx.cache, { batch: made.batchId });
  return {
    batches: [
      {
        id: made.batchId,
        number: batch.number,
        status: batch.status,
        payouts: made.payouts,
        requiredApprovals: made.requiredApprovals,
        contentHash: made.contentHash,
        totals: batch.totals,
      },
    ],
    excluded: [],
    leftOut: made.leftOut,
    offline: true,
    commandId: made.commandId,
  };
}

/**
 * batch.approve offline: refused as online when the batch changed since the checker reviewed it.
 */
export function approveBatchOffline(
  ctx: SignedInContext,
  input: { batch: string; contentHash?: string | undefined },
) {
  const batch = showBatch(ctx.cache, { batch: input.batch });
  if (input.contentHash && input.contentHash !== batch.contentHash) {
    throw new TreasuryError(
      'APPROVAL_VOID',
      `batch ${batch.number} changed since you reviewed it: its content hash is now ${batch.contentHash}; review it again`,
    );
  }
  return { ...approveOffline(ctx.cache, operatorOf(ctx), input.batch, ctx.now), offline: true };
}
