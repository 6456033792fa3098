/**
 * A workstation: its data dir, its id, its central store and the router over it. Every host (the
 * CLI, Electron's main process, later the browser host) opens one of these and sends every call
 * through `router`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ensurePrivateDir } from '../files/private.js';
import { z } from 'zod';
import type { LocalCache } from '../cache/cache.js';
import { openCentral, redactUrl, type CentralStore } from '../central/store.js';
import { DEFINITIONS } from '../commands/catalog.js';
import { validated } from '../commands/admission.js';
import { toTreasuryError, TreasuryError } from '../commands/errors.js';
import { Router, tokenHash, type Actor, type Call } from '../commands/router.js';
import type { SignInResult } from '../operators/commands.js';
import { endLocalSession, rememberSignIn, touchLocalSession } from './local-sessions.js';
import { OFFLINE_CAPABLE, OfflineRouter, offlineRefusal } from './offline-router.js';
import { WORKSTATION_DEFINITIONS, type WorkstationContext } from './sync-calls.js';
import type { ProviderResolver } from '../execution/executor.js';
import { createProviderResolver } from '../providers/registry.js';
import { chooseCredentialStore, describeCredentialStore, type CredentialStore, type CredentialStoreInfo } from '../credentials/store.js';
import { logger, rememberSecret } from '../log/logger.js';
import { cacheFile, embeddedLocation, workstationFile } from './paths.js';
import type { RekeyResult } from '../cache/rekey.js';
import { assertNothingUnpushed, moveCacheAside, type MovedAside } from './cache-maintenance.js';
import type { PullResult } from '../sync/pull.js';
import { JobBoard, type JobView } from './jobs.js';

export interface RebuildResult {
  movedAside: MovedAside;
  pulled: PullResult;
}

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
}

export interface Connectivity {
  online: boolean;
  /** Why the workstation is offline (null when online). */
  reason: string | null;
  checkedAt: string;
  /** Where the central store is, safe to print. */
  central: string;
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
  /** Long calls started as jobs (jobs.ts): running beside interactive calls, with progress and cancel. */
  readonly jobs: JobBoard;
  /** Starts a call as a job of `operator` (`jobs.start`); any call but the jobs' own. */
  startJob(call: Omit<Call, 'onProgress' | 'signal'>, operator: string): JobView;
  /** `cache.rebuild`: the cache moved aside (with its key) and filled again from the central store. */
  rebuildCache(call: Call, input: { discardPending?: boolean | undefined; reason?: string | undefined }): Promise<RebuildResult>;
  /** Re-encrypts the cache under a new key (cache/rekey.ts); the workstation's connection is replaced. */
  rotateCacheKey(): Promise<RekeyResult>;
  close(): Promise<void>;
}

const identity = z.object({ id: z.string().uuid(), createdAt: z.string() });

/** The workstation id is not a secret: it names this data dir in audit entries and keychain accounts. */
export function workstationId(dataDir: string): string {
  const file = workstationFile(dataDir);
  if (existsSync(file)) {
    const parsed = identity.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} is damaged: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    return parsed.data.id;
  }
  ensurePrivateDir(dataDir);
  const id = randomUUID();
  writeFileSync(file, JSON.stringify({ id, createdAt: new Date().toISOString() }, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
  return id;
}

const unreachable = (e: TreasuryError) => e.code === 'CENTRAL_UNAVAILABLE';

export async function openWorkstation(options: WorkstationOptions): Promise<Workstation> {
  ensurePrivateDir(options.dataDir);
  const id = workstationId(options.dataDir);
  // Every secret passing through the credential store is registered with the logger, which cuts it
  // out of any log line.
  const store = options.credentials ?? (await chooseCredentialStore({ dataDir: options.dataDir }));
  const credentials: CredentialStore = {
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
  const log = logger(options.dataDir);
  const retryAfterMs = options.retryAfterMs ?? 10_000;
  const location = options.centralUrl ? redactUrl(options.centralUrl) : embeddedLocation(options.dataDir);
  let central: CentralStore | null = null;
  let router: Router | null = null;
  let reachable = false;
  let reason: string | null = options.offline ? 'offline mode was chosen (--offline / TREASURY_OFFLINE)' : null;
  let checkedAt = new Date();

  // Only a central Postgres can be unreachable; the embedded store failing to open is an error.
  const connect = async () => {
    checkedAt = new Date();
    try {
      if (!central) {
        central = await openCentral({ url: options.centralUrl, dataDir: options.dataDir });
        const resolver = options.providers ? null : createProviderResolver({ credentials, db: central.db });
        const providers = options.providers ?? resolver!;
        router = new Router(central, DEFINITIONS, undefined, {
          providers,
          ...(resolver ? { forgetProvider: resolver.forget } : {}),
          credentials,
          log,
          hostDefinitions: WORKSTATION_DEFINITIONS,
          ...(options.addresses ? { addresses: options.addresses } : {}),
        });
        reachable = true;
      } else {
        reachable = await central.reachable();
      }
      reason = reachable ? null : `the central store at ${location} does not answer`;
    } catch (error) {
      const e = toTreasuryError(error);
      if (!options.centralUrl || !unreachable(e)) throw error;
      reachable = false;
      reason = e.message;
    }
    log.info({ central: location, online: reachable, reason }, 'connectivity');
  };
  if (!options.offline) await connect();

  let cacheConnection: Promise<LocalCache> | null = null;
  const openCacheNow = async () => (await import('../cache/cache.js')).openCache({ file: cacheFile(options.dataDir), workstationId: id, credentials });
  const cache = () => (cacheConnection ??= openCacheNow().catch((error) => {
    cacheConnection = null;
    throw error;
  }));
  const offlineRouter = new OfflineRouter<WorkstationContext>(
    cache,
    DEFINITIONS,
    { definitions: WORKSTATION_DEFINITIONS, context: (ctx, call) => ({ ...ctx, ws, call }) },
    options.addresses,
  );

  const lost = (e: TreasuryError) => {
    reachable = false;
    reason = e.message;
    checkedAt = new Date();
  };

  const online = async (): Promise<boolean> => {
    if (options.offline) return false;
    if (!reachable && Date.now() - checkedAt.getTime() >= retryAfterMs) await connect();
    return reachable;
  };

  /**
   * `cache.rebuild`: authorised and audited by the central store (the cache may not open at all),
   * then the old file is moved aside with its key, and a fresh cache is filled by an initial pull.
   */
  const rebuild = async (c: Call, input: { discardPending?: boolean | undefined; reason?: string | undefined }): Promise<RebuildResult> => {
    if (!(await online())) throw offlineRefusal('rebuilding the local cache');
    await router!.call({ name: 'cache.authorize', payload: { action: 'rebuild', reason: input.reason }, session: c.session, workstationId: c.workstationId, ip: c.ip });
    // Damaged or keyless: nothing can be checked, the file is moved aside as it is (with its keys).
    // Anything else (the cache open in another process, the keychain down) stops the rebuild.
    const unreadable = (error: unknown) => {
      const code = toTreasuryError(error).code;
      if (code === 'CACHE_KEY' || code === 'CACHE_DAMAGED') return null;
      throw error;
    };
    const current = await cache().catch(unreadable);
    if (current) {
      try {
        assertNothingUnpushed(current, Boolean(input.discardPending));
      } catch (error) {
        // Damaged pages under the outbox: the commands cannot be counted, the file is kept aside.
        if (toTreasuryError(error).code !== 'CACHE_DAMAGED') throw error;
      }
    }
    current?.close();
    cacheConnection = null;
    const movedAside = await moveCacheAside(options.dataDir, id, credentials);
    const { rebuildCache } = await import('../sync/pull.js');
    const pulled = await rebuildCache(central!, await cache(), { onProgress: (p) => c.onProgress?.({ phase: `pulling ${p.table ?? 'changes'}`, done: p.done }) });
    log.warn({ movedAside: movedAside.file, rows: pulled.rows }, 'local cache rebuilt from the central store');
    return { movedAside, pulled };
  };

  const jobs = new JobBoard();
  const ws: Workstation = {
    dataDir: options.dataDir,
    jobs,
    startJob(c, operator) {
      const def = ALL_DEFINITIONS.get(c.name);
      if (!def || c.name.startsWith('jobs.')) throw new TreasuryError('UNKNOWN_COMMAND', `"${c.name}" is not a call that can run as a job`);
      return jobs.start((call) => ws.call(call), c, operator, def);
    },
    id,
    get central(): CentralStore {
      if (!central || !reachable) throw offlineRefusal('the central store');
      return central;
    },
    get router(): Router {
      if (!router || !reachable) throw offlineRefusal('the central store');
      return router;
    },
    credentials,
    credentialStore: describeCredentialStore(credentials),
    rebuildCache: rebuild,
    async call<O>(c: Call): Promise<O> {
      // Before the cache is touched: a rebuild is for a cache that may not open at all. It is
      // authorised and audited by the central store (cache.authorize), its input checked here.
      if (c.name === REBUILD.name) return (await rebuild(c, validated(REBUILD, c.payload))) as O;
      if (offlineRouter.isOwn(c.name)) {
        // Online, the central store says who the session is (the cache may not know anyone yet).
        const identify = (await online()) ? () => router!.call<Actor>({ name: 'session.whoami', payload: {}, session: c.session, workstationId: c.workstationId, ip: c.ip }) : undefined;
        try {
          return await offlineRouter.call<O>(c, identify);
        } catch (error) {
          const e = toTreasuryError(error);
          if (!identify || !unreachable(e) || !options.centralUrl) throw e;
          // Lost during a sync (or while asking who the session is): offline from now on, as for
          // any call. Sync status and the outbox list need nothing central: answered from the cache.
          lost(e);
          if (isWorkstationQuery(c.name)) return offlineRouter.call<O>(c);
          throw e;
        }
      }
      if (!(await online())) return offlineRouter.call<O>(c);
      try {
        const result = await router!.call<O>(c);
        await afterCentralCall(ws, cacheConnection, c, result);
        return result;
      } catch (error) {
        const e = toTreasuryError(error);
        if (!unreachable(e) || !options.centralUrl) throw e;
        // Lost the central store during the call: from now on, offline until a probe succeeds.
        lost(e);
        if (OFFLINE_CAPABLE.has(c.name) && isQuery(c.name)) return offlineRouter.call<O>(c);
        throw new TreasuryError('CENTRAL_UNAVAILABLE', `${e.message}. If this was a change, it may or may not have been applied: send it again with the same command id once online (it is applied at most once).`);
      }
    },
    async connectivity(): Promise<Connectivity> {
      if (!options.offline && reachable && central) {
        reachable = await central.reachable();
        checkedAt = new Date();
        if (!reachable) reason = `the central store at ${location} does not answer`;
      }
      const up = await online();
      return { online: up, reason: up ? null : reason, checkedAt: checkedAt.toISOString(), central: location };
    },
    cache,
    // Loaded on demand: the native SQLite module must not be required just to start a host.
    openCache: openCacheNow,
    async rotateCacheKey() {
      const { rekeyCache } = await import('../cache/rekey.js');
      const current = await cache();
      const rotation = rekeyCache(current, { workstationId: id, credentials });
      // The old connection is closed by the rotation; from now on the workstation uses the new one.
      // A rotation refused before the file was replaced leaves the old connection open and usable
      // (a second one would keep its WAL open and make every later rotation STORE_BUSY); after the
      // replacement it is closed, and a new open settles the rotation.
      const reconnect: Promise<LocalCache> = rotation.then(
        (r) => r.cache,
        () => (current.sqlite.open ? current : openCacheNow()),
      );
      const stored: Promise<LocalCache> = reconnect.catch((error: unknown) => {
        if (cacheConnection === stored) cacheConnection = null; // the next call tries to open it again
        throw error;
      });
      stored.catch(() => {}); // whoever uses the cache next gets the error; never an unhandled rejection
      cacheConnection = stored;
      const { result } = await rotation;
      log.info({ file: result.file, pages: result.pages, ms: result.ms }, 'cache key rotated');
      return result;
    },
    async close() {
      if (cacheConnection) (await cacheConnection.catch(() => null))?.close();
      await (central as CentralStore | null)?.close();
    },
  };
  return ws;
}

const REBUILD = WORKSTATION_DEFINITIONS.find((d) => d.name === 'cache.rebuild')!;
const ALL_DEFINITIONS = new Map([...DEFINITIONS, ...WORKSTATION_DEFINITIONS].map((d) => [d.name, d]));
const QUERY_NAMES = new Set(DEFINITIONS.filter((d) => d.kind === 'query').map((d) => d.name));
const isQuery = (name: string) => QUERY_NAMES.has(name);
const WORKSTATION_QUERIES = new Set(WORKSTATION_DEFINITIONS.filter((d) => d.kind === 'query').map((d) => d.name));
const isWorkstationQuery = (name: string) => WORKSTATION_QUERIES.has(name);

/** After a central call: remember sign-ins for offline use, keep the local session record fresh. */
async function afterCentralCall(ws: Workstation, open: Promise<LocalCache> | null, c: Call, result: unknown): Promise<void> {
  if (c.name === 'session.signIn') {
    const r = result as SignInResult;
    if (!r.ok) return;
    const { password } = c.payload as { password: string };
    // The cache (and the keychain behind its key) may be unavailable: online work goes on without
    // the offline verifier, which the next sign-in writes.
    try {
      await rememberSignIn(await ws.cache(), { token: r.token, operator: r.operator, password }, new Date());
    } catch {
      /* offline sign-in will not be possible until a later online sign-in succeeds here */
    }
    return;
  }
  if (c.name === 'session.stepUp' && open && c.session && (result as { ok?: boolean }).ok) {
    (await open).sqlite.prepare('UPDATE local_sessions SET stepped_up_at = ? WHERE token_hash = ?').run(Date.now(), tokenHash(c.session));
    return;
  }
  if (c.name === 'session.signOut' && open) {
    endLocalSession(await open, (c.payload as { token: string }).token, new Date());
    return;
  }
  if (c.session && open) touchLocalSession(await open, c.session, new Date());
}
