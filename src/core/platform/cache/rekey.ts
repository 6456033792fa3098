/**
 * Rotating the local cache key: the cache is re-encrypted under a new random key with SQLite3
 * Multiple Ciphers' `PRAGMA hexrekey`, and the credential store is updated, so that a crash at any
 * instant leaves a cache that opens — with the old key or the new one, never neither.
 *
 * The rekey runs on a copy, never on the file in use: killed in the middle of an in-place rekey
 * (rollback journal), this SQLite3 Multiple Ciphers build (2.3.5) left files that opened with
 * neither key — test/platform/cache/cache-rekey.test.ts found it. So:
 * 1. the cache is locked (BEGIN EXCLUSIVE, rollback-journal mode: no other connection can read or
 *    write it until the end) and copied byte for byte, still under the old key;
 * 2. the new key is written to the credential store as *pending* (`nextCacheKeyAccount`) — a file
 *    never exists whose key was not kept;
 * 3. the copy is rekeyed and synced, then renamed over the cache (atomic on one file system);
 * 4. the file is opened with the new key (a real check), the new key replaces the old one in the
 *    store, and the pending entry is deleted.
 *
 * `openCache` settles an interrupted rotation (cache.ts, settleRotation): it tries the current key,
 * then the pending one, keeps whichever opens the file and removes a copy left half-done.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, fsyncSync, openSync, closeSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { sqliteNativeOptions } from './native.js';
import {
  CacheKeyError,
  cacheConnectionSecret,
  cacheKeyAccount,
  isSqliteBusy,
  nextCacheKeyAccount,
  openWithKey,
  rekeyCopyPrefix,
  writeKeyCheck,
  type LocalCache,
} from './cache.js';
import type { CredentialStore } from '../credentials/store.js';
import { StoreBusyError } from '../central/lock.js';

export type RekeyStep = 'pending-key-stored' | 'copy-rekeyed' | 'file-replaced' | 'key-promoted';

export interface RekeyOptions {
  workstationId: string;
  credentials: CredentialStore;
  /** Called after each step (the crash test stops the process there). */
  onStep?: (step: RekeyStep) => void;
}

export interface RekeyResult {
  file: string;
  cipher: string;
  pages: number;
  ms: number;
}

function fsyncPath(p: string): void {
  const fd = openSync(p, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Where the rotation is decides what a failure must undo on the cache's connection: before the
 * rename it is the cache itself (roll back, back to WAL, usable again); after it, the connection
 * holds the replaced, unlinked file and is only closed — the next open settles the rotation with
 * the pending key.
 */
interface Rotation {
  phase: 'wal' | 'delete-mode' | 'locked' | 'replaced' | 'closed';
  /** The new key is in the credential store as pending. */
  pendingStored: boolean;
  /** The new file, opened under the new key. */
  reopened: LocalCache | null;
}

/** Rotations this store or platform cannot do safely are refused before anything is touched. */
function refuseUnsupported(credentials: CredentialStore): void {
  if (credentials.kind === 'env') {
    throw new CacheKeyError(
      'the environment credential store is read-only: rotate the cache key with the OS keychain (TREASURY_CREDENTIAL_STORE unset), or give a new TREASURY_CACHE_KEY together with `treasury cache rebuild`',
    );
  }
  if (process.platform === 'win32') {
    // The rename over a file SQLite holds open, and the directory fsync, both fail on Windows: it
    // would be refused safely, but with an obscure EPERM. Untested there, so refused plainly.
    throw new CacheKeyError(
      'rotating the cache key in place is not supported on Windows yet: `treasury cache rebuild` gives a new cache under a new key (the old file and key are kept aside)',
    );
  }
}

const cacheInUse = (file: string) =>
  new StoreBusyError(
    `the local cache ${file} is open in another process (the app or another command): close it, then rotate the key`,
  );

/** Step 1: the cache locked (rollback-journal mode, BEGIN EXCLUSIVE) for the copy. */
function lockCache(db: LocalCache['sqlite'], file: string, rotation: Rotation): void {
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    // Leaving WAL needs the only connection to the file: this also proves no other process has it
    // open.
    const mode = String(db.pragma('journal_mode = DELETE', { simple: true })).toLowerCase();
    if (mode !== 'delete') throw cacheInUse(file);
    rotation.phase = 'delete-mode';
    db.exec('BEGIN EXCLUSIVE');
    rotation.phase = 'locked';
  } catch (error) {
    if (isSqliteBusy(error)) throw cacheInUse(file);
    throw error;
  }
}

/** Step 3a: the copy re-encrypted under the new key, then synced. */
function rekeyCopy(copy: string, keyPragmas: readonly string[], key: string): void {
  const target = new Database(copy, { fileMustExist: true, ...sqliteNativeOptions() });
  try {
    for (const p of keyPragmas) target.pragma(p);
    target.pragma('journal_mode = DELETE');
    target.pragma(`hexrekey='${key}'`); // generated hex: nothing to inject
  } finally {
    target.close();
  }
  fsyncPath(copy);
}

/** Step 3b: the copy renamed over the cache (atomic on one file system), the directory synced. */
function replaceCache(copy: string, file: string, rotation: Rotation): void {
  renameSync(copy, file);
  rotation.phase = 'replaced';
  rmSync(`${file}-shm`, { force: true });
  fsyncPath(path.dirname(file));
}

/** Step 4: the new file opened (a real check) before the new key replaces the old one. */
async function promoteKey(
  file: string,
  key: string,
  options: RekeyOptions,
  rotation: Rotation,
  started: number,
): Promise<{ cache: LocalCache; result: RekeyResult }> {
  const { credentials, workstationId } = options;
  // Fails here, before the key is promoted, if the new file does not open.
  const reopened = (rotation.reopened = openWithKey(file, key, true));
  await credentials.set(cacheKeyAccount(workstationId), key);
  options.onStep?.('key-promoted');
  await credentials.delete(nextCacheKeyAccount(workstationId));
  writeKeyCheck(file, key);
  const pages = Number(reopened.sqlite.pragma('page_count', { simple: true }));
  const cipher = String(reopened.sqlite.pragma('cipher', { simple: true }));
  return {
    cache: reopened,
    result: { file, cipher, pages, ms: Math.round(performance.now() - started) },
  };
}

/** A failed rotation: the copy removed, and the pending key where it opens nothing. */
async function undoFailedRotation(
  copy: string,
  options: RekeyOptions,
  rotation: Rotation,
): Promise<void> {
  rmSync(copy, { force: true });
  rmSync(`${copy}-journal`, { force: true });
  // After the rename the caller opens the cache again (settling the rotation): a second
  // connection left open here would keep the WAL open and make every later rotation busy.
  rotation.reopened?.sqlite.close();
  // Before the rename the file is still under the old key: the pending one opens nothing.
  if (rotation.pendingStored && rotation.phase === 'locked')
    await options.credentials.delete(nextCacheKeyAccount(options.workstationId)).catch(() => {});
}

/** The cache's own connection put back as the phase requires; never hides the failure. */
function settleConnection(db: LocalCache['sqlite'], phase: Rotation['phase']): void {
  try {
    if (db.open) {
      if (phase === 'replaced') db.close();
      else {
        if (phase === 'locked') db.exec('ROLLBACK');
        if (phase !== 'wal') db.pragma('journal_mode = WAL');
      }
    }
  } catch {
    /* left in rollback-journal mode (another process reads it): still a working cache, WAL again at its next open */
  }
}

/**
 * Rekeys the cache. `cache` must be the only connection to the file (no app, no other command;
 * otherwise STORE_BUSY and nothing changes); it is closed, and the cache is returned open again
 * under the new key. A rotation that fails before the file is replaced leaves `cache` open and
 * usable.
 */
export async function rekeyCache(
  cache: LocalCache,
  options: RekeyOptions,
): Promise<{ cache: LocalCache; result: RekeyResult }> {
  const started = performance.now();
  const { credentials, workstationId } = options;
  refuseUnsupported(credentials);
  const { file, keyPragmas } = cacheConnectionSecret(cache);
  const db = cache.sqlite;
  const rotation: Rotation = { phase: 'wal', pendingStored: false, reopened: null };
  const copy = `${rekeyCopyPrefix(file)}${randomBytes(6).toString('hex')}`;
  try {
    lockCache(db, file, rotation);
    copyFileSync(file, copy);
    const key = randomBytes(32).toString('hex');
    // Step 2: a file never exists whose key was not kept.
    await credentials.set(nextCacheKeyAccount(workstationId), key);
    rotation.pendingStored = true;
    options.onStep?.('pending-key-stored');

    rekeyCopy(copy, keyPragmas, key);
    options.onStep?.('copy-rekeyed');

    replaceCache(copy, file, rotation);
    options.onStep?.('file-replaced');
    db.close(); // it still holds the replaced file, now unlinked: its lock and transaction go with it
    rotation.phase = 'closed';

    return await promoteKey(file, key, options, rotation, started);
  } catch (error) {
    await undoFailedRotation(copy, options, rotation);
    throw error;
  } finally {
    // Undoing never hides the failure that brought us here.
    settleConnection(db, rotation.phase);
  }
}
