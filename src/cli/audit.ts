/** CLI: the audit trail — its tail and the verification of its hash chain. */
import type { Command } from 'commander';
import type { CliHost } from './host.js';
import { print, printTable, wholeNumber, type Run, out } from './output.js';

/** The audit trail: its recent tail and the verification of its hash chain. */
export function registerAuditCommands(program: Command, run: Run<CliHost>): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');
  audit
    .command('tail')
    .description('the newest audit entries (offline: the tail last synced into the cache)')
    .option('--limit <n>', 'how many (default 20, at most 10,000)', wholeNumber('limit'), 20)
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { limit: number };
        const r = await cli.call<
          {
            seq: string;
            at: string;
            username: string | null;
            action: string;
            entityType: string;
            entityId: string | null;
            decision: string;
          }[]
        >('audit.tail', { limit: o.limit });
        print(cli, r, () =>
          printTable(
            r.map((e) => ({ ...e, operator: e.username ?? '' })),
            ['seq', 'at', 'operator', 'decision', 'action', 'entityType', 'entityId'],
          ),
        );
      }),
    );
  audit
    .command('verify')
    .description(
      'recompute the hash chain; exit code 1 and each problem when an entry was edited, deleted, inserted or reordered',
    )
    .action(
      run(async (cli) => {
        const r = await cli.call<{
          entries: number;
          intact: boolean;
          problems: { seq: string; problem: string; message: string }[];
        }>('audit.verify', {});
        print(cli, r, () => {
          if (r.intact)
            return out(`Audit trail intact: ${r.entries} entries, every link and hash verified.`);
          out(`Audit trail TAMPERED: ${r.problems.length} problem(s) in ${r.entries} entries:`);
          for (const p of r.problems) out(`  entry ${p.seq}: ${p.problem} — ${p.message}`);
        });
        if (!r.intact) process.exitCode = 1;
      }),
    );
}
