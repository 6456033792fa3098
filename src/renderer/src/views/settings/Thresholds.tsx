/**
 * High-value thresholds: a payout at or above its currency's threshold makes its batch need two
 * approvers holding batches.approve_high_value. Each currency shows what batches use now; an empty
 * input means the default. Amounts are typed as the page shows them ("15,000,000", "USD 1,000.00"),
 * checked here with the currency's exponent (the same exact parser the core uses) and sent as the
 * plain decimal.
 */
import { useState } from 'react';
import {
  formatAmount,
  parseAmount,
  parseDisplayedAmount,
} from '../../../../core/host/bridge/contract';
import { call, describeError, useQuery } from '../../api';
import { Action } from '../../components/Action';
import { Card, ErrorLine } from '../../components/Panel';
import { money, when } from '../../format';
import { useConsole } from '../../store';
import { FieldError } from '../common/FieldError';

/**
 * The server's rule (thresholdsSchema in core/batches/thresholds.ts), no stricter and no looser:
 * the amount must parse for the currency, as displayed ("15,000,000" is fine), and must not be
 * negative. Zero is allowed there (every payout in that currency then counts as high value), so it
 * is allowed here.
 */
function amountProblem(text: string, currency: string): string | null {
  if (text.trim() === '') return null;
  try {
    const minor = parseDisplayedAmount(text.trim(), currency, { allowNegative: true });
    return minor < 0n ? 'must not be negative' : null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The typed text as the plain decimal the setting stores ("15,000,000" → "15000000"). */
function canonical(text: string, currency: string): string {
  try {
    return formatAmount(parseDisplayedAmount(text, currency), currency);
  } catch {
    return text.trim();
  }
}

/**
 * Exact major-unit text → formatted with the currency, or the text itself when it does not parse.
 */
function shown(text: string, currency: string): string {
  try {
    return money(parseAmount(text, currency).toString(), currency);
  } catch {
    return text;
  }
}

export function Thresholds() {
  const notify = useConsole((s) => s.notify);
  const settings = useQuery('settings.show', {});
  const t = settings.data?.thresholds;
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [added, setAdded] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // Each answer (the first, or the one after a save) starts the inputs again from what is
  // configured: adjusted while rendering, from the answer they were last set from.
  const [editsOf, setEditsOf] = useState<typeof t>(undefined);
  if (t !== editsOf) {
    setEditsOf(t);
    if (t) setEdits({ ...t.configured });
  }

  if (!t)
    return (
      <Card title="High-value thresholds" testId="settings-thresholds">
        {settings.error ? (
          <ErrorLine error={settings.error.message} />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </Card>
    );

  const currencies = [
    ...new Set([...Object.keys(t.defaults), ...Object.keys(t.configured), ...Object.keys(edits)]),
  ].sort();
  const problems = Object.fromEntries(currencies.map((c) => [c, amountProblem(edits[c] ?? '', c)]));
  const invalid = Object.values(problems).some(Boolean);
  const value = Object.fromEntries(
    Object.entries(edits)
      .filter(([, v]) => v.trim() !== '')
      .map(([c, v]) => [c, canonical(v, c)]),
  );
  const unchanged =
    JSON.stringify(value, Object.keys(value).sort()) ===
    JSON.stringify(t.configured, Object.keys(t.configured).sort());

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await call('settings.set', { key: 'thresholds', value });
      notify('success', 'Thresholds saved: new batches use them');
      settings.reload();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="High-value thresholds" testId="settings-thresholds">
      <p className="muted small">
        A batch holding a payout at or above its currency's threshold needs two approvers allowed to
        approve high-value batches. A currency without one is compared in USD through the batch's FX
        rate, else always counts as high value.
        {t.updatedAt &&
          ` Last changed ${when(t.updatedAt)}${t.updatedBy ? ` by ${t.updatedBy}` : ''}.`}
      </p>
      <table className="facts">
        <thead>
          <tr>
            <th>Currency</th>
            <th className="amount">In force</th>
            <th>Set (e.g. 15,000,000; empty = default)</th>
          </tr>
        </thead>
        <tbody>
          {currencies.map((c) => (
            <tr key={c}>
              <td>{c}</td>
              <td className="amount">{t.effective[c] ? shown(t.effective[c]!, c) : '—'}</td>
              <td className="field">
                <input
                  value={edits[c] ?? ''}
                  onChange={(e) => setEdits((x) => ({ ...x, [c]: e.target.value }))}
                  placeholder={t.defaults[c] ? `default ${shown(t.defaults[c]!, c)}` : 'no default'}
                  inputMode="decimal"
                  aria-label={`${c} threshold`}
                  aria-invalid={!!problems[c]}
                  data-testid={`threshold-${c}`}
                />
                <FieldError message={problems[c] ?? undefined} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <label className="inline">
          Add currency
          <input
            value={added}
            onChange={(e) => setAdded(e.target.value.toUpperCase())}
            maxLength={3}
            size={5}
            placeholder="EUR"
            data-testid="threshold-add"
          />
        </label>
        <button
          type="button"
          className="btn"
          disabled={!/^[A-Z]{3}$/.test(added) || currencies.includes(added)}
          onClick={() => {
            setEdits((x) => ({ ...x, [added]: '' }));
            setAdded('');
          }}
        >
          Add
        </button>
        <Action
          call="settings.set"
          online
          blocked={invalid ? 'fix the amounts first' : unchanged ? 'no change to save' : null}
          onRun={save}
          busy={busy}
          kind="primary"
          testId="thresholds-save"
        >
          Save thresholds
        </Action>
      </div>
      <ErrorLine error={error} />
    </Card>
  );
}
