/**
 * `treasury restore`: puts a backup (backup/file.ts) back as the embedded central store.
 *
 * It runs without the router: the store it would check permissions against may be gone — that is
 * why one restores. Whoever can write the data dir can replace the store anyway; the restore is
 * recorded in the restored audit chain (`central.restored`, with the OS user and the backup's
 * SHA-256) before the store is put in place.
 *
 * Nothing is replaced until the backup has proven itself:
 * 1. the file is read whole and checked (format, length, SHA-256 of the data);
 * 2. the data is loaded into a staging directory next to the store, and its ledger summary and
 *    audit chain are measured there and compared with the manifest;
 * 3. the store's identity is renewed (every workstation's cache then fills itself again at its
 *    next sync, sync/pull.ts) and the restore is audited;
 * 4. the staging directory is renamed `central.restore-ready` (proven and audited), the current
 *    store, if any, is renamed `central.before-restore-<time>` (never deleted), and the ready one
 *    takes its name. Stopped between those two renames, there is no `central`: the next open of
 *    the store finishes the swap (central/store.ts) instead of creating an empty store.
 * The data dir's lock is held throughout: the app or a command using the store makes it STORE_BUSY.
 *
 * A backup whose audit chain was already broken when it was taken (its manifest says so) is still
 * restored — it is the data there is — and the result says how many problems the chain has.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { ensurePrivateDir } from '../../platform/files/private.js';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { appendAudit, verifyAudit } from '../../platform/kernel/audit-chain.js';
import { acquireDirLock } from '../../platform/central/lock.js';
import { finishInterruptedRestore, RESTORE_READY } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { fileStamp } from '../../platform/files/stamp.js';
import { openBackupData } from './backup.js';
import { readBackup } from './file.js';
import { compareSummaries, ledgerSummary, type LedgerSummary } from './summary.js';

export interface RestoreOptions {
  dataDir: string;
  from: string;
  /** Replace an existing embedded store (kept aside, never deleted). */
  replace?: boolean;
  workstationId: string;
}

export interface RestoreResult {
  restoredFrom: string;
  backupCreatedAt: string;
  /** The backup file's SHA-256, as `treasury backup` printed and audited it. */
  sha256: string;
  summary: LedgerSummary;
  auditEntries: number;
  /**
   * Problems `audit verify` finds in the restored chain: 0 unless the backup recorded a broken
   * chain.
   */
  auditProblems: number;
  /** Where the store that was replaced now is (null: there was none). */
  keptAside: string | null;
}

const hasStore = (dir: string) => existsSync(path.join(dir, 'PG_VERSION'));

type Backup = Awaited<ReturnType<typeof readBackup>>;
type RestoredDb = Awaited<ReturnType<typeof openBackupData>>['db'];

/**
 * Clears the way: a restore that stopped between its renames is finished (its store is the current
 * one), an existing store is replaced only when asked, and staging directories of a restore that
 * died half-way are removed (never the store itself).
 */
function prepareDataDir(options: RestoreOptions, target: string): void {
  finishInterruptedRestore(options.dataDir);
  if (hasStore(target) && !options.replace) {
    throw new TreasuryError(
      'CONFLICT',
      `an embedded central store already exists at ${target}: pass --replace to restore over it (it is kept as central.before-restore-<time>, never deleted). Nothing was changed.`,
    );
  }
  // (A ready one still here sits beside a store: a restore that stopped before it replaced
  // anything.)
  for (const name of readdirSync(options.dataDir)) {
    if (name.startsWith('central.restoring-') || name === RESTORE_READY)
      rmSync(path.join(options.dataDir, name), { recursive: true, force: true });
  }
}

/**
 * Step 2: the staged data must measure as the manifest recorded — the ledger summary, and the
 * audit chain when it was intact at backup time. Returns the summary measured.
 */
async function proveStaged(db: RestoredDb, from: string, backup: Backup): Promise<LedgerSummary> {
  const { manifest } = backup;
  const summary = await ledgerSummary(db);
  const differences = compareSummaries(manifest.summary, summary);
  if (differences.length > 0)
    throw new TreasuryError(
      'VALIDATION',
      `${from} does not restore to what it recorded: ${differences.join('; ')}. Nothing was changed.`,
    );
  const chain = await verifyAudit(db);
  if (manifest.auditIntact && chain.problems.length > 0) {
    throw new TreasuryError(
      'VALIDATION',
      `${from}: the restored audit chain does not verify (${chain.problems[0]!.message}). Nothing was changed.`,
    );
  }
  return summary;
}

/**
 * Step 3: a new identity for the restored store (caches fill themselves again) and its audit
 * entry, in one transaction.
 */
async function renewAndAudit(
  db: RestoredDb,
  from: string,
  backup: Backup,
  options: RestoreOptions,
  target: string,
): Promise<void> {
  const { manifest, sha256 } = backup;
  const now = new Date();
  const user = os.userInfo().username;
  await db.transaction(async (tx) => {
    await tx.execute(
      sql`UPDATE settings SET value = jsonb_build_object('id', ${randomUUID()}::text), updated_at = ${now.toISOString()}::timestamptz WHERE key = 'central.identity'`,
    );
    await appendAudit(
      tx,
      {
        operatorId: null,
        commandId: null,
        ip: null,
        workstationId: options.workstationId,
        decision: 'allowed',
        at: now,
      },
      [
        {
          action: 'central.restored',
          entityType: 'backup',
          entityId: sha256,
          after: {
            file: from,
            backupCreatedAt: manifest.createdAt,
            backupAuditSeq: manifest.summary.audit.seq,
            auditIntact: manifest.auditIntact,
            osUser: user,
            host: os.hostname(),
            replaced: hasStore(target),
          },
        },
      ],
    );
  });
}

/** Steps 2 and 3 on the staged store, which is closed whatever happens. */
async function stage(
  staging: string,
  from: string,
  backup: Backup,
  options: RestoreOptions,
  target: string,
): Promise<{ summary: LedgerSummary; auditEntries: number; auditProblems: number }> {
  const restored = await openBackupData(backup.data, staging);
  try {
    const summary = await proveStaged(restored.db, from, backup);
    await renewAndAudit(restored.db, from, backup, options, target);
    const after = await verifyAudit(restored.db);
    return { summary, auditEntries: after.entries, auditProblems: after.problems.length };
  } finally {
    await restored.close();
  }
}

/**
 * Step 4: staging → ready, the current store (if any) kept aside, ready → the store. Returns where
 * the replaced store now is.
 */
function swapIn(dataDir: string, staging: string, target: string): string | null {
  const ready = path.join(dataDir, RESTORE_READY);
  renameSync(staging, ready);
  let keptAside: string | null = null;
  if (existsSync(target)) {
    keptAside = path.join(dataDir, `central.before-restore-${fileStamp()}`);
    renameSync(target, keptAside);
  }
  renameSync(ready, target);
  return keptAside;
}

export async function restoreCentral(options: RestoreOptions): Promise<RestoreResult> {
  const from = path.resolve(options.from);
  const backup = await readBackup(from);
  ensurePrivateDir(options.dataDir);
  const lock = acquireDirLock(
    path.join(options.dataDir, 'central.lock'),
    'the embedded central store',
  );
  const target = path.join(options.dataDir, 'central');
  const staging = path.join(options.dataDir, `central.restoring-${randomBytes(6).toString('hex')}`);
  try {
    prepareDataDir(options, target);
    const measured = await stage(staging, from, backup, options, target);
    const keptAside = swapIn(options.dataDir, staging, target);
    return {
      restoredFrom: from,
      backupCreatedAt: backup.manifest.createdAt,
      sha256: backup.sha256,
      summary: measured.summary,
      auditEntries: measured.auditEntries,
      auditProblems: measured.auditProblems,
      keptAside,
    };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    lock.release();
  }
}
