/**
 * What a backup must bring back: row counts of the tables that hold the ledger, money totals per
 * currency and status (bigint minor units, as text), and the audit chain's head. Recorded in a
 * backup's manifest when it is taken and compared after a restore (backup/restore.ts) — the drill's
 * "balances equal", checked by the program itself on every restore.
 */
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';

export interface LedgerSummary {
  tables: Record<string, string>;
  /** "<table>:<currency>:<status or kind>" → sum of amount_minor. */
  money: Record<string, string>;
  audit: { seq: string; head: string };
}

const COUNTED = [
  'operators',
  'affiliates',
  'conversions',
  'commissions',
  'adjustments',
  'payout_batches',
  'payouts',
  'payout_items',
  'payout_attempts',
  'provider_events',
  'reconciliation_runs',
  'audit_log',
] as const;

export async function ledgerSummary(tx: CentralTx): Promise<LedgerSummary> {
  const counts = await rows<{ t: string; n: string }>(
    tx,
    sql.raw(
      COUNTED.map((t) => `SELECT '${t}' AS t, count(*)::text AS n FROM ${t}`).join(' UNION ALL '),
    ),
  );
  const sums = await rows<{ k: string; s: string }>(
    tx,
    sql`SELECT 'commissions:' || currency || ':' || status AS k, sum(amount_minor)::text AS s FROM commissions GROUP BY 1
        UNION ALL SELECT 'adjustments:' || currency || ':' || kind, sum(amount_minor)::text FROM adjustments GROUP BY 1
        UNION ALL SELECT 'payouts:' || currency || ':' || status, sum(amount_minor)::text FROM payouts GROUP BY 1
        ORDER BY 1`,
  );
  const [head] = await rows<{ seq: string; hash: string }>(
    tx,
    sql`SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1`,
  );
  return {
    tables: Object.fromEntries(counts.map((r) => [r.t, r.n])),
    money: Object.fromEntries(sums.map((r) => [r.k, r.s])),
    audit: { seq: head?.seq ?? '0', head: head?.hash ?? '' },
  };
}

/** Differences between two summaries, in words (empty: equal). */
export function compareSummaries(expected: LedgerSummary, actual: LedgerSummary): string[] {
  const out: string[] = [];
  const each = (what: string, a: Record<string, string>, b: Record<string, string>) => {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      if (a[k] !== b[k])
        out.push(`${what} ${k}: backup has ${a[k] ?? 'none'}, restored has ${b[k] ?? 'none'}`);
  };
  each('rows of', expected.tables, actual.tables);
  each('total', expected.money, actual.money);
  if (expected.audit.seq !== actual.audit.seq || expected.audit.head !== actual.audit.head) {
    out.push(
      `audit head: backup has #${expected.audit.seq} ${expected.audit.head.slice(0, 12)}…, restored has #${actual.audit.seq} ${actual.audit.head.slice(0, 12)}…`,
    );
  }
  return out;
}
