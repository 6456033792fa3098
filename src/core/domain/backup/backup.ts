/**
 * `treasury backup`: a verified copy of the embedded central store (PGlite) in one file
 * (backup/file.ts). A PostgreSQL server is backed up with pg_dump instead (docs/operations.md).
 *
 * The copy is proven before it is kept: the data is loaded into a second, in-memory PGlite, and
 * the manifest's ledger summary and audit check are measured there — on what a restore would bring
 * back, not on the live store (which may have moved on meanwhile). The file is written whole or not
 * at all (files/whole-file.ts) and audited when complete, with its SHA-256.
 */
import { createHash } from 'node:crypto';
import { appendAudit, verifyAudit, type AuditContext } from '../../platform/kernel/audit-chain.js';
import type { CentralDb, CentralStore } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { checkTarget, writeWholeFile } from '../../platform/files/whole-file.js';
import { appVersion } from '../../platform/files/resources.js';
import { encodeHeader, type BackupManifest } from './file.js';
import { ledgerSummary, type LedgerSummary } from './summary.js';

export interface BackupOptions {
  out: string;
  overwrite?: boolean | undefined;
  createdBy: { operatorId: string | null; username: string | null };
  audit: Omit<AuditContext, 'operatorId' | 'decision' | 'at'>;
}

export interface BackupResult {
  file: string;
  bytes: number;
  sha256: string;
  createdAt: string;
  summary: LedgerSummary;
  auditIntact: boolean;
  ms: number;
}

/** A PGlite loaded from a backup's data: in memory, or in `dataDir` (restore). */
export async function openBackupData(
  data: Uint8Array,
  dataDir?: string,
): Promise<{ db: CentralDb; close(): Promise<void> }> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const client = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    loadDataDir: new Blob([data as Uint8Array<ArrayBuffer>]),
  });
  // The copy's PGlite db, seen as the PgDatabase both drivers share (central/store.ts).
  return { db: drizzle(client) as unknown as CentralDb, close: () => client.close() };
}

/** The copy measured as a restore would bring it back: its ledger summary and its audit check. */
async function measureCopy(
  data: Uint8Array,
): Promise<{ summary: LedgerSummary; auditIntact: boolean }> {
  const copy = await openBackupData(data);
  try {
    const summary = await ledgerSummary(copy.db);
    const auditIntact = (await verifyAudit(copy.db)).problems.length === 0;
    return { summary, auditIntact };
  } finally {
    await copy.close();
  }
}

function backupManifest(
  store: CentralStore,
  options: BackupOptions,
  data: Uint8Array,
  measured: { summary: LedgerSummary; auditIntact: boolean },
  createdAt: Date,
): BackupManifest {
  return {
    format: 'treasury-central-backup',
    version: 1,
    createdAt: createdAt.toISOString(),
    createdBy: options.createdBy,
    workstationId: options.audit.workstationId ?? 'unknown',
    appVersion: appVersion(),
    source: store.location,
    data: {
      kind: 'pglite-datadir',
      compression: 'gzip',
      bytes: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    },
    summary: measured.summary,
    auditIntact: measured.auditIntact,
  };
}

/** The completed backup in the live store's audit chain, with the file's SHA-256. */
function auditBackup(
  store: CentralStore,
  options: BackupOptions,
  createdAt: Date,
  written: { file: string; bytes: number; sha256: string; auditSeq: string; auditIntact: boolean },
): Promise<bigint> {
  const { file, bytes, sha256, auditSeq, auditIntact } = written;
  return store.db.transaction((tx) =>
    appendAudit(
      tx,
      {
        ...options.audit,
        operatorId: options.createdBy.operatorId,
        decision: 'allowed',
        at: createdAt,
      },
      [
        {
          action: 'central.backup.completed',
          entityType: 'backup',
          entityId: sha256,
          after: { file, bytes, auditSeq, auditIntact },
        },
      ],
    ),
  );
}

export async function takeBackup(
  store: CentralStore,
  options: BackupOptions,
): Promise<BackupResult> {
  const started = performance.now();
  if (!store.dump) {
    throw new TreasuryError(
      'VALIDATION',
      `the central store is a PostgreSQL server (${store.location}): back it up with pg_dump on the server (docs/operations.md, "Central PostgreSQL"); \`treasury backup\` copies the embedded store only`,
    );
  }
  const file = checkTarget(options.out, options.overwrite ?? false);
  const data = new Uint8Array(await (await store.dump()).arrayBuffer());
  const measured = await measureCopy(data);
  const { summary, auditIntact } = measured;
  const createdAt = new Date();
  const manifest = backupManifest(store, options, data, measured, createdAt);

  const { bytes, sha256 } = await writeWholeFile(
    file,
    { overwrite: options.overwrite ?? false, lost: 'no backup was written' },
    async (sink) => {
      await sink.write(encodeHeader(manifest));
      await sink.writeBytes(data);
    },
  );
  await auditBackup(store, options, createdAt, {
    file,
    bytes,
    sha256,
    auditSeq: summary.audit.seq,
    auditIntact,
  });
  return {
    file,
    bytes,
    sha256,
    createdAt: manifest.createdAt,
    summary,
    auditIntact,
    ms: Math.round(performance.now() - started),
  };
}
