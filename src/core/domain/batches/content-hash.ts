/**
 * The content hash an approval is bound to: any change to what a batch would pay — a payout, an
 * amount, a currency, a destination, an FX rate, the commissions and adjustments behind a payout —
 * changes the hash, so approvals given for other content are void.
 *
 * Canonical form: payouts sorted by affiliate id (then part), items by kind then id, FX rates by
 * currency pair; amounts as integer minor-unit strings. The hash ignores order of input and nothing
 * else.
 */
import { createHash } from 'node:crypto';

export interface HashedPayout {
  affiliateId: string;
  amountMinor: bigint;
  currency: string;
  sourceAmountMinor: bigint;
  sourceCurrency: string;
  fxRate: string | null;
  provider: string;
  channelCode: string;
  accountNumber: string;
  accountHolderName: string;
  commissionIds: readonly string[];
  adjustmentIds: readonly string[];
  /** Part k of n of a split payout; absent (or 1 of 1) when not split. */
  splitPart?: number;
  splitParts?: number;
}

export interface HashedBatch {
  batchId: string;
  payouts: readonly HashedPayout[];
  /** "FROM/TO" → rate text, as snapshotted on the batch. */
  fxRates: Readonly<Record<string, string>>;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function batchContentHash(batch: HashedBatch): string {
  const payouts = [...batch.payouts]
    .sort(
      (a, b) => byString(a.affiliateId, b.affiliateId) || (a.splitPart ?? 1) - (b.splitPart ?? 1),
    )
    .map((p) => [
      p.affiliateId,
      p.amountMinor.toString(),
      p.currency,
      p.sourceAmountMinor.toString(),
      p.sourceCurrency,
      p.fxRate,
      p.provider,
      p.channelCode,
      p.accountNumber,
      p.accountHolderName,
      [...p.commissionIds].sort(byString),
      [...p.adjustmentIds].sort(byString),
      // Only split payouts say which part they are: the hash of every other batch stays as it was.
      ...((p.splitParts ?? 1) > 1 ? [`${p.splitPart}/${p.splitParts}`] : []),
    ]);
  const rates = Object.keys(batch.fxRates)
    .sort(byString)
    .map((k) => [k, batch.fxRates[k]!]);
  // Arrays of strings only: JSON.stringify is then canonical by construction.
  return createHash('sha256')
    .update(JSON.stringify(['treasury-batch-v1', batch.batchId, payouts, rates]))
    .digest('hex');
}
