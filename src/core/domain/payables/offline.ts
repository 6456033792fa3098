/**
 * The payables grid and the dashboard's totals offline: the same decided set as centrally
 * (payables.ts, PayablesSet) over the cache's mirrors as last pulled.
 */
import type { LocalCache } from '../../platform/cache/cache.js';
import { payableTotalsOffline, rulesInForce } from '../calculation/offline.js';
import { PayablesSet } from './payables.js';

/**
 * Offline too, the decided payables set is kept between requests (a SQLite aggregate over a million
 * mirrored commissions takes seconds). The mirrors change only through a pull (it moves the cursor
 * and the last-pull time in sync_state), through commands prepared offline and their settling or
 * discarding (the outbox), or through another connection (another process syncing: SQLite's
 * data_version). A set is kept while none of those has moved.
 */
const keptOffline = new WeakMap<
  LocalCache,
  Map<string, { stamp: string; version: number | null; set: PayablesSet }>
>();

function mirrorsStamp(cache: LocalCache): string {
  const other = cache.sqlite.pragma('data_version', { simple: true }) as number;
  const { state } = cache.sqlite
    .prepare(
      "SELECT group_concat(key || '=' || value, ';') AS state FROM (SELECT key, value FROM sync_state ORDER BY key)",
    )
    .get() as { state: string | null };
  const { outbox } = cache.sqlite
    .prepare(
      "SELECT count(*) || ':' || coalesce(max(seq), 0) || ':' || coalesce(sum(status = 'pending'), 0) || ':' || coalesce(sum(status = 'rejected'), 0) AS outbox FROM outbox",
    )
    .get() as { outbox: string };
  return `${other}|${state ?? ''}|${outbox}`;
}

export function payablesSet(
  cache: LocalCache,
  filter: { currency?: string | undefined; search?: string | undefined },
  now: Date,
): PayablesSet {
  const term = filter.search?.trim().toLowerCase() ?? '';
  const key = JSON.stringify([filter.currency ?? null, term]);
  const stamp = mirrorsStamp(cache);
  const rules = rulesInForce(cache, now);
  let sets = keptOffline.get(cache);
  if (!sets) keptOffline.set(cache, (sets = new Map()));
  const kept = sets.get(key);
  if (kept && kept.stamp === stamp && kept.version === (rules?.version ?? null)) return kept.set;
  const totals = payableTotalsOffline(cache, filter.currency).filter(
    (t) =>
      !term || t.affiliate_id.toLowerCase().includes(term) || t.name.toLowerCase().includes(term),
  );
  const set = PayablesSet.fromTotals(totals, rules?.rules, now);
  sets.delete(key);
  sets.set(key, { stamp, version: rules?.version ?? null, set });
  while (sets.size > 4) sets.delete(sets.keys().next().value!);
  return set;
}
