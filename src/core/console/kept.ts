/**
 * Results kept between requests, for the console's grids over whole tables (payables, affiliate
 * performance, time series): at 100,000 affiliates and 1,000,000 commissions one aggregate takes
 * seconds on PGlite, and the grid asks for a page every time the operator scrolls or re-sorts.
 *
 * Why a kept result is never stale: every write to a synced table (affiliates, commissions,
 * adjustments, payouts, payout items, rules, …) appends to the change log, stamped with the writing
 * transaction's id (migration 0004; sync pulls from the same log). A result is built in one
 * repeatable-read snapshot and remembers that snapshot's xmin: every transaction whose writes the
 * snapshot could not see has an id at or above it. So while the log holds no row of the result's
 * source tables at or above that xmin, nothing it was made of has changed — one index probe on the
 * log's primary key says so. Otherwise it is built again.
 */
import { sql } from 'drizzle-orm';
import { rows, type CentralStore, type CentralTx } from '../central/store.js';
import { pgArray } from '../central/arrays.js';

/**
 * Results kept per store, across all the queries that keep them (least recently used first out):
 * the unfiltered payables set, a few quick-filter terms, a report or two. Filtered sets are small;
 * an unfiltered one at 100,000 affiliates is a few tens of MB.
 */
const KEPT = 8;

interface Entry {
  xmin: string;
  sources: string;
  value: unknown;
}

const kept = new WeakMap<CentralStore, Map<string, Entry>>();

export interface KeptKey {
  /** The query and its filters: one kept result each. */
  key: string;
  /** The tables the result is computed from (their change_log `tbl`). */
  sources: readonly string[];
}

/**
 * The kept result for `key` when nothing it was made of has changed since, else a new one from
 * `build`, run in one read-only repeatable-read transaction. `stillValid` may refuse a kept value
 * for reasons outside the tables (the rule version in force changes with time).
 */
export async function keptResult<T>(store: CentralStore, k: KeptKey, build: (tx: CentralTx) => Promise<T>, stillValid: (value: T) => boolean = () => true): Promise<T> {
  let map = kept.get(store);
  if (!map) kept.set(store, (map = new Map()));
  const entry = map.get(k.key);
  if (entry && stillValid(entry.value as T) && !(await changedSince(store, entry))) {
    map.delete(k.key);
    map.set(k.key, entry); // most recently used last
    return entry.value as T;
  }
  const sources = pgArray([...k.sources]);
  const fresh = await store.db.transaction(
    async (tx) => {
      // The first statement fixes the transaction's snapshot; its xmin is the one to check against.
      const [snapshot] = await rows<{ xmin: string }>(tx, sql`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin`);
      return { xmin: snapshot!.xmin, sources, value: await build(tx) };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  map.delete(k.key);
  map.set(k.key, fresh);
  while (map.size > KEPT) map.delete(map.keys().next().value!);
  return fresh.value;
}

async function changedSince(store: CentralStore, entry: Entry): Promise<boolean> {
  const [r] = await rows<{ changed: boolean }>(
    store.db,
    sql`SELECT EXISTS (SELECT 1 FROM change_log WHERE xid >= ${entry.xmin}::xid8 AND tbl = ANY(${entry.sources}::text[])) AS changed`,
  );
  return r!.changed;
}
