/** CLI: operators — adding them, their roles and status, their IP ranges, sign-in sessions. */
import type { Command } from 'commander';
import type { CliHost } from './host.js';
import { print, printTable, type Run, out } from './output.js';
import { readSecret } from './prompt.js';

export function registerOperatorCommands(program: Command, run: Run<CliHost>): void {
  const operators = program
    .command('operators')
    .description(
      'operators: add, list, roles, enable or disable (with a reason), unlock, IP allowlists',
    );
  operators
    .command('add')
    .description('add an operator (password from TREASURY_NEW_PASSWORD or a prompt)')
    .requiredOption('--username <name>', 'login name')
    .requiredOption(
      '--role <role>',
      'viewer | operator | processor | manager | admin | super_admin',
    )
    .option('--display-name <name>', 'display name')
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { username: string; role: string; displayName?: string };
        const password =
          process.env.TREASURY_NEW_PASSWORD ?? (await readSecret(`Password for ${o.username}: `));
        const r = await cli.call<{ username: string; role: string }>('operators.create', {
          username: o.username,
          role: o.role,
          displayName: o.displayName,
          password,
        });
        print(cli, r, () => out(`Operator ${r.username} (${r.role}) added.`));
      }),
    );
  operators
    .command('list')
    .description('every operator with role, status and lockout')
    .action(
      run(async (cli) => {
        const r = await cli.call<Record<string, unknown>[]>('operators.list', {});
        print(cli, r, () =>
          printTable(r, [
            'username',
            'displayName',
            'role',
            'status',
            'failedAttempts',
            'lockedUntil',
          ]),
        );
      }),
    );
  operators
    .command('role')
    .description(
      "change an operator's role (never above your own; not your own downwards; not the last super_admin)",
    )
    .argument('<username>', 'the operator')
    .argument('<role>', 'viewer | operator | processor | manager | admin | super_admin')
    .action(
      run(async (cli, username: unknown, role: unknown) => {
        const r = await cli.call<{ username: string; role: string; changed: boolean }>(
          'operators.setRole',
          { username, role },
        );
        print(cli, r, () =>
          out(
            r.changed ? `${r.username} is now ${r.role}.` : `${r.username} already is ${r.role}.`,
          ),
        );
      }),
    );
  const ip = operators
    .command('ip')
    .description('IP allowlists (CIDR, IPv4 or IPv6) per role or per operator');
  ip.command('list')
    .description('every allowlist entry')
    .action(
      run(async (cli) => {
        const r = await cli.call<Record<string, unknown>[]>('ip.list', {});
        print(cli, r, () => printTable(r, ['id', 'role', 'username', 'cidr', 'note']));
      }),
    );
  ip.command('allow')
    .description(
      'allow a range for a role (--role) or an operator (--username); anyone with a range must work from inside one',
    )
    .argument('<cidr>', 'e.g. 10.20.0.0/16 or 2001:db8::/48')
    .option('--role <role>', 'the role')
    .option('--username <name>', 'the operator')
    .option('--note <text>', 'what the range is (office, VPN…)')
    .action(
      run(async (cli, cidr: unknown, opts: unknown) => {
        const o = opts as { role?: string; username?: string; note?: string };
        const r = await cli.call<{ id: string; cidr: string }>('ip.allow', {
          cidr,
          role: o.role,
          username: o.username,
          note: o.note,
        });
        print(cli, r, () => out(`Allowed ${r.cidr} (entry ${r.id}).`));
      }),
    );
  ip.command('remove')
    .description('remove an allowlist entry')
    .argument('<id>', 'the entry id (see `operators ip list`)')
    .action(
      run(async (cli, id: unknown) => {
        const r = await cli.call('ip.remove', { id });
        print(cli, r, () => out(`Removed ${String(id)}.`));
      }),
    );
  operators
    .command('unlock')
    .description(
      'unlock an operator locked out by wrong passwords (clears the failed attempts; not yourself)',
    )
    .argument('<username>', 'the operator')
    .requiredOption('--reason <text>', 'why (kept in the audit trail)')
    .action(
      run(async (cli, username: unknown, opts: unknown) => {
        const r = await cli.call<{
          username: string;
          changed: boolean;
          lockedUntil: string | null;
        }>('operators.unlock', { username, reason: (opts as { reason: string }).reason });
        print(cli, r, () =>
          out(
            r.changed
              ? `${r.username} is unlocked${r.lockedUntil ? ` (was locked until ${r.lockedUntil})` : ''}.`
              : `${r.username} is not locked.`,
          ),
        );
      }),
    );
  for (const [name, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    operators
      .command(name)
      .description(
        name === 'disable'
          ? 'disable an operator (their sessions end now)'
          : 'enable an operator again (clears a lockout)',
      )
      .argument('<username>', 'the operator')
      .requiredOption('--reason <text>', 'why (kept in the audit trail)')
      .action(
        run(async (cli, username: unknown, opts: unknown) => {
          const r = await cli.call<{
            username: string;
            status: string;
            changed: boolean;
            sessionsEnded: number;
          }>('operators.setStatus', {
            username,
            status,
            reason: (opts as { reason: string }).reason,
          });
          print(cli, r, () =>
            out(
              r.changed
                ? `${r.username} is ${r.status}${r.sessionsEnded ? ` (${r.sessionsEnded} session(s) ended)` : ''}.`
                : `${r.username} already is ${r.status}.`,
            ),
          );
        }),
      );
  }
}
