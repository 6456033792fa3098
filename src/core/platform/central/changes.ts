/**
 * Has anything changed since a snapshot? Every write to a synced table (affiliates, commissions,
 * adjustments, payouts, payout items, batches, rules, operators, …) appends to the change log,
 * stamped with the writing transaction's id (migrations 0003/0004; sync pulls from the same log).
 * A repeatable-read snapshot's xmin bounds what it could not see: every transaction whose writes it
 * missed has an id at or above it. So while the log holds no row of the given tables at or above
 * that xmin, those tables are as the snapshot saw them — one range probe on the log's primary key.
 *
 * Used to keep results between requests (console/kept.ts) and to read a long export in short
 * slices that still make one snapshot (reports/export-file.ts).
 */
import { sql } from 'drizzle-orm';
import { pgArray } from './arrays.js';
import { rows, type CentralTx } from './store.js';

/**
 * The xmin of the transaction's snapshot (its first statement fixes the snapshot under repeatable
 * read).
 */
export async function snapshotXmin(tx: CentralTx): Promise<string> {
  const [snapshot] = await rows<{ xmin: string }>(
    tx,
    sql`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`,
  );
  return snapshot!.xmin;
}

/**
 * True when a transaction at or above `xmin`, other than those in `ignore`, wrote to one of
 * `tables`.
 */
export async function changedSince(
  tx: CentralTx,
  xmin: string,
  tables: readonly string[],
  ignore: readonly string[] = [],
): Promise<boolean> {
  const [r] = await rows<{ changed: boolean }>(
    tx,
    sql`SELECT EXISTS (SELECT 1 FROM change_log WHERE xid >= ${xmin}::xid8 AND tbl = ANY(${pgArray([...tables])}::text[])
                       AND xid <> ALL(${pgArray([...ignore])}::xid8[])) AS changed`,
  );
  return r!.changed;
}
