/**
 * A payout above its channel's maximum, where the provider takes several transfers, is sent in
 * parts (the preview's `parts`, minor units): each part is its own payout in the batch. These say
 * so in words; equal parts are said once with their count ("6 × IDR 19,223,097.00"), the amounts
 * compared as the exact strings they are.
 */
import { money } from '../../format';

export const partsCount = (parts: readonly string[] | null | undefined) =>
  parts && parts.length > 1 ? parts.length : 1;

export function partsBadge(parts: readonly string[] | null | undefined): string {
  return partsCount(parts) > 1 ? `${parts!.length} parts` : '';
}

export function partsSummary(
  parts: readonly string[] | null | undefined,
  currency: string,
): string {
  if (partsCount(parts) === 1) return '';
  const runs: { amount: string; n: number }[] = [];
  for (const p of parts!) {
    const last = runs.at(-1);
    if (last && last.amount === p) last.n++;
    else runs.push({ amount: p, n: 1 });
  }
  const list = runs
    .map((r) => (r.n > 1 ? `${r.n} × ${money(r.amount, currency)}` : money(r.amount, currency)))
    .join(' + ');
  return `Above the channel's maximum: sent as ${parts!.length} transfers, ${list}`;
}
