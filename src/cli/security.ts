/** CLI: suspicious-activity events and their acknowledgement. */
import type { Command } from 'commander';
import type { CliHost } from './host.js';
import { print, printTable, wholeNumber, type Run, out } from './output.js';

/** Security events raised by the suspicious-activity rules, and their acknowledgement. */
export function registerSecurityCommands(program: Command, run: Run<CliHost>): void {
  const security = program
    .command('security')
    .description(
      'suspicious-activity events; high-risk ones hold an action until a second admin acknowledges',
    );
  security
    .command('events')
    .description('recent security events, newest first')
    .option('--open', 'only those not acknowledged')
    .option('--risk <level>', 'low | medium | high')
    .option('--limit <n>', 'how many (default 50)', wholeNumber('limit'), 50)
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { open?: boolean; risk?: string; limit: number };
        const r = await cli.call<Record<string, unknown>[]>('security.events', {
          open: o.open,
          risk: o.risk,
          limit: o.limit,
        });
        print(cli, r, () =>
          printTable(
            r.map((e) => ({
              ...e,
              acknowledged: e.acknowledgedBy ? `by ${String(e.acknowledgedBy)}` : '',
            })),
            ['id', 'at', 'risk', 'kind', 'operator', 'message', 'acknowledged'],
          ),
        );
      }),
    );
  security
    .command('ack')
    .description(
      'acknowledge an event (a second administrator: not the operator who raised it); a held action may then be retried',
    )
    .argument('<id>', 'the event id')
    .requiredOption('--note <text>', 'why it is fine (kept in the audit trail)')
    .action(
      run(async (cli, id: unknown, opts: unknown) => {
        const r = await cli.call<{ id: string; kind: string }>('security.acknowledge', {
          id,
          note: (opts as { note: string }).note,
        });
        print(cli, r, () => out(`Security event ${r.id} (${r.kind}) acknowledged.`));
      }),
    );
}
