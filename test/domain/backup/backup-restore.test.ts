/**
 * Restore drills (issue 8): back up the central store, destroy it, restore it — then `audit verify`
 * passes and every balance equals what it was when the backup was taken; the workstation's cache,
 * which had synced changes made after the backup, fills itself again from the restored store.
 * - Embedded PGlite: `central.backup` (treasury backup) and `restoreCentral` (treasury restore).
 * - PostgreSQL server: the pg_dump / pg_restore commands of docs/operations.md, into a new
 * database. Both over the real ledger of test/support/ledger.ts (FX, a clawback, a reversal, a
 * failed payout).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareSummaries,
  ledgerSummary,
  type LedgerSummary,
} from '../../../src/core/domain/backup/summary.js';
import { restoreCentral } from '../../../src/core/domain/backup/restore.js';
import { rows } from '../../../src/core/platform/central/store.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import {
  openWorkstation,
  type Workstation,
} from '../../../src/core/host/workstation/workstation.js';
import { openLedger, type Ledger } from '../../support/ledger.js';
import { ADMIN_PASSWORD, addOperator } from '../../support/workstation.js';
import { PG_URL, pgAvailable } from '../../support/pg.js';

interface Balances {
  summary: LedgerSummary;
  trialBalance: unknown;
  payables: unknown;
}

async function balances(ws: Workstation, token: string): Promise<Balances> {
  const call = <T>(name: string, payload: unknown = {}) =>
    ws.call<T>({ name, payload, session: token, workstationId: ws.id });
  const journal = await call<{ trialBalance: unknown; unbalanced: unknown }>('reports.journal', {});
  return {
    summary: await ledgerSummary(ws.central.db),
    trialBalance: journal.trialBalance,
    payables: await call('payables.list', {}),
  };
}

/** Rows and money in the cache against the central store, table by table. */
async function cacheMatchesCentral(ws: Workstation): Promise<void> {
  const cache = await ws.cache();
  for (const table of ['commissions', 'payouts', 'adjustments', 'payout_batches', 'affiliates']) {
    const [central] = await rows<{ n: string }>(
      ws.central.db,
      sql.raw(`SELECT count(*)::text AS n FROM ${table}`),
    );
    const local = cache.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: bigint };
    expect(local.n.toString(), table).toBe(central!.n);
  }
  for (const table of ['commissions', 'payouts']) {
    const [central] = await rows<{ s: string }>(
      ws.central.db,
      sql.raw(`SELECT coalesce(sum(amount_minor), 0)::text AS s FROM ${table}`),
    );
    const local = cache.sqlite
      .prepare(`SELECT coalesce(sum(amount_minor), 0) AS s FROM ${table}`)
      .get() as { s: bigint };
    expect(local.s.toString(), `${table} total`).toBe(central!.s);
  }
}

async function signIn(ws: Workstation): Promise<string> {
  const r = await ws.call<SignInResult>({
    name: 'session.signIn',
    payload: { username: 'admin', password: ADMIN_PASSWORD },
    workstationId: ws.id,
  });
  if (!r.ok) throw new Error(r.reason);
  await ws.call({
    name: 'session.stepUp',
    payload: { password: ADMIN_PASSWORD },
    session: r.token,
    workstationId: ws.id,
  });
  return r.token;
}

/** A change after the backup: new business, calculated, and pulled into the cache. */
async function changeAfterBackup(ledger: Ledger, ws: Workstation, token: string): Promise<void> {
  const aff = (
    await rows<{ id: string }>(
      ws.central.db,
      sql`SELECT id FROM affiliates WHERE payout_currency = 'IDR' ORDER BY id LIMIT 1`,
    )
  )[0]!.id;
  writeFileSync(
    ledger.out('after-backup.csv'),
    'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at\n' +
      `after-backup-1,${aff},2026-09-01T10:00:00Z,pro-plan,5000000,0,IDR,approved,\n`,
  );
  const call = (name: string, payload: unknown = {}) =>
    ws.call({ name, payload, session: token, workstationId: ws.id });
  await call('conversions.import', { file: ledger.out('after-backup.csv') });
  await call('commissions.calculate', {});
  await call('sync.run', {});
}

/** The ledger on `driver`, with the workstation's cache synced from it. */
async function syncedLedger(
  driver: 'pglite' | 'postgres',
): Promise<{ ledger: Ledger; ws: Workstation; token: string }> {
  const ledger = await openLedger(driver);
  const { ws, token } = ledger.flow.tw;
  await ws.call({ name: 'sync.run', payload: {}, session: token, workstationId: ws.id });
  return { ledger, ws, token };
}

describe('restore drill: embedded PGlite (treasury backup / treasury restore)', () => {
  let ledger: Ledger;
  let ws: Workstation;
  let token: string;
  let atBackup: Balances;
  let backupFile: string;
  let backupSha: string;

  beforeAll(async () => {
    ({ ledger, ws, token } = await syncedLedger('pglite'));
  }, 300_000);

  afterAll(async () => {
    await ws.close().catch(() => {});
    await ledger.fake.close();
    ledger.dir.remove();
    rmSync(ws.dataDir, { recursive: true, force: true });
  });

  it('backs up: one verified file, audited, that only an administrator with step-up may take', async () => {
    backupFile = ledger.out('central.tcb');
    const viewer = await addOperator(ledger.flow.tw, 'backup-viewer', 'viewer');
    await expect(
      ws.call({
        name: 'central.backup',
        payload: { out: backupFile },
        session: viewer,
        workstationId: ws.id,
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(existsSync(backupFile)).toBe(false);

    await ws.call({
      name: 'session.stepUp',
      payload: { password: ADMIN_PASSWORD },
      session: token,
      workstationId: ws.id,
    });
    atBackup = await balances(ws, token);
    const r = await ws.call<{
      file: string;
      bytes: number;
      sha256: string;
      auditIntact: boolean;
      summary: LedgerSummary;
    }>({
      name: 'central.backup',
      payload: { out: backupFile },
      session: token,
      workstationId: ws.id,
    });
    expect(r.file).toBe(backupFile);
    expect(r.auditIntact).toBe(true);
    expect(r.bytes).toBe(readFileSync(backupFile).length);
    expect(readFileSync(backupFile).subarray(0, 26).toString()).toBe('TREASURY-CENTRAL-BACKUP 1\n');
    // The summary was measured on the copy: the ledger's rows and money as they were (the backup's
    // own start entry aside).
    const expected = {
      ...atBackup.summary,
      audit: r.summary.audit,
      tables: { ...atBackup.summary.tables, audit_log: r.summary.tables.audit_log! },
    };
    expect(compareSummaries(expected, r.summary).join('\n')).toBe('');
    expect(BigInt(r.summary.tables.audit_log!)).toBe(
      BigInt(atBackup.summary.tables.audit_log!) + 1n,
    ); // + the backup's own start entry
    expect(Number(r.summary.tables.payouts)).toBeGreaterThan(5);
    const [done] = await rows<{ entity_id: string }>(
      ws.central.db,
      sql`SELECT entity_id FROM audit_log WHERE action = 'central.backup.completed' ORDER BY seq DESC LIMIT 1`,
    );
    expect(done!.entity_id).toBe(r.sha256);
    expect(r.sha256).toBe(createHash('sha256').update(readFileSync(backupFile)).digest('hex')); // what sha256sum shows
    backupSha = r.sha256;
    // Never over an existing file without overwrite, and no partial file left behind.
    await expect(
      ws.call({
        name: 'central.backup',
        payload: { out: backupFile },
        session: token,
        workstationId: ws.id,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(readdirSync(path.dirname(backupFile)).filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('refuses damaged, truncated and foreign files with the reason, and a restore over a live store', async () => {
    const bytes = readFileSync(backupFile);
    const truncated = ledger.out('truncated.tcb');
    writeFileSync(truncated, bytes.subarray(0, bytes.length - 1000));
    const flipped = ledger.out('flipped.tcb');
    const copy = Buffer.from(bytes);
    copy[copy.length - 5000] = copy[copy.length - 5000]! ^ 0xff;
    writeFileSync(flipped, copy);
    const foreign = ledger.out('foreign.tcb');
    writeFileSync(foreign, 'id,name\n1,x\n');
    const dataDir = ws.dataDir;
    const restore = (from: string) =>
      restoreCentral({ dataDir, from, workstationId: ws.id, replace: true });
    await expect(restore(truncated)).rejects.toThrow(
      /truncated or padded: the manifest announces \d+ bytes of data, the file holds \d+/,
    );
    await expect(restore(flipped)).rejects.toThrow(/data is damaged: SHA-256/);
    await expect(restore(foreign)).rejects.toThrow(/not a Treasury Console central backup/);
    await expect(restore(ledger.out('missing.tcb'))).rejects.toThrow(/does not exist/);
    // The store is open in this process's workstation: the lock says so.
    await expect(restore(backupFile)).rejects.toMatchObject({ code: 'STORE_BUSY' });
  });

  it('back up, change, destroy, restore: audit verify passes, balances equal the backup, the cache fills itself again', async () => {
    await changeAfterBackup(ledger, ws, token);
    const changed = await balances(ws, token);
    expect(changed.summary.tables.conversions).not.toBe(atBackup.summary.tables.conversions); // the cache now holds rows the backup lacks

    const { dataDir, id, credentials } = ws;
    await ws.close();
    rmSync(path.join(dataDir, 'central'), { recursive: true, force: true }); // destroyed

    await expect(
      restoreCentral({ dataDir, from: backupFile, workstationId: id }),
    ).resolves.toMatchObject({ keptAside: null });
    // A second restore over it needs --replace, and keeps the store it replaces.
    await expect(
      restoreCentral({ dataDir, from: backupFile, workstationId: id }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const again = await restoreCentral({
      dataDir,
      from: backupFile,
      workstationId: id,
      replace: true,
    });
    expect(again.keptAside).toMatch(/central\.before-restore-/);
    expect(existsSync(path.join(again.keptAside!, 'PG_VERSION'))).toBe(true);
    expect(again.sha256).toBe(backupSha); // the file's, as the backup printed it
    expect(again.auditProblems).toBe(0);

    // Stopped between the restore's two renames: the old store aside, the proven one not yet in
    // place. The next open finishes the swap instead of creating an empty store.
    renameSync(path.join(dataDir, 'central'), path.join(dataDir, 'central.restore-ready'));
    ws = await openWorkstation({ dataDir, credentials });
    expect(existsSync(path.join(dataDir, 'central.restore-ready'))).toBe(false);
    token = await signIn(ws);
    const verify = await ws.call<{ intact: boolean; entries: number }>({
      name: 'audit.verify',
      payload: {},
      session: token,
      workstationId: ws.id,
    });
    expect(verify.intact).toBe(true);
    const restoredEntries = await rows<{
      action: string;
      entity_id: string;
      after: { osUser: string };
    }>(
      ws.central.db,
      sql`SELECT action, entity_id, after FROM audit_log WHERE action = 'central.restored' ORDER BY seq`,
    );
    expect(restoredEntries.length).toBe(1); // the first restore's store was replaced by the second: one restore in this chain
    expect(restoredEntries[0]!.entity_id).toBe(backupSha);
    const now = await balances(ws, token);
    expect(now.trialBalance).toEqual(atBackup.trialBalance);
    expect(now.payables).toEqual(atBackup.payables);
    expect(now.summary.money).toEqual(atBackup.summary.money);
    expect({ ...now.summary.tables, audit_log: '', operators: '' }).toEqual({
      ...atBackup.summary.tables,
      audit_log: '',
      operators: '',
    });

    const pulled = await ws.call<{ pulled: { mode: string; refilled?: string } }>({
      name: 'sync.run',
      payload: {},
      session: token,
      workstationId: ws.id,
    });
    expect(pulled.pulled.refilled).toMatch(/restored from a backup or replaced/);
    expect(pulled.pulled.mode).toBe('initial');
    await cacheMatchesCentral(ws);
    const [conv] = await rows<{ n: string }>(
      ws.central.db,
      sql`SELECT count(*)::text AS n FROM conversions WHERE id = 'after-backup-1'`,
    );
    expect(conv!.n).toBe('0');
    expect(
      (await ws.cache()).sqlite
        .prepare(`SELECT count(*) AS n FROM commissions WHERE conversion_id = 'after-backup-1'`)
        .get(),
    ).toEqual({ n: 0n });
  }, 300_000);

  it('a backup of a store whose audit chain was already broken restores, and says the chain is not intact', async () => {
    // Tampered by someone with the database's owner rights (the append-only trigger switched off).
    await ws.central.db.execute(sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await ws.central.db.execute(sql`UPDATE audit_log SET action = 'nothing.to.see' WHERE seq = 4`);
    await ws.central.db.execute(sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`);
    const broken = ledger.out('broken-chain.tcb');
    const r = await ws.call<{ auditIntact: boolean }>({
      name: 'central.backup',
      payload: { out: broken },
      session: token,
      workstationId: ws.id,
    });
    expect(r.auditIntact).toBe(false);
    const { dataDir, id, credentials } = ws;
    await ws.close();
    const restored = await restoreCentral({
      dataDir,
      from: broken,
      workstationId: id,
      replace: true,
    });
    expect(restored.auditProblems).toBeGreaterThan(0);
    ws = await openWorkstation({ dataDir, credentials });
    token = await signIn(ws);
    const verify = await ws.call<{ intact: boolean; problems: unknown[] }>({
      name: 'audit.verify',
      payload: {},
      session: token,
      workstationId: ws.id,
    });
    expect(verify.intact).toBe(false);
    expect(verify.problems.length).toBe(restored.auditProblems);
  }, 300_000);
});

describe.skipIf(!pgAvailable)(
  'restore drill: PostgreSQL server (pg_dump / pg_restore into a new database)',
  () => {
    let ledger: Ledger;
    let ws: Workstation;
    let token: string;
    const restoredDb = `treasury_restored_${randomBytes(4).toString('hex')}`;
    const psql = (command: string) =>
      execFileSync('psql', [PG_URL, '-v', 'ON_ERROR_STOP=1', '-qtAc', command], {
        encoding: 'utf8',
      });

    beforeAll(async () => {
      ({ ledger, ws, token } = await syncedLedger('postgres'));
    }, 300_000);

    afterAll(async () => {
      await ws.close().catch(() => {});
      psql(`DROP DATABASE IF EXISTS ${restoredDb} WITH (FORCE)`);
      await ledger.close().catch(() => {});
    });

    it('the documented commands restore a server: audit verify passes, balances equal, caches fill again', async () => {
      const url = ws.central.location; // trust authentication: no password in it
      const dump = ledger.out('treasury.dump');
      const atBackup = await balances(ws, token);
      // docs/operations.md, "Central PostgreSQL":
      execFileSync('pg_dump', ['--format=custom', '--file', dump, url]);
      await changeAfterBackup(ledger, ws, token);
      psql(`CREATE DATABASE ${restoredDb}`);
      const restoredUrl = Object.assign(new URL(url), { pathname: `/${restoredDb}` }).toString();
      execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restoredUrl, dump]);

      const { dataDir, credentials } = ws;
      await ws.close();
      ws = await openWorkstation({ dataDir, centralUrl: restoredUrl, credentials });
      token = await signIn(ws);
      expect(
        (
          await ws.call<{ intact: boolean }>({
            name: 'audit.verify',
            payload: {},
            session: token,
            workstationId: ws.id,
          })
        ).intact,
      ).toBe(true);
      const now = await balances(ws, token);
      expect(now.trialBalance).toEqual(atBackup.trialBalance);
      expect(now.payables).toEqual(atBackup.payables);
      expect(now.summary.money).toEqual(atBackup.summary.money);
      // Same workstation, same cache, a new database: the cache notices and fills itself again.
      const pulled = await ws.call<{ pulled: { refilled?: string } }>({
        name: 'sync.run',
        payload: {},
        session: token,
        workstationId: ws.id,
      });
      expect(pulled.pulled.refilled).toMatch(/restored from a backup or replaced/);
      await cacheMatchesCentral(ws);
    }, 300_000);
  },
);
