/**
 * What a bulk action on several payouts says when it ends: "3 retried, 1 refused: <why>". Pure (no
 * bridge), so that its words are tested on their own (test/renderer/bulk-outcome.test.ts).
 */
import { count } from '../../format';

/** One payout a bulk action names. */
export interface BulkItem {
  payoutId: string;
  batchId: string;
  batchNumber: string;
  /** Who it pays, for the summary ("A-0012"). */
  affiliateId: string;
  currency: string;
  amountMinor: string;
  /** Why this action does not apply to it (known before asking the server), or null. */
  refusal: string | null;
}

export interface BulkOutcome {
  done: number;
  refused: { affiliateId: string; why: string }[];
}

/**
 * "3 retried, 1 refused: A-0012 is pending: only a failed payout can be retried". Refusals of the
 * same reason are said once, with the payouts they concern.
 */
export function bulkSummary(verb: string, outcome: BulkOutcome): string {
  const head = `${count(outcome.done)} ${verb}`;
  if (outcome.refused.length === 0) return head;
  const byWhy = new Map<string, string[]>();
  for (const r of outcome.refused) byWhy.set(r.why, [...(byWhy.get(r.why) ?? []), r.affiliateId]);
  const reasons = [...byWhy].map(([why, who]) =>
    who.length <= 3
      ? `${who.join(', ')}: ${why}`
      : `${who.slice(0, 3).join(', ')} and ${count(who.length - 3)} more: ${why}`,
  );
  return `${head}, ${count(outcome.refused.length)} refused — ${reasons.join('; ')}`;
}

/** The items grouped by batch (a retry is one set-based call per batch). */
export function byBatch(items: readonly BulkItem[]): Map<string, BulkItem[]> {
  const groups = new Map<string, BulkItem[]>();
  for (const item of items) groups.set(item.batchId, [...(groups.get(item.batchId) ?? []), item]);
  return groups;
}

/** The amounts of the items, per currency (for the confirmation). */
export function sumsOfItems(
  items: readonly BulkItem[],
): { currency: string; payouts: number; amountMinor: string }[] {
  const sums = new Map<string, { payouts: number; amount: bigint }>();
  for (const i of items) {
    const s = sums.get(i.currency) ?? { payouts: 0, amount: 0n };
    sums.set(i.currency, { payouts: s.payouts + 1, amount: s.amount + BigInt(i.amountMinor) });
  }
  return [...sums]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, s]) => ({ currency, payouts: s.payouts, amountMinor: s.amount.toString() }));
}
