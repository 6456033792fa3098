/**
 * The reports as hosts offer them, without loading them: each report's name, the calls that answer
 * `report <name>` and `export <name>`, and the inputs beyond the filters its query takes, as options
 * with their defaults. The CLI builds its `report` and `export` commands from this at start-up, when
 * neither the database nor the providers are loaded (`treasury --help` starts in a fraction of a
 * second; loading the reports themselves takes seconds): this file imports nothing at run time.
 *
 * The list is index.ts; the type-check proves this view equal to it (the same reports in the same
 * order with the same calls, every option a field of its query's input with a default it takes),
 * as providers/registry.ts is proven equal to shared/providers.ts. A report in one and not the
 * other fails `npm run typecheck` at `ChoicesMatchReports` below.
 */
import type { REPORTS } from './index.js';

export interface ReportOption {
  /** The input field of the report's query it fills. */
  readonly field: string;
  /** As the CLI spells it, with its value: `--stuck-after <minutes>`. */
  readonly flag: string;
  /** What it means (the CLI's help puts the report's name in front). */
  readonly help: string;
  /** Sent when none is given; a number makes the option a whole number. */
  readonly default: string | number;
}

export interface ReportChoice {
  readonly name: string;
  /** The query `report <name>` sends. */
  readonly query?: string;
  /** The command `export <name>` sends. */
  readonly export?: string;
  /** The query's inputs beyond the filters. */
  readonly options?: readonly ReportOption[];
}

/** As index.ts lists them. */
export const REPORT_CHOICES = [
  {
    name: 'time-series',
    query: 'reports.timeSeries',
    options: [
      {
        field: 'granularity',
        flag: '--granularity <g>',
        help: 'day | week | month',
        default: 'month',
      },
    ],
  },
  {
    name: 'affiliates',
    query: 'reports.affiliatePerformance',
    options: [
      { field: 'limit', flag: '--limit <n>', help: 'rows per page (max 1000)', default: 50 },
      { field: 'offset', flag: '--offset <n>', help: 'rows to skip', default: 0 },
    ],
  },
  { name: 'providers', query: 'reports.providerAnalysis' },
  {
    name: 'monitoring',
    query: 'reports.monitoring',
    options: [
      {
        field: 'stuckAfterMinutes',
        flag: '--stuck-after <minutes>',
        help: 'a payout not terminal for longer than this is stuck',
        default: 60,
      },
    ],
  },
  { name: 'payouts', export: 'export.payouts' },
  { name: 'commissions', export: 'export.commissions' },
  { name: 'payout-items', export: 'export.payoutItems' },
  { name: 'audit-log', export: 'export.auditLog' },
  { name: 'journal', query: 'reports.journal', export: 'export.journal' },
] as const satisfies readonly ReportChoice[];

// ---------------------------------------------------------------------------------------------
// The proof that this view is the list
// ---------------------------------------------------------------------------------------------

/** A call's name: as written here, or the definition's. */
type NameOf<D> = D extends string
  ? D
  : D extends { readonly name: infer N extends string }
    ? N
    : '-';
type CallOf<E, K extends 'query' | 'export'> = E extends { readonly [P in K]: infer D }
  ? NameOf<D>
  : '-';
/** A report as `name query export` ('-' where it has none). */
type Calls<E> = E extends { readonly name: infer N extends string }
  ? `${N} ${CallOf<E, 'query'>} ${CallOf<E, 'export'>}`
  : never;
type EachCalls<T extends readonly unknown[]> = { -readonly [I in keyof T]: Calls<T[I]> };

/** true only when A and B are the same type. */
type Same<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
type Holds<T extends true> = T;

/** The same reports, in the same order, answering to the same calls. */
export type ChoicesMatchReports = Holds<
  Same<EachCalls<typeof REPORTS>, EachCalls<typeof REPORT_CHOICES>>
>;

type QueryNamed<N> = Extract<
  (typeof REPORTS)[number] extends infer E
    ? E extends { readonly query: infer Q }
      ? Q
      : never
    : never,
  { readonly name: N }
>;
type InputOf<D> = D extends { run(ctx: never, input: infer I): unknown } ? I : never;
/** Each option fills a field of its query's input, and its default is a value of that field. */
type OptionFits<Q, O> = O extends { readonly field: infer F; readonly default: infer V }
  ? F extends keyof InputOf<Q>
    ? V extends NonNullable<InputOf<Q>[F]>
      ? true
      : false
    : false
  : false;
type OptionsFit<C> = C extends { readonly query: infer N; readonly options: readonly (infer O)[] }
  ? OptionFits<QueryNamed<N>, O>
  : true;

export type OptionsAreInputs = Holds<OptionsFit<(typeof REPORT_CHOICES)[number]>>;
