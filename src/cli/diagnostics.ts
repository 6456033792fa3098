/**
 * CLI: `treasury diagnostics --out FILE` — the diagnostics bundle for support
 * (docs/diagnostics.md). It must work exactly when the rest does not: nothing here opens the
 * workstation up front; the bundle (core/diagnostics/bundle.ts) asks for it only for the
 * connectivity and central sections, and records why when it cannot have it.
 */
import type { Command } from 'commander';
import { TreasuryError } from '../core/shared/errors.js';
import type { Workstation } from '../core/host/workstation/workstation.js';
import { print, wholeNumber, type Run, out } from './output.js';

export interface DiagnosticsHost {
  readonly json: boolean;
  readonly options: { offline?: boolean };
  dataDir(): string;
  centralUrl(): string | undefined;
  workstation(): Promise<Pick<Workstation, 'id' | 'call' | 'connectivity'>>;
  /**
   * The signed-in session (the stored one, or one opened for this command with the environment
   * store).
   */
  session(): Promise<string | null>;
}

export function registerDiagnosticsCommand(program: Command, run: Run<DiagnosticsHost>): void {
  program
    .command('diagnostics')
    .description(
      'write a diagnostics bundle for support: versions, settings without secrets, connectivity, sync state, recent log lines (docs/diagnostics.md)',
    )
    .requiredOption('--out <file>', 'the bundle to write (JSON)')
    .option('--overwrite', 'replace the file if it exists')
    .option('--log-lines <n>', 'lines from the end of each log file', wholeNumber('log-lines'), 200)
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { out: string; overwrite?: boolean; logLines: number };
        const { collectDiagnostics, MAX_LOG_LINES, writeDiagnostics } =
          await import('../core/host/diagnostics/bundle.js');
        const { checkTarget } = await import('../core/platform/files/whole-file.js');
        if (o.logLines > MAX_LOG_LINES)
          throw new TreasuryError(
            'VALIDATION',
            `--log-lines must be at most ${MAX_LOG_LINES}, got ${o.logLines}`,
            [{ field: 'log-lines', message: `more than ${MAX_LOG_LINES}` }],
          );
        checkTarget(o.out, Boolean(o.overwrite)); // refused before anything is collected
        const dataDir = cli.dataDir();
        const bundle = await collectDiagnostics({
          dataDir,
          centralUrl: cli.centralUrl(),
          offline: Boolean(cli.options.offline),
          logLines: o.logLines,
          workstation: async () => ({ ws: await cli.workstation(), session: () => cli.session() }),
        });
        const written = await writeDiagnostics(bundle, {
          out: o.out,
          overwrite: o.overwrite,
          dataDir,
        });
        print(cli, written, () => {
          out(
            `Diagnostics bundle written: ${written.file} (${written.bytes} bytes, SHA-256 ${written.sha256})`,
          );
          const errors = Object.entries(written.errors);
          if (errors.length === 0) out('Every section was collected.');
          else {
            out('Recorded in the bundle instead of data (the rest was collected):');
            for (const [at, code] of errors) out(`  ${at}: ${code}`);
          }
          out(
            'It holds no secrets (no keys, tokens, passwords or credentials; no file contents but log lines). Send it to support.',
          );
        });
      }),
    );
}
