/**
 * CLI: `report <name>` (read in the database, printed) and `export <name>` (written to a file). One
 * router call each.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { TreasuryError } from '../core/shared/errors.js';
import { formatAmount, isCurrency } from '../core/shared/money/index.js';
import type { CliHost } from './batches.js';
import { print, printTable, wholeNumber, type Run, out } from './output.js';

/** Minor units as the currency's decimal (the table is for people; --json keeps minor units). */
const money = (minor: string | null | undefined, currency: string) =>
  minor === null || minor === undefined
    ? ''
    : isCurrency(currency)
      ? formatAmount(BigInt(minor), currency)
      : minor;

interface FilterOptions {
  from?: string;
  to?: string;
  currency?: string;
  provider?: string;
  affiliate?: string;
  status?: string;
  batch?: string;
}

/** Only the filters given: a report refuses one it cannot honour, so none is sent by default. */
function filterPayload(o: FilterOptions): Record<string, unknown> {
  const status = o.status
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return Object.fromEntries(
    Object.entries({
      from: o.from,
      to: o.to,
      currency: o.currency,
      provider: o.provider,
      affiliate: o.affiliate,
      status: status && status.length === 1 ? status[0] : status,
      batch: o.batch,
    }).filter(([, v]) => v !== undefined),
  );
}

const withFilters = (c: Command) =>
  c
    .option('--from <date>', 'period start, inclusive (YYYY-MM-DD or an ISO instant)')
    .option('--to <date>', 'period end, exclusive')
    .option('--currency <code>', 'ISO 4217 currency')
    .option('--provider <name>', 'xendit | rise | sandbox')
    .option('--affiliate <id>', 'one affiliate')
    .option('--status <list>', "the report's own statuses, comma-separated")
    .option('--batch <batch>', 'one batch (number or id)');

const REPORTS = {
  'time-series': 'reports.timeSeries',
  affiliates: 'reports.affiliatePerformance',
  providers: 'reports.providerAnalysis',
  monitoring: 'reports.monitoring',
  journal: 'reports.journal',
} as const;

const EXPORTS = {
  payouts: 'export.payouts',
  commissions: 'export.commissions',
  'payout-items': 'export.payoutItems',
  'audit-log': 'export.auditLog',
  journal: 'export.journal',
} as const;

function pick<T extends Record<string, string>>(table: T, name: string, what: string): T[keyof T] {
  const call = table[name as keyof T];
  if (!call)
    throw new TreasuryError(
      'VALIDATION',
      `${what} "${name}"? Choose one of: ${Object.keys(table).join(', ')}`,
      [{ field: 'name', message: `not one of ${Object.keys(table).join(', ')}` }],
    );
  return call;
}

type Row = Record<string, unknown>;

function printReport(name: keyof typeof REPORTS, r: Row): void {
  switch (name) {
    case 'time-series': {
      const points = r.points as Row[];
      printTable(
        points.map((p) => {
          const c = p.currency as string;
          return {
            period: p.period,
            currency: c,
            accrued: money(p.accruedMinor as string, c),
            sent: `${p.sent as number} / ${money(p.sentMinor as string, c)}`,
            succeeded: `${p.succeeded as number} / ${money(p.succeededMinor as string, c)}`,
            failed: `${p.failed as number} / ${money(p.failedMinor as string, c)}`,
            reversed: `${p.reversed as number} / ${money(p.reversedMinor as string, c)}`,
            clawbacks: money(p.clawbacksMinor as string, c),
          };
        }),
        ['period', 'currency', 'accrued', 'sent', 'succeeded', 'failed', 'reversed', 'clawbacks'],
      );
      return;
    }
    case 'affiliates': {
      const rows = (r.rows as Row[]).map((p) => {
        const c = p.currency as string;
        return {
          ...p,
          netRevenue: money(p.netRevenueMinor as string, c),
          commissions: money(p.commissionsMinor as string, c),
          paid: money(p.paidMinor as string, c),
          pending: money(p.pendingMinor as string, c),
          payable: money(p.payableMinor as string, c),
          clawedBack: money(p.clawedBackMinor as string, c),
        };
      });
      printTable(rows, [
        'affiliateId',
        'name',
        'currency',
        'conversions',
        'netRevenue',
        'commissions',
        'paid',
        'pending',
        'payable',
        'clawedBack',
      ]);
      out(
        `${rows.length} of ${r.total as number} affiliate-currency rows (--limit, --offset for more)`,
      );
      return;
    }
    case 'providers': {
      printTable(
        (r.rows as Row[]).map((p) => ({
          ...p,
          paid: money(p.paidMinor as string, p.currency as string),
          reversedAmount: money(p.reversedMinor as string, p.currency as string),
          fees: p.feesMinor ?? 'not reported',
        })),
        [
          'provider',
          'currency',
          'payouts',
          'succeeded',
          'failed',
          'pending',
          'cancelled',
          'reversed',
          'paid',
          'successRate',
          'settleSecondsP50',
          'settleSecondsP95',
          'fees',
        ],
      );
      const codes = r.failureCodes as Row[];
      if (codes.length > 0) {
        out('\nFailure codes');
        printTable(codes, ['provider', 'currency', 'code', 'count']);
      }
      return;
    }
    case 'monitoring': {
      out(`At ${r.at as string}`);
      printTable(r.batchesByStatus as Row[], ['status', 'count']);
      const executions = r.executions as Row[];
      out(`\nExecutions in progress: ${executions.length}`);
      if (executions.length > 0)
        printTable(executions, [
          'number',
          'leaseOwner',
          'startedAt',
          'payouts',
          'settled',
          'succeeded',
          'failed',
          'inFlight',
        ]);
      const stuck = r.stuck as { thresholdMinutes: number; count: number; oldest: Row[] };
      out(`\nStuck payouts (not terminal for over ${stuck.thresholdMinutes} min): ${stuck.count}`);
      if (stuck.oldest.length > 0)
        printTable(
          stuck.oldest.map((s) => ({
            ...s,
            amount: money(s.amountMinor as string, s.currency as string),
          })),
          [
            'payoutId',
            'batch',
            'affiliateId',
            'status',
            'provider',
            'amount',
            'currency',
            'since',
            'minutes',
          ],
        );
      out("\nWebhooks (lag = received minus the provider's event time, seconds)");
      printTable(r.webhooks as Row[], [
        'provider',
        'events',
        'lastReceivedAt',
        'lagSecondsP50',
        'lagSecondsP95',
        'lagSecondsMax',
        'withoutTime',
      ]);
      out('\nLast reconciliation');
      printTable(
        (r.reconciliation as Row[]).map((x) => ({
          ...x,
          breaks:
            (x.breaks as { outcome: string; count: number }[])
              .map((b) => `${b.outcome}=${b.count}`)
              .join(' ') || 'none',
        })),
        ['provider', 'at', 'status', 'results', 'breaks', 'problem'],
      );
      return;
    }
    case 'journal': {
      printTable(
        (r.accounts as Row[]).map((a) => {
          const c = a.currency as string;
          return {
            ...a,
            debit: money(a.debitMinor as string, c),
            credit: money(a.creditMinor as string, c),
            balance: money(a.balanceMinor as string, c),
          };
        }),
        ['accountCode', 'accountName', 'currency', 'debit', 'credit', 'balance'],
      );
      out(
        `\n${r.entries as number} entries, ${r.lines as number} lines; unbalanced entries: ${r.unbalancedEntries as number}`,
      );
      const ties = r.ties as Row[];
      if (ties.length > 0) {
        out('\nTie-outs');
        printTable(
          ties.map((t) => ({
            ...t,
            journal: money(t.journalMinor as string, t.currency as string),
            source: money(t.sourceMinor as string, t.currency as string),
            ties: t.ties ? 'yes' : 'NO',
          })),
          ['check', 'currency', 'journal', 'source', 'ties'],
        );
      }
      return;
    }
  }
}

export function registerReportCommands(program: Command, run: Run<CliHost>): void {
  withFilters(
    program
      .command('report')
      .description(
        'a report computed in the central database: time-series | affiliates | providers | monitoring | journal',
      )
      .argument('<name>', Object.keys(REPORTS).join(' | '))
      .option('--granularity <g>', 'time-series: day | week | month', 'month')
      .option('--limit <n>', 'affiliates: rows per page (max 1000)', wholeNumber('limit'), 50)
      .option('--offset <n>', 'affiliates: rows to skip', wholeNumber('offset'), 0)
      .option(
        '--stuck-after <minutes>',
        'monitoring: a payout not terminal for longer than this is stuck',
        wholeNumber('stuck-after'),
        60,
      ),
  ).action(
    run(async (cli, name: unknown, opts: unknown) => {
      const call = pick(REPORTS, String(name), 'report');
      const o = opts as FilterOptions & {
        granularity: string;
        limit: number;
        offset: number;
        stuckAfter: number;
      };
      const extra =
        name === 'time-series'
          ? { granularity: o.granularity }
          : name === 'affiliates'
            ? { limit: o.limit, offset: o.offset }
            : name === 'monitoring'
              ? { stuckAfterMinutes: o.stuckAfter }
              : {};
      const r = await cli.call<Row>(call, { ...filterPayload(o), ...extra });
      print(cli, r, () => printReport(String(name) as keyof typeof REPORTS, r));
    }),
  );

  withFilters(
    program
      .command('export')
      .description(
        'write a report to a file for accounting (whole or not at all; audited): payouts | commissions | payout-items | audit-log | journal',
      )
      .argument('<name>', Object.keys(EXPORTS).join(' | '))
      .requiredOption('--format <format>', 'csv | json')
      .requiredOption('--out <file>', 'file to write')
      .option(
        '--bom',
        'CSV: start with a UTF-8 byte order mark (spreadsheets then read it as UTF-8)',
      )
      .option('--overwrite', 'replace an existing file'),
  ).action(
    run(async (cli, name: unknown, opts: unknown) => {
      const call = pick(EXPORTS, String(name), 'export');
      const o = opts as FilterOptions & {
        format: string;
        out: string;
        bom?: boolean;
        overwrite?: boolean;
      };
      // Absolute: the call may run in a console host (attached) with another working directory.
      const payload = {
        ...filterPayload(o),
        format: o.format,
        out: path.resolve(o.out),
        ...(o.bom ? { bom: true } : {}),
        ...(o.overwrite ? { overwrite: true } : {}),
      };
      const r = await cli.call<{
        rowCount: number;
        file: string;
        fileSha256: string;
        totals: { column: string; currency: string; group: string | null; amount: string }[];
      }>(call, payload);
      print(cli, r, () => {
        out(`Wrote ${r.rowCount} rows to ${r.file} (sha256 ${r.fileSha256}).`);
        for (const t of r.totals.filter((x) => x.group === null))
          out(`  ${t.column} ${t.currency} ${t.amount}`);
      });
    }),
  );
}
