/**
 * Router commands and queries for payout batches: preview, create, the lifecycle, execution,
 * retries.
 */
import { withStateMeaning } from '../providers/states.js';
import { pgArray } from '../../platform/central/arrays.js';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows } from '../../platform/central/store.js';
import { defineCommand, defineQuery, operatorOf, signedIn } from '../../platform/kernel/router.js';
import { TreasuryError } from '../../shared/errors.js';
import { formatAmount, isCurrency, parseRate } from '../../shared/money/index.js';
import { PROVIDER_NAMES } from '../../platform/payments/provider.js';
import { cancelOffline, rejectOffline, removeOffline, submitOffline } from './offline-prepare.js';
import { loadBatch } from './content.js';
import { createBatches } from './create.js';
import {
  approveBatchOffline,
  createBatchOffline,
  listBatches,
  previewInput,
  showBatch,
} from './offline.js';
import {
  approveBatch,
  cancelBatch,
  moveBatch,
  rejectBatch,
  removePayouts,
  submitBatch,
} from './lifecycle.js';
import { previewBatch } from './preview.js';
import { awaitingSql, batchConversation } from './conversation.js';
import { keptPreview, pagePreview, PREVIEW_SHOW, PREVIEW_SORT_FIELDS } from './preview-page.js';
import { allowedActions, BATCH_STATES } from '../../shared/batch-state.js';
import { instant, toDate } from '../../platform/kernel/inputs.js';

const optionalDate = (v: string | undefined) => (v === undefined ? undefined : toDate(v));
export const batchRef = z.string().min(1, 'name a batch by number (B-YYYYMMDD-NNN) or id');
const currency = z.string().refine(isCurrency, 'is not an ISO 4217 currency code');
const fxRates = z
  .record(z.string().regex(/^[A-Z]{3}\/[A-Z]{3}$/, 'must be a pair like USD/IDR'), z.string())
  .superRefine((rates, ctx) => {
    for (const [pair, text] of Object.entries(rates)) {
      const [from, to] = pair.split('/') as [string, string];
      try {
        parseRate(text, from, to);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: [pair], message: (error as Error).message });
      }
    }
  });

const filters = {
  affiliateIds: z.array(z.string().min(1)).max(100_000).optional(),
  provider: z.enum(PROVIDER_NAMES).optional(),
  currency: currency.optional(),
  cutoff: instant.optional(),
  fxRates: fxRates.optional(),
};

export const preview = defineQuery({
  name: 'batch.preview',
  permission: 'payables.view',
  input: z.strictObject(filters),
  async run(ctx, input) {
    return previewBatch(
      ctx.tx,
      { ...input, provider: input.provider, cutoff: optionalDate(input.cutoff) },
      ctx.now,
    );
  },
  offline: (ctx, input) => ({ ...previewInput(ctx.cache, input, ctx.now), offline: true }),
});

export const previewPage = defineQuery({
  name: 'batch.previewPage',
  permission: 'payables.view',
  input: z.strictObject({
    ...filters,
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(0).max(1000).default(100),
    sort: z
      .strictObject({ field: z.enum(PREVIEW_SORT_FIELDS), dir: z.enum(['asc', 'desc']) })
      .optional(),
    show: z.enum(PREVIEW_SHOW).optional(),
    search: z.string().max(100).optional(),
  }),
  async run(ctx, input) {
    const { offset, limit, sort, show, search, ...f } = input;
    const preview = await keptPreview(
      ctx.store,
      { ...f, provider: f.provider, cutoff: optionalDate(f.cutoff) },
      ctx.now,
    );
    return pagePreview(preview, { offset, limit, sort, show, search });
  },
  offline: (ctx, input) => ({
    ...pagePreview(previewInput(ctx.cache, input, ctx.now), input),
    offline: true,
  }),
});

/**
 * Affiliates the operator left out of a batch (unticked in the preview), each with the reason the
 * checker will read; create takes everyone else eligible.
 */
export const leftOutInput = z
  .array(
    z.strictObject({
      affiliateId: z.string().min(1),
      reason: z
        .string()
        .trim()
        .min(3, 'say why this affiliate is left out (at least 3 characters)')
        .max(500),
    }),
  )
  .max(100_000)
  .optional();

export const create = defineCommand({
  name: 'batch.create',
  permission: 'batches.create',
  input: z.strictObject({
    ...filters,
    maxPayouts: z.number().int().min(1).max(100_000).optional(),
    note: z.string().max(500).optional(),
    leftOut: leftOutInput,
    /**
     * Client-chosen id (offline preparation refers to the batch before the central store has seen
     * it).
     */
    batchId: z.string().uuid().optional(),
    /** What was prepared offline: created exactly so, or refused with the differences. */
    expected: z
      .array(
        z.strictObject({
          affiliateId: z.string().min(1),
          amountMinor: z.string().regex(/^\d+$/, 'must be a whole number of minor units'),
          currency,
          provider: z.string(),
          channelCode: z.string(),
          accountNumber: z.string(),
          commissionIds: z.array(z.string().regex(/^\d+$/)),
          adjustmentIds: z.array(z.string()),
        }),
      )
      .min(1)
      .max(100_000)
      .optional(),
  }),
  async run(ctx, input) {
    return createBatches(
      ctx.tx,
      { ...input, provider: input.provider, cutoff: optionalDate(input.cutoff) },
      ctx.actor,
      ctx.now,
      ctx.audit,
    );
  },
  // Offline: prepared against the cache and queued; the central store re-validates it on push.
  offline: signedIn((ctx, input) => createBatchOffline(ctx, input)),
});

export const submit = defineCommand({
  name: 'batch.submit',
  permission: 'batches.submit',
  input: z.strictObject({ batch: batchRef }),
  run: (ctx, input) => submitBatch(ctx, input.batch),
  offline: signedIn((ctx, input) => ({
    ...submitOffline(ctx.cache, operatorOf(ctx), input.batch, ctx.now),
    offline: true,
  })),
});

export const approve = defineCommand({
  name: 'batch.approve',
  permission: 'batches.approve',
  stepUp: true,
  input: z.strictObject({
    batch: batchRef,
    contentHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be the 64-hex content hash shown with the batch')
      .optional(),
  }),
  run: (ctx, input) => approveBatch(ctx, input.batch, input.contentHash),
  offline: signedIn((ctx, input) => approveBatchOffline(ctx, input)),
});

export const reject = defineCommand({
  name: 'batch.reject',
  permission: 'batches.approve',
  input: z.strictObject({
    batch: batchRef,
    reason: z.string().min(3, 'say why (at least 3 characters)').max(500),
  }),
  run: (ctx, input) => rejectBatch(ctx, input.batch, input.reason),
  offline: signedIn((ctx, input) => ({
    ...rejectOffline(ctx.cache, operatorOf(ctx), input.batch, input.reason, ctx.now),
    offline: true,
  })),
});

export const cancel = defineCommand({
  name: 'batch.cancel',
  permission: 'batches.cancel',
  input: z.strictObject({
    batch: batchRef,
    reason: z.string().min(3, 'say why (at least 3 characters)').max(500),
  }),
  run: (ctx, input) => cancelBatch(ctx, input.batch, input.reason),
  offline: signedIn((ctx, input) => ({
    ...cancelOffline(ctx.cache, operatorOf(ctx), input.batch, input.reason, ctx.now),
    offline: true,
  })),
});

export const remove = defineCommand({
  name: 'batch.removePayouts',
  permission: 'batches.create',
  input: z.strictObject({
    batch: batchRef,
    affiliateIds: z.array(z.string().min(1)).min(1).max(100_000),
  }),
  run: (ctx, input) => removePayouts(ctx, input.batch, input.affiliateIds),
  offline: signedIn((ctx, input) => ({
    ...removeOffline(ctx.cache, operatorOf(ctx), input.batch, input.affiliateIds, ctx.now),
    offline: true,
  })),
});

/**
 * Retry policy: only payouts whose last attempt the provider reported as failed (or refused) can be
 * retried, each with a NEW attempt (new idempotency key) — and the executor still checks that
 * nothing is live under the payout's reference before sending it. A batch that ended with failures
 * goes back to EXECUTING; run `batch execute` to send the retries.
 */
export const retry = defineCommand({
  name: 'batch.retry',
  permission: 'payouts.retry',
  stepUp: true,
  input: z.strictObject({ batch: batchRef, payoutIds: z.array(z.string().uuid()).optional() }),
  async run(ctx, input) {
    const batch = await loadBatch(ctx.tx, input.batch, { forUpdate: true });
    if (batch.status !== 'EXECUTING') await moveBatch(ctx, batch, 'retry');
    const ids = input.payoutIds ?? null;
    const retried = await rows<{ id: string; attempt: number; failure_code: string | null }>(
      ctx.tx,
      sql`UPDATE payouts p SET status = 'PENDING', next_attempt_at = NULL, auto_retries = 0, updated_at = ${ctx.now.toISOString()}::timestamptz
          WHERE p.batch_id = ${batch.id}::uuid AND p.status = 'FAILED'
            AND (${ids === null}::boolean OR p.id = ANY(${pgArray(ids ?? [])}::uuid[]))
            AND EXISTS (SELECT 1 FROM payout_attempts a WHERE a.payout_id = p.id AND a.attempt = p.attempt AND a.state IN ('FAILED', 'REJECTED', 'CANCELLED'))
          RETURNING p.id, p.attempt, p.failure_code`,
    );
    if (retried.length === 0)
      throw new TreasuryError(
        'NOT_FOUND',
        `batch ${batch.number} has no failed payout to retry${ids ? ' among those named' : ''}`,
      );
    for (const r of retried) {
      ctx.audit({
        action: 'payout.retry',
        entityType: 'payout',
        entityId: r.id,
        before: { status: 'FAILED', attempt: Number(r.attempt), failureCode: r.failure_code },
        after: { status: 'PENDING', nextAttempt: Number(r.attempt) + 1 },
      });
    }
    return { id: batch.id, number: batch.number, status: 'EXECUTING', retried: retried.length };
  },
});

export const show = defineQuery({
  name: 'batch.show',
  permission: 'payables.view',
  input: z.strictObject({
    batch: batchRef,
    payouts: z.boolean().optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
    offset: z.number().int().min(0).optional(),
  }),
  async run(ctx, input) {
    const batch = await loadBatch(ctx.tx, input.batch);
    const [meta] = await rows<Record<string, unknown>>(
      ctx.tx,
      sql`SELECT b.summary, b.request, b.group_id, b.part, b.parts, b.created_at, b.submitted_at, b.execution_started_at, b.completed_at,
                 c.username AS created_by_name
          FROM payout_batches b JOIN operators c ON c.id = b.created_by WHERE b.id = ${batch.id}::uuid`,
    );
    const conversation = await batchConversation(ctx.tx, batch.id);
    const approvals = await rows<{
      username: string;
      content_hash: string;
      high_value: boolean;
      created_at: Date;
      voided_at: Date | null;
      void_reason: string | null;
    }>(
      ctx.tx,
      sql`SELECT o.username, a.content_hash, a.high_value, a.created_at, a.voided_at, a.void_reason
          FROM batch_approvals a JOIN operators o ON o.id = a.operator_id WHERE a.batch_id = ${batch.id}::uuid ORDER BY a.id`,
    );
    const counts = await rows<{ status: string; n: number; amount: string; currency: string }>(
      ctx.tx,
      sql`SELECT status, currency, count(*)::int AS n, sum(amount_minor)::text AS amount FROM payouts WHERE batch_id = ${batch.id}::uuid GROUP BY status, currency ORDER BY status, currency`,
    );
    const payouts = input.payouts
      ? await rows(
          ctx.tx,
          sql`SELECT id, affiliate_id, amount_minor::text AS amount_minor, currency, source_amount_minor::text AS source_amount_minor, source_currency, fx_rate,
                     provider, channel_code, status, attempt, provider_payout_id, provider_status, failure_code, split_part, split_parts
              FROM payouts WHERE batch_id = ${batch.id}::uuid ORDER BY affiliate_id, split_part LIMIT ${input.limit ?? 1000} OFFSET ${input.offset ?? 0}`,
        ).then((list) =>
          list.map((p) =>
            withStateMeaning(p as { provider: string; provider_status: string | null }),
          ),
        )
      : undefined;
    return {
      id: batch.id,
      number: batch.number,
      status: batch.status,
      contentHash: batch.contentHash,
      fxRates: batch.fxRates,
      highValue: batch.highValue,
      requiredApprovals: batch.requiredApprovals,
      createdBy: meta?.created_by_name,
      ...meta,
      ...conversation,
      approvals: approvals.map((a) => ({
        by: a.username,
        contentHash: a.content_hash,
        at: new Date(a.created_at).toISOString(),
        valid: !a.voided_at && a.content_hash === batch.contentHash,
        voidReason: a.void_reason,
      })),
      payoutsByStatus: counts.map((c) => ({
        status: c.status,
        currency: c.currency.trim(),
        payouts: Number(c.n),
        amountMinor: c.amount,
      })),
      allowedActions: allowedActions(batch.status),
      lease: batch.leaseOwner
        ? {
            owner: batch.leaseOwner,
            token: batch.leaseToken.toString(),
            expiresAt: batch.leaseExpiresAt?.toISOString() ?? null,
          }
        : null,
      payouts,
    };
  },
  offline: (ctx, input) => showBatch(ctx.cache, input),
});

export const list = defineQuery({
  name: 'batch.list',
  permission: 'payables.view',
  input: z.strictObject({
    status: z.enum(BATCH_STATES).optional(),
    /** Only the batches this operator may approve now (their approvals inbox). */
    awaitingMe: z.boolean().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
  async run(ctx, input) {
    const awaiting = input.awaitingMe ? awaitingSql(ctx.actor) : sql`true`;
    // Who made each batch and who approved it (valid approvals: not voided, for its current
    // content), in the same statement: the batches grid shows them for every row.
    const list = await rows<{
      id: string;
      number: string;
      status: string;
      created_at: Date;
      summary: { payouts?: number; totals?: unknown };
      required_approvals: number;
      high_value: boolean;
      note: string | null;
      rejected: boolean;
      created_by: string | null;
      approved_by: string[] | string;
    }>(
      ctx.tx,
      sql`SELECT b.id, b.number, b.status, b.created_at, b.summary, b.required_approvals, b.high_value, b.request->>'note' AS note,
                 b.rejected_at IS NOT NULL AS rejected, o.username AS created_by,
                 (SELECT coalesce(json_agg(ao.username ORDER BY a.id), '[]'::json) FROM batch_approvals a JOIN operators ao ON ao.id = a.operator_id
                   WHERE a.batch_id = b.id AND a.voided_at IS NULL AND a.content_hash = b.content_hash) AS approved_by
          FROM payout_batches b LEFT JOIN operators o ON o.id = b.created_by
          WHERE (${input.status ?? null}::text IS NULL OR b.status = ${input.status ?? null}::text) AND ${awaiting}
          ORDER BY b.created_at DESC, b.number DESC LIMIT ${input.limit ?? 50}`,
    );
    return list.map((b) => ({
      id: b.id,
      number: b.number,
      status: b.status,
      createdAt: new Date(b.created_at).toISOString(),
      createdBy: b.created_by,
      payouts: b.summary?.payouts ?? 0,
      totals: b.summary?.totals ?? [],
      requiredApprovals: Number(b.required_approvals),
      highValue: b.high_value,
      note: b.note,
      rejected: b.rejected,
      approvedBy: (typeof b.approved_by === 'string'
        ? JSON.parse(b.approved_by)
        : b.approved_by) as string[],
    }));
  },
  offline: signedIn((ctx, input) => listBatches(ctx.cache, input, operatorOf(ctx))),
});

export const balance = defineQuery({
  name: 'provider.balance',
  permission: 'batches.execute',
  input: z.strictObject({ provider: z.enum(PROVIDER_NAMES), currency }),
  async run(ctx, input) {
    const provider = await ctx.services.providers(input.provider);
    const minor = await provider.balance(input.currency);
    return {
      provider: input.provider,
      currency: input.currency,
      balanceMinor: minor.toString(),
      balance: formatAmount(minor, input.currency),
    };
  },
});
