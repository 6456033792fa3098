/** CLI: the exception queue — every payout that needs a person — and its own actions. */
import type { Command } from 'commander';
import type { ExceptionsPage } from '../core/domain/exceptions/queue.js';
import { formatAmount } from '../core/shared/money/index.js';
import type { CurrencyCode } from '../core/shared/money/index.js';
import type { CliHost } from './host.js';
import { out, print, printTable, wholeNumber, type Run } from './output.js';

/** Minutes as the largest whole unit an operator reads at a glance. */
function age(minutes: number): string {
  if (minutes < 120) return `${minutes} min`;
  if (minutes < 2880) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}

export function registerExceptionCommands(program: Command, run: Run<CliHost>): void {
  const exceptions = program
    .command('exceptions')
    .description(
      'payouts that need a person: failed for good, stuck, held at the provider, reversed, cancelled by the provider — oldest first, with what fits to do',
    )
    .option(
      '--kind <kind>',
      'failed | cancelled_by_provider | reversed | unknown_stuck | waiting_stuck | held | unknown_state',
    )
    .option('--limit <n>', 'rows per page (default 100)', wholeNumber('limit'))
    .option(
      '--offset <n>',
      'skip this many rows (the next page: the offset printed under the table)',
      wholeNumber('offset'),
    )
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { kind?: string; limit?: number; offset?: number };
        const r = await cli.call<ExceptionsPage>('exceptions.list', {
          kind: o.kind,
          limit: o.limit,
          offset: o.offset,
        });
        print(cli, r, () => {
          const shown = r.rows.map((x) => ({
            age: age(x.ageMinutes),
            kind: x.kind,
            payout: x.payoutId,
            affiliate: `${x.affiliateId} ${x.affiliateName}`,
            batch: x.batchNumber,
            amount: `${formatAmount(BigInt(x.amountMinor), x.currency as CurrencyCode)} ${x.currency}`,
            provider: x.provider,
            attempts: x.attempts.length,
            message: x.message,
            actions: x.actions.join(' '),
          }));
          printTable(shown, [
            'age',
            'kind',
            'payout',
            'affiliate',
            'batch',
            'amount',
            'provider',
            'attempts',
            'message',
            'actions',
          ]);
          const from = o.offset ?? 0;
          const to = from + r.rows.length;
          const kinds = Object.entries(r.byKind)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ');
          out(
            `exceptions ${r.rows.length === 0 ? 0 : from + 1}–${to} of ${r.total}${to < r.total ? ` (the next: --offset ${to})` : ''}${kinds ? `; by kind: ${kinds}` : ''}`,
          );
        });
      }),
    );
  exceptions
    .command('acknowledge')
    .description(
      'take a reversed payout, or one held at the provider, out of the queue without changing it (audited with your note)',
    )
    .argument('<payout-id>')
    .requiredOption('--note <text>', 'what was done about it')
    .action(
      run(async (cli, id: unknown, opts: unknown) => {
        const r = await cli.call('exception.acknowledge', {
          payoutId: String(id),
          note: (opts as { note: string }).note,
        });
        print(cli, r, () =>
          out(`Payout ${String(id)} acknowledged: it has left the exception queue.`),
        );
      }),
    );

  const payout =
    program.commands.find((c) => c.name() === 'payout') ??
    program.command('payout').description('single payouts');
  payout
    .command('cancel-at-provider')
    .description(
      'ask the provider to cancel a payout waiting there (stuck or held); what the provider answers is recorded',
    )
    .argument('<payout-id>')
    .requiredOption('--reason <text>', 'why')
    .action(
      run(async (cli, id: unknown, opts: unknown) => {
        const r = await cli.call<{ status: string; providerStatus: string }>(
          'payout.cancelAtProvider',
          { payoutId: String(id), reason: (opts as { reason: string }).reason },
        );
        print(cli, r, () =>
          out(`The provider says ${r.providerStatus}; the payout is ${r.status}.`),
        );
      }),
    );
}
