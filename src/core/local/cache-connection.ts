/**
 * The workstation's own connection to its encrypted cache: opened on first use (the native SQLite
 * module is not loaded just to start a host), replaced by a key rotation, and by a rebuild — the
 * old file moved aside with its key and a fresh one filled from the central store.
 */
import type { LocalCache } from '../platform/cache/cache.js';
import type { RekeyResult } from '../platform/cache/rekey.js';
import { toTreasuryError } from '../shared/errors.js';
import type { Call } from '../platform/kernel/router.js';
import type { CredentialStore } from '../platform/credentials/store.js';
import type { Logger } from 'pino';
import type { PullResult } from './sync/pull.js';
import { assertNothingUnpushed, moveCacheAside, type MovedAside } from './cache-maintenance.js';
import type { CentralReach } from './link.js';
import { offlineRefusal } from './offline-router.js';
import { cacheFile } from '../platform/files/paths.js';

export interface RebuildResult {
  movedAside: MovedAside;
  pulled: PullResult;
}

export class CacheConnection {
  private connection: Promise<LocalCache> | null = null;

  constructor(
    private readonly o: {
      dataDir: string;
      workstationId: string;
      credentials: CredentialStore;
      log: Logger;
    },
  ) {}

  /** A new connection to the cache (callers close it). */
  readonly open = async (): Promise<LocalCache> =>
    (await import('../platform/cache/cache.js')).openCache({
      file: cacheFile(this.o.dataDir),
      workstationId: this.o.workstationId,
      credentials: this.o.credentials,
    });

  /** The workstation's connection, opened once (a failed open is tried again next time). */
  readonly get = (): Promise<LocalCache> =>
    (this.connection ??= this.open().catch((error: unknown) => {
      this.connection = null;
      throw error;
    }));

  /** The connection if one is open or opening, without opening one. */
  current(): Promise<LocalCache> | null {
    return this.connection;
  }

  /** Re-encrypts the cache under a new key (cache/rekey.ts); the connection is replaced. */
  async rotateKey(): Promise<RekeyResult> {
    const { rekeyCache } = await import('../platform/cache/rekey.js');
    const current = await this.get();
    const rotation = rekeyCache(current, {
      workstationId: this.o.workstationId,
      credentials: this.o.credentials,
    });
    // The old connection is closed by the rotation; from now on the workstation uses the new one.
    // A rotation refused before the file was replaced leaves the old connection open and usable
    // (a second one would keep its WAL open and make every later rotation STORE_BUSY); after the
    // replacement it is closed, and a new open settles the rotation.
    const reconnect: Promise<LocalCache> = rotation.then(
      (r) => r.cache,
      () => (current.sqlite.open ? current : this.open()),
    );
    const stored: Promise<LocalCache> = reconnect.catch((error: unknown) => {
      if (this.connection === stored) this.connection = null; // the next call tries to open it again
      throw error;
    });
    stored.catch(() => {}); // whoever uses the cache next gets the error; never an unhandled rejection
    this.connection = stored;
    const { result } = await rotation;
    this.o.log.info({ file: result.file, pages: result.pages, ms: result.ms }, 'cache key rotated');
    return result;
  }

  /**
   * `cache.rebuild`: authorised and audited by the central store (the cache may not open at all),
   * then the old file is moved aside with its key, and a fresh cache is filled by an initial pull.
   */
  async rebuild(
    link: CentralReach,
    c: Call,
    input: { discardPending?: boolean | undefined; reason?: string | undefined },
  ): Promise<RebuildResult> {
    if (!(await link.online())) throw offlineRefusal('rebuilding the local cache');
    await link.router.call({
      name: 'cache.authorize',
      payload: { action: 'rebuild', reason: input.reason },
      session: c.session,
      workstationId: c.workstationId,
      ip: c.ip,
    });
    // Damaged or keyless: nothing can be checked, the file is moved aside as it is (with its keys).
    // Anything else (the cache open in another process, the keychain down) stops the rebuild.
    const unreadable = (error: unknown) => {
      const code = toTreasuryError(error).code;
      if (code === 'CACHE_KEY' || code === 'CACHE_DAMAGED') return null;
      throw error;
    };
    const current = await this.get().catch(unreadable);
    if (current) {
      try {
        assertNothingUnpushed(current, Boolean(input.discardPending));
      } catch (error) {
        // Damaged pages under the outbox: the commands cannot be counted, the file is kept aside.
        if (toTreasuryError(error).code !== 'CACHE_DAMAGED') throw error;
      }
    }
    current?.close();
    this.connection = null;
    const movedAside = await moveCacheAside(
      this.o.dataDir,
      this.o.workstationId,
      this.o.credentials,
    );
    const { rebuildCache } = await import('./sync/pull.js');
    const pulled = await rebuildCache(link.central, await this.get(), {
      onProgress: (p) => c.onProgress?.({ phase: `pulling ${p.table ?? 'changes'}`, done: p.done }),
    });
    this.o.log.warn(
      { movedAside: movedAside.file, rows: pulled.rows },
      'local cache rebuilt from the central store',
    );
    return { movedAside, pulled };
  }

  async close(): Promise<void> {
    if (this.connection) (await this.connection.catch(() => null))?.close();
  }
}
