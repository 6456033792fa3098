/**
 * Drill: a damaged local cache (issue 8). A corrupted page, a truncated file and a lost key each
 * give a clear message that names the way out, and `cache.rebuild` (treasury cache rebuild) moves
 * the file aside — kept, with its key — and fills a new cache from the central store. A healthy
 * cache with unpushed commands is not rebuilt unless the operator says so. Key rotation through the
 * workstation (treasury cache rekey) keeps it working. Real PGlite, real encrypted SQLite files.
 */
import { closeSync, existsSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKeyAccount, openWithKey } from '../../src/core/platform/cache/cache.js';
import { rows } from '../../src/core/platform/central/store.js';
import { enqueue } from '../../src/core/platform/cache/outbox.js';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import { cacheFile } from '../../src/core/platform/files/paths.js';
import { openWorkstation, type Workstation } from '../../src/core/host/workstation/workstation.js';
import {
  ADMIN_PASSWORD,
  memoryCredentials,
  openTestWorkstation,
  type TestWorkstation,
} from '../support/workstation.js';

describe('drill: a damaged or keyless cache is reported clearly and rebuilt from the central store', () => {
  let tw: TestWorkstation;
  let ws: Workstation;
  let token: string;
  const credentials = memoryCredentials();
  const call = <T>(name: string, payload: unknown = {}) =>
    ws.call<T>({ name, payload, session: token, workstationId: ws.id });

  /** Opens the workstation again on the same data dir and credentials (the app started again). */
  async function start(): Promise<void> {
    ws = await openWorkstation({ dataDir: tw.ws.dataDir, credentials });
    const r = await ws.call<SignInResult>({
      name: 'session.signIn',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
      workstationId: ws.id,
    });
    if (!r.ok) throw new Error(r.reason);
    token = r.token;
  }
  async function restart(): Promise<void> {
    await ws.close();
    await start();
  }

  async function cacheEqualsCentral(): Promise<void> {
    const cache = await ws.cache();
    for (const table of ['affiliates', 'commissions', 'operators']) {
      const [central] = await rows<{ n: string; s: string }>(
        ws.central.db,
        sql.raw(`SELECT count(*)::text AS n FROM ${table}`),
      );
      expect(
        (
          cache.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: bigint }
        ).n.toString(),
        table,
      ).toBe(central!.n);
    }
    const [money] = await rows<{ s: string }>(
      ws.central.db,
      sql`SELECT sum(amount_minor)::text AS s FROM commissions`,
    );
    expect(
      (
        cache.sqlite.prepare('SELECT sum(amount_minor) AS s FROM commissions').get() as {
          s: bigint;
        }
      ).s.toString(),
    ).toBe(money!.s);
  }

  beforeAll(async () => {
    tw = await openTestWorkstation('pglite', { credentials });
    ws = tw.ws;
    token = tw.token;
    await call('demo.generate', { affiliates: 300, conversions: 3000, seed: 8 });
    await call('commissions.calculate', {});
    await call('sync.run', {});
    await cacheEqualsCentral();
  }, 300_000);

  afterAll(async () => {
    await ws.close().catch(() => {});
    await tw.cleanup().catch(() => {});
  });

  it('a corrupted page: CACHE_DAMAGED naming `treasury cache rebuild`; the rebuild keeps the old file and its key and pulls everything again', async () => {
    await ws.close();
    const file = cacheFile(tw.ws.dataDir);
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(512, 0x5a), 0, 512, Math.floor(size / 2)); // a bad sector in the middle of the file
    closeSync(fd);
    await start();
    const oldKey = await credentials.get(cacheKeyAccount(ws.id));
    // `treasury cache check` reads every page and finds it.
    const damaged = await call('cache.check').catch((e: unknown) => e);
    expect(damaged).toMatchObject({ code: 'CACHE_DAMAGED' });
    expect((damaged as Error).message).toMatch(
      /local cache is damaged \(database disk image is malformed\).*treasury cache rebuild/,
    );

    const r = await call<{
      movedAside: { file: string; keyAccount: string };
      pulled: { mode: string; rows: number };
    }>('cache.rebuild', { reason: 'drill: corrupted page' });
    expect(r.pulled.mode).toBe('initial');
    expect(r.movedAside.file).toMatch(/cache\.db\.replaced-/);
    expect(existsSync(r.movedAside.file)).toBe(true);
    expect(await credentials.get(r.movedAside.keyAccount)).toBe(oldKey); // the kept file can still be opened by support
    expect(await credentials.get(cacheKeyAccount(ws.id))).not.toBe(oldKey); // the new cache has a new key
    await cacheEqualsCentral();
    expect(await call('cache.check')).toMatchObject({ ok: true });
    const [audited] = await rows<{ n: string }>(
      ws.central.db,
      sql`SELECT count(*)::text AS n FROM audit_log WHERE action = 'cache.rebuild' AND entity_id = ${ws.id}`,
    );
    expect(audited!.n).toBe('1');
  });

  it('a truncated file: CACHE_DAMAGED at open (the key is right, the file is short), then rebuilt', async () => {
    await ws.close();
    const file = cacheFile(tw.ws.dataDir);
    truncateSync(file, Math.floor(statSync(file).size / 3));
    await start();
    const e = await call('sync.status').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'CACHE_DAMAGED' });
    expect((e as Error).message).toMatch(
      /is damaged \((its pages do not decrypt although the key is the one it was made with|the file is \d+ bytes, shorter than)/,
    );
    await call('cache.rebuild', {});
    await cacheEqualsCentral();
  });

  it('a lost key: CACHE_KEY says the file was left untouched and how to rebuild', async () => {
    await credentials.delete(cacheKeyAccount(ws.id));
    await restart();
    const e = await call('sync.status').catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'CACHE_KEY' });
    expect((e as Error).message).toMatch(
      /exists but its key is not in the keychain store\. The file was left untouched\..*treasury cache rebuild/,
    );
    await call('cache.rebuild', {});
    await cacheEqualsCentral();
  });

  it('a healthy cache with unpushed commands is rebuilt only when the operator says so', async () => {
    enqueue(await ws.cache(), {
      name: 'batch.create',
      operator: 'admin',
      input: { note: 'prepared offline' },
      changes: [],
    });
    await expect(call('cache.rebuild', {})).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(
        /1 command\(s\) not pushed yet: run `treasury sync` first, or rebuild with --discard-pending/,
      ),
    });
    const r = await call<{ movedAside: { file: string } }>('cache.rebuild', {
      discardPending: true,
    });
    expect(existsSync(r.movedAside.file)).toBe(true);
    expect(await call<unknown[]>('outbox.list', { status: 'pending' })).toEqual([]);
  });

  it('a rotation refused while another process reads the cache: STORE_BUSY, the workstation keeps its connection, the next rotation works', async () => {
    const key = (await credentials.get(cacheKeyAccount(ws.id)))!;
    const other = openWithKey(cacheFile(tw.ws.dataDir), key, true);
    const reading = other.sqlite.prepare('SELECT id FROM commissions').iterate(); // an open read holds a lock
    reading.next();
    try {
      await expect(call('cache.rekey')).rejects.toMatchObject({
        code: 'STORE_BUSY',
        message: expect.stringMatching(/open in another process/),
      });
    } finally {
      reading.return?.();
      other.close();
    }
    expect(await credentials.get(cacheKeyAccount(ws.id))).toBe(key);
    await cacheEqualsCentral();
    // Before the fix a second connection was opened beside the refused one and kept the WAL open:
    // every later rotation in the process was refused too.
    await call('cache.rekey');
    expect(await credentials.get(cacheKeyAccount(ws.id))).not.toBe(key);
    await cacheEqualsCentral();
  });

  it('a rotation the keychain refuses to complete: that failure is reported and journaled, and the cache opens under the new key', async () => {
    const set = credentials.set;
    let refusals = 1; // the promotion after the rename is refused; the next open's is allowed
    credentials.set = async (account, secret) => {
      if (account === cacheKeyAccount(ws.id) && refusals-- > 0)
        throw Object.assign(new Error('the keychain prompt was denied'), {
          code: 'CREDENTIAL_STORE_UNAVAILABLE',
        });
      return set(account, secret);
    };
    try {
      await expect(call('cache.rekey')).rejects.toMatchObject({
        code: 'CREDENTIAL_STORE_UNAVAILABLE',
        message: 'the keychain prompt was denied',
      });
    } finally {
      credentials.set = set;
    }
    await cacheEqualsCentral(); // the next use settles the rotation: the pending key is promoted
    const cache = await ws.cache();
    expect(
      cache.sqlite
        .prepare(
          "SELECT decision, reason FROM local_journal WHERE name = 'cache.rekey' ORDER BY seq DESC LIMIT 1",
        )
        .get(),
    ).toEqual({
      decision: 'failed',
      reason: 'CREDENTIAL_STORE_UNAVAILABLE: the keychain prompt was denied',
    });
  });

  it('key rotation through the workstation: new key, same rows, the cache keeps working; offline too', async () => {
    const before = await credentials.get(cacheKeyAccount(ws.id));
    const rekeys = async () =>
      (
        await rows<{ n: string }>(
          ws.central.db,
          sql`SELECT count(*)::text AS n FROM audit_log WHERE action = 'cache.rekey'`,
        )
      )[0]!.n;
    const auditedBefore = Number(await rekeys());
    const r = await call<{ cipher: string; pages: number }>('cache.rekey');
    expect(r.cipher).toBe('aegis');
    expect(await credentials.get(cacheKeyAccount(ws.id))).not.toBe(before);
    await cacheEqualsCentral();
    await call('sync.run', {}); // the rotated connection is the one the workstation uses now
    await restart(); // and it opens again from the credential store
    await cacheEqualsCentral();
    expect(Number(await rekeys())).toBe(auditedBefore + 1);
    // Offline: checked against the session as the cache knows it, journaled locally.
    const offline = await openWorkstation({ dataDir: tw.ws.dataDir, credentials, offline: true });
    await ws.close();
    try {
      await offline.call({
        name: 'cache.rekey',
        payload: {},
        session: token,
        workstationId: offline.id,
      });
      const cache = await offline.cache();
      expect(
        cache.sqlite
          .prepare(
            "SELECT decision FROM local_journal WHERE name = 'cache.rekey' ORDER BY seq DESC LIMIT 1",
          )
          .get(),
      ).toEqual({ decision: 'allowed' });
    } finally {
      await offline.close();
      await start();
    }
    await cacheEqualsCentral();
  });
});
