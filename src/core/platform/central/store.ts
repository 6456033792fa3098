/**
 * The central store: one interface, two drivers.
 * - embedded PGlite in the data dir (the default, single process),
 * - a real Postgres server from a postgres:// URL.
 * Both run the same migrations (drizzle/central) and the same SQL.
 */
import { existsSync, renameSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { ensurePrivateDir, restrictTree } from '../files/private.js';
import path from 'node:path';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';
import { resourcePath } from '../files/resources.js';
import { acquireDirLock, type DirLock } from './lock.js';
import { redactUrl } from './location.js';
import { Lanes } from './lanes.js';

const gzipAsync = promisify(gzip);

export { redactUrl };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CentralDb = PgDatabase<any, typeof schema>;
/** A drizzle transaction (or the db itself): anything `execute` and the query builder accept. */
export type CentralTx = Parameters<Parameters<CentralDb['transaction']>[0]>[0] | CentralDb;

export interface CentralStore {
  readonly kind: 'pglite' | 'postgres';
  readonly db: CentralDb;
  /** Where it lives, safe to print (no password). */
  readonly location: string;
  /**
   * Embedded store only: its data directory as a gzip'd tar, taken between queries
   * (backup/backup.ts).
   */
  dump?(): Promise<Blob>;
  /**
   * Whether the store answers, asked beside the work, never behind it: a busy store is not an
   * unreachable one. The embedded store lives in this process and is always reachable; a server is
   * asked over a connection of its own, outside the pool the work queues on.
   */
  reachable(timeoutMs?: number): Promise<boolean>;
  /**
   * Interactive calls before background slices (lanes.ts); only the embedded store's slices ask.
   */
  readonly lanes: Lanes;
  close(): Promise<void>;
}

export class CentralUnavailableError extends Error {
  readonly code = 'CENTRAL_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CentralUnavailableError';
  }
}

const MIGRATIONS = () => resourcePath('drizzle/central');

/** Rows of a raw SQL statement, whichever driver ran it. */
export async function rows<T = Record<string, unknown>>(tx: CentralTx, query: SQL): Promise<T[]> {
  const result = (await tx.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** Number of rows a raw INSERT/UPDATE/DELETE touched, whichever driver ran it. */
export async function affected(tx: CentralTx, query: SQL): Promise<number> {
  const result = (await tx.execute(query)) as { count?: number; affectedRows?: number };
  return Number(result.count ?? result.affectedRows ?? 0);
}

export interface OpenCentralOptions {
  /** postgres:// URL of a real server; absent → embedded PGlite in `<dataDir>/central`. */
  url?: string | undefined;
  dataDir: string;
  /** Run pending migrations on open (default true). */
  migrate?: boolean;
}

export async function openCentral(options: OpenCentralOptions): Promise<CentralStore> {
  const store = options.url ? await openPostgres(options.url) : await openPglite(options.dataDir);
  if (options.migrate !== false) {
    try {
      await migrateCentral(store);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

/**
 * A restored store, proven and audited, waiting to take the place of `central` (backup/restore.ts).
 * Found with no `central` beside it, the restore stopped between its two renames: the swap is
 * finished here rather than an empty store created in its place.
 */
export const RESTORE_READY = 'central.restore-ready';

/**
 * Puts a proven restored store in place when a restore stopped between its renames. Call under the
 * data dir's lock.
 */
export function finishInterruptedRestore(dataDir: string): boolean {
  const dir = path.join(dataDir, 'central');
  const ready = path.join(dataDir, RESTORE_READY);
  if (existsSync(dir) || !existsSync(path.join(ready, 'PG_VERSION'))) return false;
  renameSync(ready, dir);
  return true;
}

async function openPglite(dataDir: string): Promise<CentralStore> {
  const dir = path.join(dataDir, 'central');
  ensurePrivateDir(dataDir);
  // PGlite is single-process: two processes on one directory would corrupt it.
  const lock: DirLock = acquireDirLock(
    path.join(dataDir, 'central.lock'),
    'the embedded central store',
  );
  try {
    finishInterruptedRestore(dataDir);
    ensurePrivateDir(dir);
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const client = await PGlite.create({ dataDir: dir });
    // A new store is laid out 0666 from PGlite's image, and a restored one may be too: owner-only
    // now.
    restrictTree(dir);
    // Each driver's drizzle db is its own PgDatabase subtype; the stores use only what both share.
    // As for PGlite above: the postgres.js db, seen as the PgDatabase both drivers share.
    const db = drizzle(client, { schema }) as unknown as CentralDb;
    return {
      kind: 'pglite',
      db,
      lanes: new Lanes(),
      location: `embedded PGlite at ${dir}`,
      // PGlite takes it under its query lock: no statement runs while the files are read (about
      // 1.4 s at a million commissions). Compressed afterwards by zlib off the thread: PGlite's own
      // gzip ran in JavaScript on the workstation's thread and held it 13 s at that size.
      dump: async () => {
        const tar = await client.dumpDataDir('none');
        return new Blob([await gzipAsync(Buffer.from(await tar.arrayBuffer()))]);
      },
      reachable: async () => true,
      async close() {
        await client.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function openPostgres(url: string): Promise<CentralStore> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const client = postgres(url, {
    max: 4,
    onnotice: () => {},
    connect_timeout: 10,
    // int8 stays a string on the wire; code converts with BigInt(), never Number().
    types: {},
  });
  try {
    await client`select 1`;
  } catch (error) {
    await client.end({ timeout: 1 });
    throw new CentralUnavailableError(
      `cannot reach the central Postgres at ${redactUrl(url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  // As for PGlite above: the postgres.js db, seen as the PgDatabase both drivers share.
  const db = drizzle(client, { schema }) as unknown as CentralDb;
  // The probe's own connection, opened when first needed and dropped when idle.
  const probe = postgres(url, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 5,
    idle_timeout: 60,
    types: {},
  });
  return {
    kind: 'postgres',
    db,
    lanes: new Lanes(),
    location: redactUrl(url),
    reachable: (timeoutMs = 3000) => answersWithin(probe`select 1`, timeoutMs),
    async close() {
      await Promise.all([client.end({ timeout: 5 }), probe.end({ timeout: 1 })]);
    },
  };
}

/** True when the query answers within the time, false when it fails or takes longer. */
async function answersWithin(query: PromiseLike<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve(query).then(
        () => true as const,
        () => false as const,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function migrateCentral(store: CentralStore): Promise<void> {
  if (store.kind === 'pglite') {
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await migrate(store.db as any, { migrationsFolder: MIGRATIONS() });
  } else {
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await migrate(store.db as any, { migrationsFolder: MIGRATIONS() });
  }
}
