/**
 * The outbox's calls: what waits to be pushed and what the central store refused (with its
 * reason), and what an operator does about a refusal — give the command up (`outbox.discard`), or
 * prepare it again from the data as it is now (`outbox.reprepare`, a refused batch creation: a new
 * batch, a new pending command; batches/offline-reprepare.ts decides it).
 *
 * Both act on this workstation's cache and are journaled there like every call made through the
 * workstation; online they are also authorised and audited by the central store first
 * (`outbox.authorize`), so a refused batch never goes away without its entry in the audit trail.
 */
import { z } from 'zod';
import { defineCommand, defineQuery } from '../platform/kernel/router.js';
import {
  discard,
  listOutbox,
  replaceRejected,
  type OutboxEntry,
} from '../platform/cache/outbox.js';
import type { LocalCache } from '../platform/cache/cache.js';
import { TreasuryError } from '../shared/errors.js';
import { sessionOrigin } from '../domain/operators/local-sessions.js';
import { reprepareBatchOffline, type Reprepared } from '../domain/batches/offline-reprepare.js';
import type { WorkstationContext } from './workstation-context.js';

/** An outbox entry as the console lists it: what it is about, in words, and what can be done. */
export interface OutboxItem extends OutboxEntry {
  about: {
    /** The batch it creates or acts on (id), and its number as the cache knows it. */
    batch: string | null;
    batchNumber: string | null;
    payouts: number | null;
    /** Per currency, the sum of the payouts' amounts (minor units, exact). */
    totals: { currency: string; amountMinor: string }[];
    provider: string | null;
  };
  canDiscard: boolean;
  /** A refused batch creation can be prepared again from current data. */
  canReprepare: boolean;
}

const entryInput = z.strictObject({
  entry: z.string().min(1, 'name an outbox entry by its number (seq) or command id'),
});

interface QueuedBatch {
  batchId?: string;
  batch?: string;
  provider?: string;
  expected?: { currency: string; amountMinor: string }[];
}

/** Per currency, the exact sum of the expected payouts (strings of minor units, added as bigint). */
function totalsOf(expected: QueuedBatch['expected']): OutboxItem['about']['totals'] {
  const sums = new Map<string, bigint>();
  for (const p of expected ?? [])
    sums.set(p.currency, (sums.get(p.currency) ?? 0n) + BigInt(p.amountMinor));
  return [...sums].map(([currency, sum]) => ({ currency, amountMinor: sum.toString() }));
}

function describe(cache: LocalCache, e: OutboxEntry): OutboxItem {
  const input = (e.input ?? {}) as QueuedBatch;
  const batch = input.batchId ?? input.batch ?? null;
  const row = batch
    ? (cache.sqlite
        .prepare('SELECT number FROM payout_batches WHERE id = ? OR number = ?')
        .get(batch, batch) as { number: string } | undefined)
    : undefined;
  return {
    ...e,
    about: {
      batch,
      batchNumber: row?.number ?? (input.batchId ? `LOCAL-${input.batchId.slice(0, 8)}` : null),
      payouts: input.expected ? input.expected.length : null,
      totals: totalsOf(input.expected),
      provider: input.provider ?? null,
    },
    canDiscard: e.status === 'pending' || e.status === 'rejected',
    canReprepare: e.status === 'rejected' && e.name === 'batch.create',
  };
}

function entryOf(cache: LocalCache, ref: string): OutboxEntry {
  const entry = listOutbox(cache).find((e) => e.commandId === ref || String(e.seq) === ref);
  if (!entry) throw new TreasuryError('NOT_FOUND', `there is no command ${ref} in the outbox`);
  return entry;
}

/** Online (and signed in centrally), the central store authorises and audits the action first. */
async function authorised(
  ctx: WorkstationContext,
  action: 'discard' | 'reprepare',
  entry: OutboxEntry,
): Promise<void> {
  if (entry.status !== 'pending' && entry.status !== 'rejected') return;
  if (!(await ctx.ws.connectivity()).online) return;
  if (!ctx.session || sessionOrigin(ctx.cache, ctx.session) === 'offline') return;
  await ctx.ws.router.call({
    name: 'outbox.authorize',
    payload: {
      action,
      command: entry.commandId,
      name: entry.name,
      status: entry.status,
      refusedBecause: entry.rejection?.message ?? null,
    },
    session: ctx.session,
    workstationId: ctx.ws.id,
    ip: ctx.call.ip ?? null,
  });
}

async function discardEntry(ctx: WorkstationContext, ref: string): Promise<OutboxEntry> {
  const entry = entryOf(ctx.cache, ref);
  await authorised(ctx, 'discard', entry);
  return discard(ctx.cache, ref);
}

async function reprepare(
  ctx: WorkstationContext,
  ref: string,
): Promise<Reprepared & { replaced: number }> {
  const entry = entryOf(ctx.cache, ref);
  if (entry.status !== 'rejected' || entry.name !== 'batch.create')
    throw new TreasuryError(
      'ILLEGAL_TRANSITION',
      `outbox command ${entry.seq} (${entry.name}, ${entry.status}) cannot be prepared again: only a batch creation the central store refused can`,
    );
  await authorised(ctx, 'reprepare', entry);
  // The new batch and the refused command's replacement commit together, or neither does.
  const made = ctx.cache.sqlite.transaction(() => {
    const r = reprepareBatchOffline(ctx.cache, ctx.actor.username, entry.input, ctx.now);
    replaceRejected(ctx.cache, entry.seq, r.commandId);
    return r;
  })();
  return { ...made, replaced: entry.seq };
}

export const OUTBOX_CALLS = [
  defineQuery({
    name: 'outbox.list',
    permission: 'payables.view',
    input: z.strictObject({
      status: z.enum(['pending', 'applied', 'rejected', 'discarded']).optional(),
    }),
    run: async (ctx: WorkstationContext, input): Promise<OutboxItem[]> =>
      listOutbox(ctx.cache, input.status).map((e) => describe(ctx.cache, e)),
  }),
  defineCommand({
    name: 'outbox.discard',
    permission: 'batches.create',
    input: entryInput,
    run: (ctx: WorkstationContext, input) => discardEntry(ctx, input.entry),
  }),
  defineCommand({
    name: 'outbox.reprepare',
    permission: 'batches.create',
    input: entryInput,
    run: (ctx: WorkstationContext, input) => reprepare(ctx, input.entry),
  }),
] as const;
