/**
 * The rows the operator unticked, each asking for the reason the checker will read with the batch
 * ("paid by hand", "disputed conversions"). Create waits until every one has a reason.
 */
import { money } from '../../format';
import type { PreviewRow } from './types';

/** The shortest reason create accepts (the command says the same). */
export const MIN_REASON = 3;

/** Why create must wait, or null: every affiliate left out has a reason. */
export function reasonsMissing(
  leftOut: ReadonlyMap<string, PreviewRow>,
  reasons: Readonly<Record<string, string>>,
): string | null {
  const missing = [...leftOut.keys()].filter(
    (id) => (reasons[id] ?? '').trim().length < MIN_REASON,
  );
  if (missing.length === 0) return null;
  return `say why ${missing.length === 1 ? `${missing[0]} is` : `${missing.length} affiliates are`} left out (the checker reads it)`;
}

export function LeftOutReasons({
  leftOut,
  reasons,
  onChange,
}: {
  leftOut: ReadonlyMap<string, PreviewRow>;
  reasons: Readonly<Record<string, string>>;
  onChange(affiliateId: string, reason: string): void;
}) {
  if (leftOut.size === 0) return null;
  return (
    <div className="builder-left-out" data-testid="builder-left-out">
      <strong>Left out by you — say why for each (the checker sees it with the batch):</strong>
      {[...leftOut.values()].map((r) => (
        <label key={r.affiliateId} className="inline">
          <span className="mono">{r.affiliateId}</span> {r.name} ·{' '}
          <span className="amount">{money(r.amountMinor, r.currency)}</span>{' '}
          <input
            type="text"
            maxLength={500}
            value={reasons[r.affiliateId] ?? ''}
            onChange={(e) => onChange(r.affiliateId, e.target.value)}
            placeholder="Reason, e.g. paid by hand on the 3rd"
            aria-label={`Why ${r.affiliateId} is left out`}
            data-testid="builder-left-out-reason"
            data-affiliate={r.affiliateId}
          />
        </label>
      ))}
    </div>
  );
}
