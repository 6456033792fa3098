/**
 * Pull: the central store → the local cache's mirror tables (tables.ts). The cache is a disposable
 * copy, rebuilt by pull; the outbox (local-only, see outbox.ts) is never touched here.
 *
 * Initial pull (the cache has no cursor): ONE central transaction, REPEATABLE READ READ ONLY, so
 * every table is read in the same snapshot. It reads that snapshot's xmin, then streams each table
 * with `COPY (SELECT cols FROM t) TO STDOUT` to a worker thread with its own connection to the
 * cache (loader.ts), which converts and inserts the lines (multi-row INSERTs, one transaction per
 * `chunkRows` rows) while the main thread reads the next ones, and stores the cursor (xmin, 0).
 * Memory stays flat: at most a few batches of lines in flight (on PGlite, whose COPY output is one
 * Blob, each table is read in keyset pages). The load drops the mirrors' secondary indexes and the
 * worker builds them at the end, and it writes through the rollback journal instead of WAL
 * (bulkLoadSettings: why this is safe). On PGlite, the one connection is busy for the whole pull:
 * other central calls wait for it.
 *
 * Crash safety of the initial pull: the cursor is written last, after every row and index, so a
 * pull that dies midway (process killed, power lost, an error) leaves a cache without a cursor, and
 * the next pull starts again from empty mirrors (clearMirrors). A transaction cut short is rolled
 * back by SQLite's journal on the next open; indexes dropped for the load are listed in sync_state
 * first and recreated by the next pull whatever happened (restoreMirrorIndexes).
 *
 * Incremental pull: reads change_log rows after the cursor, in (xid, id) order, a chunk at a time;
 * for each table in a chunk, fetches the current rows of the logged keys with one COPY (the same
 * text format as the initial pull, so the same row gives the same bytes), upserts those found and
 * deletes the keys no longer there; the cursor moves in the SAME SQLite transaction as the data.
 *
 * Why `xid < pg_snapshot_xmin(pg_current_snapshot())` (the heart of it):
 * change_log ids (a sequence) and xids are handed out when a transaction WRITES, but rows become
 * visible when it COMMITS, and transactions commit in any order. T1 may take xid 100 and log id 7,
 * T2 xid 101 and log id 8, and T2 commit first. A cursor over plain ids (or xids) would read id 8,
 * move past 7, and skip T1's change forever once T1 commits. The snapshot's xmin is the oldest
 * transaction still running: every transaction with a smaller xid has finished (committed, or
 * aborted and its rows never visible), so the set of change_log rows with xid < xmin is final — no
 * row can appear there later. Reading only those, in (xid, id) order, a cursor never passes a row
 * that is still to come. T2's rows (xid 101 ≥ xmin 100) simply wait until T1 is over. The initial
 * pull's cursor (xmin, 0) is right for the same reason: every transaction below xmin is in its
 * snapshot; those at or above it are pulled again from the log (fetching a row twice is harmless:
 * the fetch always reads the current row).
 *
 * Rows come from the current state, not from the log: a logged key whose row exists is upserted, a
 * key whose row is gone is deleted ('D' is informational). So a row changed again by a later,
 * not-yet-pulled transaction is simply fetched in its newer state now, and again later.
 *
 * The central side never waits for pull and pull never blocks writers (a read-only snapshot). A
 * transaction that stays open holds xmin back: pull then lags behind it, never skips past it.
 */
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3-multiple-ciphers';
import { sql } from 'drizzle-orm';
import type { LocalCache } from '../../platform/cache/cache.js';
import { pgArray } from '../../platform/central/arrays.js';
import { copyOutChunks, literal } from '../../platform/central/copy.js';
import { rows, type CentralStore, type CentralTx } from '../../platform/central/store.js';
import { BulkLoader } from './loader.js';
import { pendingKeys } from '../../platform/cache/outbox.js';
import {
  SYNCED_BY_NAME,
  SYNCED_TABLES,
  convertLine,
  ident,
  selectList,
  type SyncedTable,
} from './tables.js';

export interface PullProgress {
  /**
   * 'copy': the initial pull copying `table` (`done` rows so far); 'changes': the incremental pull
   * (`done` change-log rows so far).
   */
  phase: 'copy' | 'changes';
  table: string | null;
  done: number;
}

export interface PullOptions {
  onProgress?(p: PullProgress): void;
  /**
   * Rows per SQLite transaction in the initial pull (default 5,000: the loader starts writing
   * sooner, and a small commit costs little — measured best between 2,500 and 20,000).
   */
  chunkRows?: number;
  /** Change-log rows read per chunk in the incremental pull (default 10,000). */
  changeChunk?: number;
  /**
   * PGlite only: the initial pull reads each table in pages of this many rows (keyset by primary
   * key), since PGlite's COPY hands its whole output over as one Blob (default 100,000).
   */
  pageRows?: number;
  /**
   * Incremental pull: how long to wait, at most, for the transactions older than the newest logged
   * change to end before reading (default 5,000 ms). Any transaction in the cluster holds xmin
   * back, so without the wait a sync right after a change could stop just short of it, behind an
   * unrelated long transaction. After the wait the pull reads what it can; the rest comes next
   * time.
   */
  catchUpMs?: number;
}

export interface PullResult {
  mode: 'initial' | 'incremental';
  /** Rows written to the cache (incremental: upserted + deleted). */
  rows: number;
  /** Change-log rows read (0 for an initial pull). */
  changes: number;
  /** The cursor after the pull: "xid:id". */
  cursor: string;
  ms: number;
  /**
   * Why the cache was emptied and filled again before this pull (the central store changed
   * identity).
   */
  refilled?: string;
}

export interface SyncStatus {
  /** When the last pull finished (ISO 8601), null before the first. */
  lastPullAt: string | null;
  lastPullMode: 'initial' | 'incremental' | null;
  /** "xid:id", null when the next pull is an initial one. */
  cursor: string | null;
  /** Rows per mirror table. */
  tables: Record<string, number>;
}

const K_CURSOR = 'cursor';
const K_LAST_AT = 'last_pull_at';
const K_LAST_MODE = 'last_pull_mode';
/** The central store's identity the cache was filled from (see centralIdentity). */
const K_IDENTITY = 'central_identity';
/** Secondary indexes dropped for an initial pull, kept here until recreated (survives a crash). */
const K_INDEXES = 'initial_pull_dropped_indexes';

interface Cursor {
  xid: bigint;
  id: bigint;
}
const formatCursor = (c: Cursor) => `${c.xid}:${c.id}`;
function parseCursor(text: string): Cursor {
  const m = /^(\d+):(\d+)$/.exec(text);
  if (!m)
    throw new Error(
      `the cache's sync cursor is damaged (${JSON.stringify(text)}): rebuild the cache`,
    );
  return { xid: BigInt(m[1]!), id: BigInt(m[2]!) };
}
const after = (a: Cursor, b: Cursor) => a.xid > b.xid || (a.xid === b.xid && a.id > b.id);

function readState(cache: LocalCache, key: string): string | null {
  const row = cache.sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').get(key) as
    { value: string } | undefined;
  return row?.value ?? null;
}
function writeState(cache: LocalCache, key: string, value: string): void {
  cache.sqlite
    .prepare(
      'INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    )
    .run(key, value);
}

/**
 * One central transaction in one snapshot, with the session settings that fix COPY's text for
 * timestamps (UTC, ISO): the same row always gives the same bytes, whichever pull read it.
 */
function inSnapshot<T>(store: CentralStore, fn: (tx: CentralTx) => Promise<T>): Promise<T> {
  return store.db.transaction(
    async (tx) => {
      await tx.execute(sql`SET LOCAL TimeZone = 'UTC'`);
      await tx.execute(sql`SET LOCAL DateStyle = 'ISO, YMD'`);
      return fn(tx);
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

async function snapshotXmin(tx: CentralTx): Promise<bigint> {
  const [row] = await rows<{ xmin: string }>(
    tx,
    sql`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`,
  );
  return BigInt(row!.xmin);
}

const insertSql = (t: SyncedTable) =>
  `INSERT INTO ${ident(t.name)} (${selectList(t)}) VALUES (${t.columns.map(() => '?').join(', ')})`;
const upsertSql = (t: SyncedTable) =>
  `${insertSql(t)} ON CONFLICT (${ident(t.key)}) DO UPDATE SET ${t.columns
    .filter((c) => c !== t.key)
    .map((c) => `${ident(c)} = excluded.${ident(c)}`)
    .join(', ')}`;

/**
 * Drops the mirrors' secondary indexes (their DDL is kept in sync_state in the same transaction):
 * building an index once after a bulk load is several times cheaper than updating it row by row.
 */
function dropMirrorIndexes(cache: LocalCache): void {
  const names = SYNCED_TABLES.map((t) => t.name);
  cache.sqlite.transaction(() => {
    const found = cache.sqlite
      .prepare(
        `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${names.map(() => '?').join(', ')})`,
      )
      .all(...names) as { name: string; sql: string }[];
    if (found.length === 0) return;
    const kept = JSON.parse(readState(cache, K_INDEXES) ?? '[]') as string[];
    writeState(cache, K_INDEXES, JSON.stringify([...kept, ...found.map((f) => f.sql)]));
    for (const f of found) cache.sqlite.prepare(`DROP INDEX ${ident(f.name)}`).run();
  })();
}

/**
 * What recreates the indexes dropped by an initial pull, in one transaction (none when none are).
 */
function restoreIndexStatements(cache: LocalCache): { sql: string; params?: unknown[] }[] {
  const kept = readState(cache, K_INDEXES);
  if (kept === null) return [];
  return [
    ...(JSON.parse(kept) as string[]).map((ddl) => ({
      sql: ddl.replace(/^CREATE INDEX (?!IF NOT EXISTS)/i, 'CREATE INDEX IF NOT EXISTS '),
    })),
    { sql: 'DELETE FROM sync_state WHERE key = ?', params: [K_INDEXES] },
  ];
}

/** Recreates indexes dropped by an initial pull that crashed before it could. */
function restoreMirrorIndexes(cache: LocalCache): void {
  const statements = restoreIndexStatements(cache);
  if (statements.length === 0) return;
  cache.sqlite.transaction(() => {
    for (const s of statements) cache.sqlite.prepare(s.sql).run(...(s.params ?? []));
  })();
}

function clearMirrors(cache: LocalCache): void {
  cache.sqlite.transaction(() => {
    for (const t of SYNCED_TABLES) cache.sqlite.prepare(`DELETE FROM ${ident(t.name)}`).run();
    cache.sqlite.prepare('DELETE FROM sync_state WHERE key = ?').run(K_CURSOR);
    cache.sqlite.prepare('DELETE FROM sync_refetch').run(); // every row is read afresh anyway
  })();
}

/** A mirror's prepared upsert and delete-by-key. */
type MirrorStatements = { upsert: Statement; remove: Statement };

/**
 * Makes the mirror's rows for `keys` what the central store returned (`lines`, COPY text): upserts
 * those found, deletes the keys not found. Runs inside the caller's SQLite transaction; returns the
 * rows written.
 */
function applyKeys(
  t: SyncedTable,
  s: MirrorStatements,
  lines: readonly string[],
  keys: Iterable<string>,
): number {
  let written = 0;
  const present = new Set<string>();
  for (const line of lines) {
    const values = convertLine(t, line);
    s.upsert.run(values);
    present.add(String(values[t.keyIndex]));
    written++;
  }
  for (const key of keys) {
    if (present.has(key)) continue;
    s.remove.run(t.intKey ? BigInt(key) : key);
    written++;
  }
  return written;
}

/**
 * Re-reads the rows that settled outbox commands had changed (sync_refetch, see outbox.ts): the
 * images put back when a command settled are as of when it was written, and the central rows may
 * have moved on since without a change-log entry after the cursor. Rows still touched by a pending
 * command keep their optimistic state and wait for a later pull. Same snapshot, same COPY text as
 * the rest of the pull; upserts and deletes with the queue's entries in one SQLite transaction.
 */
async function refetchSettled(
  tx: CentralTx,
  cache: LocalCache,
  stmts: (t: SyncedTable) => MirrorStatements,
): Promise<number> {
  const queued = cache.sqlite.prepare('SELECT tbl, row_key FROM sync_refetch').all() as {
    tbl: string;
    row_key: string;
  }[];
  if (queued.length === 0) return 0;
  const pending = new Set(pendingKeys(cache));
  const byTable = new Map<SyncedTable, string[]>();
  for (const q of queued) {
    const t = SYNCED_BY_NAME.get(q.tbl);
    if (!t || pending.has(`${q.tbl}\u0000${q.row_key}`)) continue;
    let keys = byTable.get(t);
    if (!keys) byTable.set(t, (keys = []));
    keys.push(q.row_key);
  }
  // Local-only keys (negative ids the outbox used) simply find nothing centrally: removed below.
  const fetched = await fetchKeyed(tx, byTable);
  let written = 0;
  const done = cache.sqlite.prepare('DELETE FROM sync_refetch WHERE tbl = ? AND row_key = ?');
  cache.sqlite.transaction(() => {
    for (const [t, keys] of byTable) {
      written += applyKeys(t, stmts(t), fetched.get(t)!, keys);
      for (const key of keys) done.run(t.name, key);
    }
  })();
  return written;
}

/** One pull (or rebuild) at a time per cache: a second call waits for the first to finish. */
const running = new WeakMap<LocalCache, Promise<unknown>>();
function serialized<T>(cache: LocalCache, fn: () => Promise<T>): Promise<T> {
  const previous = running.get(cache) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(fn);
  running.set(cache, next);
  return next;
}

/** Pulls central changes into the cache: initial (no cursor yet) or incremental. */
export function pull(
  store: CentralStore,
  cache: LocalCache,
  options: PullOptions = {},
): Promise<PullResult> {
  return serialized(cache, () => pullNow(store, cache, options));
}

/**
 * Which central store this is: the random id in its settings (which a restore from a backup
 * replaces: backup/restore.ts) and the database's own oid (a pg_restore into a new database gets a
 * new one). The cursor means something only in the store that issued it: transaction ids of a
 * restored store start again from the backup's, so a cache that kept its cursor would skip changes,
 * and keep rows the restored store no longer has.
 */
export async function centralIdentity(tx: CentralTx): Promise<string> {
  const [row] = await rows<{ id: string | null; oid: string }>(
    tx,
    sql`SELECT (SELECT value->>'id' FROM settings WHERE key = 'central.identity') AS id,
               (SELECT oid::text FROM pg_database WHERE datname = current_database()) AS oid`,
  );
  return `${row?.id ?? 'none'}/${row?.oid ?? 'none'}`;
}

async function pullNow(
  store: CentralStore,
  cache: LocalCache,
  options: PullOptions,
): Promise<PullResult> {
  const started = performance.now();
  restoreMirrorIndexes(cache);
  const identity = await centralIdentity(store.db);
  const known = readState(cache, K_IDENTITY);
  let refilled: string | null = null;
  if (known !== null && known !== identity && readState(cache, K_CURSOR) !== null) {
    // Restored or replaced since the last pull: fill the cache again (the outbox stays). Until that
    // pull completes the cache has never synced with this store: no old "last sync" time over it.
    clearMirrors(cache);
    cache.sqlite.prepare('DELETE FROM sync_state WHERE key IN (?, ?)').run(K_LAST_AT, K_LAST_MODE);
    refilled =
      'the central store was restored from a backup or replaced since the last pull: the cache was filled again from it';
  }
  const stored = readState(cache, K_CURSOR);
  const result =
    stored === null
      ? await initialPull(store, cache, options)
      : await incrementalPull(store, cache, parseCursor(stored), options);
  const ms = performance.now() - started;
  cache.sqlite.transaction(() => {
    writeState(cache, K_LAST_AT, new Date().toISOString());
    writeState(cache, K_LAST_MODE, result.mode);
    writeState(cache, K_IDENTITY, identity);
  })();
  return { ...result, ms, ...(refilled ? { refilled } : {}) };
}

/** How long a connection waits for the other's lock during the initial pull (see loader.ts). */
const LOAD_BUSY_TIMEOUT_MS = 120_000;

/**
 * Settings for the initial pull's bulk load, on the main connection; returns what puts them back.
 * - The rollback journal instead of WAL while loading: in WAL mode every page is encrypted into the
 *   WAL, then decrypted and encrypted again by the checkpoint, which took half the load's time; a
 *   rollback journal writes a new page once. It is as crash-safe (a crash mid-load rolls the open
 *   transaction back on the next open; the journal is encrypted like the database — checked), and
 *   synchronous stays FULL on both connections (an fsync per 5,000-row transaction, in the loader
 *   thread: the main thread keeps reading meanwhile), so the outbox's durability is untouched. The
 *   switch needs the only connection to the file, so it is made before the loader opens its own:
 *   when another has it open, SQLite keeps WAL and the load just runs slower. Another process
 *   reading the cache meanwhile may get SQLITE_BUSY for the length of a transaction. WAL comes back
 *   at the end (and openCache sets it on every open, should the process die first).
 * - temp_store = MEMORY (the loader's connection sets it too): rebuilding the indexes sorts their
 *   keys, and SQLite's sorter spills to temporary files, which SQLite3 Multiple Ciphers does NOT
 *   encrypt (this build defaults to files).
 * - A long busy timeout: while the loader commits a chunk or builds an index, a write on this
 *   connection (the outbox) waits for it instead of failing — as it used to wait for the pull
 *   running on the main thread.
 */
function bulkLoadSettings(cache: LocalCache): () => void {
  const db = cache.sqlite;
  const tempStore = Number(db.pragma('temp_store', { simple: true }));
  const busyTimeout = Number(db.pragma('busy_timeout', { simple: true }));
  db.pragma('temp_store = MEMORY');
  db.pragma(`busy_timeout = ${LOAD_BUSY_TIMEOUT_MS}`);
  let journal = 'wal';
  try {
    journal = String(db.pragma('journal_mode = DELETE', { simple: true })).toLowerCase();
  } catch {
    // busy: another connection holds the file; stay in WAL
  }
  return () => {
    if (journal !== 'wal') db.pragma('journal_mode = WAL');
    db.pragma(`temp_store = ${tempStore}`);
    db.pragma(`busy_timeout = ${busyTimeout}`);
  };
}

async function initialPull(
  store: CentralStore,
  cache: LocalCache,
  options: PullOptions,
): Promise<Omit<PullResult, 'ms'>> {
  let total = 0;
  // The bulk load is written the cheap way, each setting put back afterwards (see
  // bulkLoadSettings).
  const restore = bulkLoadSettings(cache);
  // The loader opens its connection after the journal switch (which needs the only connection) and
  // while the snapshot is taken; it is closed before the switch is undone.
  const loader = BulkLoader.start(cache, {
    chunkRows: options.chunkRows ?? 5_000,
    busyTimeoutMs: LOAD_BUSY_TIMEOUT_MS,
  });
  try {
    const cursor = await inSnapshot(store, async (tx) => {
      const xmin = await snapshotXmin(tx);
      clearMirrors(cache);
      dropMirrorIndexes(cache);
      for (const t of SYNCED_TABLES) total += await loadTable(tx, store.kind, loader, t, options);
      // The indexes are rebuilt by the loader too: the main thread stays free meanwhile.
      await loader.script(restoreIndexStatements(cache));
      await loader.close();
      const c: Cursor = { xid: xmin, id: 0n };
      writeState(cache, K_CURSOR, formatCursor(c));
      return c;
    });
    return { mode: 'initial', rows: total, changes: 0, cursor: formatCursor(cursor) };
  } finally {
    await loader.close();
    restore();
  }
}

/**
 * Streams one table into its (emptied) mirror through the loader thread, which commits every
 * `chunkRows` rows. Reading waits while the loader is behind (bounded memory).
 */
async function loadTable(
  tx: CentralTx,
  kind: CentralStore['kind'],
  loader: BulkLoader,
  t: SyncedTable,
  options: PullOptions,
): Promise<number> {
  const pageRows = kind === 'pglite' ? (options.pageRows ?? 100_000) : Infinity;
  await loader.table(t, (done) => options.onProgress?.({ phase: 'copy', table: t.name, done }));
  let sent = 0;
  let lastLine: string | null = null;
  const onLines = (lines: string[]) => {
    sent += lines.length;
    lastLine = lines[lines.length - 1]!;
    return loader.rows(lines);
  };
  if (pageRows === Infinity) {
    await copyOutChunks(tx, `SELECT ${selectList(t)} FROM ${ident(t.name)}`, onLines);
  } else {
    // Keyset pages in the same snapshot: flat memory on PGlite, whose COPY output is one Blob.
    for (;;) {
      const where =
        lastLine === null
          ? ''
          : ` WHERE ${ident(t.key)} > ${literal(keyText(t, lastLine))}::${t.keyType}`;
      const before = sent;
      await copyOutChunks(
        tx,
        `SELECT ${selectList(t)} FROM ${ident(t.name)}${where} ORDER BY ${ident(t.key)} LIMIT ${pageRows}`,
        onLines,
      );
      if (sent - before < pageRows) break;
    }
  }
  const done = await loader.end();
  if (done !== sent) throw new Error(`${t.name}: ${sent} rows read but ${done} written`);
  options.onProgress?.({ phase: 'copy', table: t.name, done });
  return done;
}

/** The key of a COPY line, as text (what change_log.row_key holds). */
function keyText(t: SyncedTable, line: string): string {
  return String(convertLine(t, line)[t.keyIndex]);
}

interface LogRow {
  log_id: string;
  log_xid: string;
  tbl: string;
  row_key: string;
  op: 'U' | 'D' | 'A';
}

/**
 * Tables logged per owner rather than per row (op 'A': row_key is the owner's key), and the
 * column naming the owner. See the commissions trigger in drizzle/central/0004_change_triggers.sql.
 */
const SCOPED: ReadonlyMap<string, string> = new Map([['commissions', 'affiliate_id']]);
/**
 * Owners re-read per central round trip: bounds memory when a calc logged thousands of affiliates.
 */
const SCOPES_PER_FETCH = 500;

/**
 * Waits (bounded) until every transaction up to the newest logged change has ended, i.e. until the
 * cluster's xmin passes it. xmin never goes back, so a snapshot taken afterwards reads that change.
 */
async function catchUp(store: CentralStore, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  const [target] = await rows<{ xid: string | null }>(
    store.db,
    sql`SELECT max(xid)::text AS xid FROM change_log`,
  );
  if (!target?.xid) return;
  for (;;) {
    const [now] = await rows<{ xmin: string }>(
      store.db,
      sql`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`,
    );
    if (BigInt(now!.xmin) > BigInt(target.xid) || Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Each mirror's statements, prepared the first time a pull touches the mirror. */
function mirrorStatements(cache: LocalCache): (t: SyncedTable) => MirrorStatements {
  const statements = new Map<string, MirrorStatements>();
  return (t) => {
    let s = statements.get(t.name);
    if (!s)
      statements.set(
        t.name,
        (s = {
          upsert: cache.sqlite.prepare(upsertSql(t)),
          remove: cache.sqlite.prepare(`DELETE FROM ${ident(t.name)} WHERE ${ident(t.key)} = ?`),
        }),
      );
    return s;
  };
}

/** The next change-log rows after the cursor, only of transactions below the snapshot's xmin. */
function readLogChunk(
  tx: CentralTx,
  cursor: Cursor,
  xmin: bigint,
  changeChunk: number,
): Promise<LogRow[]> {
  // Ordered by the columns themselves (l.xid, l.id: numbers, the index's order), never by the
  // text aliases; the row comparison and the LIMIT make it an index range scan from the cursor.
  return rows<LogRow>(
    tx,
    sql`SELECT l.id::text AS log_id, l.xid::text AS log_xid, l.tbl, l.row_key, l.op FROM change_log l
        WHERE (l.xid, l.id) > (${cursor.xid.toString()}::xid8, ${cursor.id.toString()}::bigint) AND l.xid < ${xmin.toString()}::xid8
        ORDER BY l.xid, l.id LIMIT ${changeChunk}`,
  );
}

/**
 * The chunk's keys per table, each once (the current row decides, whatever the ops were); and the
 * owners of tables logged per owner ('A').
 */
function groupLog(log: readonly LogRow[]): {
  keys: Map<SyncedTable, Set<string>>;
  scopes: Map<SyncedTable, Set<string>>;
} {
  const keys = new Map<SyncedTable, Set<string>>();
  const scopes = new Map<SyncedTable, Set<string>>();
  for (const entry of log) {
    const t = SYNCED_BY_NAME.get(entry.tbl);
    if (!t) continue; // a table this version does not mirror
    const target = entry.op === 'A' ? scopes : keys;
    let set = target.get(t);
    if (!set) target.set(t, (set = new Set()));
    set.add(entry.row_key);
  }
  return { keys, scopes };
}

/** The current rows (COPY text) of `t` whose `column` is one of `values`, in one COPY. */
async function copyRowsWhere(
  tx: CentralTx,
  t: SyncedTable,
  column: string,
  values: string[],
  type: string,
): Promise<string[]> {
  const lines: string[] = [];
  await copyOutChunks(
    tx,
    `SELECT ${selectList(t)} FROM ${ident(t.name)} WHERE ${ident(column)} = ANY(${literal(pgArray(values))}::${type}[])`,
    (ls) => {
      for (const l of ls) lines.push(l);
    },
  );
  return lines;
}

/** The current rows of every logged key, one COPY per table. */
async function fetchKeyed(
  tx: CentralTx,
  keys: Map<SyncedTable, Iterable<string>>,
): Promise<Map<SyncedTable, string[]>> {
  const fetched = new Map<SyncedTable, string[]>();
  for (const [t, set] of keys)
    fetched.set(t, await copyRowsWhere(tx, t, t.key, [...set], t.keyType));
  return fetched;
}

/**
 * Makes the mirror's rows of these owners exactly the central ones (`lines`): upserts those read,
 * deletes the owners' other rows; one SQLite transaction. Returns the rows written.
 */
function replaceOwnerRows(
  cache: LocalCache,
  t: SyncedTable,
  column: string,
  owners: readonly string[],
  lines: readonly string[],
  upsert: Statement,
): number {
  let written = 0;
  const existing = cache.sqlite.prepare(
    `SELECT ${ident(t.key)} AS k FROM ${ident(t.name)} WHERE ${ident(column)} IN (SELECT value FROM json_each(?))`,
  );
  const remove = cache.sqlite.prepare(`DELETE FROM ${ident(t.name)} WHERE ${ident(t.key)} = ?`);
  cache.sqlite.transaction(() => {
    const present = new Set<string>();
    for (const line of lines) {
      const values = convertLine(t, line);
      upsert.run(values);
      present.add(String(values[t.keyIndex]));
      written++;
    }
    for (const row of existing.all(JSON.stringify(owners)) as { k: bigint | string }[]) {
      if (present.has(String(row.k))) continue;
      remove.run(row.k);
      written++;
    }
  })();
  return written;
}

/**
 * Owner-scoped tables: every current row of each logged owner replaces the mirror's rows of that
 * owner, a bounded number of owners at a time (each its own SQLite transaction; upserts and deletes
 * are idempotent, so a crash in between only repeats work). Returns the rows written.
 */
async function pullOwnerScopes(
  tx: CentralTx,
  cache: LocalCache,
  stmts: (t: SyncedTable) => MirrorStatements,
  scopes: Map<SyncedTable, Set<string>>,
): Promise<number> {
  let written = 0;
  for (const [t, owners] of scopes) {
    const column = SCOPED.get(t.name);
    if (!column)
      throw new Error(
        `change_log has owner-scoped entries for ${t.name}, which is not owner-scoped`,
      );
    const list = [...owners];
    for (let i = 0; i < list.length; i += SCOPES_PER_FETCH) {
      const part = list.slice(i, i + SCOPES_PER_FETCH);
      const lines = await copyRowsWhere(tx, t, column, part, 'text');
      written += replaceOwnerRows(cache, t, column, part, lines, stmts(t).upsert);
    }
  }
  return written;
}

/** One chunk of the change log: its rows fetched and written, the cursor moved with them. */
async function pullChunk(
  tx: CentralTx,
  cache: LocalCache,
  stmts: (t: SyncedTable) => MirrorStatements,
  log: readonly LogRow[],
): Promise<{ next: Cursor; written: number }> {
  const { keys, scopes } = groupLog(log);
  const fetched = await fetchKeyed(tx, keys);
  let written = await pullOwnerScopes(tx, cache, stmts, scopes);
  const last = log[log.length - 1]!;
  const next: Cursor = { xid: BigInt(last.log_xid), id: BigInt(last.log_id) };
  // The keyed rows and the cursor in the same SQLite transaction: a crash keeps both or neither.
  cache.sqlite.transaction(() => {
    for (const [t, set] of keys) {
      written += applyKeys(t, stmts(t), fetched.get(t)!, set);
    }
    writeState(cache, K_CURSOR, formatCursor(next));
  })();
  return { next, written };
}

async function incrementalPull(
  store: CentralStore,
  cache: LocalCache,
  from: Cursor,
  options: PullOptions,
): Promise<Omit<PullResult, 'ms'>> {
  const changeChunk = options.changeChunk ?? 10_000;
  const stmts = mirrorStatements(cache);
  let cursor = from;
  let changes = 0;
  let written = 0;
  await catchUp(store, options.catchUpMs ?? 5_000);
  await inSnapshot(store, async (tx) => {
    // Fixed for the whole pull (one snapshot): only rows of transactions older than every one still
    // running are read — see the comment at the top of this file.
    const xmin = await snapshotXmin(tx);
    for (;;) {
      const log = await readLogChunk(tx, cursor, xmin, changeChunk);
      if (log.length === 0) break;
      const chunk = await pullChunk(tx, cache, stmts, log);
      written += chunk.written;
      cursor = chunk.next;
      changes += log.length;
      options.onProgress?.({ phase: 'changes', table: null, done: changes });
      if (log.length < changeChunk) break;
    }
    written += await refetchSettled(tx, cache, stmts);
    // Every change of a transaction below xmin has been read: later pulls can start at (xmin, 0).
    const floor: Cursor = { xid: xmin, id: 0n };
    if (after(floor, cursor)) {
      cursor = floor;
      writeState(cache, K_CURSOR, formatCursor(cursor));
    }
  });
  return { mode: 'incremental', rows: written, changes, cursor: formatCursor(cursor) };
}

/**
 * Empties every mirror table and the cursor, then pulls everything again. The outbox is never
 * touched (its unpushed commands are local-only data).
 */
export function rebuildCache(
  store: CentralStore,
  cache: LocalCache,
  options: PullOptions = {},
): Promise<PullResult> {
  return serialized(cache, () => {
    clearMirrors(cache);
    return pullNow(store, cache, options);
  });
}

/**
 * SHA-256 over every mirror table's rows in key order, in a canonical serialization (table name,
 * then per row each value typed: `\N` null, `i<decimal>` integer, `s<text>` with \, tab and newline
 * escaped). Two caches holding the same rows give the same hash.
 */
export function cacheContentHash(cache: LocalCache): string {
  const hash = createHash('sha256');
  const esc = (s: string) =>
    s.replace(/[\\\t\n]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : '\\n'));
  for (const t of SYNCED_TABLES) {
    hash.update(`#${t.name}\n`);
    const stmt = cache.sqlite
      .prepare(`SELECT ${selectList(t)} FROM ${ident(t.name)} ORDER BY ${ident(t.key)}`)
      .raw(true);
    let buf = '';
    for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
      for (let i = 0; i < row.length; i++) {
        const v = row[i];
        if (i) buf += '\t';
        if (v === null) buf += '\\N';
        else if (typeof v === 'bigint' || typeof v === 'number') buf += `i${v}`;
        else buf += `s${esc(String(v))}`;
      }
      buf += '\n';
      if (buf.length > 1 << 16) {
        hash.update(buf);
        buf = '';
      }
    }
    hash.update(buf);
  }
  return hash.digest('hex');
}

/** The last successful pull, the cursor and the rows per mirror table. */
export function syncStatus(cache: LocalCache): SyncStatus {
  const tables: Record<string, number> = {};
  for (const t of SYNCED_TABLES) {
    const row = cache.sqlite.prepare(`SELECT count(*) AS n FROM ${ident(t.name)}`).get() as {
      n: bigint | number;
    };
    tables[t.name] = Number(row.n);
  }
  return {
    lastPullAt: readState(cache, K_LAST_AT),
    lastPullMode: readState(cache, K_LAST_MODE) as SyncStatus['lastPullMode'],
    cursor: readState(cache, K_CURSOR),
    tables,
  };
}
