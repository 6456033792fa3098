/**
 * The encrypted local cache: SQLite (SQLite3 Multiple Ciphers; AEGIS-256, or ChaCha20-Poly1305 for
 * a cache created before AEGIS — see CIPHERS) whose random 256-bit key lives only in the credential
 * store (OS keychain).
 *
 * Rules that keep it safe:
 * - the key is created and stored *before* the file is created, so a file never exists whose key
 *   was never kept;
 * - a wrong or missing key is an error with a clear message; the file is never recreated, truncated
 *   or overwritten (the operator may still have unpushed commands in it);
 * - WAL mode, and every integer comes back as bigint (money never passes through a JS number).
 */
import {
  chmodSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { sqliteNativeOptions } from './native.js';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { CredentialStore } from '../credentials/store.js';
import { StoreBusyError } from '../central/lock.js';
import { cacheDamagedMessage, SQLITE_DAMAGE_CODES } from '../../shared/errors.js';
import { fileStamp } from '../files/stamp.js';
import * as schema from './schema.js';
import { resourcePath } from '../files/resources.js';

export type CacheDb = BetterSQLite3Database<typeof schema>;

export interface LocalCache {
  readonly file: string;
  readonly db: CacheDb;
  readonly sqlite: Database.Database;
  close(): void;
}

export class CacheKeyError extends Error {
  readonly code = 'CACHE_KEY';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheKeyError';
  }
}

/**
 * The file is there and the key fits, but pages do not decrypt or do not add up (truncated,
 * corrupted).
 */
export class CacheDamagedError extends Error {
  readonly code = 'CACHE_DAMAGED';
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super(cacheDamagedMessage(`the local cache ${file}`, detail), options);
    this.name = 'CacheDamagedError';
  }
}

/** Another connection holds the file (SQLITE_BUSY, SQLITE_LOCKED and their extended codes). */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
  );
}

/**
 * Another process holds the cache (a key rotation's exclusive lock): not a key problem, not damage.
 */
const cacheLocked = (file: string) =>
  new StoreBusyError(
    `the local cache ${file} is locked by another process (the app or another command): close it, then try again`,
  );

const MIGRATIONS = () => resourcePath('drizzle/local');
const KEY_HEX = /^[0-9a-f]{64}$/;

export const cacheKeyAccount = (workstationId: string) => `cache-key:${workstationId}`;
/**
 * The key a rotation is moving to (cache/rekey.ts): written to the credential store before the file
 * is rekeyed, promoted to `cacheKeyAccount` after. While it exists, opening the cache settles the
 * rotation whichever step a crash stopped it at (see `openCache`).
 */
export const nextCacheKeyAccount = (workstationId: string) => `cache-key-next:${workstationId}`;
/** A rotation rekeys a copy named like this next to the cache, then renames it over the cache. */
export const rekeyCopyPrefix = (file: string) => `${file}.rekey-`;

/** Copies a rotation left behind (it was stopped before its rename): never the cache itself. */
function removeRekeyCopies(file: string): void {
  const dir = path.dirname(file);
  const prefix = path.basename(rekeyCopyPrefix(file));
  for (const name of readdirSync(dir))
    if (name.startsWith(prefix)) rmSync(path.join(dir, name), { force: true });
}

/**
 * A WAL or journal whose database file is gone (a move aside stopped half-way) must never meet a
 * new file of the same name: SQLite would replay its frames into it. They are renamed, not deleted.
 */
function setStraySidecarsAside(file: string): void {
  const strays = ['-wal', '-journal'].filter((suffix) => existsSync(file + suffix));
  // A move aside that stopped half-way (workstation/cache-maintenance.ts) named where it was going:
  // the strays join that file, so it opens with its last commits. Otherwise they are kept apart.
  const marker = movingAsideMarker(file);
  let owner: string | null = null;
  try {
    const name = readFileSync(marker, 'utf8').trim();
    if (name && path.basename(name) === name && existsSync(path.join(path.dirname(file), name)))
      owner = path.join(path.dirname(file), name);
  } catch {
    /* no move was under way */
  }
  const stamp = fileStamp();
  for (const suffix of strays)
    renameSync(
      file + suffix,
      owner && !existsSync(owner + suffix) ? owner + suffix : `${file}.orphaned-${stamp}${suffix}`,
    );
  rmSync(`${file}-shm`, { force: true }); // an index of the WAL, rebuilt from it: nothing to keep
  rmSync(marker, { force: true });
}

/**
 * Written by a move aside before the file moves (the aside file's name), removed after its sidecars
 * followed.
 */
export const movingAsideMarker = (file: string) => `${file}.moving-aside`;

export interface OpenCacheOptions {
  file: string;
  workstationId: string;
  credentials: CredentialStore;
}

const checkKey = (key: string | null, kind: string, what: string): string | null => {
  if (key !== null && !KEY_HEX.test(key))
    throw new CacheKeyError(
      `the ${what} in the ${kind} store is malformed (expected 64 hex characters)`,
    );
  return key;
};

export async function openCache({
  file,
  workstationId,
  credentials,
}: OpenCacheOptions): Promise<LocalCache> {
  const account = cacheKeyAccount(workstationId);
  const exists = existsSync(file);
  if (!exists) setStraySidecarsAside(file);
  let key = checkKey(await credentials.get(account), credentials.kind, 'local cache key');
  const next = exists ? await pendingKey(credentials, workstationId) : null;
  if (next !== null) return settleRotation(file, credentials, workstationId, key, next);
  if (key === null) {
    if (exists) {
      throw new CacheKeyError(
        `the local cache ${file} exists but its key is not in the ${credentials.kind} store. ` +
          `The file was left untouched. The cache holds nothing the central store lacks except unpushed commands: ` +
          `restore the key, or run \`treasury cache rebuild\` to move the file aside and pull everything again from the central store.`,
      );
    }
    key = randomBytes(32).toString('hex');
    await credentials.set(account, key); // before the file exists
  }
  return openWithKey(file, key, exists);
}

/**
 * The environment store is read-only and has no rotation account: nothing is ever pending there.
 */
async function pendingKey(
  credentials: CredentialStore,
  workstationId: string,
): Promise<string | null> {
  if (credentials.kind === 'env') return null;
  return checkKey(
    await credentials.get(nextCacheKeyAccount(workstationId)),
    credentials.kind,
    'pending local cache key',
  );
}

/**
 * A rotation was interrupted (cache/rekey.ts writes the new key as pending, rekeys a copy, renames
 * it over the cache, then promotes the key). The file is readable with exactly one of the two keys:
 * - the current key: the copy never replaced the file → the pending key and the copy are dropped;
 * - the pending key: the rekeyed copy replaced the file but the key was not promoted → promoted
 *   now.
 */
async function settleRotation(
  file: string,
  credentials: CredentialStore,
  workstationId: string,
  key: string | null,
  next: string,
): Promise<LocalCache> {
  removeRekeyCopies(file);
  if (key !== null && key !== next) {
    let cache: LocalCache | null = null;
    try {
      cache = openWithKey(file, key, true);
    } catch (error) {
      // Not with the current key (the key check may still name it: it is rewritten after the
      // rekey).
      if (!(error instanceof CacheKeyError) && !(error instanceof CacheDamagedError)) throw error;
    }
    if (cache) return settled(cache, () => credentials.delete(nextCacheKeyAccount(workstationId)));
  }
  return settled(openWithKey(file, next, true), async () => {
    await credentials.set(cacheKeyAccount(workstationId), next);
    await credentials.delete(nextCacheKeyAccount(workstationId));
  });
}

/**
 * The cache once the credential store is settled; closed if it cannot be (an open connection left
 * behind keeps the WAL open).
 */
async function settled(cache: LocalCache, settle: () => Promise<unknown>): Promise<LocalCache> {
  try {
    await settle();
    return cache;
  } catch (error) {
    cache.close();
    throw error;
  }
}

/**
 * `<cache>.key-check`: HMAC-SHA-256 of a fixed label under the cache's key — it proves which key
 * made the file without revealing anything about it. When a file does not decrypt, it tells a wrong
 * key (CACHE_KEY: find the right one) from a damaged file (CACHE_DAMAGED: rebuild from the central
 * store).
 */
export const keyCheckFile = (file: string) => `${file}.key-check`;
const keyCheck = (keyHex: string) =>
  createHmac('sha256', Buffer.from(keyHex, 'hex'))
    .update('treasury-console cache key check v1')
    .digest('hex');

export function writeKeyCheck(file: string, keyHex: string): void {
  const target = keyCheckFile(file);
  const value = keyCheck(keyHex);
  if (readKeyCheck(file) === value) return;
  writeFileSync(`${target}.tmp`, JSON.stringify({ version: 1, hmac: value }) + '\n', {
    mode: 0o600,
  });
  renameSync(`${target}.tmp`, target);
}

function readKeyCheck(file: string): string | null {
  try {
    const parsed = JSON.parse(readFileSync(keyCheckFile(file), 'utf8')) as { hmac?: unknown };
    return typeof parsed.hmac === 'string' ? parsed.hmac : null;
  } catch {
    return null;
  }
}

/**
 * A truncated file (a copy cut short, a full disk, a bad sector) is otherwise only noticed when a
 * query reaches a missing page. The header records how many pages the database has; the file must
 * hold at least that many (plus the cipher's reserved bytes, which are inside each page).
 */
function checkLength(sqlite: Database.Database, file: string): void {
  const pages = BigInt(sqlite.pragma('page_count', { simple: true }) as bigint | number);
  const pageSize = BigInt(sqlite.pragma('page_size', { simple: true }) as bigint | number);
  // Pages may still be in the write-ahead log (not checkpointed into the file yet, as after a
  // crash).
  if ((statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0) return;
  const size = BigInt(statSync(file).size);
  if (size < pages * pageSize) {
    throw new CacheDamagedError(
      file,
      `the file is ${size} bytes, shorter than the ${pages} pages of ${pageSize} bytes its header records: it was truncated`,
    );
  }
}

/**
 * What another connection to an open cache needs — the file and the PRAGMAs that give it the key —
 * for the initial pull's worker thread (src/core/local/sync/loader.ts). It lives in memory only (a
 * module-private map; handed to a worker through `workerData`), never in a file, a log or an error
 * message, and never as a property of the cache object that a log line could print.
 */
export interface CacheConnectionSecret {
  readonly file: string;
  /** Run in order right after opening, before anything else (they end with the key). */
  readonly keyPragmas: readonly string[];
}
const secrets = new WeakMap<LocalCache, CacheConnectionSecret>();

export function cacheConnectionSecret(cache: LocalCache): CacheConnectionSecret {
  const secret = secrets.get(cache);
  if (!secret)
    throw new Error(
      'this cache was not opened by openWithKey: no second connection can be opened to it',
    );
  return secret;
}

/**
 * The page ciphers (SQLite3 Multiple Ciphers schemes), every parameter pinned so that a change of
 * the library's defaults can never make an existing cache unreadable. Both are AEADs with a 256-bit
 * key and a fresh random nonce per page write, and an authentication tag per page: a changed byte
 * is an error, never wrong data.
 * - AEGIS-256, for every new cache: on the CPU's AES instructions it encrypts and checks pages
 *   several times faster than ChaCha20-Poly1305 in this build (portable C, no SIMD). Measured on
 * the
 *   initial pull of 1,000,000 commissions (240 MB of pages written, then read back to rebuild the
 *   index): the loader's commits and index rebuild took 2.3 s with ChaCha20, 1.0 s with AEGIS
 *   (README, bench:sync). Its key derivation (Argon2id, the scheme's default costs) takes about as
 *   long as ChaCha20's PBKDF2 (≈ 25 ms an open).
 * - ChaCha20-Poly1305 (the library's default, sqleet format): caches created before AEGIS, which
 *   keep working as they are. The cipher is not recorded anywhere: an existing file is opened with
 *   AEGIS first, then ChaCha20. A wrong cipher fails exactly as a wrong key always did (the page
 *   tags do not verify), also on a file with a journal left by a crash, which the right cipher then
 *   rolls back (checked with a process killed mid-transaction, rollback journal and WAL).
 */
const CIPHERS = {
  aegis256: [
    "cipher = 'aegis'",
    "algorithm = 'aegis-256'",
    'tcost = 2',
    'mcost = 19456',
    'pcost = 1',
  ],
  chacha20: ["cipher = 'chacha20'", 'kdf_iter = 64007', 'legacy = 0'],
} as const;
/**
 * A new cache's page size: larger pages, fewer per-page costs (cipher, B-tree) when the initial
 * pull loads a million rows. The page size of an existing file never changes.
 */
const NEW_PAGE_SIZE = 16_384;

/**
 * Why a cache did not open with this key under any cipher: damaged, locked, a damaged file under
 * the right key (the key check says so), or a key that does not fit.
 */
function unopenable(file: string, keyHex: string, error: unknown): Error {
  const code = (error as { code?: string }).code;
  if (SQLITE_DAMAGE_CODES.has(code ?? ''))
    return new CacheDamagedError(file, (error as Error).message, { cause: error });
  // A rebuild must not take a locked cache for an unreadable one and move it aside.
  if (isSqliteBusy(error)) return cacheLocked(file);
  if (code === 'SQLITE_NOTADB' && readKeyCheck(file) === keyCheck(keyHex)) {
    return new CacheDamagedError(
      file,
      `its pages do not decrypt although the key is the one it was made with (${(error as Error).message})`,
      { cause: error },
    );
  }
  return new CacheKeyError(
    code === 'SQLITE_NOTADB'
      ? `the local cache ${file} cannot be decrypted with the key in the credential store (a wrong key, a damaged first page, or not a Treasury cache). The file was left untouched. ` +
          'If the key is right, run `treasury cache rebuild` to move the file aside and pull everything again from the central store.'
      : `cannot open the local cache ${file}: ${(error as Error).message}. The file was left untouched.`,
    { cause: error },
  );
}

/**
 * The file opened and decrypted: a new one under AEGIS, an existing one under AEGIS, else
 * ChaCha20; with the PRAGMAs that gave it the key.
 */
function openDecrypted(
  file: string,
  keyHex: string,
  mustExist: boolean,
  fresh: boolean,
): { sqlite: Database.Database; keyPragmas: string[] } {
  const ciphers = fresh ? [CIPHERS.aegis256] : [CIPHERS.aegis256, CIPHERS.chacha20];
  for (let i = 0; ; i++) {
    const keyPragmas = [...ciphers[i]!, `hexkey='${keyHex}'`]; // keyHex is validated hex: no injection possible
    const attempt = new Database(file, { fileMustExist: mustExist, ...sqliteNativeOptions() });
    try {
      for (const p of keyPragmas) attempt.pragma(p);
      if (fresh) attempt.pragma(`page_size = ${NEW_PAGE_SIZE}`);
      attempt.prepare('SELECT count(*) FROM sqlite_master').get(); // fails here on a wrong key (or cipher)
      return { sqlite: attempt, keyPragmas };
    } catch (error) {
      attempt.close();
      const code = (error as { code?: string }).code;
      // A cache made with the other cipher? (A wrong cipher or key fails as "not a database", or as
      // "malformed" when a journal left by a crash cannot be decrypted; that journal stays for the
      // right one to roll back.) Past the last cipher, the error is the one the last try gave.
      if ((code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') && i + 1 < ciphers.length)
        continue;
      throw unopenable(file, keyHex, error);
    }
  }
}

/**
 * The decrypted connection made ready: WAL, temporary files in memory, foreign keys, bigints, the
 * length checked, the migrations run. A failure closes it and says whether the file is damaged.
 */
function readyConnection(sqlite: Database.Database, file: string, fresh: boolean): CacheDb {
  try {
    sqlite.pragma('journal_mode = WAL');
    // SQLite3 Multiple Ciphers does not encrypt temporary files (sorts, index builds): keep them in
    // memory.
    sqlite.pragma('temp_store = MEMORY');
    sqlite.pragma('foreign_keys = ON');
    sqlite.defaultSafeIntegers(true);
    if (!fresh) checkLength(sqlite, file);
    // drizzle's types name the upstream better-sqlite3 package; the cipher build has the same API
    // but its own type, which TypeScript cannot unify with it.
    const db = drizzle(sqlite as never, { schema });
    migrate(db, { migrationsFolder: MIGRATIONS() });
    return db;
  } catch (error) {
    sqlite.close();
    const code =
      (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
    if (error instanceof CacheDamagedError) throw error;
    if (SQLITE_DAMAGE_CODES.has(code ?? '') || code === 'SQLITE_NOTADB')
      throw new CacheDamagedError(file, (error as Error).message, { cause: error });
    if (isSqliteBusy(error) || isSqliteBusy((error as { cause?: unknown }).cause))
      throw cacheLocked(file);
    throw error;
  }
}

export function openWithKey(file: string, keyHex: string, mustExist: boolean): LocalCache {
  if (!KEY_HEX.test(keyHex))
    throw new CacheKeyError('the local cache key is malformed (expected 64 hex characters)');
  // An absent or empty file is a new database (SQLite writes nothing before the first change).
  const fresh = (statSync(file, { throwIfNoEntry: false })?.size ?? 0) === 0;
  const { sqlite, keyPragmas } = openDecrypted(file, keyHex, mustExist, fresh);
  const db = readyConnection(sqlite, file, fresh);
  // Encrypted, but nobody else's business either: owner-only, like the logs (no effect on Windows).
  if (fresh) chmodSync(file, 0o600);
  writeKeyCheck(file, keyHex);
  const cache: LocalCache = { file, db, sqlite, close: () => sqlite.close() };
  secrets.set(cache, { file, keyPragmas });
  return cache;
}
