/**
 * Pull (central → encrypted local cache) on real stores: the change-log triggers, the initial and
 * the incremental pull compared row by row with a direct SELECT of the central tables, rebuilds
 * that give the same content hash, and — on a real Postgres server, the only one with concurrent
 * transactions — transactions committing out of order, which pull must neither show early nor skip.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache, type LocalCache } from '../../../src/core/platform/cache/cache.js';
import { copyField, copyOutChunks, copyOutText } from '../../../src/core/platform/central/copy.js';
import { rows, type CentralStore } from '../../../src/core/platform/central/store.js';
import type { CreateResult } from '../../../src/core/domain/batches/create.js';
import type { CredentialStore } from '../../../src/core/platform/credentials/store.js';
import { prng } from '../../../src/core/domain/demo/generate.js';
import {
  cacheContentHash,
  pull,
  rebuildCache,
  syncStatus,
} from '../../../src/core/local/sync/pull.js';
import { SYNCED_TABLES, ident, mirrorDrift } from '../../../src/core/local/sync/tables.js';
import { ingestEvent } from '../../../src/core/domain/webhooks/ingest.js';
import { parseXenditEvent } from '../../../src/core/domain/providers/xendit/webhook.js';
import { openTestCentral, tempDir } from '../../support/central.js';
import { openScenario, type Scenario } from '../../support/payouts.js';
import { drivers, pgAvailable } from '../../support/pg.js';
import { memoryCredentials } from '../../support/workstation.js';

// ------------------------------------------------------------------------------------- helpers

/**
 * Every synced row, centrally: "table\0key" → the row's values as Postgres prints them (text, UTC).
 */
async function centralRows(store: CentralStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await store.db.transaction(async (tx) => {
    await tx.execute(sql`SET LOCAL TimeZone = 'UTC'`);
    await tx.execute(sql`SET LOCAL DateStyle = 'ISO, YMD'`);
    for (const t of SYNCED_TABLES) {
      const list = t.columns.map((c) => `${ident(c)}::text`).join(', ');
      const found = await rows<{ k: string; r: string }>(
        tx,
        sql.raw(
          `SELECT ${ident(t.key)}::text AS k, json_build_array(${list})::text AS r FROM ${ident(t.name)}`,
        ),
      );
      for (const row of found)
        out.set(`${t.name}\u0000${row.k}`, JSON.stringify(JSON.parse(row.r)));
    }
  });
  return out;
}

/** The same from the cache: integers in decimal, booleans 1/0 back to Postgres's true/false. */
function cacheRows(cache: LocalCache): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of SYNCED_TABLES) {
    const bools = getTableConfig(t.local).columns.map((c) => c.columnType === 'SQLiteBoolean');
    const found = cache.sqlite
      .prepare(`SELECT ${t.columns.map(ident).join(', ')} FROM ${ident(t.name)}`)
      .raw(true)
      .all() as unknown[][];
    for (const row of found) {
      const values = row.map((v, i) =>
        v === null
          ? null
          : bools[i]
            ? v === 1n
              ? 'true'
              : v === 0n
                ? 'false'
                : `bad:${String(v)}`
            : typeof v === 'bigint'
              ? v.toString()
              : v,
      );
      out.set(`${t.name}\u0000${String(row[t.keyIndex])}`, JSON.stringify(values));
    }
  }
  return out;
}

/** What differs between two row sets (at most `limit` lines). */
function differences(
  expected: Map<string, string>,
  actual: Map<string, string>,
  limit = 10,
): string[] {
  const out: string[] = [];
  for (const [k, v] of expected) {
    const a = actual.get(k);
    if (a === undefined) out.push(`missing ${k.replace('\u0000', ' ')}`);
    else if (a !== v) out.push(`differs ${k.replace('\u0000', ' ')}: central ${v} cache ${a}`);
    if (out.length >= limit) return out;
  }
  for (const k of actual.keys()) {
    if (!expected.has(k)) out.push(`extra ${k.replace('\u0000', ' ')}`);
    if (out.length >= limit) return out;
  }
  return out;
}

async function expectInStep(store: CentralStore, cache: LocalCache): Promise<number> {
  const central = await centralRows(store);
  expect(differences(central, cacheRows(cache))).toEqual([]);
  return central.size;
}

function countByTable(set: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of SYNCED_TABLES) out[t.name] = 0;
  for (const k of set.keys()) out[k.split('\u0000')[0]!]!++;
  return out;
}

// --------------------------------------------------------------------------------------- tests

describe('mirror tables', () => {
  it('mirror every central column of each synced table (but operators.password_hash) with the right type', () => {
    expect(SYNCED_TABLES.flatMap(mirrorDrift)).toEqual([]);
    expect(SYNCED_TABLES.find((t) => t.name === 'operators')!.columns).not.toContain(
      'password_hash',
    );
    expect(SYNCED_TABLES.map((t) => t.name).sort()).toEqual(
      [
        'affiliates',
        'commissions',
        'adjustments',
        'commission_rules',
        'payout_batches',
        'payouts',
        'payout_items',
        'batch_approvals',
        'operators',
        'roles',
        'settings',
        'reconciliation_runs',
        'reconciliation_results',
        'provider_events',
        'ip_allowlist',
      ].sort(),
    );
  });
});

describe.each(drivers())('pull on %s', (driver) => {
  let s: Scenario;
  let store: CentralStore;
  let credentials: CredentialStore;
  let file: string;
  let cache: LocalCache;
  let draft: string;
  const tmp = tempDir('treasury-pull-');
  const open = () => openCache({ file, workstationId: 'ws-pull', credentials });

  beforeAll(async () => {
    // Central data made by the product's own flow: demo data, calc, a batch approved by a checker
    // and executed against the fake Xendit, a reconciliation run.
    s = await openScenario(driver, { affiliates: 60, conversions: 3000, seed: 5 });
    store = s.tw.ws.central;
    const created = await s.tw.call<CreateResult>('batch.create', {
      provider: 'xendit',
      currency: 'PHP',
    });
    const b = created.batches[0]!;
    await s.tw.call('batch.submit', { batch: b.number });
    await s.tw.call('batch.approve', { batch: b.number, contentHash: b.contentHash }, s.checker1);
    if (b.requiredApprovals === 2)
      await s.tw.call('batch.approve', { batch: b.number, contentHash: b.contentHash }, s.checker2);
    await s.tw.call('batch.execute', { batch: b.number, waitMs: 20_000 });
    const day = 86_400_000;
    await s.tw.call('reconcile.run', {
      provider: 'xendit',
      from: new Date(Date.now() - day).toISOString(),
      to: new Date(Date.now() + day).toISOString(),
    });
    draft = (await s.tw.call<CreateResult>('batch.create', { provider: 'xendit', currency: 'IDR' }))
      .batches[0]!.number; // a DRAFT batch too
    await s.tw.call('ip.allow', { role: 'viewer', cidr: '10.0.0.0/8', note: 'sync test' }); // no viewer exists: restricts nobody here
    // A provider event, stored as the webhook relay stores it (an event type we do not act on).
    const body = JSON.stringify({
      event: 'payout.note',
      business_id: 'biz-1',
      created: new Date().toISOString(),
      data: { note: 'sync test' },
    });
    await ingestEvent(store, parseXenditEvent(body), {
      now: new Date(),
      ip: '127.0.0.1',
      workstationId: s.tw.ws.id,
    });
    credentials = memoryCredentials();
    file = path.join(tmp.dir, 'cache.db');
    cache = await open();
  }, 240_000);
  afterAll(async () => {
    cache?.close();
    await s?.cleanup();
    tmp.remove();
  });

  it('copyOutChunks streams whole lines (split across chunks, rows larger than the stream buffer) and leaves the connection usable', async () => {
    // Multi-byte characters and escapes; ≈ 30 KB (the whole COPY response fits one network read, a
    // row over the stream's 16 KiB buffer: postgres.js pauses its socket) and ≈ 300 KB (many
    // reads).
    const big = (n: number) => JSON.stringify({ text: 'é\t\\ ünïcödé '.repeat(n) });
    await store.db.execute(
      sql`INSERT INTO settings (key, value) VALUES ('pull.big', ${big(1_500)}::jsonb), ('pull.huge', ${big(15_000)}::jsonb)`,
    );
    const queries = [
      `SELECT key, value FROM settings WHERE key <> 'pull.huge' ORDER BY key`,
      `SELECT key, value FROM settings ORDER BY key`,
    ];
    for (const query of queries) {
      await store.db.transaction(async (tx) => {
        for (let round = 0; round < 3; round++) {
          const whole = await copyOutText(tx, query);
          const lines: string[] = [];
          const got = await copyOutChunks(tx, query, (ls) => lines.push(...ls), {
            batchBytes: 997,
          });
          expect(lines.join('\n') + '\n').toBe(whole);
          expect(got.lines).toBe(lines.length);
          expect(lines.map((l) => copyField(l.split('\t')[0]!))).toContain('pull.big');
        }
        // A consumer that throws: the COPY is drained, the error surfaces, the connection still
        // answers.
        const failing = () => {
          throw new Error('consumer failed');
        };
        await expect(copyOutChunks(tx, query, failing, { batchBytes: 997 })).rejects.toThrow(
          'consumer failed',
        );
        expect(await rows(tx, sql`SELECT 1 AS one`)).toEqual([{ one: 1 }]);
      });
    }
    await store.db.execute(sql`DELETE FROM settings WHERE key IN ('pull.big', 'pull.huge')`);
  });

  it('the change-log triggers are on exactly the synced tables, three statement-level triggers each', async () => {
    const found = await rows<{ tbl: string; n: number }>(
      store.db,
      sql`SELECT c.relname AS tbl, count(*)::int AS n FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_proc p ON p.oid = g.tgfoid
          WHERE p.proname IN ('treasury_log_changes', 'treasury_log_commission_changes') AND (g.tgtype & 1) = 0 GROUP BY c.relname ORDER BY c.relname`,
    );
    expect(found.map((r) => [r.tbl, Number(r.n)])).toEqual(
      SYNCED_TABLES.map((t) => [t.name, 3]).sort((a, b) =>
        String(a[0]).localeCompare(String(b[0])),
      ),
    );
  });

  it('logs commissions per affiliate (one entry per affiliate per statement), so bulk calc writes stay cheap', async () => {
    const [before] = await rows<{ id: string }>(
      store.db,
      sql`SELECT coalesce(max(id), 0)::text AS id FROM change_log`,
    );
    const [a] = await rows<{ affiliate_id: string; n: number }>(
      store.db,
      sql`SELECT affiliate_id, count(*)::int AS n FROM commissions GROUP BY affiliate_id ORDER BY count(*) DESC LIMIT 1`,
    );
    await store.db.execute(
      sql`UPDATE commissions SET updated_at = now() WHERE affiliate_id = ${a!.affiliate_id}`,
    );
    const logged = await rows<{ tbl: string; row_key: string; op: string }>(
      store.db,
      sql`SELECT tbl, row_key, op FROM change_log WHERE id > ${before!.id}::bigint AND tbl = 'commissions'`,
    );
    expect(Number(a!.n)).toBeGreaterThan(1);
    expect(logged).toEqual([{ tbl: 'commissions', row_key: a!.affiliate_id, op: 'A' }]);
  });

  it('logs one change per changed row, set-based, with the writing transaction id', async () => {
    const [before] = await rows<{ id: string }>(
      store.db,
      sql`SELECT coalesce(max(id), 0)::text AS id FROM change_log`,
    );
    const xid = await store.db.transaction(async (tx) => {
      await tx.execute(
        sql`INSERT INTO settings (key, value) VALUES ('pull.a', '1'), ('pull.b', '2'), ('pull.c', '3')`,
      );
      await tx.execute(sql`UPDATE settings SET value = '4' WHERE key IN ('pull.a', 'pull.b')`);
      await tx.execute(sql`UPDATE settings SET key = 'pull.d' WHERE key = 'pull.c'`);
      await tx.execute(sql`DELETE FROM settings WHERE key = 'pull.b'`);
      const [x] = await rows<{ x: string }>(tx, sql`SELECT pg_current_xact_id()::text AS x`);
      return x!.x;
    });
    const log = await rows<{ xid: string; tbl: string; row_key: string; op: string }>(
      store.db,
      sql`SELECT xid::text AS xid, tbl, row_key, op FROM change_log WHERE id > ${before!.id}::bigint ORDER BY id`,
    );
    expect(log.map((r) => `${r.op} ${r.row_key}`)).toEqual([
      'U pull.a',
      'U pull.b',
      'U pull.c',
      'U pull.a',
      'U pull.b',
      'U pull.d',
      'D pull.c',
      'D pull.b',
    ]);
    expect(new Set(log.map((r) => r.xid))).toEqual(new Set([xid]));
    expect(new Set(log.map((r) => r.tbl))).toEqual(new Set(['settings']));
  });

  it('the initial pull copies every synced table exactly (same rows as a direct SELECT of central)', async () => {
    const progress: string[] = [];
    const result = await pull(store, cache, {
      chunkRows: 700,
      pageRows: 1000,
      onProgress: (p) => progress.push(`${p.phase}:${p.table}`),
    });
    expect(result.mode).toBe('initial');
    const central = await centralRows(store);
    expect(differences(central, cacheRows(cache))).toEqual([]);
    expect(result.rows).toBe(central.size);
    // The flow really filled every table.
    const counts = countByTable(central);
    for (const t of SYNCED_TABLES) expect(counts[t.name], t.name).toBeGreaterThan(0);
    expect(counts.commissions).toBeGreaterThan(2000);
    expect(progress).toContain('copy:commissions');
    const status = syncStatus(cache);
    expect(status.cursor).toBe(result.cursor);
    expect(status.lastPullMode).toBe('initial');
    expect(status.tables).toEqual(counts);
    console.info(
      `[pull ${driver}] initial: ${result.rows} rows in ${result.ms.toFixed(0)} ms, cursor ${result.cursor}; ${JSON.stringify(counts)}`,
    );
  });

  it('an incremental pull after inserts, updates and deletes in several tables brings the cache in step again', async () => {
    // Through the router: the draft batch cancelled (payout_batches, payouts, payout_items) and a
    // new one.
    await s.tw.call('batch.cancel', { batch: draft, reason: 'pull test' });
    const again1 = await s.tw.call<CreateResult>('batch.create', {
      provider: 'xendit',
      currency: 'IDR',
      maxPayouts: 5,
    });
    expect(again1.batches.length).toBeGreaterThan(0);
    // And straight in SQL, every kind of change, in several tables.
    await store.db.transaction(async (tx) => {
      await tx.execute(
        sql`UPDATE affiliates SET name = name || ' (renamed)', updated_at = now() WHERE id IN (SELECT id FROM affiliates ORDER BY id LIMIT 5)`,
      );
      await tx.execute(
        sql`INSERT INTO affiliates (id, name, email, country, status, payout_currency) VALUES ('pull-new-1', E'Tab\\there, back\\\\slash', 'n@x.example', 'ID', 'active', 'IDR')`,
      );
      await tx.execute(
        sql`UPDATE commissions SET amount_minor = amount_minor + 1, capped = NOT capped, updated_at = now() WHERE id IN (SELECT id FROM commissions ORDER BY id DESC LIMIT 50)`,
      );
      await tx.execute(
        sql`DELETE FROM batch_approvals WHERE id = (SELECT min(id) FROM batch_approvals)`,
      );
      await tx.execute(
        sql`DELETE FROM reconciliation_results WHERE id IN (SELECT id FROM reconciliation_results ORDER BY id LIMIT 2)`,
      );
      await tx.execute(
        sql`INSERT INTO settings (key, value) VALUES ('pull.json', '{"a": [1, "two\\nlines"], "b": null}') ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      );
      await tx.execute(sql`UPDATE settings SET key = 'pull.e' WHERE key = 'pull.d'`); // a key change: the old key is gone
      await tx.execute(
        sql`UPDATE operators SET display_name = 'Checker One', failed_attempts = 2 WHERE username = 'checker1'`,
      );
    });
    await store.db.execute(sql`DELETE FROM affiliates WHERE id = 'pull-new-1'`);
    await store.db.execute(
      sql`INSERT INTO affiliates (id, name, email, country, status, payout_currency) VALUES ('pull-new-2', 'New', 'n2@x.example', 'PH', 'active', 'PHP')`,
    );
    const before = cacheRows(cache);
    const result = await pull(store, cache, { changeChunk: 37 }); // small chunks: many cursor steps
    expect(result.mode).toBe('incremental');
    expect(result.changes).toBeGreaterThan(200);
    const n = await expectInStep(store, cache);
    expect(differences(before, cacheRows(cache)).length).toBeGreaterThan(0);
    expect(cacheRows(cache).has('settings\u0000pull.d')).toBe(false);
    // Nothing new: a pull reads nothing and changes nothing.
    const again = await pull(store, cache);
    expect([again.mode, again.changes, again.rows]).toEqual(['incremental', 0, 0]);
    console.info(
      `[pull ${driver}] incremental: ${result.changes} changes, ${result.rows} rows written in ${result.ms.toFixed(0)} ms; ${n} rows in step`,
    );
  });

  it('reads the change log in numeric (xid, id) order, also across a power of ten, in small chunks', async () => {
    // Ids 10^k − 4 … 10^k + 5 in one transaction: in text order "100…" would come before "99…".
    const [{ next } = { next: '0' }] = await rows<{ next: string }>(
      store.db,
      sql`SELECT (10::numeric ^ (length((SELECT last_value FROM change_log_id_seq)::text) + 1))::bigint::text AS next`,
    );
    await store.db.execute(sql`SELECT setval('change_log_id_seq', ${BigInt(next) - 5n}::bigint)`);
    await store.db.execute(
      sql`INSERT INTO settings (key, value) SELECT 'pull.order.' || i, to_jsonb(i) FROM generate_series(1, 10) AS i`,
    );
    const result = await pull(store, cache, { changeChunk: 3 });
    expect(result.changes).toBe(10);
    await expectInStep(store, cache);
  });

  it('rebuilding (mirror rows emptied, or the file deleted) gives the same content hash, and never touches the outbox', async () => {
    await store.db.execute(
      sql`UPDATE payouts SET failure_code = 'X' WHERE id = (SELECT id FROM payouts ORDER BY id LIMIT 1)`,
    );
    await pull(store, cache);
    await expectInStep(store, cache);
    const hash = cacheContentHash(cache);
    cache.sqlite
      .prepare(
        "INSERT INTO outbox (command_id, name, payload, created_at) VALUES ('cmd-1', 'test', '{}', 0)",
      )
      .run();
    const rebuilt = await rebuildCache(store, cache);
    expect(rebuilt.mode).toBe('initial');
    expect(cacheContentHash(cache)).toBe(hash);
    expect(cache.sqlite.prepare('SELECT command_id FROM outbox').all()).toEqual([
      { command_id: 'cmd-1' },
    ]);
    // The file itself deleted: a fresh cache pulls the same bytes.
    cache.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) rmSync(f);
    cache = await open();
    expect(syncStatus(cache).cursor).toBeNull();
    const fresh = await pull(store, cache);
    expect(fresh.mode).toBe('initial');
    expect(cacheContentHash(cache)).toBe(hash);
    // A hash sees a one-value difference.
    cache.sqlite
      .prepare(
        "UPDATE affiliates SET name = name || '.' WHERE id = (SELECT min(id) FROM affiliates)",
      )
      .run();
    expect(cacheContentHash(cache)).not.toBe(hash);
  });
});

// ------------------------------------------------------- out-of-order commits (real Postgres only)

describe.skipIf(!pgAvailable)(
  'pull with transactions committing out of order (real Postgres)',
  () => {
    let store: CentralStore;
    let url: string;
    let cleanup: () => Promise<void>;
    let cache: LocalCache;
    const tmp = tempDir('treasury-pull-ooo-');
    const conns: postgres.Sql[] = [];
    const connect = () => {
      const c = postgres(url, { max: 1, onnotice: () => {} });
      conns.push(c);
      return c;
    };

    beforeAll(async () => {
      const central = await openTestCentral('postgres');
      store = central.store;
      url = central.url!;
      cleanup = central.cleanup;
      await store.db
        .execute(sql`INSERT INTO affiliates (id, name, email, country, status, payout_currency)
      SELECT 'base-' || lpad(i::text, 4, '0'), 'Base ' || i, 'b' || i || '@x.example', 'ID', 'active', 'IDR' FROM generate_series(1, 400) AS i`);
      cache = await openCache({
        file: path.join(tmp.dir, 'cache.db'),
        workstationId: 'ws-ooo',
        credentials: memoryCredentials(),
      });
      expect((await pull(store, cache)).mode).toBe('initial');
    }, 120_000);
    afterAll(async () => {
      cache?.close();
      await Promise.all(conns.map((c) => c.end({ timeout: 1 })));
      await cleanup?.();
      tmp.remove();
    });

    const keysOf = (table: string) =>
      new Set(
        [...cacheRows(cache).keys()]
          .filter((k) => k.startsWith(`${table}\u0000`))
          .map((k) => k.split('\u0000')[1]),
      );

    it('a transaction that commits after a younger one is neither shown early nor skipped', async () => {
      const c1 = connect();
      const c2 = connect();
      const t1 = await c1.reserve();
      const t2 = await c2.reserve();
      await t1`BEGIN`;
      await t1`INSERT INTO settings (key, value) VALUES ('t1', '1')`; // T1 takes its xid first…
      const xid1 = (await t1<{ xid: string }[]>`SELECT pg_current_xact_id()::text AS xid`)[0]!.xid;
      await t2`BEGIN`;
      await t2`INSERT INTO settings (key, value) VALUES ('t2', '2')`;
      await t2`UPDATE affiliates SET name = 'by T2' WHERE id = 'base-0001'`;
      const xid2 = (await t2<{ xid: string }[]>`SELECT pg_current_xact_id()::text AS xid`)[0]!.xid;
      await t2`COMMIT`; // …T2 commits first: its change_log ids and xid are both above T1's
      expect(BigInt(xid2)).toBeGreaterThan(BigInt(xid1));

      const first = await pull(store, cache, { catchUpMs: 0 }); // mid-flight: do not wait for T1
      expect(keysOf('settings').has('t2')).toBe(false); // not yet: T1, older, still runs
      expect(keysOf('settings').has('t1')).toBe(false);
      expect(BigInt(first.cursor.split(':')[0]!)).toBeLessThanOrEqual(BigInt(xid1));

      await t1`COMMIT`;
      await pull(store, cache);
      expect(keysOf('settings').has('t1')).toBe(true);
      expect(keysOf('settings').has('t2')).toBe(true);
      await expectInStep(store, cache);
      t1.release();
      t2.release();
    });

    it('a sync right after a change waits (bounded) for older transactions to end, then reads it', async () => {
      const c1 = connect();
      const c2 = connect();
      const t1 = await c1.reserve();
      const t2 = await c2.reserve();
      await t1`BEGIN`;
      await t1`INSERT INTO settings (key, value) VALUES ('w1', '1')`; // an older transaction, still open
      await t2`INSERT INTO settings (key, value) VALUES ('w2', '2')`; // a change, committed
      const started = performance.now();
      await pull(store, cache, { catchUpMs: 300 });
      expect(performance.now() - started).toBeGreaterThanOrEqual(290); // it waited, then gave up
      expect(keysOf('settings').has('w2')).toBe(false);
      setTimeout(() => void t1`COMMIT`.then(() => {}), 200); // postgres.js runs a query only once awaited
      await pull(store, cache); // waits for T1's commit instead of stopping short
      expect(keysOf('settings').has('w1')).toBe(true);
      expect(keysOf('settings').has('w2')).toBe(true);
      t1.release();
      t2.release();
    });

    it('20 seeded random schedules of 3–5 interleaved transactions: after the last commit the cache equals central', async () => {
      const rnd = prng(20261121);
      const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
      const conn = Array.from({ length: 5 }, () => connect());
      let unique = 0;
      let base = 0;
      const summary: string[] = [];
      for (let schedule = 0; schedule < 20; schedule++) {
        const n = 3 + Math.floor(rnd() * 3);
        const txs = await Promise.all(conn.slice(0, n).map((c) => c.reserve()));
        // Each transaction: BEGIN, 1–3 writes on rows only it touches (no lock waits), COMMIT or
        // ROLLBACK.
        const steps: { tx: number; run: () => Promise<unknown> }[][] = txs.map((t, i) => {
          const own: { tx: number; run: () => Promise<unknown> }[] = [
            { tx: i, run: () => t`BEGIN` },
          ];
          const writes = 1 + Math.floor(rnd() * 3);
          for (let w = 0; w < writes; w++) {
            const kind = pick([
              'insert-setting',
              'update-affiliate',
              'insert-affiliate',
              'delete-setting',
              'many-commission-rules',
            ] as const);
            const k = `s${schedule}-t${i}-w${w}-${unique++}`;
            const affiliate = `base-${String((base++ % 400) + 1).padStart(4, '0')}`;
            const version = (1000 + unique) * 10;
            own.push({
              tx: i,
              run: () =>
                kind === 'insert-setting'
                  ? t`INSERT INTO settings (key, value) VALUES (${k}, ${JSON.stringify({ schedule, i, w })}::jsonb)`
                  : kind === 'update-affiliate'
                    ? t`UPDATE affiliates SET name = ${k}, updated_at = now() WHERE id = ${affiliate}`
                    : kind === 'insert-affiliate'
                      ? t`INSERT INTO affiliates (id, name, email, country, status, payout_currency) VALUES (${k}, 'x', 'x@x.example', 'PH', 'active', 'PHP')`
                      : kind === 'delete-setting'
                        ? t`DELETE FROM settings WHERE key IN (SELECT key FROM settings WHERE key LIKE ${`s${schedule - 1}-t${i}-%`})`
                        : t`INSERT INTO commission_rules (version, effective_from, body) SELECT ${version}::int + g, now(), '{}'::jsonb FROM generate_series(0, 9) AS g`,
            });
          }
          own.push({ tx: i, run: () => (rnd() < 0.15 ? t`ROLLBACK` : t`COMMIT`) });
          return own;
        });
        // Interleave: any transaction's next step, at random; a pull now and then, mid-flight.
        let pulls = 0;
        const order: number[] = [];
        while (steps.some((q) => q.length)) {
          const live = steps.map((q, i) => (q.length ? i : -1)).filter((i) => i >= 0);
          const i = pick(live);
          await steps[i]!.shift()!.run();
          order.push(i);
          if (rnd() < 0.3) {
            await pull(store, cache, { catchUpMs: 0 }); // mid-flight: read what is final now
            pulls++;
          }
        }
        txs.forEach((t) => t.release());
        await pull(store, cache);
        const central = await centralRows(store);
        const diff = differences(central, cacheRows(cache));
        expect(diff, `schedule ${schedule} (order ${order.join('')})`).toEqual([]);
        summary.push(`${n}tx/${pulls}p`);
      }
      console.info(`[pull out-of-order] 20 schedules in step: ${summary.join(' ')}`);
    });
  },
);
