/**
 * Drill: the central store becomes unreachable in the middle of a sync, and comes back.
 *
 * A workstation reaches the real Postgres through a TCP relay (test/support/tcp-relay.ts) that the
 * test cuts:
 * (a) during the initial pull of 60,000 commissions — the relay lets half of the pull's bytes
 * through
 *     and holds the rest, the test watches the loader commit rows into the cache, then cuts;
 * (b) during the push of seven commands prepared offline — twice, at points the central store
 * itself
 *     marks: once while a command's transaction is open (it never commits), once while its COMMIT
 * is
 *     being made (it commits, but the answer never reaches the workstation).
 * Each time: the sync fails with CENTRAL_UNAVAILABLE, the cache stays readable and never claims
 * more than it holds, nothing is applied twice, and a plain `sync.run` once the relay is back
 * finishes the job, leaving the cache equal to the central store.
 *
 * The cut points are chosen by bytes and by server-side locks, never by waiting a while: the drill
 * lands at the same place on a fast machine and on a slow one.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCache } from '../../src/core/platform/cache/cache.js';
import { rows, type CentralStore } from '../../src/core/platform/central/store.js';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import type { OutboxEntry } from '../../src/core/platform/cache/outbox.js';
import { cacheContentHash, type PullResult } from '../../src/core/local/sync/pull.js';
import type { PushResult } from '../../src/core/local/sync/push.js';
import { SYNCED_TABLES, ident } from '../../src/core/local/sync/tables.js';
import { openWorkstation, type Workstation } from '../../src/core/host/workstation/workstation.js';
import { tempDir } from '../support/central.js';
import { createTestDatabase, PG_URL, pgAvailable } from '../support/pg.js';
import { tcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { ADMIN_PASSWORD, memoryCredentials } from '../support/workstation.js';

const BULK_AFFILIATES = 2_000;
const BULK_COMMISSIONS = 60_000;
/** Any key: the drill's server-side traps wait on it while the test holds it. */
const TRAP_LOCK = 870_431;

interface SyncRun {
  online: boolean;
  pushed: PushResult | null;
  pulled: PullResult | null;
}

/**
 * Waits for `check` to hold, polling; fails with `what` after `ms` (generous: slow machines are
 * fine).
 */
async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 120_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A call's outcome, settled: the result or the error (code and message). */
async function settle<T>(
  p: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; code: string; message: string }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { ok: false, code: e.code ?? 'none', message: e.message ?? String(error) };
  }
}

const count = (cache: LocalCache, table: string) =>
  Number(
    (cache.sqlite.prepare(`SELECT count(*) AS n FROM ${ident(table)}`).get() as { n: bigint }).n,
  );

/** Rows per synced table and exact sums of every money column per currency, from the cache. */
function cacheFigures(cache: LocalCache): {
  counts: Record<string, number>;
  sums: Record<string, string>;
} {
  const counts: Record<string, number> = {};
  for (const t of SYNCED_TABLES) counts[t.name] = count(cache, t.name);
  const sums: Record<string, string> = {};
  for (const table of ['commissions', 'adjustments', 'payouts', 'payout_items']) {
    const found = cache.sqlite
      .prepare(
        `SELECT trim(currency) AS c, sum(amount_minor) AS s FROM ${ident(table)} GROUP BY 1 ORDER BY 1`,
      )
      .all() as { c: string; s: bigint }[];
    for (const r of found) sums[`${table} ${r.c}`] = BigInt(r.s).toString();
  }
  return { counts, sums };
}

/** The same, from the central store. */
async function centralFigures(
  store: CentralStore,
): Promise<{ counts: Record<string, number>; sums: Record<string, string> }> {
  const counts: Record<string, number> = {};
  for (const t of SYNCED_TABLES) {
    const [r] = await rows<{ n: string }>(
      store.db,
      sql.raw(`SELECT count(*)::text AS n FROM ${ident(t.name)}`),
    );
    counts[t.name] = Number(r!.n);
  }
  const sums: Record<string, string> = {};
  for (const table of ['commissions', 'adjustments', 'payouts', 'payout_items']) {
    const found = await rows<{ c: string; s: string }>(
      store.db,
      sql.raw(
        `SELECT trim(currency) AS c, sum(amount_minor)::text AS s FROM ${ident(table)} GROUP BY 1 ORDER BY 1`,
      ),
    );
    for (const r of found) sums[`${table} ${r.c}`] = r.s;
  }
  return { counts, sums };
}

describe.skipIf(!pgAvailable)(
  'drill: the central store unreachable mid-sync (real Postgres behind a TCP relay)',
  () => {
    const dirs = {
      seed: tempDir('treasury-drill-seed-'),
      ws: tempDir('treasury-drill-ws-'),
      ref: tempDir('treasury-drill-ref-'),
    };
    let db: { url: string; drop: () => Promise<void> };
    let relay: TcpRelay;
    /** Straight to the server, never through the relay: what the central store really holds. */
    let seeder: Workstation;
    let direct: postgres.Sql;
    /** The workstation under drill, and a reference one that syncs undisturbed. */
    let ws: Workstation;
    let ref: Workstation;
    let session = '';
    let refSession = '';
    const call = <T>(w: Workstation, token: string, name: string, payload: unknown = {}) =>
      w.call<T>({ name, payload, session: token, workstationId: w.id });

    beforeAll(async () => {
      db = await createTestDatabase();
      const server = new URL(PG_URL);
      relay = await tcpRelay({ host: server.hostname, port: Number(server.port || 5432) });
      direct = postgres(db.url, { max: 1, onnotice: () => {} });

      seeder = await openWorkstation({
        dataDir: dirs.seed.dir,
        centralUrl: db.url,
        credentials: memoryCredentials(),
      });
      const raw = (name: string, payload: unknown, token: string | null) =>
        seeder.call({ name, payload, session: token, workstationId: seeder.id });
      await raw('operators.bootstrap', { username: 'admin', password: ADMIN_PASSWORD }, null);
      const signed = (await raw(
        'session.signIn',
        { username: 'admin', password: ADMIN_PASSWORD },
        null,
      )) as SignInResult;
      if (!signed.ok) throw new Error(signed.reason);
      await raw(
        'demo.generate',
        { affiliates: 40, conversions: 2_000, seed: 11, until: '2026-11-01' },
        signed.token,
      );
      await raw('commissions.calculate', {}, signed.token);
      // Bulk: tens of thousands of commissions (IDR and PHP) on affiliates of their own, so that
      // the initial pull takes long enough to be cut in the middle. Set-based, through the
      // change-log triggers.
      await seeder.central.db.transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO affiliates (id, name, email, country, status, kyc_status, payout_provider, payout_channel_code,
                                                   payout_account_number, payout_account_holder_name, payout_currency)
        SELECT 'blk-aff-' || lpad(i::text, 6, '0'), 'Bulk ' || i, 'b' || i || '@example.com', CASE WHEN i % 2 = 0 THEN 'ID' ELSE 'PH' END, 'active', 'approved',
               'xendit', CASE WHEN i % 2 = 0 THEN 'ID_BCA' ELSE 'PH_GCASH' END, lpad(i::text, 10, '0'), 'Holder ' || i, CASE WHEN i % 2 = 0 THEN 'IDR' ELSE 'PHP' END
        FROM generate_series(1, ${BULK_AFFILIATES}::int) AS i`);
        await tx.execute(sql`INSERT INTO commissions (conversion_id, affiliate_id, rule_version, amount_minor, currency, status, reason, rate_bps,
                                                    capped, period, occurred_at, available_at, calculated_at)
        SELECT 'blk-cv-' || lpad(i::text, 8, '0'), 'blk-aff-' || lpad((i % ${BULK_AFFILIATES}::int + 1)::text, 6, '0'), 1, (i::bigint * 7919) % 10000000 + 100,
               CASE WHEN (i % ${BULK_AFFILIATES}::int + 1) % 2 = 0 THEN 'IDR' ELSE 'PHP' END,
               (ARRAY['pending','payable','payable','voided'])[i % 4 + 1], CASE WHEN i % 4 = 3 THEN 'conversion refunded' END, 1000 + i % 7 * 50,
               i % 17 = 0, '2026-' || lpad((i % 6 + 5)::text, 2, '0'),
               timestamptz '2026-05-01 00:00:00Z' + (i % 15552000) * interval '1 second',
               timestamptz '2026-05-31 00:00:00Z' + (i % 15552000) * interval '1 second', now()
        FROM generate_series(1, ${BULK_COMMISSIONS}::int) AS i`);
      });

      // Both workstations reach the central store only through the relay. retryAfterMs 0: each call
      // made while offline probes the central store again (the drill decides when it is back).
      ws = await openWorkstation({
        dataDir: dirs.ws.dir,
        centralUrl: relay.via(db.url),
        credentials: memoryCredentials(),
        retryAfterMs: 0,
      });
      ref = await openWorkstation({
        dataDir: dirs.ref.dir,
        centralUrl: relay.via(db.url),
        credentials: memoryCredentials(),
        retryAfterMs: 0,
      });
      const signIn = async (w: Workstation) => {
        const r = await w.call<SignInResult>({
          name: 'session.signIn',
          payload: { username: 'admin', password: ADMIN_PASSWORD },
          workstationId: w.id,
        });
        if (!r.ok) throw new Error(r.reason);
        return r.token;
      };
      session = await signIn(ws);
      refSession = await signIn(ref);
    }, 300_000);

    afterAll(async () => {
      await ws?.close();
      await ref?.close();
      await seeder?.close();
      await direct?.end({ timeout: 5 });
      await relay?.stop();
      await db?.drop();
      for (const d of Object.values(dirs)) d.remove();
    });

    // ------------------------------------------------------------------------ (a) the initial pull

    describe('(a) cut during the initial pull', () => {
      let pullBytes = 0;
      let cut: Awaited<ReturnType<typeof settle<SyncRun>>>;
      let visible = 0;
      let resumed: SyncRun;
      let resumedMs = 0;

      beforeAll(async () => {
        // The reference workstation syncs undisturbed: how many bytes a whole initial sync takes.
        const before = relay.bytesDown();
        const done = await call<SyncRun>(ref, refSession, 'sync.run');
        expect(done.pulled?.mode).toBe('initial');
        pullBytes = relay.bytesDown() - before;

        // The drill: half of those bytes get through, then the stream stands still.
        const cache = await ws.cache();
        relay.holdAfter(Math.floor(pullBytes / 2));
        const running = settle(call<SyncRun>(ws, session, 'sync.run'));
        // The loader commits whole chunks of 5,000 rows or more while the stream is held: wait
        // until some are visible (half the stream is ~30,000 commissions), then cut.
        await until(
          'the initial pull has committed commissions into the cache',
          () => count(cache, 'commissions') >= 10_000,
        );
        await until('the relay holds the rest of the stream', () => relay.holding());
        await relay.stop();
        cut = await running;
        visible = count(cache, 'commissions');
      }, 300_000);

      it('the sync fails with CENTRAL_UNAVAILABLE, saying the central store cannot be reached', () => {
        expect(cut.ok).toBe(false);
        if (cut.ok) return;
        expect(cut.code).toBe('CENTRAL_UNAVAILABLE');
        expect(cut.message).toMatch(/central store cannot be reached|cannot reach the central/);
      });

      it('the pull was cut in the middle: part of the commissions are in the cache, not all', async () => {
        expect(visible).toBeGreaterThanOrEqual(10_000);
        expect(visible).toBeLessThan(BULK_COMMISSIONS);
        expect(pullBytes).toBeGreaterThan(5_000_000); // tens of thousands of rows: several megabytes
      });

      it('what is visible is whole rows, a prefix of the stream, equal to the central rows; later tables are untouched', async () => {
        const cache = await ws.cache();
        // The COPY stream reads the table in physical order; the loader commits it in order, whole
        // transactions at a time: the rows in the cache are exactly the first `visible` of the
        // stream.
        const first = await rows<{ id: string; amount_minor: string }>(
          seeder.central.db,
          sql`SELECT f.id::text AS id, f.amount_minor::text AS amount_minor FROM (SELECT id, amount_minor FROM commissions ORDER BY ctid LIMIT ${visible}) f ORDER BY f.id`,
        );
        const local = cache.sqlite
          .prepare('SELECT id, amount_minor FROM commissions ORDER BY id')
          .all() as { id: bigint; amount_minor: bigint }[];
        expect(local.length).toBe(first.length);
        expect(local.map((r) => `${r.id}:${r.amount_minor}`)).toEqual(
          first.map((r) => `${r.id}:${r.amount_minor}`),
        );
        // Tables before commissions were loaded whole; those after were not started.
        const central = await centralFigures(seeder.central);
        const order = SYNCED_TABLES.map((t) => t.name);
        for (const t of order.slice(0, order.indexOf('commissions')))
          expect(count(cache, t), t).toBe(central.counts[t]);
        for (const t of order.slice(order.indexOf('commissions') + 1))
          expect(count(cache, t), t).toBe(0);
      });

      it('no checkpoint is ahead of the data: no cursor, no last-pull time; the cache file is sound and back in WAL mode', async () => {
        const cache = await ws.cache();
        const status = await call<{
          cursor: string | null;
          lastPullAt: string | null;
          connectivity: { online: boolean; reason: string | null };
        }>(ws, session, 'sync.status');
        expect(status.cursor).toBeNull();
        expect(status.lastPullAt).toBeNull();
        expect(status.connectivity.online).toBe(false);
        expect(status.connectivity.reason).toMatch(/central/);
        expect(cache.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(String(cache.sqlite.pragma('journal_mode', { simple: true })).toLowerCase()).toBe(
          'wal',
        );
        // The indexes dropped for the load are remembered, to be rebuilt by the next pull.
        const kept = cache.sqlite
          .prepare("SELECT value FROM sync_state WHERE key = 'initial_pull_dropped_indexes'")
          .get() as { value: string } | undefined;
        expect(JSON.parse(kept?.value ?? '[]').length).toBeGreaterThan(0);
      });

      it('with the relay back, a plain sync.run starts the initial pull again from zero and completes it', async () => {
        await relay.start();
        const t0 = performance.now();
        resumed = await call<SyncRun>(ws, session, 'sync.run');
        resumedMs = performance.now() - t0;
        expect(resumed.online).toBe(true);
        // What the design promises: an initial pull has no checkpoint to resume from (its cursor is
        // written last); it empties the mirrors and reads every row again.
        expect(resumed.pulled?.mode).toBe('initial');
        const central = await centralFigures(seeder.central);
        const total = Object.values(central.counts).reduce((a, b) => a + b, 0);
        expect(resumed.pulled?.rows).toBe(total);
        expect(resumed.pulled?.cursor).toMatch(/^\d+:0$/);
        console.info(
          `[drill] initial sync ${pullBytes} bytes; cut after ${visible} of ${central.counts.commissions} commissions; resumed pull ${total} rows in ${Math.round(resumedMs)} ms`,
        );
      });

      it('afterwards the cache equals the central store: rows per table, sums per currency, indexes, content hash', async () => {
        const cache = await ws.cache();
        expect(cacheFigures(cache)).toEqual(await centralFigures(seeder.central));
        expect(
          cache.sqlite
            .prepare("SELECT value FROM sync_state WHERE key = 'initial_pull_dropped_indexes'")
            .get(),
        ).toBeUndefined();
        const indexes = (c: LocalCache) =>
          (
            c.sqlite
              .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
              )
              .all() as { name: string }[]
          ).map((r) => r.name);
        const refCache = await ref.cache();
        expect(indexes(cache)).toEqual(indexes(refCache));
        await call(ref, refSession, 'sync.run');
        expect(cacheContentHash(cache)).toBe(cacheContentHash(refCache));
      });
    });

    // --------------------------------------------------------------------- (b) the push of the
    //   outbox

    describe('(b) cut during the push of commands prepared offline', () => {
      let prepared: OutboxEntry[] = [];
      const batches: { id: string; payouts: number }[] = [];
      let first: Awaited<ReturnType<typeof settle<SyncRun>>>;
      let second: Awaited<ReturnType<typeof settle<SyncRun>>>;
      let afterFirst: OutboxEntry[] = [];
      let afterSecond: OutboxEntry[] = [];
      let appliedAfterFirst: string[] = [];
      let appliedAfterSecond: string[] = [];
      let final: SyncRun;
      let cachedBetween: {
        integrity: string;
        batches: { id: string; status: string; payouts: bigint }[];
      } = { integrity: '', batches: [] };

      /** The ids among `ids` the central store has applied. */
      const appliedCentrally = async (ids: string[]) =>
        (
          await direct<
            { id: string }[]
          >`SELECT id::text AS id FROM applied_commands WHERE id = ANY(${ids}::uuid[])`
        ).map((r) => r.id);
      /** A backend of this database waits for the trap's lock. */
      const trapped = async () =>
        Number(
          (
            await direct`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = ${TRAP_LOCK}
                                   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`
          )[0]!.n,
        ) > 0;
      /**
       * Every relayed backend has finished (after a cut, the trapped one ends once the lock is
       * free).
       */
      const settled = async () =>
        Number(
          (
            await direct`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')`
          )[0]!.n,
        ) === 0;

      /**
       * The relay back, and the workstation sees it: after a run of refused connections the driver
       * waits before it tries again (up to 20 s), and until then a sync answers "offline".
       */
      async function backOnline(): Promise<void> {
        await relay.start();
        await until(
          'the workstation sees the central store again',
          async () => (await ws.connectivity()).online,
        );
      }

      /**
       * Runs a sync that a server-side trap stops at a known point, cuts the relay there, then
       * frees the trap.
       */
      async function syncCutAtTrap(): Promise<Awaited<ReturnType<typeof settle<SyncRun>>>> {
        await direct`SELECT pg_advisory_lock(${TRAP_LOCK})`;
        await backOnline();
        let finished: unknown = null;
        const running = settle(call<SyncRun>(ws, session, 'sync.run')).then((o) => (finished = o));
        await until('the push reaches the trapped command', async () => {
          if (finished)
            throw new Error(
              `the sync ended before reaching the trapped command: ${JSON.stringify(finished)}`,
            );
          return trapped();
        });
        await relay.stop();
        await direct`SELECT pg_advisory_unlock(${TRAP_LOCK})`;
        const outcome = await running;
        await until('the cut connections are over at the central store', settled);
        return outcome;
      }

      beforeAll(async () => {
        // Offline: the relay is cut; the workstation notices and works on its cache.
        await relay.stop();
        expect((await ws.connectivity()).online).toBe(false);
        const cache = await ws.cache();
        const demo = (currency: string) =>
          (
            cache.sqlite
              .prepare(
                "SELECT id FROM affiliates WHERE id NOT LIKE 'blk-%' AND payout_currency = ? AND payout_provider IS NOT NULL ORDER BY id",
              )
              .all(currency) as { id: string }[]
          ).map((r) => r.id);
        for (const [provider, currency] of [
          ['xendit', 'PHP'],
          ['xendit', 'IDR'],
          ['rise', 'USD'],
        ] as const) {
          const created = await call<{
            offline?: boolean;
            batches: { id: string; payouts: number }[];
          }>(ws, session, 'batch.create', { provider, currency, affiliateIds: demo(currency) });
          expect(created.offline).toBe(true);
          const b = created.batches[0]!;
          batches.push(b);
          await call(ws, session, 'batch.submit', { batch: b.id });
        }
        await call(ws, session, 'batch.cancel', {
          batch: batches[2]!.id,
          reason: 'drill: prepared, then given up',
        });
        prepared = await call<OutboxEntry[]>(ws, session, 'outbox.list', { status: 'pending' });

        // Cut 1: the third command's transaction is open at the central store (a BEFORE trigger
        // waits on the test's lock inside it) when the relay is cut: it can never commit.
        await direct.unsafe(
          `CREATE FUNCTION drill_wait() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(${TRAP_LOCK}); RETURN NEW; END $$`,
        );
        await direct.unsafe(
          `CREATE TRIGGER drill_open BEFORE INSERT ON applied_commands FOR EACH ROW WHEN (NEW.id = '${prepared[2]!.commandId}') EXECUTE FUNCTION drill_wait()`,
        );
        first = await syncCutAtTrap();
        afterFirst = await call<OutboxEntry[]>(ws, session, 'outbox.list');
        appliedAfterFirst = await appliedCentrally(prepared.map((p) => p.commandId));

        // Cut 2: the fifth command is being committed (a deferred trigger waits at COMMIT) when the
        // relay is cut: it commits, but its answer never reaches the workstation.
        await direct.unsafe('DROP TRIGGER drill_open ON applied_commands');
        await direct.unsafe(
          `CREATE CONSTRAINT TRIGGER drill_commit AFTER INSERT ON applied_commands DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.id = '${prepared[4]!.commandId}') EXECUTE FUNCTION drill_wait()`,
        );
        second = await syncCutAtTrap();
        afterSecond = await call<OutboxEntry[]>(ws, session, 'outbox.list');
        const local = await ws.cache();
        cachedBetween = {
          integrity: String(local.sqlite.pragma('integrity_check', { simple: true })),
          batches: local.sqlite
            .prepare(
              'SELECT b.id, b.status, (SELECT count(*) FROM payouts p WHERE p.batch_id = b.id) AS payouts FROM payout_batches b',
            )
            .all() as { id: string; status: string; payouts: bigint }[],
        };
        appliedAfterSecond = await appliedCentrally(prepared.map((p) => p.commandId));

        // Back for good: a plain sync.
        await direct.unsafe('DROP TRIGGER drill_commit ON applied_commands');
        await backOnline();
        const t0 = performance.now();
        final = await call<SyncRun>(ws, session, 'sync.run');
        console.info(
          `[drill] push cut twice: after cut 1 applied ${appliedAfterFirst.length}/7, after cut 2 ${appliedAfterSecond.length}/7 (the 5th committed, its answer lost); the final sync pushed ${final.pushed?.applied} and pulled ${final.pulled?.rows} rows in ${Math.round(performance.now() - t0)} ms`,
        );
      }, 300_000);

      it('seven commands were prepared offline, in order', () => {
        expect(prepared.map((p) => p.name)).toEqual([
          'batch.create',
          'batch.submit',
          'batch.create',
          'batch.submit',
          'batch.create',
          'batch.submit',
          'batch.cancel',
        ]);
        expect(prepared.map((p) => p.seq)).toEqual(
          [...prepared.map((p) => p.seq)].sort((a, b) => a - b),
        );
        expect(batches.every((b) => b.payouts > 0)).toBe(true);
      });

      it('cut with a command open: the sync fails with CENTRAL_UNAVAILABLE; the commands before it applied once, it and the rest still pending', async () => {
        expect(first.ok).toBe(false);
        if (!first.ok) expect(first.code).toBe('CENTRAL_UNAVAILABLE');
        const ids = prepared.map((p) => p.commandId);
        expect(appliedAfterFirst.sort()).toEqual(ids.slice(0, 2).sort());
        expect(afterFirst.map((e) => e.status)).toEqual([
          'applied',
          'applied',
          'pending',
          'pending',
          'pending',
          'pending',
          'pending',
        ]);
      });

      it('cut with a COMMIT under way: it committed centrally, the workstation never heard, so it stays pending', () => {
        expect(second.ok).toBe(false);
        if (!second.ok) expect(second.code).toBe('CENTRAL_UNAVAILABLE');
        const ids = prepared.map((p) => p.commandId);
        expect(appliedAfterSecond.sort()).toEqual(ids.slice(0, 5).sort());
        expect(afterSecond.map((e) => e.status)).toEqual([
          'applied',
          'applied',
          'applied',
          'applied',
          'pending',
          'pending',
          'pending',
        ]);
      });

      it('between the cuts the cache stayed whole: every batch as prepared, with all its payouts, until a pull brings the central rows', () => {
        expect(cachedBetween.integrity).toBe('ok');
        // A and B (their commands applied) and C (commands 5–7 still pending) as prepared offline.
        // Never a batch without its payouts: an applied create is not undone before the pull that
        // replaces its rows (before the fix, A and B showed as DRAFT batches with no payouts here).
        const byId = new Map(
          cachedBetween.batches.map((b) => [b.id, [b.status, Number(b.payouts)]]),
        );
        expect(batches.map((b) => byId.get(b.id))).toEqual([
          ['SUBMITTED', batches[0]!.payouts],
          ['SUBMITTED', batches[1]!.payouts],
          ['CANCELLED', batches[2]!.payouts],
        ]);
        expect(cachedBetween.batches).toHaveLength(3);
      });

      it('back online, a plain sync.run pushes the rest: the lost answer is replayed and deduplicated, nothing is rejected', () => {
        expect(final.online).toBe(true);
        expect(final.pushed).toMatchObject({
          applied: 3,
          rejected: [],
          pending: 0,
          stoppedBecause: null,
        });
        expect(final.pulled?.mode).toBe('incremental');
      });

      it('every command applied exactly once at the central store', async () => {
        const ids = prepared.map((p) => p.commandId);
        expect((await appliedCentrally(ids)).sort()).toEqual([...ids].sort());
        const outbox = await call<OutboxEntry[]>(ws, session, 'outbox.list');
        expect(outbox.every((e) => e.status === 'applied')).toBe(true);
        // One audit entry per action and entity for each command: nothing was done twice.
        const twice =
          await direct`SELECT command_id::text, action, entity_id, count(*)::int AS n FROM audit_log
                                 WHERE command_id = ANY(${ids}::uuid[]) GROUP BY 1, 2, 3 HAVING count(*) > 1`;
        expect(twice).toEqual([]);
        const created = await direct<{ id: string; status: string; payouts: number }[]>`
        SELECT b.id::text AS id, b.status, (SELECT count(*)::int FROM payouts p WHERE p.batch_id = b.id) AS payouts FROM payout_batches b ORDER BY b.created_at`;
        expect(created.map((b) => [b.id, b.status, b.payouts])).toEqual([
          [batches[0]!.id, 'SUBMITTED', batches[0]!.payouts],
          [batches[1]!.id, 'SUBMITTED', batches[1]!.payouts],
          [batches[2]!.id, 'CANCELLED', batches[2]!.payouts],
        ]);
        const verify = await call<{ intact: boolean; problems: unknown[] }>(
          ws,
          session,
          'audit.verify',
        );
        expect(verify).toMatchObject({ intact: true, problems: [] });
      });

      it('afterwards the cache equals the central store: rows per table, sums per currency, content hash', async () => {
        const cache = await ws.cache();
        expect(cacheFigures(cache)).toEqual(await centralFigures(seeder.central));
        await call(ref, refSession, 'sync.run');
        expect(cacheContentHash(cache)).toBe(cacheContentHash(await ref.cache()));
      });
    });
  },
);
