/**
 * The initial pull's bulk writer: a worker thread with its own connection to the cache, so that the
 * COPY stream (read on the main thread, with Postgres producing it in its own process) and the
 * SQLite side (converting each COPY line, binding, inserting, encrypting, committing, building the
 * indexes) run at the same time instead of taking turns. Measured on the bench (1,000,000
 * commissions): binding and inserting is most of the cost, and it is one thread's work whatever we
 * do (SQLite has one writer), so the best split is "everything SQLite in the worker, only the
 * network on the main thread"; see README, bench:sync.
 *
 * Protocol (main → worker, answered in order, one reply per request):
 *   table   {name, insertOne, insertMany, rowsPerInsert, kinds}  the next table's statements
 *   rows    {lines}         COPY text lines of that table; reply {done}: rows committed so far
 *   end     {}              commit the table's remaining lines; reply {done}
 *   script  {statements}    run them in ONE transaction (the index rebuild)
 *   close   {}              close the connection
 * Lines gather in the worker until `chunkRows`, then go in with one synchronous transaction, run
 * only with all its rows in hand: a worker transaction never waits for a message, so it is never
 * left open while the main thread (or anything else) waits for it. The two connections are
 * serialized by SQLite's own file lock — a write on the main connection (the outbox) can never slip
 * into the worker's transaction; it waits (busy timeout) for the worker's current chunk to commit.
 *
 * The key reaches the worker in memory only (`workerData`, see cacheConnectionSecret in cache.ts).
 * The worker's code is a plain-JavaScript string run with `eval: true`: it needs no file next to
 * the bundle and no TypeScript loader, in tsx, vitest and the Electron build alike.
 */
import { sqliteNativeOptions } from '../../platform/cache/native.js';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { cacheConnectionSecret, type LocalCache } from '../../platform/cache/cache.js';
import { ident, selectList, type SyncedTable } from './tables.js';

/**
 * Rows per multi-row INSERT: fewer statement executions; 16 columns × 32 rows stays far below
 * SQLite's 32,766 variables.
 */
const ROWS_PER_INSERT = 32;
/**
 * Batches of lines (≈ 1 MiB each, copyOutChunks) sent and not yet taken by the worker: bounds
 * memory.
 */
const MAX_IN_FLIGHT = 8;

/**
 * OR FAIL rather than the default ABORT: a multi-row INSERT that may abort halfway needs a
 * statement journal (a copy of every page it touches, so that it can undo itself alone), which
 * costs ≈ 5 % of the load; here a failed statement fails its whole chunk's transaction anyway
 * (rolled back).
 */
const insertSql = (t: SyncedTable, rows: number) =>
  `INSERT OR FAIL INTO ${ident(t.name)} (${selectList(t)}) VALUES ${Array.from({ length: rows }, () => `(${t.columns.map(() => '?').join(', ')})`).join(', ')}`;

/**
 * The worker (CommonJS, run by `new Worker(source, { eval: true })`). The conversion is the one of
 * tables.ts (convertLine + the converters), written for speed: a field is looked at for `\N` or
 * escapes only when the line's next backslash falls inside it (most lines have none), and is
 * otherwise taken as it is (text), BigInt (integer) or t/f → 1/0 (boolean).
 */
const WORKER_SOURCE = String.raw`'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const UNESCAPE = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
const TEXT = 0, INT = 1, BOOL = 2;

let db = null;
let table = null;

function convert(t, line, out, at) {
  const kinds = t.kinds;
  const n = kinds.length;
  // The next backslash: a field before it has no escape and is not \N (most lines have none).
  let slash = line.indexOf('\\');
  let start = 0;
  for (let i = 0; i < n; i++) {
    let end;
    if (i < n - 1) {
      end = line.indexOf('\t', start);
      if (end < 0) throw new Error(t.name + ': a COPY line does not have ' + n + ' fields');
    } else {
      end = line.length;
      if (line.indexOf('\t', start) >= 0) throw new Error(t.name + ': a COPY line does not have ' + n + ' fields');
    }
    let raw = line.slice(start, end);
    start = end + 1;
    if (slash >= 0 && slash < end) {
      slash = line.indexOf('\\', end);
      if (raw === '\\N') {
        out[at + i] = null;
        continue;
      }
      raw = raw.replace(/\\(.)/g, (_, c) => UNESCAPE[c] ?? c);
    }
    const kind = kinds[i];
    if (kind === TEXT) out[at + i] = raw;
    else if (kind === INT) out[at + i] = BigInt(raw);
    else if (raw === 't') out[at + i] = 1;
    else if (raw === 'f') out[at + i] = 0;
    else throw new Error('not a COPY boolean: ' + JSON.stringify(raw));
  }
}

function flush(t) {
  const batch = t.pending;
  if (batch.length === 0) return;
  t.pending = [];
  t.write(batch);
  t.done += batch.length;
}

function startTable(m) {
  const kinds = m.kinds.map((k) => (k === 'int' ? INT : k === 'bool' ? BOOL : TEXT));
  const width = kinds.length;
  const R = m.rowsPerInsert;
  const one = db.prepare(m.insertOne);
  const many = db.prepare(m.insertMany);
  const flat = new Array(width * R);
  const row = new Array(width);
  const t = { name: m.name, kinds, pending: [], done: 0, write: null };
  // One synchronous transaction per chunk, with every row of it in hand.
  t.write = db.transaction((batch) => {
    let i = 0;
    for (; i + R <= batch.length; i += R) {
      for (let r = 0; r < R; r++) convert(t, batch[i + r], flat, r * width);
      many.run(...flat);
    }
    for (; i < batch.length; i++) {
      convert(t, batch[i], row, 0);
      one.run(...row);
    }
  });
  return t;
}

let failed = null;

function handle(m) {
  // After a failure only 'close' does anything: nothing more is written.
  if (failed && m.op !== 'close') throw failed;
  switch (m.op) {
    case 'table':
      if (table) flush(table);
      table = startTable(m);
      return {};
    case 'rows':
      for (const line of m.lines) table.pending.push(line);
      if (table.pending.length >= workerData.chunkRows) flush(table);
      return { done: table.done };
    case 'end':
      flush(table);
      return { done: table.done };
    case 'script':
      db.transaction(() => {
        for (const s of m.statements) db.prepare(s.sql).run(...(s.params || []));
      })();
      return {};
    case 'close':
      table = null;
      if (db) db.close();
      db = null;
      return {};
    default:
      throw new Error('unknown loader request ' + m.op);
  }
}

try {
  db = new Database(workerData.file, { fileMustExist: true, timeout: workerData.busyTimeoutMs, ...workerData.native });
  for (const p of workerData.keyPragmas) db.pragma(p);
  db.prepare('SELECT count(*) FROM sqlite_master').get();
  // Index rebuilds sort in memory: SQLite3 Multiple Ciphers does not encrypt temporary files.
  db.pragma('temp_store = MEMORY');
  parentPort.postMessage({ id: 0 });
} catch (error) {
  if (db) db.close();
  db = null;
  failed = error;
  parentPort.postMessage({ id: 0, error: { message: String(error && error.message), code: error && error.code } });
}

parentPort.on('message', (m) => {
  let reply;
  try {
    reply = { id: m.id, ...handle(m) };
  } catch (error) {
    // A failed chunk was rolled back by db.transaction; drop what is left of the table.
    failed = failed || error;
    if (table) table.pending = [];
    reply = { id: m.id, error: { message: String(error && error.message), code: error && error.code } };
  }
  parentPort.postMessage(reply);
});
`;

interface Reply {
  id: number;
  done?: number;
  error?: { message: string; code?: string };
}

export interface LoaderOptions {
  /** Rows per SQLite transaction. */
  chunkRows: number;
  /** How long either connection waits for the other's lock before SQLITE_BUSY. */
  busyTimeoutMs: number;
}

export class BulkLoader {
  #next = 1;
  readonly #waiting = new Map<
    number,
    { resolve: (r: Reply) => void; reject: (e: Error) => void }
  >();
  #inFlight = 0;
  #drained: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | null =
    null;
  #failure: Error | null = null;
  /** The worker thread is gone (an uncaught error, or it exited). */
  #dead = false;
  #onDone: ((done: number) => void) | null = null;
  #closed = false;

  private constructor(private readonly worker: Worker) {
    this.opened.catch(() => {}); // also reported by the first request that waits for an answer
    worker.on('message', (r: Reply) => this.#reply(r));
    worker.on('error', (e) => {
      this.#dead = true;
      this.#fail(e instanceof Error ? e : new Error(String(e)));
    });
    worker.on('exit', (code) => {
      this.#dead = true;
      this.#fail(new Error(`the cache loader thread stopped (exit ${code})`));
    });
  }

  /**
   * Starts the worker, which opens its connection to `cache` (with the same key, in memory) while
   * the caller goes on: requests sent meanwhile wait in the worker's queue, and a failure to open
   * fails the first request that waits for an answer (and `opened`).
   */
  static start(cache: LocalCache, options: LoaderOptions): BulkLoader {
    const secret = cacheConnectionSecret(cache);
    const driver = createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers');
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver,
        native: sqliteNativeOptions(),
        file: secret.file,
        keyPragmas: secret.keyPragmas,
        chunkRows: options.chunkRows,
        busyTimeoutMs: options.busyTimeoutMs,
      },
    });
    return new BulkLoader(worker);
  }

  /** Settles when the worker's connection is open (rejects if it could not be). */
  readonly opened: Promise<void> = this.#request(0).then(() => {});

  /** The next table: its lines follow with `rows`; `onDone` hears the rows committed so far. */
  table(t: SyncedTable, onDone?: (done: number) => void): Promise<void> {
    this.#onDone = onDone ?? null;
    return this.#send({
      op: 'table',
      name: t.name,
      insertOne: insertSql(t, 1),
      insertMany: insertSql(t, ROWS_PER_INSERT),
      rowsPerInsert: ROWS_PER_INSERT,
      kinds: t.kinds,
    }).then(() => {});
  }

  /**
   * Hands a batch of COPY lines to the worker. Returns a promise (wait before sending more) while
   * MAX_IN_FLIGHT batches are still queued there; throws once the worker has failed.
   */
  rows(lines: string[]): void | Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#inFlight++;
    this.#send({ op: 'rows', lines }).then(
      (r) => {
        this.#inFlight--;
        if (r.done !== undefined) this.#onDone?.(r.done);
        if (this.#inFlight < MAX_IN_FLIGHT && this.#drained) {
          const d = this.#drained;
          this.#drained = null;
          d.resolve();
        }
      },
      () => {}, // #fail has recorded it; the next rows() or end() throws it
    );
    if (this.#inFlight < MAX_IN_FLIGHT) return;
    if (!this.#drained) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((ok, ko) => ((resolve = ok), (reject = ko)));
      this.#drained = { promise, resolve, reject };
    }
    return this.#drained.promise;
  }

  /** Commits the table's remaining lines; the number of rows the worker wrote for it. */
  async end(): Promise<number> {
    if (this.#failure) throw this.#failure;
    const r = await this.#send({ op: 'end' });
    return r.done!;
  }

  /** Runs `statements` in one transaction on the worker's connection. */
  async script(statements: { sql: string; params?: unknown[] }[]): Promise<void> {
    if (this.#failure) throw this.#failure;
    await this.#send({ op: 'script', statements });
  }

  /**
   * Closes the worker's connection, then the worker. Never throws: after a failure elsewhere it
   * still waits for the worker to take what it was sent (at most MAX_IN_FLIGHT batches, each
   * committed whole or not at all) and close cleanly.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (!this.#dead) {
      try {
        await this.#post({ op: 'close' });
      } catch {
        // the worker died meanwhile: terminate() below
      }
    }
    await this.#stop();
  }

  async #stop(): Promise<void> {
    this.#closed = true;
    this.worker.removeAllListeners('exit');
    // The worker has closed its connection (close above) or never opened it; if it died, or is
    // stuck, terminate() runs the addon's cleanup, which closes a connection left open (SQLite
    // rolls back a transaction left open by that).
    await this.worker.terminate();
  }

  #send(message: Record<string, unknown>): Promise<Reply> {
    if (this.#failure) return Promise.reject(this.#failure);
    return this.#post(message);
  }

  /** Sends a request even after a failure (close); rejected only if the worker dies. */
  #post(message: Record<string, unknown>): Promise<Reply> {
    if (this.#closed || this.#dead)
      return Promise.reject(this.#failure ?? new Error('the cache loader is closed'));
    const id = this.#next++;
    const reply = this.#request(id);
    this.worker.postMessage({ id, ...message });
    return reply;
  }

  #request(id: number): Promise<Reply> {
    return new Promise((resolve, reject) => this.#waiting.set(id, { resolve, reject }));
  }

  #reply(r: Reply): void {
    const w = this.#waiting.get(r.id);
    if (!w) return;
    this.#waiting.delete(r.id);
    if (r.error) {
      const error = Object.assign(
        new Error(r.error.message),
        r.error.code ? { code: r.error.code } : {},
      );
      this.#fail(error);
      w.reject(this.#failure!);
    } else w.resolve(r);
  }

  /**
   * Records the first failure and rejects the waiting sender. Requests already queued in a live
   * worker still get their (error) replies; a dead worker's never come, so they are rejected here.
   */
  #fail(error: Error): void {
    if (this.#closed) return;
    this.#failure ??= error;
    const d = this.#drained;
    this.#drained = null;
    d?.reject(this.#failure);
    if (!this.#dead) return;
    for (const [id, w] of this.#waiting) {
      this.#waiting.delete(id);
      w.reject(this.#failure);
    }
  }
}
