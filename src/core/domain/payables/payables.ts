/**
 * The payables grid's rows: the same rows and eligibility reasons as `payables.list`
 * (calculation/payables.ts: one aggregate, then `decidePayables`), filtered, sorted and paged in
 * memory, with totals per currency over the whole filtered set. Pure: the central query
 * (payables-page.ts, over the kept set of decided-payables.ts) and the offline one (offline.ts)
 * both page with these functions.
 */
import { z } from 'zod';
import {
  decidePayables,
  type IneligibleReason,
  type PayableTotals,
} from '../calculation/payables.js';
import type { RuleSet } from '../../shared/commission/index.js';
import {
  byAmountWithinCurrency,
  byNumber,
  byText,
  OrderedRows,
  type Compare,
  type Grouped,
} from '../../platform/query/ordered.js';
import { currencyInput, pageFields, pageOf, type Sort } from '../../platform/query/paging.js';
import {
  filterKey,
  isEmptyFilter,
  passes,
  payablesFilterInput,
  resolvePayablesFilter,
  type PayablesFilter,
} from './filters.js';

export const PAYABLES_SORT = [
  'affiliateId',
  'name',
  'status',
  'currency',
  'pendingMinor',
  'payableMinor',
  'commissions',
  'eligible',
  'reason',
  'provider',
  'nextPayoutDate',
] as const;
export type PayablesSortField = (typeof PAYABLES_SORT)[number];

/** The grid's filters besides the quick search: the page's currency, eligibility, column filters. */
export const payablesFilterFields = {
  currency: currencyInput.optional(),
  eligible: z.boolean('must be true or false').optional(),
  /** The column filters (filters.ts). */
  filters: payablesFilterInput.optional(),
};

/** Checks what zod alone cannot: an amount range needs one currency, its amounts must parse. */
export function checkPayablesFilters(
  v: { currency?: string | undefined; filters?: z.infer<typeof payablesFilterInput> | undefined },
  ctx: z.RefinementCtx,
): void {
  resolvePayablesFilter(v.filters, v.currency, (path, message) =>
    ctx.addIssue({ code: 'custom', path, message }),
  );
}

/** The filter model of a checked input, resolved (amounts in minor units). */
export function payablesFilterOf(input: {
  currency?: string | undefined;
  filters?: z.infer<typeof payablesFilterInput> | undefined;
}): PayablesFilter {
  return resolvePayablesFilter(input.filters, input.currency, () => {});
}

export const payablesPageInput = z
  .strictObject({
    ...payablesFilterFields,
    ...pageFields(PAYABLES_SORT),
  })
  .superRefine(checkPayablesFilters);
export type PayablesPageInput = z.infer<typeof payablesPageInput>;

export interface PayablesPageRow {
  affiliateId: string;
  name: string;
  /** The affiliate's status: active, suspended, closed. */
  status: string;
  /** The commissions' currency (one row per affiliate and currency, as payables.list). */
  currency: string;
  pendingMinor: string;
  /**
   * Payable commissions plus open adjustments, never below zero (a negative balance is carried).
   */
  payableMinor: string;
  /** Open commissions behind the amounts: payable plus pending. */
  commissions: number;
  eligible: boolean;
  /** The first reason it is not eligible (the most basic one), null when eligible. */
  reason: IneligibleReason | null;
  /** Every reason, in payables.list's order. */
  reasons: IneligibleReason[];
  /** The affiliate's payout provider (their destination's), null without a destination. */
  provider: string | null;
  /** When the schedule in force pays next (YYYY-MM-DD), null without rules. */
  nextPayoutDate: string | null;
}

export interface PayablesTotal {
  currency: string;
  pendingMinor: string;
  payableMinor: string;
  affiliates: number;
  /** Of those, eligible now, and what they would be paid. */
  eligibleAffiliates: number;
  eligibleMinor: string;
}

export interface PayablesPage {
  total: number;
  rows: PayablesPageRow[];
  totals: PayablesTotal[];
}

/**
 * The grid's rows from the aggregate's totals, decided by payables.list's own function: shared by
 * the central query and the offline one, so both say the same thing about the same totals.
 */
export function decidePageRows(
  totals: readonly PayableTotals[],
  rules: RuleSet | undefined,
  now: Date,
): PayablesPageRow[] {
  const decided = decidePayables(totals, rules, now);
  return decided.map((d, i) => ({
    affiliateId: d.affiliateId,
    name: d.name,
    status: totals[i]!.status,
    currency: d.currency,
    pendingMinor: BigInt(totals[i]!.pending).toString(),
    payableMinor: d.payableMinor,
    commissions: d.commissionCount + d.pendingCount,
    eligible: d.eligible,
    reason: d.reasons[0] ?? null,
    reasons: d.reasons,
    provider: totals[i]!.payout_provider,
    nextPayoutDate: d.nextPayoutDate,
  }));
}

/** A decided row with its amounts as bigint, for sorting and summing without parsing them again. */
interface Decided {
  row: PayablesPageRow;
  pending: bigint;
  payable: bigint;
}

const COMPARE: Record<PayablesSortField, Compare<Decided> | Grouped<Decided>> = {
  affiliateId: byText((d) => d.row.affiliateId),
  name: byText((d) => d.row.name),
  status: byText((d) => d.row.status),
  currency: byText((d) => d.row.currency),
  // Within each currency (ordered.ts): raw minor units of two currencies do not compare.
  pendingMinor: byAmountWithinCurrency(
    (d) => d.row.currency,
    (d) => d.pending,
  ),
  payableMinor: byAmountWithinCurrency(
    (d) => d.row.currency,
    (d) => d.payable,
  ),
  commissions: byNumber((d) => d.row.commissions),
  eligible: byNumber((d) => Number(d.row.eligible)),
  reason: byText((d) => d.row.reason ?? ''),
  provider: byText((d) => d.row.provider ?? ''),
  nextPayoutDate: byText((d) => d.row.nextPayoutDate ?? ''),
};
const byAffiliate = byText<Decided>((d) => d.row.affiliateId);
const byCurrency = byText<Decided>((d) => d.row.currency);
const tieBreak: Compare<Decided> = (a, b) => byAffiliate(a, b) || byCurrency(a, b);

/** Filtered subsets kept per decided set (each holds its rows' orders as they are asked for). */
const MAX_FILTERED_SUBSETS = 6;

export const PAYABLES_DEFAULT_SORT: Sort<PayablesSortField> = { field: 'affiliateId', dir: 'asc' };

/**
 * A decided set, paged: the eligibility filter, totals over everything that passed it, then a page
 * in the order asked for (ordered.ts). Each subset and each of its orders is computed once.
 */
export class PayablesSet {
  private readonly decided: readonly Decided[];
  private readonly subsets = new Map<
    string,
    { ordered: OrderedRows<Decided, PayablesSortField>; totals: PayablesTotal[] }
  >();

  constructor(rows: readonly PayablesPageRow[]) {
    this.decided = rows.map((row) => ({
      row,
      pending: BigInt(row.pendingMinor),
      payable: BigInt(row.payableMinor),
    }));
  }

  static fromTotals(
    totals: readonly PayableTotals[],
    rules: RuleSet | undefined,
    now: Date,
  ): PayablesSet {
    return new PayablesSet(decidePageRows(totals, rules, now));
  }

  /** Totals per currency of the rows with this eligibility (all rows when undefined). */
  totals(eligible?: boolean): PayablesTotal[] {
    return this.subset(eligible, {}).totals;
  }

  page(
    input: Pick<PayablesPageInput, 'eligible' | 'sort' | 'offset' | 'limit'>,
    filter: PayablesFilter = {},
  ): PayablesPage {
    const subset = this.subset(input.eligible, filter);
    const { offset, limit } = pageOf(input);
    const page = subset.ordered.page(input.sort ?? PAYABLES_DEFAULT_SORT, offset, limit);
    return { total: page.total, rows: page.rows.map((d) => d.row), totals: subset.totals };
  }

  /**
   * Every row passing the filters, in the order asked for, a slice at a time (the grid's export
   * writes each slice before it asks for the next).
   */
  *slices(
    input: Pick<PayablesPageInput, 'eligible' | 'sort'>,
    filter: PayablesFilter,
    size: number,
  ): Generator<PayablesPageRow[]> {
    const subset = this.subset(input.eligible, filter);
    const sort = input.sort ?? PAYABLES_DEFAULT_SORT;
    for (let offset = 0; ; offset += size) {
      const page = subset.ordered.page(sort, offset, size);
      if (page.rows.length > 0) yield page.rows.map((d) => d.row);
      if (offset + size >= page.total) return;
    }
  }

  private subset(eligible: boolean | undefined, filter: PayablesFilter) {
    const empty = isEmptyFilter(filter);
    const key = String(eligible ?? 'all') + (empty ? '' : `|${filterKey(filter)}`);
    const known = this.subsets.get(key);
    if (known) {
      // Most recently used last, so the oldest filtered subset is the one forgotten.
      this.subsets.delete(key);
      this.subsets.set(key, known);
      return known;
    }
    const rows =
      eligible === undefined && empty
        ? this.decided
        : this.decided.filter(
            (d) =>
              (eligible === undefined || d.row.eligible === eligible) &&
              (empty || passes(filter, d.row, d.payable)),
          );
    const sums = new Map<
      string,
      {
        pending: bigint;
        payable: bigint;
        affiliates: number;
        eligible: number;
        eligiblePayable: bigint;
      }
    >();
    for (const d of rows) {
      const t = sums.get(d.row.currency) ?? {
        pending: 0n,
        payable: 0n,
        affiliates: 0,
        eligible: 0,
        eligiblePayable: 0n,
      };
      t.pending += d.pending;
      t.payable += d.payable;
      t.affiliates++;
      if (d.row.eligible) {
        t.eligible++;
        t.eligiblePayable += d.payable;
      }
      sums.set(d.row.currency, t);
    }
    const totals = [...sums.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([currency, t]) => ({
        currency,
        pendingMinor: t.pending.toString(),
        payableMinor: t.payable.toString(),
        affiliates: t.affiliates,
        eligibleAffiliates: t.eligible,
        eligibleMinor: t.eligiblePayable.toString(),
      }));
    const subset = {
      ordered: new OrderedRows(rows, COMPARE, tieBreak, { reason: (d) => d.row.reason === null }),
      totals,
    };
    this.subsets.set(key, subset);
    // The unfiltered subsets stay; of the filtered ones, the last few an operator tried.
    const filtered = [...this.subsets.keys()].filter((k) => k.includes('|'));
    for (const k of filtered.slice(0, Math.max(0, filtered.length - MAX_FILTERED_SUBSETS)))
      this.subsets.delete(k);
    return subset;
  }
}
