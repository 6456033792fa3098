/**
 * Results kept between requests, for the console's grids over whole tables (payables, affiliate
 * performance, time series): at 100,000 affiliates and 1,000,000 commissions one aggregate takes
 * seconds on PGlite, and the grid asks for a page every time the operator scrolls or re-sorts.
 *
 * Why a kept result is never stale: it is built in one repeatable-read snapshot and remembers that
 * snapshot's xmin; while no write to its source tables is logged at or above it, nothing it was
 * made of has changed (central/changes.ts). Otherwise it is built again. While a calculation writes
 * in slices on the embedded store, its slices are looked past until it ends (central/lanes.ts): the
 * console sees the ledger as before it, as PostgreSQL readers see it before its one commit.
 */
import { changedSince, snapshotXmin } from '../central/changes.js';
import type { CentralStore, CentralTx } from '../central/store.js';

/**
 * Results kept per store, across all the queries that keep them (least recently used first out):
 * the unfiltered payables set, a few quick-filter terms, a report or two. Filtered sets are small;
 * an unfiltered one at 100,000 affiliates is a few tens of MB.
 */
const KEPT = 8;

interface Entry {
  xmin: string;
  /** The store's lanes' generation when built: background writing that ended since makes it old. */
  generation: number;
  sources: readonly string[];
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
export async function keptResult<T>(
  store: CentralStore,
  k: KeptKey,
  build: (tx: CentralTx) => Promise<T>,
  stillValid: (value: T) => boolean = () => true,
): Promise<T> {
  let map = kept.get(store);
  if (!map) kept.set(store, (map = new Map()));
  const entry = map.get(k.key);
  const current = (e: Entry) => e.generation === store.lanes.generation && stillValid(e.value as T);
  if (
    entry &&
    current(entry) &&
    !(await changedSince(store.db, entry.xmin, entry.sources, store.lanes.backgroundXids()))
  ) {
    map.delete(k.key);
    map.set(k.key, entry); // most recently used last
    return entry.value as T;
  }
  const fresh = await store.db.transaction(
    async (tx) => {
      // The first statement fixes the transaction's snapshot; its xmin is the one to check against.
      const generation = store.lanes.generation;
      const xmin = await snapshotXmin(tx);
      return { xmin, generation, sources: k.sources, value: await build(tx) };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
  map.delete(k.key);
  map.set(k.key, fresh);
  while (map.size > KEPT) map.delete(map.keys().next().value!);
  return fresh.value;
}
