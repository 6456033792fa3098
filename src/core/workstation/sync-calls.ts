/**
 * Calls about the workstation itself — sync, its status, the outbox — with definitions (schema,
 * permission) like every other call, answered by the workstation (they concern its cache), online
 * or not. The permission is checked against the session as this workstation knows it.
 */
import { z } from 'zod';
import { roleHas } from '../access/permissions.js';
import type { LocalCache } from '../cache/cache.js';
import { cacheDamaged, TreasuryError } from '../commands/errors.js';
import { defineCommand, defineQuery, type Definition } from '../commands/router.js';
import { clearAuditTail, pullAuditTail } from '../sync/audit-tail.js';
import { discard, listOutbox } from '../sync/outbox.js';
import { pull, syncStatus } from '../sync/pull.js';
import { push } from '../sync/push.js';
import { jobIdInput, jobStartInput } from './jobs.js';
import { sessionOrigin } from './local-sessions.js';
import { signedIn, type OfflineContext } from './offline-router.js';
import type { Connectivity, Workstation } from './workstation.js';

const hostOnly = async (): Promise<never> => {
  throw new TreasuryError('INTERNAL', 'this call is answered by the workstation, not the central store');
};

/** `cache.rebuild`'s input: checked here for the catalog and by the workstation, which runs it (workstation.ts). */
export const cacheRebuildInput = z.strictObject({ discardPending: z.boolean().optional(), reason: z.string().max(500).optional() });

const WORKSTATION_CATALOG = [
  defineCommand({
    name: 'sync.run',
    permission: 'payables.view',
    transactional: false,
    input: z.strictObject({ pullOnly: z.boolean().optional(), pushOnly: z.boolean().optional() }),
    run: hostOnly,
  }),
  defineQuery({ name: 'sync.status', permission: 'signed_in', input: z.strictObject({}), run: hostOnly }),
  defineQuery({
    name: 'outbox.list',
    permission: 'payables.view',
    input: z.strictObject({ status: z.enum(['pending', 'applied', 'rejected', 'discarded']).optional() }),
    run: hostOnly,
  }),
  // Key rotation works offline too (checked against the session as the cache knows it); online it is
  // also authorised and audited centrally. See cache/rekey.ts.
  // Reads every page of the cache (SQLite's quick_check; the cipher authenticates each page).
  defineQuery({ name: 'cache.check', permission: 'signed_in', input: z.strictObject({}), run: hostOnly }),
  defineCommand({ name: 'cache.rekey', permission: 'signed_in', input: z.strictObject({}), run: hostOnly }),
  // Rebuild needs the central store (it pulls everything again), and works when the cache itself
  // cannot be opened: the workstation answers it before the cache is touched (workstation.ts).
  defineCommand({
    name: 'cache.rebuild',
    permission: 'payables.view',
    transactional: false,
    input: cacheRebuildInput,
    run: hostOnly,
  }),
  // Jobs (jobs.ts): any signed-in operator manages their own; the job's call checks its own permission.
  defineCommand({ name: 'jobs.start', permission: 'signed_in', transactional: false, input: jobStartInput, run: hostOnly }),
  defineQuery({ name: 'jobs.list', permission: 'signed_in', input: z.strictObject({}), run: hostOnly }),
  defineQuery({ name: 'jobs.get', permission: 'signed_in', input: jobIdInput, run: hostOnly }),
  defineCommand({ name: 'jobs.cancel', permission: 'signed_in', transactional: false, input: jobIdInput, run: hostOnly }),
  defineCommand({ name: 'outbox.discard', permission: 'batches.create', input: z.strictObject({ entry: z.string().min(1, 'name an outbox entry by seq or command id') }), run: hostOnly }),
] as const;

/** Names of the calls the workstation answers itself (their results are typed by the handlers below). */
export type WorkstationCallName = (typeof WORKSTATION_CATALOG)[number]['name'];
/** Their inputs (from the schemas above), for the typed bridge contract. */
export type WorkstationDefinition = (typeof WORKSTATION_CATALOG)[number];

export const WORKSTATION_DEFINITIONS = WORKSTATION_CATALOG as unknown as Definition<never, unknown>[];

export const WORKSTATION_CALLS: ReadonlySet<string> = new Set(WORKSTATION_DEFINITIONS.map((d) => d.name));

export interface SyncStatusView {
  connectivity: Connectivity;
  lastPullAt: string | null;
  lastPullMode: string | null;
  cursor: string | null;
  tables: Record<string, number>;
  pending: number;
  /** Commands the central store refused: conflicts for the operator to review (or discard). */
  rejected: number;
}

export function statusOf(cache: LocalCache, connectivity: Connectivity): SyncStatusView {
  const outbox = listOutbox(cache);
  return {
    connectivity,
    ...syncStatus(cache),
    pending: outbox.filter((e) => e.status === 'pending').length,
    rejected: outbox.filter((e) => e.status === 'rejected').length,
  };
}

/** The handlers, bound to the workstation (sync needs its central store when online). */
export function workstationHandlers(ws: () => Workstation): Record<string, (ctx: OfflineContext, input: never) => unknown> {
  return {
    'sync.status': async (ctx) => statusOf(ctx.cache, await ws().connectivity()),
    'outbox.list': (ctx, input: { status?: 'pending' | 'applied' | 'rejected' | 'discarded' }) => listOutbox(ctx.cache, input.status),
    'outbox.discard': (ctx, input: { entry: string }) => discard(ctx.cache, input.entry),
    'jobs.start': signedIn((ctx, input: { name: string; payload?: unknown }) => ws().startJob({ name: input.name, payload: input.payload ?? {}, session: ctx.session, workstationId: ws().id }, ctx.actor.username)),
    'jobs.list': signedIn((ctx) => ws().jobs.list(ctx.actor.username)),
    'jobs.get': signedIn((ctx, input: { id: string }) => ws().jobs.get(input.id, ctx.actor.username)),
    'jobs.cancel': signedIn((ctx, input: { id: string }) => ws().jobs.cancel(input.id, ctx.actor.username)),
    'cache.check': (ctx) => {
      const started = performance.now();
      const found = (ctx.cache.sqlite.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
      if (found.length !== 1 || found[0] !== 'ok') throw cacheDamaged(found.slice(0, 3).join('; '));
      const pages = Number(ctx.cache.sqlite.pragma('page_count', { simple: true }));
      return { ok: true, file: ctx.cache.file, pages, ms: Math.round(performance.now() - started) };
    },
    'cache.rekey': signedIn(async (ctx) => {
      const w = ws();
      if ((await w.connectivity()).online && sessionOrigin(ctx.cache, ctx.session) !== 'offline') {
        await w.router.call({ name: 'cache.authorize', payload: { action: 'rekey' }, session: ctx.session, workstationId: w.id });
      }
      return w.rotateCacheKey();
    }),
    'sync.run': signedIn(async (ctx, input: { pullOnly?: boolean; pushOnly?: boolean }) => {
      const w = ws();
      const connectivity = await w.connectivity();
      if (!connectivity.online) return { online: false, reason: connectivity.reason, pushed: null, pulled: null };
      const session = ctx.session;
      // Online, the session was just recognised by the central store unless it was issued offline.
      const central = sessionOrigin(ctx.cache, session) !== 'offline';
      const pushed = input.pullOnly
        ? null
        : central
          ? await push(w.router, ctx.cache, {
              workstationId: w.id,
              sessionFor: (operator) => (operator.toLowerCase() === ctx.actor.username.toLowerCase() ? session : null),
            })
          : { applied: 0, rejected: [], pending: listOutbox(ctx.cache, 'pending').length, stoppedBecause: `${ctx.actor.username} signed in offline: sign in again now that the central store is reachable, then sync` };
      let pulled = null;
      let auditTail = null;
      if (!input.pushOnly) {
        if (!central) throw new TreasuryError('UNAUTHENTICATED', `${ctx.actor.username} signed in offline: sign in again now that the central store is reachable, then sync`);
        // Pull reads the central store directly: authorised (and audited) centrally first.
        await w.router.call({ name: 'sync.authorize', payload: {}, session, workstationId: w.id });
        pulled = await pull(w.central, ctx.cache);
        if (roleHas(ctx.actor.role, 'audit.view')) auditTail = await pullAuditTail(w.router, ctx.cache, { session, workstationId: w.id });
        else clearAuditTail(ctx.cache);
      }
      return { online: true, reason: null, pushed, pulled, auditTail };
    }),
  };
}
