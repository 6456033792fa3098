/**
 * Every report, once: its name, what it is in words, and its router definitions (report.ts). Each
 * report is one file of this folder — its filters, its query, its definitions and its export's
 * columns — ending with its entry; this list names every entry once.
 *
 * - The catalog (host/catalog.ts) takes REPORT_DEFINITIONS from here: every query in list order,
 *   then every export in list order.
 * - Hosts that must not load the database to list the reports (the CLI builds its `report` and
 *   `export` commands at start-up) read the same reports from choices.ts, whose type-check proves
 *   it equal to this list.
 *
 * How to add a report: docs/architecture.md.
 */
import { AFFILIATE_PERFORMANCE } from './affiliate-performance.js';
import { AUDIT_LOG } from './audit-log.js';
import { COMMISSIONS } from './commissions.js';
import { JOURNAL } from './journal.js';
import { MONITORING } from './monitoring.js';
import { PAYOUT_ITEMS } from './payout-items.js';
import { PAYOUTS } from './payouts.js';
import { PROVIDER_ANALYSIS } from './provider-analysis.js';
import { TIME_SERIES } from './time-series.js';

/** In the order hosts list them (`treasury report --help`, `treasury export --help`). */
export const REPORTS = [
  TIME_SERIES,
  AFFILIATE_PERFORMANCE,
  PROVIDER_ANALYSIS,
  MONITORING,
  PAYOUTS,
  COMMISSIONS,
  PAYOUT_ITEMS,
  AUDIT_LOG,
  JOURNAL,
] as const;

type Entry = (typeof REPORTS)[number];
type QueryOf<E> = E extends { readonly query: infer Q } ? Q : never;
type ExportOf<E> = E extends { readonly export: infer X } ? X : never;

/** A report's definition, with its literal name and types (the bridge contract reads them). */
export type ReportDefinition = QueryOf<Entry> | ExportOf<Entry>;

/** Every report's definitions for the catalog: the queries in list order, then the exports. */
export const REPORT_DEFINITIONS: readonly ReportDefinition[] = [
  ...REPORTS.flatMap((r): ReportDefinition[] => ('query' in r ? [r.query] : [])),
  ...REPORTS.flatMap((r): ReportDefinition[] => ('export' in r ? [r.export] : [])),
];
