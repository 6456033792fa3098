/** CLI: the workstation's sync with the central store — status, pull and push, the outbox. */
import type { Command } from 'commander';
import type { CliHost } from './host.js';
import { print, printTable, type Run, out } from './output.js';

/** Sync with the central store, and the local outbox. */
export function registerSyncCommands(program: Command, run: Run<CliHost>): void {
  const sync = program
    .command('sync')
    .description('push the outbox, then pull changes into the local cache')
    .option('--pull-only', 'only pull')
    .option('--push-only', 'only push')
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { pullOnly?: boolean; pushOnly?: boolean };
        const r = await cli.call<{
          online: boolean;
          reason: string | null;
          pushed: { applied: number; rejected: unknown[]; stoppedBecause: string | null } | null;
          pulled: { mode: string; rows: number; changes: number } | null;
          auditTail?: { added: number; kept: number } | null;
        }>('sync.run', { pullOnly: o.pullOnly, pushOnly: o.pushOnly });
        print(cli, r, () => {
          if (!r.online)
            return out(
              `Offline (${r.reason ?? 'the central store cannot be reached'}). Nothing was pushed or pulled; preparation continues on the local cache.`,
            );
          if (r.pushed)
            out(
              `pushed: ${r.pushed.applied} applied, ${r.pushed.rejected.length} rejected${r.pushed.stoppedBecause ? ` (stopped: ${r.pushed.stoppedBecause})` : ''}`,
            );
          if (r.pulled)
            out(`pulled (${r.pulled.mode}): ${r.pulled.rows} rows, ${r.pulled.changes} changes`);
          if (r.auditTail)
            out(`audit tail: ${r.auditTail.added} new entries, ${r.auditTail.kept} kept`);
        });
      }),
    );
  sync
    .command('status')
    .description('online/offline, last successful sync, commands pending, conflicts')
    .action(
      run(async (cli) => {
        const r = await cli.call<{
          connectivity: { online: boolean; reason: string | null; central: string };
          lastPullAt: string | null;
          pending: number;
          rejected: number;
          tables: Record<string, number>;
        }>('sync.status', {});
        print(cli, r, () =>
          out(
            [
              `central: ${r.connectivity.central} — ${r.connectivity.online ? 'online' : `OFFLINE (${r.connectivity.reason ?? 'unreachable'})`}`,
              `last successful sync: ${r.lastPullAt ?? 'never'}`,
              `commands pending: ${r.pending}`,
              `conflicts (rejected, to review): ${r.rejected}`,
              `cached rows: ${Object.entries(r.tables)
                .map(([t, n]) => `${t} ${n}`)
                .join(', ')}`,
            ].join('\n'),
          ),
        );
      }),
    );
  const outbox = program
    .command('outbox')
    .description('commands written locally, waiting to be pushed (or rejected, kept for review)');
  outbox
    .command('list')
    .description('every local command with its status and, when rejected, why')
    .action(
      run(async (cli) => {
        const r = await cli.call<Record<string, unknown>[]>('outbox.list', {});
        print(cli, r, () =>
          printTable(
            r.map((e) => ({ ...e, rejection: e.rejection ? JSON.stringify(e.rejection) : '' })),
            ['seq', 'commandId', 'name', 'operator', 'status', 'rejection'],
          ),
        );
      }),
    );
  outbox
    .command('discard')
    .description('give up a pending or rejected command (a pending one is undone in the cache)')
    .argument('<id>', 'command id or sequence number')
    .action(
      run(async (cli, id: unknown) => {
        const r = await cli.call('outbox.discard', { entry: String(id) });
        print(cli, r, () => out(`Discarded ${String(id)}.`));
      }),
    );
  outbox
    .command('reprepare')
    .description(
      'prepare a refused batch creation again from the data as last synced: a new batch, a new pending command',
    )
    .argument('<id>', 'command id or sequence number of the refused batch.create')
    .action(
      run(async (cli, id: unknown) => {
        const r = await cli.call<{ number: string; payouts: number; commandId: string }>(
          'outbox.reprepare',
          { entry: String(id) },
        );
        print(cli, r, () =>
          out(
            `Prepared again as batch ${r.number} (${r.payouts} payouts), pending as command ${r.commandId}; it is pushed at the next sync.`,
          ),
        );
      }),
    );
}
