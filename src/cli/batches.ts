/**
 * CLI: payout batches and provider credentials. Each subcommand is one router call (see README, CLI
 * reference).
 */
import type { Command } from 'commander';
import { TreasuryError } from '../core/shared/errors.js';
import { commaList, print, printTable, wholeNumber, type Run, out } from './output.js';
import { readSecret } from './prompt.js';
import type { CliHost } from './host.js';
import { PROVIDER_NAMES, PROVIDER_CREDENTIALS } from '../core/shared/providers.js';

/** --fx USD/IDR=16250.5 (repeatable) → { "USD/IDR": "16250.5" } */
const fx = (v: string, acc: Record<string, string> = {}) => {
  const m = /^([A-Z]{3}\/[A-Z]{3})=(.+)$/.exec(v);
  if (!m) throw new TreasuryError('VALIDATION', `--fx must look like USD/IDR=16250.5, got "${v}"`);
  return { ...acc, [m[1]!]: m[2]! };
};

/** --leave-out A0012="paid by hand" (repeatable) → [{ affiliateId, reason }] */
const leaveOut = (v: string, acc: { affiliateId: string; reason: string }[] = []) => {
  const m = /^([^=\s]+)=(.+)$/s.exec(v);
  if (!m)
    throw new TreasuryError(
      'VALIDATION',
      `--leave-out must look like A0012="why it is left out", got "${v}"`,
    );
  return [...acc, { affiliateId: m[1]!, reason: m[2]!.trim() }];
};

interface FilterOptions {
  affiliates?: string;
  provider?: string;
  currency?: string;
  cutoff?: string;
  fx?: Record<string, string>;
}
const filterPayload = (o: FilterOptions) => ({
  affiliateIds: commaList(o.affiliates),
  provider: o.provider,
  currency: o.currency,
  cutoff: o.cutoff,
  fxRates: o.fx,
});
const withFilters = (c: Command) =>
  c
    .option('--affiliates <ids>', 'only these affiliates (comma-separated)')
    .option('--provider <name>', PROVIDER_NAMES.join(' | '))
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
    .option('--note <text>', 'a note kept with the batch (the checker reads it)')
    .option(
      '--leave-out <AFFILIATE=REASON>',
      'leave an eligible affiliate out, saying why (repeatable; the checker sees it with the batch)',
      leaveOut,
    )
    .option('-q, --quiet', "print only the new batches' numbers, one per line (for scripts)")
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as FilterOptions & {
          maxPayouts?: number;
          note?: string;
          leaveOut?: { affiliateId: string; reason: string }[];
          quiet?: boolean;
        };
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
          leftOut: o.leaveOut,
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
    (batch, o) => ({ batch, affiliateIds: commaList(o.affiliates as string) }),
  );
  simple(
    'retry',
    'retry failed payouts with a new attempt (then run `batch execute`)',
    'batch.retry',
    (c) => c.option('--payouts <ids>', 'only these payout ids'),
    (batch, o) => ({ batch, payoutIds: commaList(o.payouts as string | undefined) }),
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
            note?: string | null;
            leftOut?: Record<string, unknown>[];
            rejection?: { by: string | null; at: string; reason: string } | null;
          }
        >('batch.show', {
          batch: String(ref),
          payouts: Boolean((opts as { payouts?: boolean }).payouts),
        });
        print(cli, r, () => {
          out(
            `${String(r.number)}  ${String(r.status)}  approvals ${r.approvals.filter((a) => a.valid).length}/${String(r.requiredApprovals)}${r.highValue ? ' (high value)' : ''}`,
          );
          if (r.rejection)
            out(`REJECTED by ${r.rejection.by ?? '?'} at ${r.rejection.at}: ${r.rejection.reason}`);
          if (r.note) out(`note: ${r.note}`);
          out(`content ${String(r.contentHash)}`);
          out(`allowed: ${(r.allowedActions as string[]).join(', ') || '(none)'}`);
          printTable(r.payoutsByStatus, ['status', 'currency', 'payouts', 'amountMinor']);
          if (r.approvals.length) printTable(r.approvals, ['by', 'at', 'valid', 'voidReason']);
          if (r.leftOut?.length)
            printTable(r.leftOut, ['affiliateId', 'amountMinor', 'currency', 'reason', 'by', 'at']);
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
    .option('--awaiting-me', 'only the batches awaiting my approval')
    .action(
      run(async (cli, opts: unknown) => {
        const o = opts as { status?: string; awaitingMe?: boolean };
        const r = await cli.call<Record<string, unknown>[]>('batch.list', {
          status: o.status,
          ...(o.awaitingMe ? { awaitingMe: true } : {}),
        });
        print(cli, r, () => printTable(r, ['number', 'status', 'payouts', 'createdAt', 'note']));
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
    .requiredOption('--provider <name>', PROVIDER_NAMES.join(' | '))
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
    .argument('<secret>', Object.keys(PROVIDER_CREDENTIALS).join(' | '))
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
