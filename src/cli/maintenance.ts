/**
 * CLI: keeping a workstation and the embedded central store healthy — backup and restore, the local
 * cache's rebuild and key rotation (docs/operations.md).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { BackupResult } from '../core/domain/backup/backup.js';
import type { CallResult } from '../core/host/bridge/contract.js';
import { TreasuryError } from '../core/shared/errors.js';
import { print, type Run, out } from './output.js';
import type { CliHost } from './host.js';

export interface MaintenanceHost extends CliHost {
  /** The data dir the global options name (without opening anything). */
  dataDir(): string;
  /** The central Postgres URL the global options name, if any. */
  centralUrl(): string | undefined;
}

/** A JSON file, read with the reason it cannot be (file and position). */
function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TreasuryError(
      'VALIDATION',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      [{ file, message: 'cannot be read' }],
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TreasuryError(
      'VALIDATION',
      `${file} is not valid JSON: ${(error as Error).message}`,
      [{ file, message: (error as Error).message }],
    );
  }
}

export function registerMaintenanceCommands(program: Command, run: Run<MaintenanceHost>): void {
  const settings = program
    .command('settings')
    .description(
      'settings kept in the central store: approval thresholds, provider configuration (not secrets)',
    );
  settings
    .command('show')
    .description(
      'the thresholds (defaults and configured) and the providers setting, with who changed them last',
    )
    .action(
      run(async (cli) => {
        const r = await cli.call<unknown>('settings.show', {});
        print(cli, r, () => out(JSON.stringify(r, null, 2)));
      }),
    );
  settings
    .command('set')
    .description(
      'replace a setting with the JSON in FILE (checked against its schema; audited with before and after)',
    )
    .argument('<key>', 'thresholds | providers | fileVault | exceptions')
    .argument('<file>', 'a JSON file with the new value')
    .action(
      run(async (cli, key: unknown, file: unknown) => {
        const r = await cli.call<unknown>('settings.set', {
          key: String(key),
          value: readJson(String(file)),
        });
        print(cli, r, () => out(`Setting ${String(key)} replaced.`));
      }),
    );

  program
    .command('backup')
    .description(
      'back up the embedded central store to one verified file (a PostgreSQL server: use pg_dump, see docs/operations.md)',
    )
    .requiredOption('--out <file>', 'the backup file to write')
    .option('--overwrite', 'replace the file if it exists')
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { out: string; overwrite?: boolean };
        const r = await cli.call<BackupResult>('central.backup', {
          // Absolute: the call may run in a console host with another working directory.
          out: path.resolve(o.out),
          overwrite: o.overwrite,
        });
        print(cli, r, () => {
          out(`Backup written: ${r.file} (${r.bytes} bytes, ${r.ms} ms)`);
          out(`SHA-256: ${r.sha256}`);
          out(
            `Verified on a copy: audit chain ${r.auditIntact ? 'intact' : 'NOT intact'} up to #${r.summary.audit.seq}; ${r.summary.tables.commissions ?? 0} commissions, ${r.summary.tables.payouts ?? 0} payouts.`,
          );
        });
      }),
    );

  program
    .command('restore')
    .description(
      'restore the embedded central store from a `treasury backup` file (checked whole before anything is replaced)',
    )
    .requiredOption('--from <file>', 'the backup file')
    .option(
      '--replace',
      'replace the existing embedded store (it is kept aside as central.before-restore-<time>)',
    )
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { from: string; replace?: boolean };
        if (cli.centralUrl()) {
          throw new TreasuryError(
            'VALIDATION',
            'restore puts back the embedded central store; a PostgreSQL server is restored with pg_restore (docs/operations.md, "Central PostgreSQL")',
          );
        }
        const dataDir = cli.dataDir();
        const { restoreCentral } = await import('../core/domain/backup/restore.js');
        const { workstationId } = await import('../core/host/workstation/workstation.js');
        const r = await restoreCentral({
          dataDir,
          from: o.from,
          replace: o.replace,
          workstationId: workstationId(dataDir),
        });
        print(cli, r, () => {
          out(
            `Restored ${path.basename(r.restoredFrom)} (taken ${r.backupCreatedAt}) into ${path.join(dataDir, 'central')}.`,
          );
          out(`SHA-256 of the backup file: ${r.sha256}.`);
          if (r.auditProblems === 0)
            out(
              `Checked: rows and totals as recorded in the backup; audit chain intact (${r.auditEntries} entries, the restore itself included).`,
            );
          else {
            out(
              `Checked: rows and totals as recorded in the backup. The audit chain is NOT intact: ${r.auditProblems} problem(s), already recorded when the backup was taken (${r.auditEntries} entries). Run \`treasury audit verify\` to see them.`,
            );
          }
          if (r.keptAside) out(`The store it replaced is kept at ${r.keptAside}.`);
          out('Every workstation fills its cache again from the restored store at its next sync.');
        });
      }),
    );

  const cache = program.command('cache').description("this workstation's encrypted local cache");
  cache
    .command('check')
    .description(
      'read every page of the cache and check it (a damaged cache is reported with the way out)',
    )
    .action(
      run(async (cli) => {
        const r = await cli.call<CallResult<'cache.check'>>('cache.check', {});
        print(cli, r, () =>
          out(
            `The local cache ${r.file} is intact: ${r.pages} pages read and authenticated in ${r.ms} ms.`,
          ),
        );
      }),
    );
  cache
    .command('rekey')
    .description(
      'rotate the cache key: re-encrypt the cache under a new random key and update the OS keychain (crash-safe)',
    )
    .action(
      run(async (cli) => {
        const r = await cli.call<CallResult<'cache.rekey'>>('cache.rekey', {});
        print(cli, r, () =>
          out(
            `The local cache ${r.file} is now encrypted under a new key (${r.cipher}, ${r.pages} pages, ${r.ms} ms); the old key no longer opens it.`,
          ),
        );
      }),
    );
  cache
    .command('rebuild')
    .description(
      'move the cache aside (kept, with its key) and fill a new one from the central store: for a damaged cache or a lost key',
    )
    .option(
      '--discard-pending',
      'rebuild even if commands were not pushed yet (they stay in the file kept aside)',
    )
    .option('--reason <text>', 'why (recorded in the audit trail)')
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { discardPending?: boolean; reason?: string };
        const r = await cli.call<CallResult<'cache.rebuild'>>('cache.rebuild', {
          discardPending: o.discardPending,
          reason: o.reason,
        });
        print(cli, r, () => {
          if (r.movedAside.file)
            out(
              `The old cache is kept at ${r.movedAside.file}${r.movedAside.keyAccount ? ` (its key: credential ${r.movedAside.keyAccount})` : ''}.`,
            );
          if (r.movedAside.pendingKeyAccount)
            out(
              `A key rotation was interrupted: the old file may open with credential ${r.movedAside.pendingKeyAccount} instead.`,
            );
          out(
            `A new cache was filled from the central store: ${r.pulled.rows} rows in ${r.pulled.ms} ms.`,
          );
        });
      }),
    );
}
