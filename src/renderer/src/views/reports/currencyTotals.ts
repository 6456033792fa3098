/**
 * Totals of a table per currency: amounts summed exactly as bigint minor units, counts as integers,
 * never across currencies (a total of USD and IDR is not a figure). Currencies in the order they
 * first appear in the rows.
 */
export function totalsByCurrency<R extends { currency: string }, K extends string>(
  rows: readonly R[],
  fields: readonly K[],
  value: (row: R, field: K) => string | number | null,
): { currency: string; rows: number; sums: Record<K, bigint | null> }[] {
  const out = new Map<string, { currency: string; rows: number; sums: Record<K, bigint | null> }>();
  for (const r of rows) {
    let t = out.get(r.currency);
    if (!t) {
      t = {
        currency: r.currency,
        rows: 0,
        sums: Object.fromEntries(fields.map((f) => [f, 0n])) as Record<K, bigint | null>,
      };
      out.set(r.currency, t);
    }
    t.rows += 1;
    for (const f of fields) {
      const v = value(r, f);
      const was = t.sums[f];
      // A value that is not there (a fee not reported) leaves the total unknown, not smaller.
      t.sums[f] = v === null || was === null ? null : was + BigInt(v);
    }
  }
  return [...out.values()];
}
