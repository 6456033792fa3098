/**
 * How an amount column sorts in the browser. Amounts of different currencies do not compare, and
 * we hold no FX rates to convert them: rows sort by currency first (always ascending, whichever
 * way the operator sorts) and by the amount within each currency in the direction asked — the
 * order the core's paged queries use too (platform/query/ordered.ts, payouts/page.ts). Amounts are
 * strings of minor units compared as bigint, never as floats.
 */

export interface AmountCell {
  /** Minor units as a decimal string (null or '' when empty: empty cells sort first ascending). */
  minor: string | null | undefined;
  currency: string | null | undefined;
}

function minorOf(value: string | null | undefined): bigint | null {
  return value === null || value === undefined || !/^-?\d+$/.test(value) ? null : BigInt(value);
}

/**
 * AG Grid's comparator contract: it negates the result itself when the column sorts descending,
 * so the currency part is negated beforehand to stay ascending in both directions.
 */
export function compareAmounts(a: AmountCell, b: AmountCell, isDescending = false): number {
  const ca = a.currency ?? '';
  const cb = b.currency ?? '';
  if (ca !== cb) return (ca < cb ? -1 : 1) * (isDescending ? -1 : 1);
  const x = minorOf(a.minor);
  const y = minorOf(b.minor);
  if (x === y) return 0;
  if (x === null) return -1;
  if (y === null) return 1;
  return x < y ? -1 : 1;
}

export const SORTED_WITHIN_CURRENCY =
  'Sorted within each currency: currencies A to Z, then the amounts of each currency';
