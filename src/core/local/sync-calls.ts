/**
 * Calls about the workstation itself — sync, its status, the outbox, its cache, its jobs — defined
 * like every other call (schema, permission, handler) and answered by the workstation (they concern
 * its cache and its jobs), online or not. The offline router admits them as it admits any call.
 */
import { z } from 'zod';
import { roleHas } from '../shared/permissions.js';
import type { LocalCache } from '../platform/cache/cache.js';
import { cacheDamaged, TreasuryError } from '../shared/errors.js';
import {
  defineCommand,
  defineQuery,
  type Call,
  type Definition,
} from '../platform/kernel/router.js';
import { clearAuditTail, pullAuditTail } from './sync/audit-tail.js';
import { listOutbox } from '../platform/cache/outbox.js';
import { OUTBOX_CALLS } from './outbox-calls.js';
import { VIEW_CALLS } from './views-calls.js';
import type { WorkstationContext, WorkstationParts } from './workstation-context.js';
import type { RebuildResult } from './cache-connection.js';
import type { Connectivity } from './link.js';
import { AUTOMATIC_TRIGGERS, type SchedulerView, type SyncOutcome } from './sync-scheduler.js';
import { pull, syncStatus, type PullResult } from './sync/pull.js';
import { push, type PushResult } from './sync/push.js';
import { jobIdInput, jobStartInput } from '../platform/kernel/jobs.js';
import { sessionOrigin } from '../domain/operators/local-sessions.js';

/**
 * `cache.rebuild`'s input: checked here for the catalog and by the workstation, which runs it
 * (workstation.ts).
 */
export const cacheRebuildInput = z.strictObject({
  discardPending: z.boolean().optional(),
  reason: z.string().max(500).optional(),
});

export type SyncRunResult = {
  online: boolean;
  reason: string | null;
  pushed: PushResult | null;
  pulled: PullResult | null;
  auditTail?: unknown;
};

const WORKSTATION_CATALOG = [
  // Manual ("Sync now", `treasury sync`) or automatic (the scheduler, naming its trigger): one at a
  // time either way (sync-scheduler.ts).
  defineCommand({
    name: 'sync.run',
    permission: 'payables.view',
    transactional: false,
    input: z.strictObject({
      pullOnly: z.boolean().optional(),
      pushOnly: z.boolean().optional(),
      trigger: z.enum(AUTOMATIC_TRIGGERS).optional(),
    }),
    run: (ctx: WorkstationContext, input) =>
      ctx.ws.scheduler.exclusive(input.trigger ?? 'manual', () => runSync(ctx, input), outcomeOf),
  }),
  // A console asks for sync by itself while its operator is signed in (and stops asking on sign-out).
  defineCommand({
    name: 'sync.auto',
    permission: 'payables.view',
    input: z.strictObject({ enabled: z.boolean() }),
    run: async (ctx: WorkstationContext, input): Promise<SchedulerView> => {
      if (!input.enabled) {
        ctx.ws.scheduler.forget(ctx.session);
        return ctx.ws.scheduler.status();
      }
      if (!ctx.session) throw new TreasuryError('UNAUTHENTICATED', 'sign in first');
      return ctx.ws.scheduler.follow(ctx.session, ctx.actor.username);
    },
  }),
  defineQuery({
    name: 'sync.status',
    permission: 'signed_in',
    input: z.strictObject({}),
    run: async (ctx: WorkstationContext) => ({
      ...statusOf(ctx.cache, await ctx.ws.connectivity()),
      auto: ctx.ws.scheduler.status(),
    }),
  }),
  // Reads every page of the cache (SQLite's quick_check; the cipher authenticates each page).
  defineQuery({
    name: 'cache.check',
    permission: 'signed_in',
    input: z.strictObject({}),
    run: async (ctx: WorkstationContext) => checkCache(ctx.cache),
  }),
  // Key rotation works offline too (checked against the session as the cache knows it); online it
  // is also authorised and audited centrally. See cache/rekey.ts.
  defineCommand({
    name: 'cache.rekey',
    permission: 'signed_in',
    input: z.strictObject({}),
    run: (ctx: WorkstationContext) => rekey(ctx),
  }),
  // Rebuild needs the central store (it pulls everything again), and works when the cache itself
  // cannot be opened: the workstation answers it before the cache is touched (withoutCache), and
  // the central store authorises and audits it (cache.authorize).
  {
    ...defineCommand({
      name: 'cache.rebuild',
      permission: 'payables.view',
      transactional: false,
      input: cacheRebuildInput,
      run: (ctx: WorkstationContext, input) => rebuildCache(ctx.ws, ctx.call, input),
    }),
    withoutCache: rebuildCache,
  },
  // Jobs (jobs.ts): any signed-in operator manages their own; the job's call checks its own
  // permission.
  {
    ...defineCommand({
      name: 'jobs.start',
      permission: 'signed_in',
      transactional: false,
      input: jobStartInput,
      run: async (ctx: WorkstationContext, input) =>
        ctx.ws.startJob(
          {
            name: input.name,
            payload: input.payload ?? {},
            session: ctx.session,
            workstationId: ctx.ws.id,
          },
          ctx.actor.username,
        ),
    }),
    notAJob: true,
  },
  {
    ...defineQuery({
      name: 'jobs.list',
      permission: 'signed_in',
      input: z.strictObject({}),
      run: async (ctx: WorkstationContext) => ctx.ws.jobs.list(ctx.actor.username),
    }),
    notAJob: true,
  },
  {
    ...defineQuery({
      name: 'jobs.get',
      permission: 'signed_in',
      input: jobIdInput,
      run: async (ctx: WorkstationContext, input) => ctx.ws.jobs.get(input.id, ctx.actor.username),
    }),
    notAJob: true,
  },
  {
    ...defineCommand({
      name: 'jobs.cancel',
      permission: 'signed_in',
      transactional: false,
      input: jobIdInput,
      run: async (ctx: WorkstationContext, input) =>
        ctx.ws.jobs.cancel(input.id, ctx.actor.username),
    }),
    notAJob: true,
  },
  ...OUTBOX_CALLS,
  ...VIEW_CALLS,
] as const;

/**
 * Their inputs and results (from the schemas and handlers above), for the typed bridge contract.
 */
export type WorkstationDefinition = (typeof WORKSTATION_CATALOG)[number];

/**
 * What the workstation needs to know of its own calls beyond admission: `withoutCache`, how it
 * answers one before (and without) opening the cache; `notAJob`, the job board's own calls, which
 * are not started as jobs.
 */
export interface OwnDefinition extends Definition<never, unknown, WorkstationContext> {
  readonly withoutCache?: (ws: WorkstationParts, call: Call, input: never) => Promise<unknown>;
  readonly notAJob?: true;
}

/** The workstation's own calls (the workstation routes a call here when it is one of them). */
export const WORKSTATION_DEFINITIONS: readonly OwnDefinition[] =
  // As the central catalog: the tuple's literal types widen to one list; each payload is validated
  // against its own definition before the handler runs.
  WORKSTATION_CATALOG as unknown as OwnDefinition[];

function rebuildCache(
  ws: WorkstationParts,
  call: Call,
  input: z.infer<typeof cacheRebuildInput>,
): Promise<RebuildResult> {
  return ws.rebuildCache(call, input);
}

/** What a sync did, for the scheduler's record (the top bar's "last sync"). */
function outcomeOf(r: SyncRunResult): SyncOutcome | null {
  if (!r.online) return null;
  return {
    applied: r.pushed?.applied ?? 0,
    rejected: r.pushed?.rejected.length ?? 0,
    pending: r.pushed?.pending ?? 0,
    stoppedBecause: r.pushed?.stoppedBecause ?? null,
  };
}

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

function checkCache(cache: LocalCache): { ok: true; file: string; pages: number; ms: number } {
  const started = performance.now();
  const found = (cache.sqlite.pragma('quick_check') as { quick_check: string }[]).map(
    (r) => r.quick_check,
  );
  if (found.length !== 1 || found[0] !== 'ok') throw cacheDamaged(found.slice(0, 3).join('; '));
  const pages = Number(cache.sqlite.pragma('page_count', { simple: true }));
  return { ok: true, file: cache.file, pages, ms: Math.round(performance.now() - started) };
}

async function rekey(ctx: WorkstationContext) {
  if ((await ctx.ws.connectivity()).online && sessionOrigin(ctx.cache, ctx.session) !== 'offline') {
    await ctx.ws.router.call({
      name: 'cache.authorize',
      payload: { action: 'rekey' },
      session: ctx.session,
      workstationId: ctx.ws.id,
    });
  }
  return ctx.ws.rotateCacheKey();
}

async function runSync(
  ctx: WorkstationContext,
  input: { pullOnly?: boolean | undefined; pushOnly?: boolean | undefined },
): Promise<SyncRunResult> {
  const w = ctx.ws;
  const connectivity = await w.connectivity();
  if (!connectivity.online)
    return { online: false, reason: connectivity.reason, pushed: null, pulled: null };
  const session = ctx.session;
  // Sync by itself: none of the calls it makes under the session is the operator's activity.
  const background = ctx.call.background === true;
  // Online, the session was just recognised by the central store unless it was issued offline.
  const central = sessionOrigin(ctx.cache, session) !== 'offline';
  const pushed = input.pullOnly
    ? null
    : central
      ? await push(w.router, ctx.cache, {
          workstationId: w.id,
          // Each command as the operator who wrote it: the caller, or another operator whose
          // console on this workstation asked for sync by itself (sync-scheduler.ts).
          sessionFor: (operator) =>
            operator.toLowerCase() === ctx.actor.username.toLowerCase()
              ? session
              : w.scheduler.sessionFor(operator),
          background,
        })
      : {
          applied: 0,
          rejected: [],
          pending: listOutbox(ctx.cache, 'pending').length,
          stoppedBecause: `${ctx.actor.username} signed in offline: sign in again now that the central store is reachable, then sync`,
        };
  let pulled = null;
  let auditTail = null;
  if (!input.pushOnly) {
    if (!central)
      throw new TreasuryError(
        'UNAUTHENTICATED',
        `${ctx.actor.username} signed in offline: sign in again now that the central store is reachable, then sync`,
      );
    // Pull reads the central store directly: authorised (and audited) centrally first.
    await w.router.call({
      name: 'sync.authorize',
      payload: {},
      session,
      workstationId: w.id,
      background,
    });
    pulled = await pull(w.central, ctx.cache);
    if (roleHas(ctx.actor.role, 'audit.view'))
      auditTail = await pullAuditTail(w.router, ctx.cache, {
        session,
        workstationId: w.id,
        background,
      });
    else clearAuditTail(ctx.cache);
  }
  return { online: true, reason: null, pushed, pulled, auditTail };
}

export type { WorkstationContext, WorkstationParts } from './workstation-context.js';
