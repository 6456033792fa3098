/**
 * The local cache when maintenance stops half-way, in-process (the kills are in
 * cache-rekey.test.ts): a rotation failing after its rekeyed copy replaced the file, a rebuild of a
 * cache whose rotation was never settled, a move aside stopped before the WAL followed its file,
 * and a rotation refused because another connection has the file. Real encrypted SQLite files; an
 * in-memory credential store of the keychain kind (the environment store is read-only).
 */
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cacheKeyAccount,
  nextCacheKeyAccount,
  openCache,
  openWithKey,
  type LocalCache,
} from '../../../src/core/platform/cache/cache.js';
import { rekeyCache, type RekeyStep } from '../../../src/core/platform/cache/rekey.js';
import { toTreasuryError } from '../../../src/core/shared/errors.js';
import { moveCacheAside } from '../../../src/core/local/cache-maintenance.js';
import { cacheFile } from '../../../src/core/platform/files/paths.js';
import { memoryCredentials } from '../../support/workstation.js';

const workstationId = 'ws-interrupted';
let dir: string;
let file: string;
let credentials: ReturnType<typeof memoryCredentials>;

const ROWS = 2000;
function count(cache: { sqlite: { prepare(sql: string): { get(): unknown } } }): {
  n: bigint;
  s: bigint;
} {
  return cache.sqlite.prepare('SELECT count(*) AS n, sum(v) AS s FROM bulk').get() as {
    n: bigint;
    s: bigint;
  };
}
const EXPECTED = { n: BigInt(ROWS), s: (BigInt(ROWS) * BigInt(ROWS - 1) * 13n) / 2n };

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'treasury-cache-interrupted-'));
  file = cacheFile(dir);
  credentials = memoryCredentials();
  const cache = await openCache({ file, workstationId, credentials });
  cache.sqlite.exec('CREATE TABLE bulk (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)');
  const insert = cache.sqlite.prepare('INSERT INTO bulk (v) VALUES (?)');
  cache.sqlite.transaction(() => {
    for (let i = 0; i < ROWS; i++) insert.run(BigInt(i) * 13n);
  })();
  cache.close();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A rotation (on a freshly opened cache) that stops with an error right after `at`. */
async function rotationStoppedAt(
  at: RekeyStep,
  message: string,
): Promise<{ oldKey: string; error: unknown; cache: LocalCache }> {
  const oldKey = (await credentials.get(cacheKeyAccount(workstationId)))!;
  const cache = await openCache({ file, workstationId, credentials });
  const error = await rekeyCache(cache, {
    workstationId,
    credentials,
    onStep: (step) => {
      if (step === at) throw new Error(message);
    },
  }).catch((e: unknown) => e);
  return { oldKey, error, cache };
}

/** A rotation that stops with an error right after the rekeyed copy was renamed over the cache. */
async function rotationStoppedAfterReplace(): Promise<{ oldKey: string; error: unknown }> {
  const { oldKey, error, cache } = await rotationStoppedAt(
    'file-replaced',
    'the disk went away after the rename',
  );
  expect(cache.sqlite.open).toBe(false); // it held the replaced file: closed, not rolled back
  return { oldKey, error };
}

describe('a rotation that fails after the rekeyed copy replaced the file', () => {
  it('reports its own failure (not SQLite complaining about a moved file); the next open settles on the new key', async () => {
    const { oldKey, error } = await rotationStoppedAfterReplace();
    expect(String((error as Error).message)).toBe('the disk went away after the rename');
    const pending = (await credentials.get(nextCacheKeyAccount(workstationId)))!;
    expect(pending).toMatch(/^[0-9a-f]{64}$/);
    const settled = await openCache({ file, workstationId, credentials });
    expect(count(settled)).toEqual(EXPECTED);
    settled.close();
    expect(await credentials.get(cacheKeyAccount(workstationId))).toBe(pending);
    expect(await credentials.get(nextCacheKeyAccount(workstationId))).toBeNull();
    expect(() => openWithKey(file, oldKey, true)).toThrow();
  });

  it('a rebuild before the rotation was settled keeps the pending key with the file kept aside: the kept file opens with it', async () => {
    const { oldKey } = await rotationStoppedAfterReplace();
    const pending = (await credentials.get(nextCacheKeyAccount(workstationId)))!;
    // As when the open that would settle it failed, and the operator was told to rebuild.
    const moved = await moveCacheAside(
      dir,
      workstationId,
      credentials,
      new Date('2026-11-21T10:00:00Z'),
    );
    expect(moved.file).toBe(`${file}.replaced-2026-11-21T10-00-00-000Z`);
    expect(await credentials.get(moved.keyAccount!)).toBe(oldKey);
    expect(moved.pendingKeyAccount).not.toBeNull();
    expect(await credentials.get(moved.pendingKeyAccount!)).toBe(pending);
    expect(() => openWithKey(moved.file!, oldKey, true)).toThrow(); // the current key was not the file's
    const kept = openWithKey(moved.file!, (await credentials.get(moved.pendingKeyAccount!))!, true);
    expect(count(kept)).toEqual(EXPECTED);
    kept.close();
    expect(await credentials.get(cacheKeyAccount(workstationId))).toBeNull();
    expect(await credentials.get(nextCacheKeyAccount(workstationId))).toBeNull();
  });

  it('a rebuild with no rotation pending names no pending key', async () => {
    const moved = await moveCacheAside(dir, workstationId, credentials);
    expect(moved.pendingKeyAccount).toBeNull();
    const kept = openWithKey(moved.file!, (await credentials.get(moved.keyAccount!))!, true);
    expect(count(kept)).toEqual(EXPECTED);
    kept.close();
  });
});

describe('a rotation that fails elsewhere', () => {
  it('before the rename (the rekeyed copy never replaced the file): the pending key is dropped, the cache keeps working in WAL mode', async () => {
    const {
      oldKey: key,
      error,
      cache,
    } = await rotationStoppedAt('copy-rekeyed', 'stopped before the rename');
    expect((error as Error).message).toBe('stopped before the rename');
    expect(cache.sqlite.open).toBe(true);
    expect(String(cache.sqlite.pragma('journal_mode', { simple: true }))).toBe('wal');
    expect(count(cache)).toEqual(EXPECTED);
    cache.close();
    expect(await credentials.get(nextCacheKeyAccount(workstationId))).toBeNull();
    expect(await credentials.get(cacheKeyAccount(workstationId))).toBe(key);
    expect(readdirSync(dir).filter((n) => n.includes('.rekey-'))).toEqual([]);
  });

  it('when the keychain refuses to promote the new key, twice: the connections opened are closed, a later open settles, the next rotation works', async () => {
    const refusing = {
      ...credentials,
      refuse: true,
      async set(account: string, secret: string) {
        if (this.refuse && account === cacheKeyAccount(workstationId))
          throw new Error('the keychain prompt was denied');
        return credentials.set(account, secret);
      },
    };
    const cache = await openCache({ file, workstationId, credentials: refusing });
    const error = await rekeyCache(cache, { workstationId, credentials: refusing }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('the keychain prompt was denied');
    // Refused again when the next open settles the rotation: that open fails, closing what it
    // opened.
    await expect(openCache({ file, workstationId, credentials: refusing })).rejects.toThrow(
      'the keychain prompt was denied',
    );
    refusing.refuse = false;
    const settled = await openCache({ file, workstationId, credentials: refusing });
    expect(count(settled)).toEqual(EXPECTED);
    // The only connection: a rotation can leave WAL mode (a leaked one made this STORE_BUSY).
    const { cache: rotated } = await rekeyCache(settled, { workstationId, credentials: refusing });
    expect(count(rotated)).toEqual(EXPECTED);
    rotated.close();
  });

  it('a cache locked by a rotation in another connection opens as STORE_BUSY, not as a key or damage problem', async () => {
    const key = (await credentials.get(cacheKeyAccount(workstationId)))!;
    const holder = openWithKey(file, key, true);
    holder.sqlite.pragma('journal_mode = DELETE');
    holder.sqlite.exec('BEGIN EXCLUSIVE');
    holder.sqlite.prepare('SELECT count(*) FROM bulk').get(); // the exclusive lock is taken at the first read
    try {
      const error = await openCache({ file, workstationId, credentials }).catch((e: unknown) => e);
      expect(toTreasuryError(error).code).toBe('STORE_BUSY');
    } finally {
      holder.sqlite.exec('ROLLBACK');
      holder.close();
    }
  }, 30_000);
});

describe('a move aside stopped before the WAL followed its file', () => {
  it('the stray WAL joins the file the move named, so that file opens with its last commit', async () => {
    const key = (await credentials.get(cacheKeyAccount(workstationId)))!;
    const aside = `${file}.replaced-2026-11-21T11-00-00-000Z`;
    const writer = openWithKey(file, key, true);
    writer.sqlite.pragma('wal_autocheckpoint = 0'); // the last commit stays in the WAL
    writer.sqlite.prepare('INSERT INTO bulk (v) VALUES (?)').run(1_000_000n);
    // The files as a crash leaves them after the file moved and before its WAL did (copied while
    // the writer holds them; closing it checkpoints and deletes its WAL).
    copyFileSync(file, aside);
    copyFileSync(`${file}-wal`, path.join(dir, 'wal-copy'));
    writer.close();
    rmSync(file);
    renameSync(path.join(dir, 'wal-copy'), `${file}-wal`);
    writeFileSync(`${file}.moving-aside`, `${path.basename(aside)}\n`);

    const fresh = await openCache({ file, workstationId, credentials });
    expect(
      fresh.sqlite.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'bulk'").get(),
    ).toEqual({ n: 0n }); // a new cache
    fresh.close();
    expect(existsSync(`${aside}-wal`)).toBe(true);
    expect(existsSync(`${file}.moving-aside`)).toBe(false);
    const kept = openWithKey(aside, key, true);
    expect(count(kept)).toEqual({ n: EXPECTED.n + 1n, s: EXPECTED.s + 1_000_000n });
    kept.close();
  });

  it('with no move named, a stray WAL is set aside by name, never replayed into the new cache', async () => {
    const key = (await credentials.get(cacheKeyAccount(workstationId)))!;
    const aside = `${file}.replaced-test`;
    // The old file moved, its WAL (here: bytes that are not a WAL of the new file) still by the old
    // name, and no move named where it went.
    renameSync(file, aside);
    writeFileSync(`${file}-wal`, Buffer.alloc(4096, 7));
    writeFileSync(`${file}-shm`, Buffer.alloc(32768, 1));
    const fresh = await openCache({ file, workstationId, credentials });
    expect(fresh.sqlite.pragma('quick_check', { simple: true })).toBe('ok');
    fresh.close();
    const orphaned = readdirSync(dir).filter((n) => n.startsWith('cache.db.orphaned-'));
    expect(orphaned).toHaveLength(1);
    expect(orphaned[0]).toMatch(/-wal$/);
    expect(existsSync(aside)).toBe(true);
    expect(await credentials.get(cacheKeyAccount(workstationId))).toBe(key); // the key stayed
  });
});

describe('a rotation refused because another connection has the file', () => {
  it('STORE_BUSY; the refused connection keeps working in WAL mode, and rotates once the other one closes', async () => {
    const key = (await credentials.get(cacheKeyAccount(workstationId)))!;
    const cache = await openCache({ file, workstationId, credentials });
    const other = openWithKey(file, key, true);
    const reading = other.sqlite.prepare('SELECT id FROM bulk').iterate(); // an open read holds a lock
    reading.next();
    const error = await rekeyCache(cache, { workstationId, credentials }).catch((e: unknown) => e);
    expect(toTreasuryError(error).code).toBe('STORE_BUSY');
    expect(String((error as Error).message)).toMatch(/open in another process/);
    reading.return?.();
    other.close();
    expect(cache.sqlite.open).toBe(true);
    expect(String(cache.sqlite.pragma('journal_mode', { simple: true }))).toBe('wal');
    expect(count(cache)).toEqual(EXPECTED);
    expect(await credentials.get(nextCacheKeyAccount(workstationId))).toBeNull();
    const { cache: rotated } = await rekeyCache(cache, { workstationId, credentials });
    expect(count(rotated)).toEqual(EXPECTED);
    rotated.close();
    expect(await credentials.get(cacheKeyAccount(workstationId))).not.toBe(key);
  });
});
