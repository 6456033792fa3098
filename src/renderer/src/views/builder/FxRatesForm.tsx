/**
 * FX rates, asked only for the pairs the preview found: affiliates earning in one currency and paid
 * in another (`USD/IDR` = IDR per USD). A rate is a decimal (16250.5) or a fraction (32501/2); the
 * server checks it and its message is shown under the field.
 */
import { count } from '../../format';

export interface FxNeed {
  pair: string;
  affiliates: number;
  /** Rows still excluded for want of this rate (after the last preview). */
  missing: number;
}

export function FxRatesForm({
  needs,
  rates,
  errors,
  onChange,
}: {
  needs: FxNeed[];
  rates: Record<string, string>;
  errors: Record<string, string>;
  onChange(pair: string, rate: string): void;
}) {
  if (needs.length === 0) return null;
  return (
    <div className="fx-rates" data-testid="builder-fx">
      <h2>FX rates needed</h2>
      <p className="muted small">
        These affiliates earn in one currency and are paid in another. Enter the rate, then preview
        again.
      </p>
      <div className="row">
        {needs.map((n) => {
          const id = `fx-${n.pair.replace('/', '-')}`;
          const [from, to] = n.pair.split('/');
          return (
            <div key={n.pair} className="fx-pair">
              <label htmlFor={id}>
                {n.pair} — {to} per 1 {from} ({count(n.affiliates)} affiliates
                {n.missing > 0 ? `, ${count(n.missing)} waiting for it` : ''})
              </label>
              <input
                id={id}
                type="text"
                inputMode="decimal"
                placeholder="e.g. 16250.5 or 32501/2"
                value={rates[n.pair] ?? ''}
                onChange={(e) => onChange(n.pair, e.target.value)}
                aria-invalid={errors[n.pair] ? true : undefined}
                aria-describedby={errors[n.pair] ? `${id}-error` : undefined}
                data-testid={`builder-fx-${n.pair}`}
              />
              {errors[n.pair] && (
                <span
                  className="error small"
                  id={`${id}-error`}
                  role="alert"
                  data-testid={`builder-fx-${n.pair}-error`}
                >
                  {errors[n.pair]}
                </span>
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}
