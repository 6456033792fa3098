/**
 * Maintenance of a workstation's encrypted cache: rebuild it from the central store (after damage,
 * a lost key, or a central store restored from a backup) and rotate its key (cache/rekey.ts).
 *
 * A rebuild never deletes anything: the old file (with its WAL, journal and key check) is renamed
 * `cache.db.replaced-<time>` and its key is kept in the credential store under
 * `cache-key-replaced:<workstation>:<time>`, so commands that were never pushed can still be
 * recovered from it by support. A fresh cache (new key) is then filled by an initial pull.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  cacheKeyAccount,
  nextCacheKeyAccount,
  keyCheckFile,
  movingAsideMarker,
  type LocalCache,
} from '../platform/cache/cache.js';
import { TreasuryError } from '../shared/errors.js';
import type { CredentialStore } from '../platform/credentials/store.js';
import { fileStamp } from '../platform/files/stamp.js';
import { listOutbox } from '../platform/cache/outbox.js';
import { cacheFile } from '../platform/files/paths.js';

export const replacedKeyAccount = (workstationId: string, stamp: string) =>
  `cache-key-replaced:${workstationId}:${stamp}`;

export interface MovedAside {
  /** The old cache file, renamed (null when there was none). */
  file: string | null;
  /**
   * Where its key now is in the credential store (null: no key, or the read-only environment
   * store).
   */
  keyAccount: string | null;
  /**
   * A key rotation was interrupted after its rekeyed copy replaced the file: the file kept aside
   * may be under this pending key instead of `keyAccount`'s (null: no rotation was pending).
   */
  pendingKeyAccount: string | null;
}

/**
 * Refuses a rebuild that would strand unpushed commands when the cache still opens: they are pushed
 * first (`treasury sync`), or the operator says they may be left in the file kept aside.
 */
export function assertNothingUnpushed(cache: LocalCache, discardPending: boolean): void {
  const pending = listOutbox(cache, 'pending').length;
  if (pending > 0 && !discardPending) {
    throw new TreasuryError(
      'CONFLICT',
      `the local cache holds ${pending} command(s) not pushed yet: run \`treasury sync\` first, or rebuild with --discard-pending (they stay in the file kept aside, not in the new cache)`,
    );
  }
}

/** The cache must be closed (a closed healthy cache has checkpointed its WAL into the file). */
export async function moveCacheAside(
  dataDir: string,
  workstationId: string,
  credentials: CredentialStore,
  now = new Date(),
): Promise<MovedAside> {
  const file = cacheFile(dataDir);
  const stamp = fileStamp(now);
  const aside = `${file}.replaced-${stamp}`;
  let keyAccount: string | null = null;
  let pendingKeyAccount: string | null = null;
  // Keys are copied before the file moves: the kept file always has its key. Both the current and a
  // pending one, since a rotation stopped after its rename leaves the file under the pending key
  // (the open that would have settled it may be what failed).
  if (credentials.kind !== 'env') {
    const key = await credentials.get(cacheKeyAccount(workstationId));
    const pending = await credentials.get(nextCacheKeyAccount(workstationId));
    if (key !== null) {
      keyAccount = replacedKeyAccount(workstationId, stamp);
      await credentials.set(keyAccount, key);
    }
    if (pending !== null && pending !== key) {
      pendingKeyAccount = `${replacedKeyAccount(workstationId, stamp)}:pending`;
      await credentials.set(pendingKeyAccount, pending);
    }
  }
  const moved = existsSync(file);
  // The database file first, then what belongs to it: stopped in between, no cache.db is left
  // without its WAL or hot journal (it would open with older contents). The marker names where the
  // file went: openCache joins stray sidecars to it before it creates a new cache.
  const marker = movingAsideMarker(file);
  writeFileSync(marker, path.basename(aside) + '\n', { mode: 0o600 });
  if (moved) renameSync(file, aside);
  for (const suffix of ['-wal', '-journal', '-shm'])
    if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  if (existsSync(keyCheckFile(file))) renameSync(keyCheckFile(file), keyCheckFile(aside));
  rmSync(marker, { force: true });
  if (credentials.kind !== 'env') {
    await credentials.delete(nextCacheKeyAccount(workstationId));
    await credentials.delete(cacheKeyAccount(workstationId)); // the new cache gets a new key
  }
  return { file: moved ? aside : null, keyAccount, pendingKeyAccount };
}
