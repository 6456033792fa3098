/**
 * A workstation: its data dir, its id, its link to the central store, its encrypted cache, its
 * jobs, and the one door every host (the CLI, Electron's main process, the browser host) sends
 * each call through: the central router when the central store is reachable, the offline router
 * over the cache when it is not, and the workstation's own calls (sync, outbox, cache, jobs) here.
 *
 * Its parts have their own modules: the link and what "offline" means (connectivity.ts), the cache
 * connection with its key rotation and rebuild (cache-connection.ts), the job board (jobs.ts), the
 * local record of sessions (local-sessions.ts).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { LocalCache } from '../../platform/cache/cache.js';
import type { RekeyResult } from '../../platform/cache/rekey.js';
import type { CentralStore } from '../../platform/central/store.js';
import { validated } from '../../platform/kernel/admission.js';
import { DEFINITIONS } from '../catalog.js';
import { toTreasuryError, TreasuryError } from '../../shared/errors.js';
import type { Actor, Call, Router } from '../../platform/kernel/router.js';
import {
  chooseCredentialStore,
  describeCredentialStore,
  type CredentialStore,
  type CredentialStoreInfo,
} from '../../platform/credentials/store.js';
import type { ProviderResolver } from '../../domain/execution/executor.js';
import { ensurePrivateDir } from '../../platform/files/private.js';
import { logger, rememberSecret } from '../../platform/log/logger.js';
import { CacheConnection, type RebuildResult } from '../../local/cache-connection.js';
import { CentralLink, type Connectivity } from './connectivity.js';
import { JobBoard, type JobView } from '../../platform/kernel/jobs.js';
import { followSession } from '../../domain/operators/local-sessions.js';
import { OfflineRouter, worksOffline } from '../../local/offline-router.js';
import { workstationFile } from '../../platform/files/paths.js';
import { pendingCount } from '../../platform/cache/outbox.js';
import { WORKSTATION_DEFINITIONS, type WorkstationContext } from '../../local/sync-calls.js';
import { SyncScheduler, type SchedulerOptions } from '../../local/sync-scheduler.js';
import type { Logger } from 'pino';

export type { Connectivity, RebuildResult };

export interface WorkstationOptions {
  dataDir: string;
  /** postgres:// URL; absent → embedded PGlite in the data dir. */
  centralUrl?: string | undefined;
  credentials?: CredentialStore;
  /** Overrides how provider clients are built (tests point them at fake servers). */
  providers?: ProviderResolver;
  /** The workstation's addresses for IP binding (default: its network interfaces; tests inject). */
  addresses?: () => readonly string[];
  /** Work on the local cache only, without trying the central store (`--offline`). */
  offline?: boolean;
  /** How long after losing the central store before trying it again (default 10 s). */
  retryAfterMs?: number;
  /** Sync by itself: its interval, how often it looks for a reconnect, its debounce (tests). */
  autoSync?: SchedulerOptions;
}

export interface Workstation {
  readonly dataDir: string;
  readonly id: string;
  /** The central store; throws OFFLINE when it cannot be reached. */
  readonly central: CentralStore;
  /** The central router; throws OFFLINE when the central store cannot be reached. */
  readonly router: Router;
  readonly credentials: CredentialStore;
  /** What hosts show about the credential store (never a secret). */
  readonly credentialStore: CredentialStoreInfo;
  /**
   * The one door for hosts (CLI, Electron, browser host): the central router when the central
   * store is reachable, the offline router over the cache when it is not (offline-router.ts).
   * Sync and outbox calls always run here, against the cache.
   */
  call<O = unknown>(call: Call): Promise<O>;
  /** Online or offline, probing the central store again when the last probe is old enough. */
  connectivity(): Promise<Connectivity>;
  /** The workstation's own connection to the encrypted cache (opened once, closed with it). */
  cache(): Promise<LocalCache>;
  /** A separate connection to the cache (callers close it). */
  openCache(): Promise<LocalCache>;
  /**
   * Long calls started as jobs (jobs.ts): running beside interactive calls, with progress and
   * cancel.
   */
  readonly jobs: JobBoard;
  /**
   * Sync by itself while a console's operator is signed in (`sync.auto`), and the one lock every
   * sync runs under (sync-scheduler.ts).
   */
  readonly scheduler: SyncScheduler;
  /** Starts a call as a job of `operator` (`jobs.start`); any call but the jobs' own. */
  startJob(call: Omit<Call, 'onProgress' | 'signal'>, operator: string): JobView;
  /**
   * `cache.rebuild`: the cache moved aside (with its key) and filled again from the central store.
   */
  rebuildCache(
    call: Call,
    input: { discardPending?: boolean | undefined; reason?: string | undefined },
  ): Promise<RebuildResult>;
  /**
   * Re-encrypts the cache under a new key (cache/rekey.ts); the workstation's connection is
   * replaced.
   */
  rotateCacheKey(): Promise<RekeyResult>;
  close(): Promise<void>;
}

const identity = z.object({ id: z.string().uuid(), createdAt: z.string() });

/**
 * The workstation id is not a secret: it names this data dir in audit entries and keychain
 * accounts.
 */
export function workstationId(dataDir: string): string {
  const file = workstationFile(dataDir);
  if (existsSync(file)) {
    const parsed = identity.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success)
      throw new Error(
        `${file} is damaged: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      );
    return parsed.data.id;
  }
  ensurePrivateDir(dataDir);
  const id = randomUUID();
  writeFileSync(file, JSON.stringify({ id, createdAt: new Date().toISOString() }, null, 2) + '\n', {
    flag: 'wx',
    mode: 0o600,
  });
  return id;
}

/**
 * Every secret passing through the credential store is registered with the logger, which cuts it
 * out of any log line.
 */
function remembering(store: CredentialStore): CredentialStore {
  return {
    kind: store.kind,
    ...(store.note ? { note: store.note } : {}),
    get: async (account) => {
      const value = await store.get(account);
      rememberSecret(value);
      return value;
    },
    set: async (account, secret) => {
      rememberSecret(secret);
      await store.set(account, secret);
    },
    delete: (account) => store.delete(account),
  };
}

/**
 * One of the workstation's own calls, answered over the cache: online, the central store says who
 * the session is.
 */
async function callOwn<O>(
  link: CentralLink,
  offlineRouter: OfflineRouter<WorkstationContext>,
  c: Call,
): Promise<O> {
  // The cache may not know anyone yet (before the first pull).
  const identify = (await link.online())
    ? () =>
        link.router.call<Actor>({
          name: 'session.whoami',
          payload: {},
          session: c.session,
          workstationId: c.workstationId,
          ip: c.ip,
          // Asking who a background call's session is does not make it activity.
          background: c.background === true,
        })
    : undefined;
  try {
    return await offlineRouter.call<O>(c, identify);
  } catch (error) {
    const e = toTreasuryError(error);
    if (!identify || !link.isLoss(e)) throw e;
    // Lost during a sync (or while asking who the session is): offline from now on, as for any
    // call. Sync status and the outbox list need nothing central: answered from the cache.
    link.lost(e);
    if (OWN_QUERIES.has(c.name)) return offlineRouter.call<O>(c);
    throw e;
  }
}

/** A call of the central store's, online; lost on the way, offline from now on. */
async function callCentral<O>(
  link: CentralLink,
  cache: CacheConnection,
  offlineRouter: OfflineRouter<WorkstationContext>,
  c: Call,
): Promise<O> {
  try {
    const result = await link.router.call<O>(c);
    await followSession(CENTRAL_DEFINITIONS.get(c.name) ?? {}, cache, c, result);
    return result;
  } catch (error) {
    const e = toTreasuryError(error);
    if (!link.isLoss(e)) throw e;
    link.lost(e);
    if (CENTRAL_QUERIES.has(c.name) && worksOffline(CENTRAL_DEFINITIONS.get(c.name)))
      return offlineRouter.call<O>(c);
    throw new TreasuryError(
      'CENTRAL_UNAVAILABLE',
      `${e.message}. If this was a change, it may or may not have been applied: send it again with the same command id once online (it is applied at most once).`,
    );
  }
}

/** Which router answers a call: the workstation's own, the offline one, or the central one. */
async function route<O>(
  ws: Workstation,
  link: CentralLink,
  cache: CacheConnection,
  offlineRouter: OfflineRouter<WorkstationContext>,
  c: Call,
): Promise<O> {
  const ownDef = OWN_DEFINITIONS.get(c.name);
  // Before the cache is touched (a rebuild is for a cache that may not open at all): authorised
  // and audited by the central store, its input checked here.
  if (ownDef?.withoutCache)
    // validated() checked the payload against this definition's own schema: its input type.
    return (await ownDef.withoutCache(ws, c, validated(ownDef, c.payload) as never)) as O;
  if (ownDef) return callOwn<O>(link, offlineRouter, c);
  if (!(await link.online())) return offlineRouter.call<O>(c);
  return callCentral<O>(link, cache, offlineRouter, c);
}

/** Starts a call as a job; the workstation's calls marked notAJob never are. */
function startJobOf(
  ws: Workstation,
  jobs: JobBoard,
  c: Omit<Call, 'onProgress' | 'signal'>,
  operator: string,
): JobView {
  const def = ALL_DEFINITIONS.get(c.name);
  if (!def || OWN_DEFINITIONS.get(c.name)?.notAJob)
    throw new TreasuryError('UNKNOWN_COMMAND', `"${c.name}" is not a call that can run as a job`);
  return jobs.start((call) => ws.call(call), c, operator, def);
}

/**
 * The scheduler of a workstation: its runs are `sync.run` calls through the workstation's own door
 * (admitted and journaled like "Sync now"). Only a central PostgreSQL can be out of reach: with the
 * embedded store there is never anything to catch up on, so nothing runs by itself.
 */
function schedulerOf(
  options: WorkstationOptions,
  link: CentralLink,
  cache: CacheConnection,
  log: Logger,
  door: () => Workstation,
): SyncScheduler {
  return new SyncScheduler(
    {
      online: () => link.connectivity(),
      sync: (session, trigger, options) =>
        door().call({
          name: 'sync.run',
          payload: { trigger },
          session,
          workstationId: door().id,
          background: options.background,
        }),
      pending: async () => pendingCount(await cache.get()),
      quiet: async () => {
        if (await link.online()) await link.central.lanes.quiet();
      },
      log: (failure) => log.warn({ failure }, 'automatic sync failed'),
    },
    {
      ...options.autoSync,
      ...(options.centralUrl
        ? {}
        : {
            unavailable:
              'the central store is embedded on this machine: it is always reachable, so there is nothing to sync by itself',
          }),
    },
  );
}

/**
 * After a call: a command that may have left work in the outbox nudges the scheduler (it pushes
 * soon, debounced); signing out stops automatic sync for that session.
 */
function afterCall(scheduler: SyncScheduler, c: Call): void {
  if (c.name === 'session.signOut') {
    const token = (c.payload as { token?: unknown } | null)?.token;
    const session = typeof token === 'string' && token ? token : c.session;
    if (session) scheduler.forget(session);
    return;
  }
  if (CENTRAL_DEFINITIONS.get(c.name)?.kind === 'command' || c.name === 'outbox.reprepare')
    scheduler.nudge();
}

export async function openWorkstation(options: WorkstationOptions): Promise<Workstation> {
  ensurePrivateDir(options.dataDir);
  const id = workstationId(options.dataDir);
  const credentials = remembering(
    options.credentials ?? (await chooseCredentialStore({ dataDir: options.dataDir })),
  );
  const log = logger(options.dataDir);
  const link = new CentralLink({
    ...options,
    credentials,
    log,
    hostDefinitions: WORKSTATION_DEFINITIONS,
  });
  if (!options.offline) await link.connect();
  const cache = new CacheConnection({
    dataDir: options.dataDir,
    workstationId: id,
    credentials,
    log,
  });
  const offlineRouter = new OfflineRouter<WorkstationContext>(
    cache.get,
    DEFINITIONS,
    { definitions: WORKSTATION_DEFINITIONS, context: (ctx, call) => ({ ...ctx, ws, call }) },
    options.addresses,
  );

  const jobs = new JobBoard();
  const scheduler = schedulerOf(options, link, cache, log, () => ws);
  const ws: Workstation = {
    dataDir: options.dataDir,
    id,
    jobs,
    startJob: (c, operator) => startJobOf(ws, jobs, c, operator),
    get central(): CentralStore {
      return link.central;
    },
    get router(): Router {
      return link.router;
    },
    credentials,
    credentialStore: describeCredentialStore(credentials),
    rebuildCache: (c, input) => cache.rebuild(link, c, input),
    scheduler,
    async call<O>(c: Call): Promise<O> {
      try {
        return await route<O>(ws, link, cache, offlineRouter, c);
      } finally {
        afterCall(scheduler, c);
      }
    },
    connectivity: () => link.connectivity(),
    cache: cache.get,
    openCache: cache.open,
    rotateCacheKey: () => cache.rotateKey(),
    async close() {
      scheduler.close();
      await cache.close();
      await link.close();
    },
  };
  return ws;
}

const OWN_DEFINITIONS = new Map(WORKSTATION_DEFINITIONS.map((d) => [d.name, d]));
const CENTRAL_DEFINITIONS = new Map(DEFINITIONS.map((d) => [d.name, d]));
const ALL_DEFINITIONS = new Map(
  [...DEFINITIONS, ...WORKSTATION_DEFINITIONS].map((d) => [d.name, d]),
);
const CENTRAL_QUERIES = new Set(DEFINITIONS.filter((d) => d.kind === 'query').map((d) => d.name));
const OWN_QUERIES = new Set(
  WORKSTATION_DEFINITIONS.filter((d) => d.kind === 'query').map((d) => d.name),
);
