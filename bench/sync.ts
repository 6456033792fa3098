/**
 * bench:sync — pull from the central store into a fresh encrypted cache: 1,000,000 commissions and
 * 10,000 affiliates (generated set-based with generate_series, change-log triggers on), then
 * (a) the initial pull: wall time and peak RSS;
 * (b) the floor: a raw `COPY (SELECT cols FROM commissions) TO STDOUT` of the same rows, drained by
 *     the same client and thrown away;
 * (c) 1,000 commissions updated centrally, then an incremental pull: wall time.
 *
 * Each measured phase runs in its own child process so its peak RSS (getrusage maxrss) is its own.
 * Usage: npm run bench:sync -- [--commissions N] [--affiliates N] [--stores postgres,pglite]
 * [--changes N]
 */
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { openCache } from '../src/core/platform/cache/cache.js';
import {
  openCentral,
  rows,
  type CentralStore,
  type CentralTx,
} from '../src/core/platform/central/store.js';
import type { CredentialStore } from '../src/core/platform/credentials/store.js';
import { pull, syncStatus } from '../src/core/local/sync/pull.js';
import { SYNCED_BY_NAME, selectList } from '../src/core/local/sync/tables.js';
import { arg, phaseEntry, rssMB, runPhase, seedCommissions, withScratchStore } from './support.js';

const BENCH = fileURLToPath(import.meta.url);

interface Target {
  store: 'postgres' | 'pglite';
  url?: string;
  dataDir: string;
  /** The cache key (hex), shared by the phases through the parent: each phase is a new process. */
  key: string;
}
interface Sizes {
  commissions: number;
  affiliates: number;
  changes: number;
}

const open = (t: Target): Promise<CentralStore> => openCentral({ dataDir: t.dataDir, url: t.url });
const cacheFile = (t: Target) => path.join(t.dataDir, 'cache.db');
function credentials(t: Target): CredentialStore {
  return {
    kind: 'keychain',
    get: async () => t.key,
    set: async () => {},
    delete: async () => true,
  };
}

/** Drains a COPY's output without looking at it: the floor any pull pays to read the rows. */
async function drainCopy(tx: CentralTx, query: string): Promise<number> {
  const client = (tx as unknown as { session: { client: unknown } }).session.client as
    | { unsafe(q: string): { readable(): Promise<NodeJS.ReadableStream> } }
    | { query(q: string): Promise<{ blob?: Blob }> };
  if ('unsafe' in client) {
    const stream = await client.unsafe(`COPY (${query}) TO STDOUT`).readable();
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => void (bytes += chunk.length));
      stream.on('end', () => {
        (stream as unknown as { _read(n: number): void })._read(0); // see resumeSocket in copy.ts
        resolve();
      });
      stream.on('error', reject);
    });
    return bytes;
  }
  const result = await client.query(`COPY (${query}) TO '/dev/blob'`);
  return result.blob ? (await result.blob.arrayBuffer()).byteLength : 0;
}

// ------------------------------------------------------------------ phases (run in child
//   processes)

const phases: Record<string, (t: Target, n: Sizes) => Promise<Record<string, unknown>>> = {
  async prepare(t, n) {
    const store = await open(t);
    const started = performance.now();
    await seedCommissions(store, n);
    await store.db.execute(sql`VACUUM ANALYZE`);
    const [log] = await rows<{ n: string }>(
      store.db,
      sql`SELECT count(*)::text AS n FROM change_log`,
    );
    const ms = performance.now() - started;
    await store.close();
    return { ms, changeLog: Number(log!.n) };
  },

  async floor(t) {
    const store = await open(t);
    const table = SYNCED_BY_NAME.get('commissions')!;
    const started = performance.now();
    const bytes = await store.db.transaction((tx) =>
      drainCopy(tx, `SELECT ${selectList(table)} FROM commissions`),
    );
    const ms = performance.now() - started;
    await store.close();
    return { ms, bytes, rssMB: rssMB() };
  },

  async initial(t) {
    rmSync(cacheFile(t), { force: true });
    const store = await open(t);
    const cache = await openCache({
      file: cacheFile(t),
      workstationId: 'bench',
      credentials: credentials(t),
    });
    const result = await pull(store, cache);
    const status = syncStatus(cache);
    cache.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    cache.close();
    await store.close();
    return {
      ms: result.ms,
      rows: result.rows,
      mode: result.mode,
      commissions: status.tables.commissions,
      fileMB: Math.round(statSync(cacheFile(t)).size / 2 ** 20),
      rssMB: rssMB(),
    };
  },

  async change(t, n) {
    const store = await open(t);
    const step = Math.max(1, Math.floor(n.commissions / n.changes));
    const started = performance.now();
    const [r] = await rows<{ n: string }>(
      store.db,
      sql`WITH u AS (UPDATE commissions SET amount_minor = amount_minor + 1, updated_at = now() WHERE id % ${step}::bigint = 7 AND id <= ${step * n.changes}::bigint RETURNING 1)
          SELECT count(*)::text AS n FROM u`,
    );
    const ms = performance.now() - started;
    await store.close();
    return { ms, updated: Number(r!.n) };
  },

  async incremental(t) {
    const store = await open(t);
    const cache = await openCache({
      file: cacheFile(t),
      workstationId: 'bench',
      credentials: credentials(t),
    });
    const result = await pull(store, cache);
    cache.close();
    await store.close();
    return {
      ms: result.ms,
      rows: result.rows,
      changes: result.changes,
      mode: result.mode,
      rssMB: rssMB(),
    };
  },
};

const s = (ms: number) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`); // durations only, never money
const pad = (v: string, w: number) => v.padStart(w);

export async function main(args: string[]): Promise<void> {
  const n: Sizes = {
    commissions: Number(arg(args, 'commissions', '1000000')),
    affiliates: Number(arg(args, 'affiliates', '10000')),
    changes: Number(arg(args, 'changes', '1000')),
  };
  const stores = arg(args, 'stores', 'postgres,pglite').split(',') as Target['store'][];
  console.log(
    `bench:sync — ${n.commissions.toLocaleString('en-US')} commissions, ${n.affiliates.toLocaleString('en-US')} affiliates, ${n.changes.toLocaleString('en-US')} changes; ` +
      `${os.cpus().length} cores, Node ${process.version}`,
  );
  const table: string[][] = [];
  for (const store of stores) {
    await withScratchStore(store, async (where) => {
      const target: Target = {
        store,
        dataDir: where.dataDir,
        url: where.url,
        key: randomBytes(32).toString('hex'),
      };
      const prep = runPhase(BENCH, 'prepare', target, n);
      const floor = runPhase(BENCH, 'floor', target, n);
      const initial = runPhase(BENCH, 'initial', target, n);
      const change = runPhase(BENCH, 'change', target, n);
      const incremental = runPhase(BENCH, 'incremental', target, n);
      console.log(
        `\n[${store}] ${store === 'postgres' ? target.url!.replace(/\/\/.*@/, '//') : 'embedded PGlite'}`,
      );
      console.log(
        `  generate data (not measured against)   ${s(prep.ms!)}   (${prep.changeLog} change-log rows written by the triggers)`,
      );
      console.log(
        `  floor: raw COPY of commissions, drained ${s(floor.ms!)}   ${Math.round(floor.bytes! / 2 ** 20)} MiB   peak RSS ${floor.rssMB} MB`,
      );
      console.log(
        `  initial pull into a fresh cache        ${s(initial.ms!)}   ${initial.rows} rows   peak RSS ${initial.rssMB} MB   cache file ${initial.fileMB} MiB`,
      );
      console.log(`  change ${change.updated} commissions centrally       ${s(change.ms!)}`);
      console.log(
        `  incremental pull                       ${s(incremental.ms!)}   ${incremental.changes} changes, ${incremental.rows} rows   peak RSS ${incremental.rssMB} MB`,
      );
      const ratio = initial.ms! / floor.ms!;
      console.log(
        `  initial / floor = ${ratio.toFixed(2)}×  (target ≤ 3×)   incremental ${s(incremental.ms!)}  (target ≤ 300 ms)`,
      );
      table.push([
        store,
        s(initial.ms!),
        `${initial.rssMB} MB`,
        s(floor.ms!),
        `${ratio.toFixed(2)}×`,
        s(incremental.ms!),
        `${incremental.rssMB} MB`,
      ]);
    });
  }
  const head = [
    'store',
    'initial pull',
    'peak RSS',
    'floor (COPY)',
    'initial/floor',
    'incremental (1k)',
    'peak RSS',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  console.log('\n' + head.map((h, i) => pad(h, widths[i]!)).join('  '));
  for (const r of table) console.log(r.map((v, i) => pad(v, widths[i]!)).join('  '));
}

// Child-process entry: `--phase NAME --target JSON --n JSON` prints one JSON line.
await phaseEntry<Target, Sizes>(phases);
