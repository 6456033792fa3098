/**
 * The encrypted local cache on real SQLite files: the key is created in the credential store before
 * the file exists, nothing written appears in plain text on disk (database or WAL), a wrong or
 * missing key is refused with a clear message and the file is left byte-for-byte untouched.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CacheKeyError,
  cacheKeyAccount,
  openCache,
  openWithKey,
} from '../../../src/core/platform/cache/cache.js';
import {
  chooseCredentialStore,
  envStore,
  keychainStore,
} from '../../../src/core/platform/credentials/store.js';
import { tempDir } from '../../support/central.js';
import { keychainAvailable } from '../../support/keychain.js';
import { memoryCredentials } from '../../support/workstation.js';

const MARKER = 'PLAINTEXT-MARKER-7f3a9c-ACCOUNT-0123456789';
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
const dir = () => {
  const t = tempDir('treasury-cache-');
  cleanups.push(t.remove);
  return t.dir;
};

function fileBytes(file: string): Buffer {
  return Buffer.concat(
    [file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((f) => readFileSync(f)),
  );
}

describe('encrypted local cache', () => {
  it("finds a commission's or an adjustment's live payout item through an index (offline payables ask it per row)", async () => {
    const cache = await openCache({
      file: path.join(dir(), 'cache.db'),
      workstationId: 'ws-plan',
      credentials: memoryCredentials(),
    });
    const plan = (where: string) =>
      (
        cache.sqlite
          .prepare(`EXPLAIN QUERY PLAN SELECT 1 FROM payout_items l WHERE ${where} AND l.live = 1`)
          .all(1) as { detail: string }[]
      )
        .map((r) => r.detail)
        .join(' | ');
    expect(plan('l.commission_id = ?')).toMatch(/USING INDEX payout_items_commission_idx/);
    expect(plan('l.adjustment_id = ?')).toMatch(/USING INDEX payout_items_adjustment_idx/);
    cache.close();
  });

  it('never writes a planted marker in plain text, in the database or its WAL', async () => {
    const file = path.join(dir(), 'cache.db');
    const credentials = memoryCredentials();
    const cache = await openCache({ file, workstationId: 'ws-1', credentials });
    expect(cache.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    const insert = cache.sqlite.prepare(
      'INSERT INTO affiliates (id, name, email, country, status, kyc_status, payout_account_number, payout_currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const at = '2026-11-21 09:00:00+00';
    for (let i = 0; i < 200; i++)
      insert.run(
        `a${i}`,
        MARKER,
        `${MARKER}@x.example`,
        'ID',
        'active',
        'approved',
        MARKER,
        'IDR',
        at,
        at,
      );
    // Before checkpointing, the rows live in the WAL: it must be encrypted too.
    expect(fileBytes(file).includes(MARKER)).toBe(false);
    cache.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    cache.close();
    const bytes = fileBytes(file);
    expect(bytes.length).toBeGreaterThan(4096);
    expect(bytes.includes(MARKER)).toBe(false);
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\u0000');
    // And the data is really there for the right key.
    const again = await openCache({ file, workstationId: 'ws-1', credentials });
    const row = again.sqlite
      .prepare('SELECT count(*) AS n, max(name) AS name FROM affiliates')
      .get() as { n: bigint; name: string };
    expect(row).toEqual({ n: 200n, name: MARKER });
    again.close();
  });

  it('creates a random 256-bit key in the credential store before the file, and reuses it', async () => {
    const file = path.join(dir(), 'cache.db');
    const credentials = memoryCredentials();
    let fileExistedWhenKeyWasSet: boolean | null = null;
    const spy = {
      ...credentials,
      set: async (a: string, s: string) => {
        fileExistedWhenKeyWasSet = existsSync(file);
        await credentials.set(a, s);
      },
    };
    (await openCache({ file, workstationId: 'ws-2', credentials: spy })).close();
    expect(fileExistedWhenKeyWasSet).toBe(false);
    const key = credentials.entries.get(cacheKeyAccount('ws-2'))!;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    (await openCache({ file, workstationId: 'ws-2', credentials })).close();
    expect(credentials.entries.get(cacheKeyAccount('ws-2'))).toBe(key);
    // Another workstation gets another key.
    (
      await openCache({ file: path.join(dir(), 'other.db'), workstationId: 'ws-3', credentials })
    ).close();
    expect(credentials.entries.get(cacheKeyAccount('ws-3'))).not.toBe(key);
  });

  it('refuses a wrong key with a clear message and leaves the file untouched', async () => {
    const file = path.join(dir(), 'cache.db');
    const credentials = memoryCredentials();
    const cache = await openCache({ file, workstationId: 'ws-4', credentials });
    cache.sqlite.prepare("INSERT INTO cache_meta VALUES ('k', 'v')").run();
    cache.close();
    const before = readFileSync(file);
    credentials.entries.set(cacheKeyAccount('ws-4'), 'ab'.repeat(32));
    const error = await openCache({ file, workstationId: 'ws-4', credentials }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CacheKeyError);
    expect((error as Error).message).toMatch(/cannot be decrypted .*wrong key.*left untouched/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses to open without the key (never recreates the file)', async () => {
    const file = path.join(dir(), 'cache.db');
    const credentials = memoryCredentials();
    (await openCache({ file, workstationId: 'ws-5', credentials })).close();
    const before = readFileSync(file);
    credentials.entries.clear();
    await expect(openCache({ file, workstationId: 'ws-5', credentials })).rejects.toThrow(
      /exists but its key is not in the keychain store/,
    );
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(credentials.entries.size).toBe(0); // no new key was minted for an existing file
  });

  it('refuses a plain (unencrypted) SQLite file', () => {
    const file = path.join(dir(), 'plain.db');
    const plain = openWithKey(file, 'cd'.repeat(32), false);
    plain.close();
    expect(() => openWithKey(file, 'ef'.repeat(32), true)).toThrow(CacheKeyError);
  });

  it('environment store: reads TREASURY_CACHE_KEY, is read-only, and is only used when opted into', async () => {
    const key = '12'.repeat(32);
    const store = envStore({ TREASURY_CACHE_KEY: key });
    expect(await store.get(cacheKeyAccount('any'))).toBe(key);
    await expect(store.set(cacheKeyAccount('any'), 'x')).rejects.toThrow(
      /read-only: set TREASURY_CACHE_KEY/,
    );
    const file = path.join(dir(), 'cache.db');
    (await openCache({ file, workstationId: 'ws-env', credentials: store })).close();
    // Without a key in the environment a new cache cannot be created (nowhere to keep the key).
    await expect(
      openCache({
        file: path.join(dir(), 'x.db'),
        workstationId: 'ws-env',
        credentials: envStore({}),
      }),
    ).rejects.toThrow(/read-only/);
    const choose = (env: NodeJS.ProcessEnv) =>
      chooseCredentialStore({ env, dataDir: dir(), probe: async () => null });
    expect((await choose({})).kind).toBe('keychain');
    expect((await choose({ TREASURY_CREDENTIAL_STORE: 'env' })).kind).toBe('env');
    await expect(choose({ TREASURY_CREDENTIAL_STORE: 'file' })).rejects.toThrow(
      /must be "auto", "keychain", "vault" or "env"/,
    );
  });
});

describe.skipIf(!keychainAvailable)('OS keychain (keytar + Secret Service)', () => {
  it('stores, reads and deletes a secret, and the cache key lives there', async () => {
    const store = keychainStore('treasury-console-test');
    const account = `cache-key:test-${process.pid}`;
    await store.delete(account);
    expect(await store.get(account)).toBeNull();
    const file = path.join(dir(), 'cache.db');
    (
      await openCache({
        file,
        workstationId: `test-${process.pid}`,
        credentials: { ...store, get: (a) => store.get(a), set: (a, s) => store.set(a, s) },
      })
    ).close();
    const key = await store.get(account);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(file).includes(Buffer.from(key!))).toBe(false);
    expect(await store.delete(account)).toBe(true);
    expect(await store.get(account)).toBeNull();
  });
});
