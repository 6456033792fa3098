/**
 * A time-series bucket's bounds and whether it is whole. A bucket (UTC day, ISO week starting
 * Monday, or calendar month — the same as SQL's `date_trunc`) is partial when the report's period
 * [from, to) cuts into it, or when it has not ended yet at `now`: its figures then cover only part
 * of the bucket, and a chart must not let it read as a dip. Computed exactly from UTC milliseconds,
 * no time zone involved.
 */
export const GRANULARITIES = ['day', 'week', 'month'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** The bucket that starts on `period` (YYYY-MM-DD, UTC), as [start, end). */
export function periodBounds(period: string, granularity: Granularity): { start: Date; end: Date } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(period);
  if (!m) throw new Error(`not a period start: ${period}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  const start = new Date(Date.UTC(y, mo, d));
  const end =
    granularity === 'day'
      ? new Date(Date.UTC(y, mo, d + 1))
      : granularity === 'week'
        ? new Date(Date.UTC(y, mo, d + 7))
        : new Date(Date.UTC(y, mo + 1, 1));
  return { start, end };
}

/**
 * True when the bucket is not covered whole: the period starts after the bucket's start, ends
 * before the bucket's end, or the bucket is still running at `now`. An open-ended period (no
 * `from`/`to`) does not cut a bucket on that side.
 */
export function isPartialPeriod(
  period: string,
  granularity: Granularity,
  range: { from: Date | null; to: Date | null },
  now: Date,
): boolean {
  const { start, end } = periodBounds(period, granularity);
  if (range.from && range.from.getTime() > start.getTime()) return true;
  if (range.to && range.to.getTime() < end.getTime()) return true;
  return now.getTime() < end.getTime();
}
