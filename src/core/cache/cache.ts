/**
 * The encrypted local cache: SQLite (SQLite3 Multiple Ciphers; AEGIS-256, or ChaCha20-Poly1305 for a
 * cache created before AEGIS — see CIPHERS) whose random 256-bit key lives only in the credential
 * store (OS keychain).
 *
 * Rules that keep it safe:
 * - the key is created and stored *before* the file is created, so a file never exists whose key
 *   was never kept;
 * - a wrong or missing key is an error with a clear message; the file is never recreated, truncated
 *   or overwritten (the operator may still have unpushed commands in it);
 * - WAL mode, and every integer comes back as bigint (money never passes through a JS number).
 */
import { existsSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { CredentialStore } from '../credentials/store.js';
import * as schema from './schema.js';
import { resourcePath } from '../workstation/resources.js';

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

const MIGRATIONS = () => resourcePath('drizzle/local');
const KEY_HEX = /^[0-9a-f]{64}$/;

export const cacheKeyAccount = (workstationId: string) => `cache-key:${workstationId}`;

export interface OpenCacheOptions {
  file: string;
  workstationId: string;
  credentials: CredentialStore;
}

export async function openCache({ file, workstationId, credentials }: OpenCacheOptions): Promise<LocalCache> {
  const account = cacheKeyAccount(workstationId);
  const exists = existsSync(file);
  let key = await credentials.get(account);
  if (key !== null && !KEY_HEX.test(key)) {
    throw new CacheKeyError(`the local cache key in the ${credentials.kind} store is malformed (expected 64 hex characters)`);
  }
  if (key === null) {
    if (exists) {
      throw new CacheKeyError(
        `the local cache ${file} exists but its key is not in the ${credentials.kind} store. ` +
          `The file was left untouched. The cache holds nothing the central store lacks except unpushed commands: ` +
          `restore the key, or move the file away to start a fresh cache.`,
      );
    }
    key = randomBytes(32).toString('hex');
    await credentials.set(account, key); // before the file exists
  }
  return openWithKey(file, key, exists);
}

/**
 * What another connection to an open cache needs — the file and the PRAGMAs that give it the key —
 * for the initial pull's worker thread (src/core/sync/loader.ts). It lives in memory only (a
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
  if (!secret) throw new Error('this cache was not opened by openWithKey: no second connection can be opened to it');
  return secret;
}

/**
 * The page ciphers (SQLite3 Multiple Ciphers schemes), every parameter pinned so that a change of
 * the library's defaults can never make an existing cache unreadable. Both are AEADs with a 256-bit
 * key and a fresh random nonce per page write, and an authentication tag per page: a changed byte
 * is an error, never wrong data.
 * - AEGIS-256, for every new cache: on the CPU's AES instructions it encrypts and checks pages
 *   several times faster than ChaCha20-Poly1305 in this build (portable C, no SIMD). Measured on the
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
  aegis256: ["cipher = 'aegis'", "algorithm = 'aegis-256'", 'tcost = 2', 'mcost = 19456', 'pcost = 1'],
  chacha20: ["cipher = 'chacha20'", 'kdf_iter = 64007', 'legacy = 0'],
} as const;
/**
 * A new cache's page size: larger pages, fewer per-page costs (cipher, B-tree) when the initial
 * pull loads a million rows. The page size of an existing file never changes.
 */
const NEW_PAGE_SIZE = 16_384;

export function openWithKey(file: string, keyHex: string, mustExist: boolean): LocalCache {
  if (!KEY_HEX.test(keyHex)) throw new CacheKeyError('the local cache key is malformed (expected 64 hex characters)');
  // An absent or empty file is a new database (SQLite writes nothing before the first change).
  const fresh = (statSync(file, { throwIfNoEntry: false })?.size ?? 0) === 0;
  const ciphers = fresh ? [CIPHERS.aegis256] : [CIPHERS.aegis256, CIPHERS.chacha20];
  let sqlite: Database.Database | null = null;
  let keyPragmas: string[] = [];
  for (let i = 0; sqlite === null; i++) {
    keyPragmas = [...ciphers[i]!, `hexkey='${keyHex}'`]; // keyHex is validated hex: no injection possible
    const attempt = new Database(file, { fileMustExist: mustExist });
    try {
      for (const p of keyPragmas) attempt.pragma(p);
      if (fresh) attempt.pragma(`page_size = ${NEW_PAGE_SIZE}`);
      attempt.prepare('SELECT count(*) FROM sqlite_master').get(); // fails here on a wrong key (or cipher)
      sqlite = attempt;
    } catch (error) {
      attempt.close();
      const code = (error as { code?: string }).code;
      // A cache made with the other cipher? (A wrong cipher or key fails as "not a database", or as
      // "malformed" when a journal left by a crash cannot be decrypted; that journal stays for the
      // right one to roll back.) Past the last cipher, the error is the one the last try gave.
      if ((code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') && i + 1 < ciphers.length) continue;
      const notDb = code === 'SQLITE_NOTADB';
      throw new CacheKeyError(
        notDb
          ? `the local cache ${file} cannot be decrypted with the key in the credential store (wrong key, or not a Treasury cache). The file was left untouched.`
          : `cannot open the local cache ${file}: ${(error as Error).message}. The file was left untouched.`,
        { cause: error },
      );
    }
  }
  sqlite.pragma('journal_mode = WAL');
  // SQLite3 Multiple Ciphers does not encrypt temporary files (sorts, index builds): keep them in memory.
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('foreign_keys = ON');
  sqlite.defaultSafeIntegers(true);
  // drizzle's types name the upstream package; the cipher build has the same API.
  const db = drizzle(sqlite as never, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS() });
  const cache: LocalCache = { file, db, sqlite, close: () => sqlite.close() };
  secrets.set(cache, { file, keyPragmas });
  return cache;
}
