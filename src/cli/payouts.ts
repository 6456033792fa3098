/** CLI: payouts after execution — polling the providers, reconciliation, what the providers told us. */
import type { Command } from 'commander';
import { PROVIDER_NAMES } from '../core/shared/providers.js';
import { TreasuryError } from '../core/shared/errors.js';
import type { CliHost } from './host.js';
import { commaList, print, printTable, wholeNumber, type Run, out } from './output.js';

/** Status tracking, reconciliation and exports. */
export function registerTrackingCommands(
  program: Command,
  run: Run<CliHost>,
  relay: (cli: CliHost, host: string, port: number) => Promise<void>,
): void {
  const payouts =
    program.commands.find((c) => c.name() === 'payouts') ??
    program.command('payouts').description('payout status tracking');
  payouts
    .command('poll')
    .description('ask providers about payouts still with them (and, with --since, about reversals)')
    .option('--batch <batch>', 'only this batch')
    .option('--since <date>', 'also re-check payouts that succeeded since then (reversals)')
    .option('--payouts <ids>', 'only these payout ids (comma-separated): look now')
    .option(
      '--due-only',
      'only payouts whose next lookup is due by their back-off schedule (for scheduled runs)',
    )
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { batch?: string; since?: string; payouts?: string; dueOnly?: boolean };
        const r = await cli.call<Record<string, unknown>>('payouts.poll', {
          batch: o.batch,
          includeSucceededSince: o.since,
          payoutIds: commaList(o.payouts),
          dueOnly: o.dueOnly,
        });
        print(cli, r, () =>
          out(
            Object.entries(r)
              .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
              .join('\n'),
          ),
        );
      }),
    );

  const reconcile = program
    .command('reconcile')
    .description("match our payouts with the provider's records for a period")
    .option('--from <date>', 'start of the period (inclusive)')
    .option('--to <date>', 'end of the period (exclusive)')
    .option('--provider <name>', PROVIDER_NAMES.join(' | '), PROVIDER_NAMES[0])
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { from?: string; to?: string; provider: string };
        if (!o.from || !o.to)
          throw new TreasuryError(
            'VALIDATION',
            'reconcile needs --from and --to (dates or ISO instants)',
          );
        const r = await cli.call<{
          runId: string;
          status: string;
          counts: Record<string, number>;
          problem: string | null;
        }>('reconcile.run', { provider: o.provider, from: o.from, to: o.to });
        print(cli, r, () => {
          out(`run ${r.runId}: ${r.status}${r.problem ? ` (${r.problem})` : ''}`);
          out(
            Object.entries(r.counts)
              .map(([k, v]) => `  ${k}: ${v}`)
              .join('\n'),
          );
        });
      }),
    );
  reconcile
    .command('list')
    .description('reconciliation runs, newest first')
    .action(
      run(async (cli) => {
        const r = await cli.call<Record<string, unknown>[]>('reconcile.list', {});
        print(cli, r, () =>
          printTable(r, ['id', 'provider', 'status', 'periodFrom', 'periodTo', 'createdAt']),
        );
      }),
    );
  reconcile
    .command('results')
    .description("one run's results")
    .argument('<run-id>')
    .option(
      '--outcome <outcome>',
      'matched | amount_mismatch | status_mismatch | missing_at_provider | unknown_to_us',
    )
    .option('--limit <n>', 'results per page (default 100)', wholeNumber('limit'))
    .option(
      '--offset <n>',
      'skip this many results (the next page: the offset printed under the table)',
      wholeNumber('offset'),
    )
    .action(
      run(async (cli, runId: unknown, opts: unknown) => {
        const o = opts as { outcome?: string; limit?: number; offset?: number };
        const r = await cli.call<{ total: number; results: Record<string, unknown>[] }>(
          'reconcile.results',
          { runId: String(runId), outcome: o.outcome, limit: o.limit, offset: o.offset },
        );
        print(cli, r, () => {
          // Each break names what clears it (reconcile.ts ClearingAction).
          const shown = r.results.map((x) => ({
            ...x,
            action: (x.details as { action?: string } | undefined)?.action ?? '',
          }));
          printTable(shown, [
            'outcome',
            'payoutId',
            'providerPayoutId',
            'ourStatus',
            'providerStatus',
            'ourAmountMinor',
            'providerAmountMinor',
            'action',
          ]);
          // Never a silent first page: how many there are, and how to see the rest.
          const from = o.offset ?? 0;
          const to = from + r.results.length;
          out(
            `results ${r.results.length === 0 ? 0 : from + 1}–${to} of ${r.total}${to < r.total ? ` (the next: --offset ${to})` : ''}`,
          );
        });
      }),
    );

  program
    .command('webhook-relay')
    .description(
      'receive provider webhooks (Xendit x-callback-token, Rise signature) and store them in the central store',
    )
    .option('--port <n>', 'port to listen on', wholeNumber('port'), 8787)
    .option(
      '--host <addr>',
      'address to bind (put a TLS reverse proxy in front for the public URL)',
      '127.0.0.1',
    )
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { port: number; host: string };
        await cli.call('webhooks.relay.start', { host: o.host, port: o.port });
        await relay(cli, o.host, o.port);
      }),
    );
}

/** Provider events (webhooks and polls) as stored centrally, or as last synced when offline. */
export function registerEventCommands(program: Command, run: Run<CliHost>): void {
  program
    .command('events')
    .description('what the providers told us (webhooks, polls), newest first')
    .option('--payout <id>', 'only this payout')
    .option('--provider <name>', PROVIDER_NAMES.join(' | '))
    .option('--limit <n>', 'how many (default 50)', wholeNumber('limit'), 50)
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { payout?: string; provider?: string; limit: number };
        const r = await cli.call<Record<string, unknown>[]>('payout.events', {
          payout: o.payout,
          provider: o.provider,
          limit: o.limit,
        });
        print(cli, r, () =>
          printTable(r, [
            'id',
            'receivedAt',
            'provider',
            'type',
            'status',
            'payoutId',
            'providerPayoutId',
          ]),
        );
      }),
    );
}
