/**
 * bench:export — the commissions export to CSV (export-file.ts: cursor in one snapshot, papaparse,
 * exact amounts, neutralising, checksum, audit, rename) at 100,000 and 1,000,000 rows, beside the
 * floor: the same query dumped by the database's own CSV output (`COPY (…) TO STDOUT WITH (FORMAT
 * csv, HEADER)`) streamed to a file by the same client.
 *
 * Each measured phase runs in its own child process, so its peak RSS (getrusage maxrss) is its own:
 * memory must stay flat as the rows grow (one page in memory, whatever the size).
 * Usage: npm run bench:export -- [--sizes 100000,1000000] [--affiliates N] [--stores
 * postgres,pglite] [--page N]
 */
import { createWriteStream, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { PgDialect } from 'drizzle-orm/pg-core';
import {
  openCentral,
  type CentralStore,
  type CentralTx,
} from '../src/core/platform/central/store.js';
import { exportReport } from '../src/core/domain/reports/export-file.js';
import { resolveFilters } from '../src/core/domain/reports/filters.js';
import { commissionReport } from '../src/core/domain/reports/commissions.js';
import { arg, phaseEntry, rssMB, runPhase, seedCommissions, withScratchStore } from './support.js';

const BENCH = fileURLToPath(import.meta.url);

interface Target {
  store: 'postgres' | 'pglite';
  url?: string;
  dataDir: string;
}
interface Sizes {
  commissions: number;
  affiliates: number;
  page: number;
}

const open = (t: Target): Promise<CentralStore> => openCentral({ dataDir: t.dataDir, url: t.url });
const file = (t: Target, name: string) => path.join(t.dataDir, name);

/** The report's own query as SQL text (it has no parameters when unfiltered), its columns only. */
async function reportSql(store: CentralStore): Promise<string> {
  const { filters } = await resolveFilters(store.db, commissionReport.spec, {});
  const dialect = (store.db as unknown as { dialect: PgDialect }).dialect;
  // The report's columns only (not its hidden keys): the rows the export writes.
  const q = dialect.sqlToQuery(
    sql`SELECT ${sql.raw(commissionReport.columns.join(', '))} FROM (${commissionReport.queries(filters)[0]!}) q`,
  );
  if (q.params.length > 0)
    throw new Error('the unfiltered commissions query was expected to have no parameters');
  return q.sql;
}

/** COPY … TO STDOUT in CSV, streamed into a file by the same client the export uses. */
async function copyToFile(tx: CentralTx, query: string, target: string): Promise<void> {
  const client = (tx as unknown as { session: { client: unknown } }).session.client as
    | { unsafe(q: string): { readable(): Promise<NodeJS.ReadableStream> } }
    | { query(q: string): Promise<{ blob?: Blob }> };
  const copy = `COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER)`;
  if ('unsafe' in client) {
    const stream = await client.unsafe(copy).readable();
    // postgres.js leaves the socket paused after a COPY stream ends; reading once resumes it (see
    // resumeSocket in central/copy.ts).
    stream.on('end', () => (stream as unknown as { _read(n: number): void })._read(0));
    await pipeline(stream, createWriteStream(target));
    return;
  }
  // PGlite writes COPY output to a blob (in memory: PGlite has no socket to stream from).
  const result = await client.query(copy.replace('TO STDOUT', "TO '/dev/blob'"));
  await pipeline(
    result.blob!.stream() as unknown as NodeJS.ReadableStream,
    createWriteStream(target),
  );
}

const phases: Record<string, (t: Target, n: Sizes) => Promise<Record<string, unknown>>> = {
  async prepare(t, n) {
    const store = await open(t);
    const started = performance.now();
    await seedCommissions(store, n);
    await store.db.execute(sql`VACUUM ANALYZE`);
    const ms = performance.now() - started;
    await store.close();
    return { ms };
  },

  async floor(t) {
    const store = await open(t);
    const query = await reportSql(store);
    const target = file(t, 'floor.csv');
    const started = performance.now();
    await store.db.transaction((tx) => copyToFile(tx, query, target), {
      isolationLevel: 'repeatable read',
      accessMode: 'read only',
    });
    const ms = performance.now() - started;
    const bytes = statSync(target).size;
    rmSync(target);
    await store.close();
    return { ms, bytes, rssMB: rssMB() };
  },

  async export(t, n) {
    const store = await open(t);
    const target = file(t, 'export.csv');
    const cpu = process.cpuUsage();
    const started = performance.now();
    const r = await exportReport(store, commissionReport, {
      format: 'csv',
      out: target,
      filters: {},
      pageSize: n.page,
      generatedBy: { operatorId: null, username: 'bench' },
      audit: { commandId: null, ip: null, workstationId: 'bench' },
    });
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    rmSync(target);
    await store.close();
    return {
      ms,
      cpuMs: (used.user + used.system) / 1000,
      rows: r.rowCount,
      bytes: r.bytes,
      rssMB: rssMB(),
    };
  },
};

const s = (ms: number) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`); // durations only, never money
const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;

export async function main(args: string[]): Promise<void> {
  const sizes = arg(args, 'sizes', '100000,1000000').split(',').map(Number);
  const affiliates = Number(arg(args, 'affiliates', '10000'));
  const page = Number(arg(args, 'page', '2000'));
  const stores = arg(args, 'stores', 'postgres,pglite').split(',') as Target['store'][];
  console.log(
    `bench:export — commissions export to CSV at ${sizes.map((x) => x.toLocaleString('en-US')).join(' and ')} rows (${affiliates.toLocaleString('en-US')} affiliates), page ${page}; ${os.cpus().length} cores, Node ${process.version}`,
  );
  const table: string[][] = [];
  for (const store of stores) {
    for (const commissions of sizes) {
      await withScratchStore(store, async (where) => {
        const target: Target = {
          store,
          dataDir: where.dataDir,
          ...(where.url ? { url: where.url } : {}),
        };
        const n: Sizes = { commissions, affiliates, page };
        const prep = runPhase(BENCH, 'prepare', target, n);
        const floor = runPhase(BENCH, 'floor', target, n);
        const exp = runPhase(BENCH, 'export', target, n);
        const ratio = exp.ms! / floor.ms!;
        console.log(
          `\n[${store}, ${commissions.toLocaleString('en-US')} rows] generate ${s(prep.ms!)} (not measured against)`,
        );
        console.log(
          `  floor: COPY … TO STDOUT (FORMAT csv) to a file   ${s(floor.ms!)}   ${mib(floor.bytes!)}   peak RSS ${floor.rssMB} MB`,
        );
        console.log(
          `  export commissions --format csv                 ${s(exp.ms!)}   ${mib(exp.bytes!)}   peak RSS ${exp.rssMB} MB   ${exp.rows} rows   (CPU of the exporting process ${s(exp.cpuMs!)})`,
        );
        console.log(`  export / floor = ${ratio.toFixed(2)}×  (target ≤ 1.5×, issue 18)`);
        table.push([
          store,
          commissions.toLocaleString('en-US'),
          s(exp.ms!),
          `${exp.rssMB} MB`,
          s(floor.ms!),
          `${floor.rssMB} MB`,
          `${ratio.toFixed(2)}×`,
        ]);
      });
    }
  }
  const head = [
    'store',
    'rows',
    'export',
    'peak RSS',
    'floor (COPY csv)',
    'peak RSS',
    'export/floor',
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  console.log('\n' + head.map((h, i) => h.padStart(widths[i]!)).join('  '));
  for (const r of table) console.log(r.map((v, i) => v.padStart(widths[i]!)).join('  '));
}

// Child-process entry: `--phase NAME --target JSON --n JSON` prints one JSON line.
await phaseEntry<Target, Sizes>(phases);
