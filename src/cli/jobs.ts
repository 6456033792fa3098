/**
 * CLI: `jobs list` / `jobs cancel ID`. Jobs live on a workstation that stays open (the console):
 * through it (attached, see workstation.ts), the CLI lists and cancels the signed-in operator's
 * jobs there. A standalone command's own workstation has none.
 */
import type { Command } from 'commander';
import type { JobView } from '../core/platform/kernel/jobs.js';
import type { CliHost } from './host.js';
import { print, printTable, type Run, out } from './output.js';

const count = (n: number) => n.toLocaleString('en-US');
const progress = (j: JobView) =>
  j.done === null ? '' : j.total ? `${count(j.done)} of ${count(j.total)}` : count(j.done);

export function registerJobCommands(program: Command, run: Run<CliHost>): void {
  const jobs = program
    .command('jobs')
    .description(
      "the signed-in operator's jobs on the console this data dir is open in: long calls running beside their work",
    );
  jobs
    .command('list')
    .description('running jobs first, then the newest finished: phase, progress, result or error')
    .action(
      run(async (cli) => {
        const r = await cli.call<JobView[]>('jobs.list', {});
        print(cli, r, () => {
          if (!r.length) return out('No jobs.');
          printTable(
            r.map((j) => ({
              id: j.id,
              call: j.name,
              state: j.state,
              phase: j.phase ?? '',
              progress: progress(j),
              started: j.startedAt,
              error: j.error?.message ?? '',
            })),
            ['id', 'call', 'state', 'phase', 'progress', 'started', 'error'],
          );
        });
      }),
    );
  jobs
    .command('cancel')
    .description(
      'stop a running job at its next progress report; nothing it did is kept (audited as cancelled)',
    )
    .argument('<id>', 'the job id (jobs list)')
    .action(
      run(async (cli, id: unknown) => {
        const r = await cli.call<JobView>('jobs.cancel', { id: String(id) });
        print(cli, r, () =>
          out(`Cancelling ${r.name} (job ${String(id)}): it stops at its next progress report.`),
        );
      }),
    );
}
