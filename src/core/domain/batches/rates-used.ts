/**
 * The FX rates a batch records: only the pairs some of its payouts convert with. Shared by the
 * central create and the offline one, so both hash the same rates.
 */
import type { PreviewRow } from './preview.js';

export function ratesUsed(
  fxRates: Readonly<Record<string, string>> | undefined,
  payouts: readonly PreviewRow[],
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fxRates ?? {}).filter(([pair]) =>
      payouts.some((r) => r.fxRate !== null && `${r.sourceCurrency}/${r.currency}` === pair),
    ),
  );
}
