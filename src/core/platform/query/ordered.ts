/**
 * Rows kept in memory and paged in whichever order the grid asks for: each order is sorted once
 * (ties broken by the caller's key, so pages never overlap or skip a row) and kept, so the next
 * page of it is a slice. Text compares by code unit, amounts as bigint.
 *
 * Amounts of different currencies do not compare (we hold no FX rates to convert them): an amount
 * field sorts by currency first, always ascending, then by the amount within each currency in the
 * direction asked — the same order as the SQL sorts (payouts/page.ts), never raw minor units
 * interleaved across currencies.
 */
import type { Sort } from './paging.js';

export type Compare<R> = (a: R, b: R) => number;

/**
 * Orders kept per row set: the grid asks for many pages of one order, then the operator re-sorts.
 */
const KEPT_ORDERS = 4;

export const byText =
  <R>(f: (r: R) => string): Compare<R> =>
  (a, b) => {
    const x = f(a);
    const y = f(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
export const byAmount =
  <R>(f: (r: R) => bigint): Compare<R> =>
  (a, b) => {
    const x = f(a);
    const y = f(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
/**
 * An amount compared only within its currency: `group` (the currency) orders the groups ascending
 * whatever the direction, `within` (the amount) takes the direction.
 */
export interface Grouped<R> {
  group: Compare<R>;
  within: Compare<R>;
}
export const byAmountWithinCurrency = <R>(
  currency: (r: R) => string,
  amount: (r: R) => bigint,
): Grouped<R> => ({ group: byText(currency), within: byAmount(amount) });

export const byNumber =
  <R>(f: (r: R) => number): Compare<R> =>
  (a, b) =>
    f(a) - f(b);

export class OrderedRows<R, F extends string> {
  private readonly orders = new Map<string, R[]>();

  constructor(
    readonly rows: readonly R[],
    private readonly compare: Readonly<Record<F, Compare<R> | Grouped<R>>>,
    private readonly tieBreak: Compare<R>,
    /** Fields whose empty values stay last in both directions (as SQL's NULLS LAST). */
    private readonly empty: Partial<Record<F, (r: R) => boolean>> = {},
  ) {}

  page(sort: Sort<F>, offset: number, limit: number): { total: number; rows: R[] } {
    const key = `${sort.field} ${sort.dir}`;
    let order = this.orders.get(key);
    if (!order) {
      const field = this.compare[sort.field];
      const sign = sort.dir === 'desc' ? -1 : 1;
      // A grouped field: the groups stay ascending (sign applies to `within` only).
      const by: Compare<R> =
        typeof field === 'function'
          ? field
          : (a, b) => sign * field.group(a, b) || field.within(a, b);
      const isEmpty = this.empty[sort.field];
      const compare: Compare<R> = isEmpty
        ? (a, b) =>
            isEmpty(a) !== isEmpty(b)
              ? isEmpty(a)
                ? 1
                : -1
              : sign * by(a, b) || this.tieBreak(a, b)
        : (a, b) => sign * by(a, b) || this.tieBreak(a, b);
      order = [...this.rows].sort(compare);
      this.orders.set(key, order);
      while (this.orders.size > KEPT_ORDERS) this.orders.delete(this.orders.keys().next().value!);
    }
    return { total: order.length, rows: order.slice(offset, offset + limit) };
  }
}
