/**
 * Rotating the local cache key (`treasury cache rekey`, src/core/platform/cache/rekey.ts) against
 * the real OS keychain: a process killed at each step, and at random moments while SQLite rewrites
 * the pages, always leaves a cache that opens — with the old key or the new one — holding exactly
 * the rows it held, and the credential store settled (no pending key left behind).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheKeyAccount,
  nextCacheKeyAccount,
  openCache,
  openWithKey,
} from '../../../src/core/platform/cache/cache.js';
import { rekeyCache } from '../../../src/core/platform/cache/rekey.js';
import { envStore, keychainStore } from '../../../src/core/platform/credentials/store.js';
import { keychainAvailable } from '../../support/keychain.js';

const CHILD = path.resolve('test/support/rekey-child.ts');

interface Snapshot {
  rows: bigint;
  sum: bigint;
  digest: string;
}

function snapshot(file: string, key: string): Snapshot {
  const cache = openWithKey(file, key, true);
  try {
    const integrity = cache.sqlite.pragma('integrity_check', { simple: true });
    expect(integrity).toBe('ok');
    const r = cache.sqlite
      .prepare(
        "SELECT count(*) AS n, sum(v) AS s, group_concat(substr(x, 1, 3), '') AS d FROM bulk",
      )
      .get() as { n: bigint; s: bigint; d: string };
    return { rows: r.n, sum: r.s, digest: r.d.slice(0, 64) };
  } finally {
    cache.close();
  }
}

function runChild(
  file: string,
  workstationId: string,
  service: string,
  opts: { crashAt?: string; killAfterMs?: number },
): Promise<{ output: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, file, workstationId, service],
      {
        env: { ...process.env, ...(opts.crashAt ? { CRASH_AT: opts.crashAt } : {}) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      // The random kill is timed from the moment the rekey starts (the pending key is stored): what
      // comes before (starting Node, opening the cache, the keychain) varies with the machine's
      // load.
      if (opts.killAfterMs !== undefined && !timer && output.includes('STEP pending-key-stored'))
        timer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ output, killed: signal === 'SIGKILL' || code === null });
    });
  });
}

describe.skipIf(!keychainAvailable)('cache key rotation (real OS keychain)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'treasury-rekey-'));
  const file = path.join(dir, 'cache.db');
  const workstationId = randomUUID();
  const service = `treasury-console-test-${randomUUID()}`;
  const store = keychainStore(service);
  let before: Snapshot;

  beforeAll(async () => {
    const cache = await openCache({ file, workstationId, credentials: store });
    cache.sqlite.exec(
      'CREATE TABLE bulk (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, x TEXT NOT NULL)',
    );
    const insert = cache.sqlite.prepare('INSERT INTO bulk (v, x) VALUES (?, ?)');
    // About 40 MB: the rekey rewrites every page, long enough for random kills to land inside it.
    cache.sqlite.transaction(() => {
      for (let i = 0; i < 150_000; i++)
        insert.run(BigInt(i) * 7919n, `${i.toString(36)}-${'x'.repeat(200)}`);
    })();
    cache.close();
    before = snapshot(file, (await store.get(cacheKeyAccount(workstationId)))!);
    expect(before.rows).toBe(150_000n);
  }, 300_000);

  afterAll(async () => {
    await store.delete(cacheKeyAccount(workstationId));
    await store.delete(nextCacheKeyAccount(workstationId));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens as the app would (settling any interrupted rotation) and checks nothing was lost. */
  async function settledAndIntact(): Promise<string> {
    const cache = await openCache({ file, workstationId, credentials: store });
    cache.close();
    expect(await store.get(nextCacheKeyAccount(workstationId))).toBeNull();
    const key = (await store.get(cacheKeyAccount(workstationId)))!;
    expect(snapshot(file, key)).toEqual(before);
    expect(existsSync(`${file}-journal`)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.rekey-'))).toEqual([]); // no copy left behind
    return key;
  }

  it('rotates the key: the old key no longer opens the file, the new one does, the rows are the same', async () => {
    const oldKey = (await store.get(cacheKeyAccount(workstationId)))!;
    const cache = await openCache({ file, workstationId, credentials: store });
    const { cache: rekeyed, result } = await rekeyCache(cache, {
      workstationId,
      credentials: store,
    });
    expect(cache.sqlite.open).toBe(false); // the old connection held the replaced file
    rekeyed.close();
    expect(result.pages).toBeGreaterThan(1000);
    expect(result.cipher).toBe('aegis');
    const newKey = await settledAndIntact();
    expect(newKey).not.toBe(oldKey);
    expect(() => openWithKey(file, oldKey, true)).toThrow(/cannot be decrypted|damaged/);
    // The file is back in WAL mode for everyday use.
    const again = await openCache({ file, workstationId, credentials: store });
    expect(String(again.sqlite.pragma('journal_mode', { simple: true }))).toBe('wal');
    again.close();
  });

  for (const step of [
    'pending-key-stored',
    'copy-rekeyed',
    'file-replaced',
    'key-promoted',
  ] as const) {
    it(`a crash right after "${step}" leaves a cache that opens, with the same rows`, async () => {
      const oldKey = (await store.get(cacheKeyAccount(workstationId)))!;
      const run = await runChild(file, workstationId, service, { crashAt: step });
      expect(run.killed, run.output).toBe(true);
      expect(await store.get(nextCacheKeyAccount(workstationId))).not.toBeNull(); // the pending key was left behind…
      const key = await settledAndIntact(); // …and the next open settled it
      // Before the rekey the old key stays; once the file is rekeyed the new key is the one kept.
      if (step === 'pending-key-stored' || step === 'copy-rekeyed') expect(key).toBe(oldKey);
      else expect(key).not.toBe(oldKey);
    }, 120_000);
  }

  it('killed at random moments while SQLite rewrites the pages: always opens with one of the two keys, rows intact', async () => {
    // Calibrate: when, after the cache is open, the rekey starts and ends in a child on this
    // machine.
    const full = await runChild(file, workstationId, service, {});
    expect(full.output).toContain('REKEYED');
    const at = (step: string) => Number(new RegExp(`STEP ${step} (\\d+)`).exec(full.output)![1]);
    const [from, to] = [at('pending-key-stored'), at('copy-rekeyed')];
    await settledAndIntact();
    const outcomes: {
      killAfterMs: number;
      midRekey: boolean;
      copyLeft: boolean;
      rotated: boolean;
    }[] = [];
    // Eight kills, and up to eight more until one lands inside the rekey (a busy machine stretches
    // it).
    for (let i = 0; i < 16 && (i < 8 || !outcomes.some((o) => o.midRekey)); i++) {
      const oldKey = (await store.get(cacheKeyAccount(workstationId)))!;
      const killAfterMs = Math.floor(Math.random() * Math.max(1, (to - from) * 0.8));
      const run = await runChild(file, workstationId, service, { killAfterMs });
      const midRekey =
        run.killed &&
        run.output.includes('STEP pending-key-stored') &&
        !run.output.includes('STEP copy-rekeyed');
      const copyLeft = readdirSync(dir).some((n) => n.includes('.rekey-'));
      const key = await settledAndIntact();
      outcomes.push({ killAfterMs, midRekey, copyLeft, rotated: key !== oldKey });
    }
    console.info(
      `[rekey] the rekey took ${to - from} ms of a rotation in a child; kills: ${JSON.stringify(outcomes)}`,
    );
    // At least one kill landed inside the rekey transaction, and a kill there never rotated the
    // key.
    expect(outcomes.filter((o) => o.midRekey).length).toBeGreaterThan(0);
    for (const o of outcomes.filter((x) => x.midRekey)) expect(o.rotated).toBe(false);
  }, 300_000);

  it('refuses with the read-only environment store, and with a second connection open, leaving the key as it was', async () => {
    const key = (await store.get(cacheKeyAccount(workstationId)))!;
    const env = envStore({ TREASURY_CACHE_KEY: key });
    const viaEnv = await openCache({ file, workstationId, credentials: env });
    await expect(rekeyCache(viaEnv, { workstationId, credentials: env })).rejects.toThrow(
      /read-only/,
    );
    viaEnv.close();
    const cache = await openCache({ file, workstationId, credentials: store });
    const other = openWithKey(file, key, true);
    other.sqlite.prepare('SELECT count(*) FROM bulk').get();
    const reading = other.sqlite.prepare('SELECT id FROM bulk').iterate(); // an open read keeps a lock
    reading.next();
    await expect(rekeyCache(cache, { workstationId, credentials: store })).rejects.toThrow(
      /open in another process|locked|busy/,
    );
    reading.return?.();
    other.close();
    cache.close();
    expect(await store.get(cacheKeyAccount(workstationId))).toBe(key);
    expect(await store.get(nextCacheKeyAccount(workstationId))).toBeNull();
    expect(statSync(file).size).toBeGreaterThan(0);
    await settledAndIntact();
  });
});
