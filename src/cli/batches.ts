/**
 * CLI: payout batches, payouts and providers. Each subcommand is one router call (see README, CLI
 * reference).
 */
import type { Command } from 'commander';
import { TreasuryError } from '../core/shared/errors.js';
import { print, printTable, wholeNumber, type Run, out } from './output.js';
import { readSecret } from './prompt.js';

export interface CliHost {
  readonly json: boolean;
  call<O>(name: string, payload: unknown): Promise<O>;
}

const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
/** --fx USD/IDR=16250.5 (repeatable) → { "USD/IDR": "16250.5" } */
const fx = (v: string, acc: Record<string, string> = {}) => {
  const m = /^([A-Z]{3}\/[A-Z]{3})=(.+)$/.exec(v);
  if (!m) throw new TreasuryError('VALIDATION', `--fx must look like USD/IDR=16250.5, got "${v}"`);
  return { ...acc, [m[1]!]: m[2]! };
};

interface FilterOptions {
  affiliates?: string;
  provider?: string;
  currency?: string;
  cutoff?: string;
  fx?: Record<string, string>;
}
const filterPayload = (o: FilterOptions) => ({
  affiliateIds: list(o.affiliates),
  provider: o.provider,
  currency: o.currency,
  cutoff: o.cutoff,
  fxRates: o.fx,
});
const withFilters = (c: Command) =>
  c
    .option('--affiliates <ids>', 'only these affiliates (comma-separated)')
    .option('--provider <name>', 'xendit | rise | sandbox')
    .option('--currency <code>', 'only this payout currency')
    .option('--cutoff <date>', 'only conversions up to this instant or date')
    .option(
      '--fx <PAIR=RATE>',
      'FX rate for affiliates paid in another currency, e.g. USD/IDR=16250.5 (repeatable)',
      fx,
    );

interface TotalRow {
  currency: string;
  provider: string;
  payouts: number;
  amountMinor?: string;
  amount?: string;
}

export function registerBatchCommands(program: Command, run: Run<CliHost>): void {
  const batch = program
    .command('batch')
    .description('payout batches: preview, create, approve (maker-checker), execute');

  withFilters(
    batch
      .command('preview')
      .description('who would be paid, how much, and why others are excluded'),
  ).action(
    run(async (cli, opts: unknown) => {
      const p = await cli.call<{
        rows: Record<string, unknown>[];
        totals: TotalRow[];
        excluded: Record<string, number>;
        eligibleCount: number;
      }>('batch.preview', filterPayload(opts as FilterOptions));
      print(cli, p, () => {
        // A payout above its channel's maximum is sent in parts: how many, in the table.
        const shown = p.rows.map((r) => ({
          ...r,
          eligible: r.eligible ? 'yes' : 'no',
          parts: Array.isArray(r.parts) ? `${r.parts.length} parts` : '',
        }));
        printTable(shown, [
          'affiliateId',
          'provider',
          'currency',
          'amount',
          'parts',
          'commissionCount',
          'eligible',
          'reasons',
        ]);
        out(`\n${p.eligibleCount} eligible. Totals:`);
        printTable(p.totals, ['currency', 'provider', 'payouts', 'amount']);
        if (Object.keys(p.excluded).length)
          out(
            `Excluded: ${Object.entries(p.excluded)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')}`,
          );
      });
    }),
  );

  withFilters(
    batch.command('create').description('create batches (split at --max-payouts) from the preview'),
  )
    .option(
      '--max-payouts <n>',
      'largest batch; more eligible payouts are split into several batches',
      wholeNumber('max-payouts'),
    )
    .option('--note <text>', 'a note kept with the batch')
    .option('-q, --quiet', "print only the new batches' numbers, one per line (for scripts)")
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as FilterOptions & { maxPayouts?: number; note?: string; quiet?: boolean };
        const r = await cli.call<{
          batches: {
            number: string;
            payouts: number;
            requiredApprovals: number;
            contentHash: string;
            totals: TotalRow[];
          }[];
          excluded: unknown[];
        }>('batch.create', {
          ...filterPayload(o),
          maxPayouts: o.maxPayouts,
          note: o.note,
        });
        if (o.quiet && !cli.json) {
          for (const b of r.batches) out(b.number);
          return;
        }
        print(cli, r, () => {
          for (const b of r.batches)
            out(
              `${b.number}: ${b.payouts} payouts, needs ${b.requiredApprovals} approval(s), content ${b.contentHash}`,
            );
          out(
            `${r.excluded.length} affiliates excluded (see \`batch show <number>\` or --json for reasons).`,
          );
        });
      }),
    );

  const simple = (
    name: string,
    description: string,
    command: string,
    extra: (c: Command) => Command,
    payload: (ref: string, o: Record<string, unknown>) => unknown,
  ) => {
    extra(
      batch
        .command(name)
        .description(description)
        .argument('<batch>', 'batch number (B-YYYYMMDD-NNN) or id'),
    ).action(
      run(async (cli, ref: unknown, opts: unknown) => {
        const r = await cli.call<Record<string, unknown>>(
          command,
          payload(String(ref), opts as Record<string, unknown>),
        );
        print(cli, r, () =>
          out(
            r.held
              ? `HELD: ${String(r.reason)}`
              : Object.entries(r)
                  .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
                  .join('\n'),
          ),
        );
        // A security hold changed nothing: exit 1 so scripts stop here (see \`security events\`).
        if (r.held) process.exitCode = 1;
      }),
    );
  };
  simple(
    'submit',
    'submit a draft for approval',
    'batch.submit',
    (c) => c,
    (batch) => ({ batch }),
  );
  simple(
    'approve',
    'approve (not your own batch); --hash binds the approval to the content you reviewed',
    'batch.approve',
    (c) => c.option('--hash <sha256>', 'content hash from `batch show`'),
    (batch, o) => ({ batch, contentHash: o.hash }),
  );
  simple(
    'reject',
    'send a submitted batch back to draft',
    'batch.reject',
    (c) => c.requiredOption('--reason <text>', 'why'),
    (batch, o) => ({ batch, reason: o.reason }),
  );
  simple(
    'cancel',
    'cancel before execution (commissions become payable again)',
    'batch.cancel',
    (c) => c.requiredOption('--reason <text>', 'why'),
    (batch, o) => ({ batch, reason: o.reason }),
  );
  simple(
    'remove',
    'take affiliates out of a batch before execution (voids approvals)',
    'batch.removePayouts',
    (c) => c.requiredOption('--affiliates <ids>', 'comma-separated'),
    (batch, o) => ({ batch, affiliateIds: list(o.affiliates as string) }),
  );
  simple(
    'retry',
    'retry failed payouts with a new attempt (then run `batch execute`)',
    'batch.retry',
    (c) => c.option('--payouts <ids>', 'only these payout ids'),
    (batch, o) => ({ batch, payoutIds: list(o.payouts as string | undefined) }),
  );

  batch
    .command('execute')
    .description('send an approved batch (resumes an interrupted one; safe to run again)')
    .argument('<batch>', 'batch number or id')
    .option(
      '--wait-ms <n>',
      'how long to wait for payouts still with the provider (default 120000)',
      wholeNumber('wait-ms'),
    )
    .option('--concurrency <n>', 'parallel provider calls (default 16)', wholeNumber('concurrency'))
    .action(
      run(async (cli, ref: unknown, opts: unknown) => {
        const o = opts as { waitMs?: number; concurrency?: number };
        const r = await cli.call<{
          number: string;
          status: string;
          payouts: Record<string, number>;
          elapsedMs: number;
          commitsPerPayout: string;
        }>('batch.execute', {
          batch: String(ref),
          waitMs: o.waitMs,
          concurrency: o.concurrency,
        });
        print(cli, r, () => {
          out(
            `${r.number}: ${r.status} in ${r.elapsedMs} ms — ${Object.entries(r.payouts)
              .map(([k, v]) => `${k} ${v}`)
              .join(', ')}`,
          );
          if (r.status === 'EXECUTING')
            out(
              'Some payouts are still with the provider: run `batch execute` again (or `payouts poll`) to finish.',
            );
        });
      }),
    );

  batch
    .command('show')
    .description('a batch: status, content hash, approvals, payouts by status')
    .argument('<batch>', 'batch number or id')
    .option('--payouts', 'list the payouts too')
    .action(
      run(async (cli, ref: unknown, opts: unknown) => {
        const r = await cli.call<
          Record<string, unknown> & {
            approvals: Record<string, unknown>[];
            payoutsByStatus: Record<string, unknown>[];
            payouts?: Record<string, unknown>[];
          }
        >('batch.show', {
          batch: String(ref),
          payouts: Boolean((opts as { payouts?: boolean }).payouts),
        });
        print(cli, r, () => {
          out(
            `${String(r.number)}  ${String(r.status)}  approvals ${r.approvals.filter((a) => a.valid).length}/${String(r.requiredApprovals)}${r.highValue ? ' (high value)' : ''}`,
          );
          out(`content ${String(r.contentHash)}`);
          out(`allowed: ${(r.allowedActions as string[]).join(', ') || '(none)'}`);
          printTable(r.payoutsByStatus, ['status', 'currency', 'payouts', 'amountMinor']);
          if (r.approvals.length) printTable(r.approvals, ['by', 'at', 'valid', 'voidReason']);
          if (r.payouts)
            printTable(r.payouts, [
              'id',
              'affiliate_id',
              'amount_minor',
              'currency',
              'provider',
              'status',
              'attempt',
              'failure_code',
            ]);
        });
      }),
    );

  batch
    .command('list')
    .description('recent batches')
    .option('--status <status>', 'only this status')
    .action(
      run(async (cli, opts: unknown) => {
        const r = await cli.call<Record<string, unknown>[]>('batch.list', {
          status: (opts as { status?: string }).status,
        });
        print(cli, r, () => printTable(r, ['number', 'status', 'payouts', 'createdAt']));
      }),
    );

  const payout = program.command('payout').description('single payouts');
  payout
    .command('cancel')
    .description('give up a failed payout: its commissions become payable again')
    .argument('<payout-id>')
    .requiredOption('--reason <text>', 'why')
    .action(
      run(async (cli, id: unknown, opts: unknown) => {
        const r = await cli.call('payout.cancel', {
          payoutId: String(id),
          reason: (opts as { reason: string }).reason,
        });
        print(cli, r, () =>
          out(`Payout ${String(id)} cancelled; its commissions are payable again.`),
        );
      }),
    );

  const provider = program.command('provider').description('payment providers');
  provider
    .command('balance')
    .description("the provider's available balance")
    .requiredOption('--provider <name>', 'xendit | rise | sandbox')
    .requiredOption('--currency <code>', 'currency')
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { provider: string; currency: string };
        const r = await cli.call<{ balance: string; currency: string }>('provider.balance', o);
        print(cli, r, () => out(`${o.provider}: ${r.balance} ${r.currency}`));
      }),
    );
  provider
    .command('credentials')
    .description(
      'store (set) or rotate a provider secret in the OS keychain (read from a prompt or TREASURY_PROVIDER_SECRET; never a flag); rotate proves an API key with the provider first',
    )
    .argument('<action>', 'set | rotate')
    .argument('<secret>', 'xendit | xendit-callback-token | rise | rise-webhook-secret')
    .option(
      '--currency <code>',
      'rotate: the currency whose balance proves the new API key (default IDR for Xendit, USD for Rise)',
    )
    .action(
      run(async (cli, action: unknown, which: unknown, opts: unknown) => {
        if (action !== 'set' && action !== 'rotate')
          throw new TreasuryError(
            'VALIDATION',
            `provider credentials: the action is "set" or "rotate", not "${String(action)}"`,
          );
        const secret =
          process.env.TREASURY_PROVIDER_SECRET ??
          (await readSecret(`${action === 'rotate' ? 'new ' : ''}${String(which)} secret: `));
        if (action === 'set') {
          const r = await cli.call<{ account: string }>('provider.credentials.set', {
            which: String(which),
            secret,
          });
          return print(cli, r, () => out(`Stored in the credential store as ${r.account}.`));
        }
        const r = await cli.call<{ account: string; verified: boolean; proof: string | null }>(
          'provider.credentials.rotate',
          { which: String(which), secret, currency: (opts as { currency?: string }).currency },
        );
        print(cli, r, () =>
          out(
            r.verified
              ? `Rotated ${r.account}: ${r.proof}. The old secret is no longer used here: revoke it with the provider.`
              : `Rotated ${r.account}. A webhook secret is proven only when the provider delivers with it: change it on the provider's side now (docs/operations.md).`,
          ),
        );
      }),
    );
}

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
          payoutIds: list(o.payouts),
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
    .option('--provider <name>', 'xendit | rise | sandbox', 'xendit')
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

export function registerOperatorCommands(program: Command, run: Run<CliHost>): void {
  const operators = program
    .command('operators')
    .description('operators: add, list, roles, enable or disable (with a reason), IP allowlists');
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

/** Provider events (webhooks and polls) as stored centrally, or as last synced when offline. */
export function registerEventCommands(program: Command, run: Run<CliHost>): void {
  program
    .command('events')
    .description('what the providers told us (webhooks, polls), newest first')
    .option('--payout <id>', 'only this payout')
    .option('--provider <name>', 'xendit | rise | sandbox')
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
}
