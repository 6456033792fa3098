/**
 * The report aggregates: figures per UTC day (report_days) and per affiliate (report_affiliates),
 * maintained by the writes that change them — statement-level triggers of migration 0012 on
 * conversions, commissions, adjustments, payouts, payout attempts and affiliates — so that a report
 * sums a few thousand rows, not a million, and answers in well under a second at real size.
 *
 * When a report is served from them: a period of whole UTC days (or none), and no affiliate or
 * batch filter — what the console asks. Anything finer (an instant inside a day, one affiliate, one
 * batch) reads the source tables as before: still exact, and those filters are narrow by nature.
 * Both paths date and count alike: the facts are defined once in SQL (migration 0012), and the
 * tests recompute them from the tables after random operations and compare to the minor unit.
 *
 * The triggers append signed deltas (never update a row in place, so a long calc never makes an
 * execution wait on a hot aggregate row); `compactReportAggregates` folds them into one row per
 * key.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import type { Filters } from './filters.js';

const DAY = 86_400_000;

const wholeDay = (d: Date | null) => d === null || d.getTime() % DAY === 0;

/** Whether these filters can be answered from the aggregates (see above). */
export function servedByAggregates(f: Filters): boolean {
  return wholeDay(f.from) && wholeDay(f.to) && f.affiliate === null && f.batch === null;
}

/** The period as a condition on report_days.day (whole UTC days, [from, to)). */
export function dayRange(f: Filters, day: SQL = sql`r.day`): SQL {
  const parts: SQL[] = [];
  if (f.from) parts.push(sql`${day} >= ${f.from.toISOString().slice(0, 10)}::date`);
  if (f.to) parts.push(sql`${day} < ${f.to.toISOString().slice(0, 10)}::date`);
  return parts.length === 0 ? sql`TRUE` : sql.join(parts, sql` AND `);
}

/**
 * Folds the deltas into one row per key (zero rows dropped). Skipped when another transaction is
 * compacting: it never waits, and deltas are correct whether folded or not.
 */
export async function compactReportAggregates(tx: CentralTx): Promise<void> {
  const [got] = await rows<{ ok: boolean }>(
    tx,
    sql`SELECT pg_try_advisory_xact_lock(hashtext('treasury.reports.compact')) AS ok`,
  );
  if (!got?.ok) return;
  // Only keys with more than one row are rewritten: a calc over a whole ledger leaves one delta per
  // affiliate, and rewriting 100,000 rows that are already folded would cost seconds for nothing.
  await tx.execute(sql`WITH many AS (SELECT day, currency, provider, fact, status FROM report_days GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1),
      gone AS (DELETE FROM report_days r USING many m
               WHERE (r.day, r.currency, r.provider, r.fact, r.status) = (m.day, m.currency, m.provider, m.fact, m.status) RETURNING r.*)
    INSERT INTO report_days (day, currency, provider, fact, status, n, amount_minor)
    SELECT day, currency, provider, fact, status, sum(n), sum(amount_minor) FROM gone GROUP BY 1, 2, 3, 4, 5
    HAVING sum(n) <> 0 OR sum(amount_minor) <> 0`);
  await tx.execute(sql`WITH many AS (SELECT affiliate_id, currency FROM report_affiliates GROUP BY 1, 2 HAVING count(*) > 1),
      gone AS (DELETE FROM report_affiliates r USING many m WHERE r.affiliate_id = m.affiliate_id AND r.currency = m.currency RETURNING r.*)
    INSERT INTO report_affiliates (affiliate_id, currency, entries, conversions, revenue_minor, commissions_minor, paid_minor, pending_minor, payable_minor, clawed_minor)
    SELECT affiliate_id, currency, sum(entries), sum(conversions), sum(revenue_minor), sum(commissions_minor), sum(paid_minor), sum(pending_minor), sum(payable_minor), sum(clawed_minor)
    FROM gone GROUP BY 1, 2
    HAVING sum(entries) <> 0 OR sum(conversions) <> 0 OR sum(revenue_minor) <> 0 OR sum(commissions_minor) <> 0
        OR sum(paid_minor) <> 0 OR sum(pending_minor) <> 0 OR sum(payable_minor) <> 0 OR sum(clawed_minor) <> 0`);
  // What a batch could take (batches/preview.ts): a key with nothing open is dropped with its
  // bound.
  await tx.execute(sql`WITH many AS (SELECT affiliate_id, currency FROM open_commissions GROUP BY 1, 2 HAVING count(*) > 1),
      gone AS (DELETE FROM open_commissions r USING many m WHERE r.affiliate_id = m.affiliate_id AND r.currency = m.currency RETURNING r.*)
    INSERT INTO open_commissions (affiliate_id, currency, payable_minor, payable_count, pending_minor, pending_count, held_count, available_until)
    SELECT affiliate_id, currency, sum(payable_minor), sum(payable_count), sum(pending_minor), sum(pending_count), sum(held_count), max(available_until)
    FROM gone GROUP BY 1, 2
    HAVING sum(payable_minor) <> 0 OR sum(payable_count) <> 0 OR sum(pending_minor) <> 0 OR sum(pending_count) <> 0 OR sum(held_count) <> 0`);
}

/** One aggregate key and its figures, as text (for comparing maintained with recomputed). */
type Figures = Record<string, string>;

/**
 * The aggregates (both reports' and the open commissions') as maintained and as recomputed from the
 * tables now, keyed alike: equal in every key and figure when the triggers kept up (the tests'
 * check; also a diagnostic).
 */
export async function aggregatesCheck(
  tx: CentralTx,
): Promise<{ maintained: Figures; recomputed: Figures }> {
  const [q] = await rows<{ days: string; affiliates: string; open: string }>(
    tx,
    sql`SELECT treasury_report_recomputed('days') AS days, treasury_report_recomputed('affiliates') AS affiliates,
               treasury_open_facts('commissions', 1) AS open`,
  );
  const days = (from: SQL) =>
    rows<{ k: string; v: string }>(
      tx,
      sql`SELECT concat_ws('|', 'day', day, currency, provider, fact, status) AS k, concat_ws('|', n, amount) AS v FROM (${from}) x(day, currency, provider, fact, status, n, amount)`,
    );
  const affiliates = (from: SQL) =>
    rows<{ k: string; v: string }>(
      tx,
      sql`SELECT concat_ws('|', 'aff', affiliate_id, currency) AS k, concat_ws('|', entries, conversions, revenue, commissions, paid, pending, payable, clawed) AS v
          FROM (${from}) x(affiliate_id, currency, entries, conversions, revenue, commissions, paid, pending, payable, clawed)`,
    );
  const open = (from: SQL) =>
    rows<{ k: string; v: string }>(
      tx,
      sql`SELECT concat_ws('|', 'open', affiliate_id, currency) AS k, concat_ws('|', payable, payable_count, pending, pending_count, held_count) AS v
          FROM (${from}) x(affiliate_id, currency, payable, payable_count, pending, pending_count, held_count)`,
    );
  // Each key's bound is at or after the latest hold end of its open payable commissions.
  const [bounds] = await rows<{ k: string; v: string }>(
    tx,
    sql`SELECT 'open bounds behind' AS k, count(*)::text AS v FROM (
          SELECT m.affiliate_id, trim(m.currency) AS currency, max(m.available_at) AS latest FROM commissions m
          WHERE m.status = 'payable' AND NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.commission_id = m.id AND l.live) GROUP BY 1, 2) t
        LEFT JOIN (SELECT affiliate_id, currency, max(available_until) AS until FROM open_commissions GROUP BY 1, 2) o USING (affiliate_id, currency)
        WHERE o.until IS NULL OR o.until < t.latest`,
  );
  const keyed = (list: { k: string; v: string }[][]) =>
    Object.fromEntries(list.flat().map((r) => [r.k, r.v]));
  return {
    maintained: keyed([
      await days(
        sql`SELECT day, currency, provider, fact, status, sum(n), sum(amount_minor) FROM report_days GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0 OR sum(amount_minor) <> 0`,
      ),
      await affiliates(sql`SELECT affiliate_id, currency, sum(entries), sum(conversions), sum(revenue_minor), sum(commissions_minor), sum(paid_minor), sum(pending_minor), sum(payable_minor), sum(clawed_minor)
                           FROM report_affiliates GROUP BY 1, 2
                           HAVING sum(entries) <> 0 OR sum(conversions) <> 0 OR sum(revenue_minor) <> 0 OR sum(commissions_minor) <> 0
                               OR sum(paid_minor) <> 0 OR sum(pending_minor) <> 0 OR sum(payable_minor) <> 0 OR sum(clawed_minor) <> 0`),
      await open(sql`SELECT affiliate_id, currency, sum(payable_minor), sum(payable_count), sum(pending_minor), sum(pending_count), sum(held_count)
                     FROM open_commissions GROUP BY 1, 2
                     HAVING sum(payable_minor) <> 0 OR sum(payable_count) <> 0 OR sum(pending_minor) <> 0 OR sum(pending_count) <> 0 OR sum(held_count) <> 0`),
      [bounds!],
    ]),
    recomputed: keyed([
      await days(sql.raw(q!.days)),
      await affiliates(sql.raw(q!.affiliates)),
      await open(
        sql`SELECT affiliate_id, currency, payable, payable_count, pending, pending_count, held_count FROM (${sql.raw(q!.open)}) o`,
      ),
      [{ k: 'open bounds behind', v: '0' }],
    ]),
  };
}
