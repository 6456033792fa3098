/**
 * CLI: acting on one affiliate — hold and release payouts, KYC, destination, reveal the account.
 */
import type { Command } from 'commander';
import { PROVIDER_NAMES } from '../core/shared/providers.js';
import type { CliHost } from './host.js';
import { out, print, type Run } from './output.js';

export function registerAffiliateCommands(program: Command, run: Run<CliHost>): void {
  const affiliate = program
    .command('affiliate')
    .description(
      'one affiliate: hold or release their payouts, KYC status, payout destination, reveal the account number',
    );
  affiliate
    .command('hold')
    .description(
      "hold the affiliate's payouts: excluded from batches (reason payouts_held) and not sent from approved ones",
    )
    .argument('<affiliate-id>')
    .requiredOption('--reason <text>', 'why')
    .action(
      run(async (cli, id: unknown, opts: unknown) => {
        const r = await cli.call('affiliate.hold', {
          affiliateId: String(id),
          reason: (opts as { reason: string }).reason,
        });
        print(cli, r, () => out(`Affiliate ${String(id)}'s payouts are held.`));
      }),
    );
  affiliate
    .command('release')
    .description("release a hold: the affiliate's payouts are eligible again")
    .argument('<affiliate-id>')
    .requiredOption('--reason <text>', 'why')
    .action(
      run(async (cli, id: unknown, opts: unknown) => {
        const r = await cli.call('affiliate.release', {
          affiliateId: String(id),
          reason: (opts as { reason: string }).reason,
        });
        print(cli, r, () => out(`Affiliate ${String(id)}'s payouts are no longer held.`));
      }),
    );
  affiliate
    .command('kyc')
    .description('set the KYC status (only approved affiliates are paid)')
    .argument('<affiliate-id>')
    .argument('<status>', 'pending | approved | rejected')
    .requiredOption('--reason <text>', 'why (e.g. the document checked)')
    .action(
      run(async (cli, id: unknown, status: unknown, opts: unknown) => {
        const r = await cli.call<{ changed: boolean }>('affiliate.setKyc', {
          affiliateId: String(id),
          status: String(status),
          reason: (opts as { reason: string }).reason,
        });
        print(cli, r, () =>
          out(
            r.changed
              ? `Affiliate ${String(id)}'s KYC status is now ${String(status)}.`
              : `Affiliate ${String(id)}'s KYC status already was ${String(status)}.`,
          ),
        );
      }),
    );
  affiliate
    .command('destination')
    .description(
      'change the payout destination (step-up; batches paying it within the configured days need a security acknowledgement)',
    )
    .argument('<affiliate-id>')
    .requiredOption('--provider <name>', PROVIDER_NAMES.join(' | '))
    .requiredOption('--channel <code>', 'channel code, e.g. ID_BCA')
    .requiredOption('--account <number>', 'account number')
    .requiredOption('--holder <name>', 'account holder name')
    .requiredOption('--reason <text>', 'why (e.g. the request and how it was verified)')
    .action(
      run(async (cli, id: unknown, opts: unknown) => {
        const o = opts as {
          provider: string;
          channel: string;
          account: string;
          holder: string;
          reason: string;
        };
        const r = await cli.call<{ account: string }>('affiliate.setDestination', {
          affiliateId: String(id),
          provider: o.provider,
          channelCode: o.channel,
          accountNumber: o.account,
          accountHolderName: o.holder,
          reason: o.reason,
        });
        print(cli, r, () =>
          out(
            `Affiliate ${String(id)} is now paid through ${o.provider} ${o.channel} ${r.account}.`,
          ),
        );
      }),
    );
  affiliate
    .command('reveal')
    .description('show the full account number (recorded in the audit trail)')
    .argument('<affiliate-id>')
    .action(
      run(async (cli, id: unknown) => {
        const r = await cli.call<{ accountNumber: string | null }>('affiliate.revealAccount', {
          affiliateId: String(id),
        });
        print(cli, r, () => out(r.accountNumber ?? '(no destination yet)'));
      }),
    );
}
