/**
 * CLI: `report <name>` (read in the database, printed) and `export <name>` (written to a file). One
 * router call each. The names, their calls and the reports' own options come from the list of
 * reports (core/domain/reports/choices.ts: the view of reports/index.ts that loads no database,
 * so `treasury --help` stays fast): a new report needs no edit here, only a printer below if its
 * table should read better than the default one.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { PROVIDER_NAMES } from '../core/shared/providers.js';
import {
  REPORT_CHOICES,
  type ReportChoice,
  type ReportOption,
} from '../core/domain/reports/choices.js';
import { TreasuryError } from '../core/shared/errors.js';
import { formatAmount, isCurrency } from '../core/shared/money/index.js';
import type { CliHost } from './host.js';
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
    .option('--provider <name>', PROVIDER_NAMES.join(' | '))
    .option('--affiliate <id>', 'one affiliate')
    .option('--status <list>', "the report's own statuses, comma-separated")
    .option('--batch <batch>', 'one batch (number or id)');

/** A report as one of the two commands offers it: its name, the call it sends, its options. */
interface Choice {
  name: string;
  call: string;
  options: readonly ReportOption[];
}

const CHOICES: readonly ReportChoice[] = REPORT_CHOICES;

/** The reports with a query (`report <name>`) or with an export (`export <name>`), in list order. */
function choicesOf(kind: 'query' | 'export'): Choice[] {
  return CHOICES.flatMap((r) => {
    const call = r[kind];
    if (call === undefined) return [];
    return [{ name: r.name, call, options: kind === 'query' ? (r.options ?? []) : [] }];
  });
}

const REPORTS = choicesOf('query');
const EXPORTS = choicesOf('export');
const namesOf = (choices: readonly Choice[]) => choices.map((c) => c.name);

function pick(choices: readonly Choice[], name: string, what: string): Choice {
  const choice = choices.find((c) => c.name === name);
  if (!choice) {
    const names = namesOf(choices);
    throw new TreasuryError('VALIDATION', `${what} "${name}"? Choose one of: ${names.join(', ')}`, [
      { field: 'name', message: `not one of ${names.join(', ')}` },
    ]);
  }
  return choice;
}

type Row = Record<string, unknown>;

function printTimeSeries(r: Row): void {
  const points = r.points as Row[];
  printTable(
    points.map((p) => {
      const c = p.currency as string;
      return {
        // A bucket the period cuts, or still running, is not comparable with a whole one.
        period: p.partial ? `${p.period as string} (partial)` : p.period,
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
}

function printAffiliates(r: Row): void {
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
}

function printProviders(r: Row): void {
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
}

/** Monitoring's executions in progress and stuck payouts. */
function printInFlight(r: Row): void {
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
}

function printMonitoring(r: Row): void {
  out(`At ${r.at as string}`);
  printTable(r.batchesByStatus as Row[], ['status', 'count']);
  printInFlight(r);
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
}

function printJournal(r: Row): void {
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
}

/** How a report prints for people, by its name; a report without one prints as printFields does. */
const PRINTERS: Readonly<Partial<Record<string, (r: Row) => void>>> = {
  'time-series': printTimeSeries,
  affiliates: printAffiliates,
  providers: printProviders,
  monitoring: printMonitoring,
  journal: printJournal,
};

const isRow = (v: unknown): v is Row => typeof v === 'object' && v !== null && !Array.isArray(v);
const cellOf = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v);

/** Any report: each list of rows as a table under its name, everything else as `name: value`. */
function printFields(r: Row): void {
  for (const [key, value] of Object.entries(r)) {
    if (Array.isArray(value) && value.every(isRow)) {
      out(`\n${key}`);
      printTable(
        value.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, cellOf(v)]))),
        [...new Set(value.flatMap((row) => Object.keys(row)))],
      );
    } else out(`${key}: ${String(cellOf(value))}`);
  }
}

/** A report's own option, its help naming the report; a number default takes whole numbers. */
function addReportOption(command: Command, report: string, o: ReportOption): void {
  const option = command.createOption(o.flag, `${report}: ${o.help}`);
  if (typeof o.default === 'number') option.argParser(wholeNumber(option.name()));
  command.addOption(option.default(o.default));
}

function registerReport(program: Command, run: Run<CliHost>): void {
  const names = namesOf(REPORTS);
  const command = program
    .command('report')
    .description(`a report computed in the central database: ${names.join(' | ')}`)
    .argument('<name>', names.join(' | '));
  for (const report of REPORTS)
    for (const o of report.options) addReportOption(command, report.name, o);
  withFilters(command).action(
    run(async (cli, name: unknown, opts: unknown) => {
      const report = pick(REPORTS, String(name), 'report');
      const o = opts as FilterOptions & Record<string, unknown>;
      // Only the report's own options are sent (each has a default, so each has a value).
      const extra = Object.fromEntries(
        report.options.map((x) => [x.field, o[command.createOption(x.flag).attributeName()]]),
      );
      const r = await cli.call<Row>(report.call, { ...filterPayload(o), ...extra });
      print(cli, r, () => (PRINTERS[report.name] ?? printFields)(r));
    }),
  );
}

function registerExport(program: Command, run: Run<CliHost>): void {
  const names = namesOf(EXPORTS);
  withFilters(
    program
      .command('export')
      .description(
        `write a report to a file for accounting (whole or not at all; audited): ${names.join(' | ')}`,
      )
      .argument('<name>', names.join(' | '))
      .requiredOption('--format <format>', 'csv | json')
      .requiredOption('--out <file>', 'file to write')
      .option(
        '--bom',
        'CSV: start with a UTF-8 byte order mark (spreadsheets then read it as UTF-8)',
      )
      .option('--overwrite', 'replace an existing file'),
  ).action(
    run(async (cli, name: unknown, opts: unknown) => {
      const { call } = pick(EXPORTS, String(name), 'export');
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

export function registerReportCommands(program: Command, run: Run<CliHost>): void {
  registerReport(program, run);
  registerExport(program, run);
}
