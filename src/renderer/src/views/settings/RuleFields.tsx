/**
 * The commission rule set as a form: rates in percent, tiers row by row, hold days, minimum payout
 * per currency and the payout schedule. It edits the same document the JSON tab shows (the
 * document is the one truth; every change here writes it again), so the two never drift. Parts the
 * form does not cover (flat amounts, caps, product overrides' flat parts) stay as they are and are
 * edited in the JSON tab. Amounts are typed as displayed ("2,500.00"); rates as "10" or "2.5".
 */
import { useState } from 'react';
import {
  formatAmount,
  parseDisplayedAmount,
  type RuleSetDocument,
} from '../../../../core/host/bridge/contract';
import { bpsOfPercent, percentOfBps } from '../../../../core/shared/rate';
import { FieldError } from '../common/FieldError';
import { money } from '../../format';

type Doc = RuleSetDocument;
type Weekday = Extract<Doc['payoutSchedule'], { frequency: 'weekly' }>['weekday'];
/** The rule set's weekdays (its schema's enum); the record makes a missing or extra one an error. */
const WEEKDAYS = Object.keys({
  monday: 1,
  tuesday: 1,
  wednesday: 1,
  thursday: 1,
  friday: 1,
  saturday: 1,
  sunday: 1,
} satisfies Record<Weekday, 1>) as Weekday[];
type Tiers = NonNullable<Doc['tiers']>;

/** A text input kept as typed until it reads as a value; only a valid value reaches the document. */
function DraftInput({
  value,
  read,
  onValue,
  label,
  testId,
  size = 10,
}: {
  value: string;
  read(text: string): { ok: true; text: string } | { ok: false; error: string };
  onValue(text: string): void;
  label: string;
  testId: string;
  size?: number;
}) {
  const [text, setText] = useState(value);
  const [from, setFrom] = useState(value);
  // The document changed elsewhere (the JSON tab, a revert): start again from it.
  if (value !== from) {
    setFrom(value);
    setText(value);
  }
  const r = read(text);
  return (
    <span className="field">
      <input
        value={text}
        size={size}
        aria-label={label}
        aria-invalid={!r.ok}
        data-testid={testId}
        onChange={(e) => {
          setText(e.target.value);
          const next = read(e.target.value);
          if (next.ok && next.text !== value) {
            setFrom(next.text);
            onValue(next.text);
          }
        }}
      />
      <FieldError message={r.ok ? undefined : r.error} />
    </span>
  );
}

/** The percent text of a rate in bps, without the " %" (the input sits next to a % sign). */
const percentText = (bps: number) => percentOfBps(bps).replace(/ %$/, '').replace(/,/g, '');

function RateInput({
  bps,
  onBps,
  label,
  testId,
}: {
  bps: number;
  onBps(bps: number): void;
  label: string;
  testId: string;
}) {
  return (
    <span className="rule-rate">
      <DraftInput
        value={percentText(bps)}
        size={6}
        label={label}
        testId={testId}
        read={(t) => {
          const r = bpsOfPercent(t);
          if ('error' in r) return { ok: false, error: r.error };
          if (r.bps > 10_000) return { ok: false, error: 'a rate above 100 % is not allowed' };
          return { ok: true, text: percentText(r.bps) };
        }}
        onValue={(t) => onBps((bpsOfPercent(t) as { bps: number }).bps)}
      />{' '}
      %
    </span>
  );
}

function AmountInput({
  amount,
  currency,
  onAmount,
  label,
  testId,
}: {
  amount: string | undefined;
  currency: string;
  onAmount(decimal: string): void;
  label: string;
  testId: string;
}) {
  // Shown as the console shows amounts; stored as the plain decimal the rule file uses.
  const shown = (decimal: string | undefined) => {
    if (decimal === undefined) return '';
    try {
      const minor = parseDisplayedAmount(decimal, currency, { allowNegative: true });
      return money(minor.toString(), currency).replace(`${currency} `, '');
    } catch {
      return decimal;
    }
  };
  return (
    <DraftInput
      value={shown(amount)}
      label={label}
      testId={testId}
      read={(t) => {
        try {
          return {
            ok: true,
            text: shown(formatAmount(parseDisplayedAmount(t, currency), currency)),
          };
        } catch (error) {
          return { ok: false, error: (error as Error).message };
        }
      }}
      onValue={(t) => onAmount(formatAmount(parseDisplayedAmount(t, currency), currency))}
    />
  );
}

const zeroes = (currencies: readonly string[]) =>
  Object.fromEntries(currencies.map((c) => [c, '0']));

export function RuleFields({ doc, onDoc }: { doc: Doc; onDoc(doc: Doc): void }) {
  const currencies = Array.isArray(doc.currencies) ? doc.currencies : [];
  const set = (patch: Partial<Doc>) => onDoc({ ...doc, ...patch });
  const tiers = doc.tiers;
  const setTiers = (t: Tiers | undefined) => {
    const { tiers: _drop, ...rest } = doc;
    onDoc(t ? { ...rest, tiers: t } : rest);
  };
  const brackets = (tiers?.brackets ?? []) as { from: unknown; percentBps: number }[];
  const setBracket = (i: number, b: { from?: unknown; percentBps?: number }) =>
    setTiers({
      ...tiers!,
      brackets: brackets.map((x, j) => (j === i ? { ...x, ...b } : x)),
    } as Tiers);
  const schedule = doc.payoutSchedule;

  return (
    <div className="rule-form" data-testid="rules-form">
      <fieldset>
        <legend>Rate and hold</legend>
        <label className="inline">
          Base rate
          <RateInput
            bps={doc.percentBps}
            onBps={(percentBps) => set({ percentBps })}
            label="Base rate in percent"
            testId="rules-rate"
          />
        </label>
        <label className="inline">
          Hold days
          <DraftInput
            value={String(doc.holdDays)}
            size={5}
            label="Hold days"
            testId="rules-hold"
            read={(t) =>
              /^\d{1,4}$/.test(t.trim()) && Number(t) <= 3650
                ? { ok: true, text: String(Number(t)) }
                : { ok: false, error: 'a whole number of days from 0 to 3,650' }
            }
            onValue={(t) => set({ holdDays: Number(t) })}
          />
        </label>
        <span className="muted small">
          Currencies: {currencies.join(', ') || 'none'} (changed in the JSON tab)
        </span>
      </fieldset>

      <fieldset>
        <legend>Minimum payout per currency</legend>
        {currencies.map((c) => (
          <label key={c} className="inline">
            {c}
            <AmountInput
              amount={doc.minimumPayout?.[c]}
              currency={c}
              onAmount={(v) => set({ minimumPayout: { ...doc.minimumPayout, [c]: v } })}
              label={`Minimum payout in ${c}`}
              testId={`rules-minimum-${c}`}
            />
          </label>
        ))}
      </fieldset>

      <fieldset>
        <legend>Payout schedule</legend>
        <label className="inline">
          Paid
          <select
            value={schedule?.frequency ?? 'monthly'}
            data-testid="rules-frequency"
            onChange={(e) =>
              set({
                payoutSchedule:
                  e.target.value === 'weekly'
                    ? { frequency: 'weekly', weekday: 'monday' }
                    : { frequency: 'monthly', day: 1 },
              })
            }
          >
            <option value="monthly">monthly</option>
            <option value="weekly">weekly</option>
          </select>
        </label>
        {schedule?.frequency === 'weekly' ? (
          <label className="inline">
            on
            <select
              value={schedule.weekday}
              data-testid="rules-weekday"
              onChange={(e) =>
                set({
                  payoutSchedule: {
                    frequency: 'weekly',
                    weekday: e.target.value as Weekday,
                  },
                })
              }
            >
              {WEEKDAYS.map((d) => (
                <option key={d} value={d}>
                  {d.charAt(0).toUpperCase() + d.slice(1)}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label className="inline">
            on day
            <DraftInput
              value={String(schedule?.day ?? 1)}
              size={3}
              label="Day of the month"
              testId="rules-day"
              read={(t) =>
                /^\d{1,2}$/.test(t.trim()) && Number(t) >= 1 && Number(t) <= 31
                  ? { ok: true, text: String(Number(t)) }
                  : { ok: false, error: 'a day of the month, 1 to 31' }
              }
              onValue={(t) => set({ payoutSchedule: { frequency: 'monthly', day: Number(t) } })}
            />
          </label>
        )}
      </fieldset>

      <fieldset>
        <legend>Tiers</legend>
        {tiers ? (
          <>
            <p className="muted small">
              By {tiers.basis === 'net_revenue' ? 'net revenue' : 'number of conversions'} per{' '}
              {tiers.period},{' '}
              {tiers.mode === 'marginal'
                ? 'each bracket on its part'
                : 'the whole amount at the reached bracket'}{' '}
              (basis, mode and period in the JSON tab).
            </p>
            <table className="facts rule-tiers">
              <thead>
                <tr>
                  <th>From</th>
                  <th>Rate</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {brackets.map((b, i) => (
                  <tr key={i} data-testid={`rules-tier-${i}`}>
                    <td>
                      {tiers.basis === 'conversion_count' ? (
                        <DraftInput
                          value={String(b.from as number)}
                          size={8}
                          label={`Bracket ${i + 1} starts at (conversions)`}
                          testId={`rules-tier-${i}-from`}
                          read={(t) =>
                            /^\d{1,9}$/.test(t.trim().replace(/,/g, ''))
                              ? { ok: true, text: String(Number(t.trim().replace(/,/g, ''))) }
                              : { ok: false, error: 'a whole number of conversions' }
                          }
                          onValue={(t) => setBracket(i, { from: Number(t) })}
                        />
                      ) : (
                        currencies.map((c) => (
                          <label key={c} className="inline">
                            {c}
                            <AmountInput
                              amount={(b.from as Record<string, string>)[c]}
                              currency={c}
                              onAmount={(v) =>
                                setBracket(i, {
                                  from: { ...(b.from as Record<string, string>), [c]: v },
                                })
                              }
                              label={`Bracket ${i + 1} starts at (${c})`}
                              testId={`rules-tier-${i}-from-${c}`}
                            />
                          </label>
                        ))
                      )}
                    </td>
                    <td>
                      <RateInput
                        bps={b.percentBps}
                        onBps={(percentBps) => setBracket(i, { percentBps })}
                        label={`Bracket ${i + 1} rate in percent`}
                        testId={`rules-tier-${i}-rate`}
                      />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="btn plain"
                        disabled={brackets.length === 1}
                        title={
                          brackets.length === 1 ? 'tiers need at least one bracket' : undefined
                        }
                        onClick={() =>
                          setTiers({
                            ...tiers,
                            brackets: brackets.filter((_, j) => j !== i),
                          } as Tiers)
                        }
                        data-testid={`rules-tier-${i}-remove`}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="row">
              <button
                type="button"
                className="btn"
                data-testid="rules-tier-add"
                onClick={() => {
                  const last = brackets.at(-1);
                  setTiers({
                    ...tiers,
                    brackets: [
                      ...brackets,
                      {
                        from:
                          last?.from ?? (tiers.basis === 'net_revenue' ? zeroes(currencies) : 0),
                        percentBps: last?.percentBps ?? doc.percentBps,
                      },
                    ],
                  } as Tiers);
                }}
              >
                Add bracket
              </button>
              <button
                type="button"
                className="btn plain"
                onClick={() => setTiers(undefined)}
                data-testid="rules-tiers-remove"
              >
                No tiers
              </button>
            </div>
          </>
        ) : (
          <button
            type="button"
            className="btn"
            data-testid="rules-tiers-add"
            onClick={() =>
              setTiers({
                basis: 'net_revenue',
                mode: 'marginal',
                period: 'month',
                brackets: [{ from: zeroes(currencies), percentBps: doc.percentBps }],
              })
            }
          >
            Add tiers
          </button>
        )}
      </fieldset>

      {doc.productOverrides && doc.productOverrides.length > 0 && (
        <fieldset>
          <legend>Rates per product</legend>
          {doc.productOverrides.map((o, i) => (
            <label key={i} className="inline">
              {o.product}
              <RateInput
                bps={o.percentBps ?? 0}
                onBps={(percentBps) =>
                  set({
                    productOverrides: doc.productOverrides!.map((x, j) =>
                      j === i ? { ...x, percentBps } : x,
                    ),
                  })
                }
                label={`Rate for ${o.product} in percent`}
                testId={`rules-product-${i}-rate`}
              />
            </label>
          ))}
        </fieldset>
      )}
    </div>
  );
}
