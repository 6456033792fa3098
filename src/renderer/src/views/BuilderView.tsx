/**
 * Batch builder: choose what to pay (currency, provider, cutoff, optionally named affiliates),
 * preview it — every affiliate included or excluded with the reason — give FX rates where the
 * preview needs them, leave rows out if wanted, and create the batch from exactly those filters.
 * Creating from a preview that no longer matches the filters is refused here: preview again first.
 */
import type { AgGridReact } from 'ag-grid-react';
import { useCallback, useMemo, useRef, useState } from 'react';
import { call, CallFailed, describeError, useQuery } from '../api';
import { Action } from '../components/Action';
import { ErrorLine, Page } from '../components/Panel';
import { count } from '../format';
import { useConsole } from '../store';
import { BuilderFiltersForm } from './builder/BuilderFiltersForm';
import { FxRatesForm, type FxNeed } from './builder/FxRatesForm';
import { IncludedTotals } from './builder/IncludedTotals';
import { PreviewGrid } from './builder/PreviewGrid';
import { RecalculateCommissions } from './builder/RecalculateCommissions';
import { NO_FILTERS, previewInput, type BuilderFilters, type CreateResult, type Preview, type PreviewInput, type PreviewRow } from './builder/types';

export function BuilderView() {
  const go = useConsole((s) => s.go);
  const notify = useConsole((s) => s.notify);
  const [filters, setFilters] = useState<BuilderFilters>(NO_FILTERS);
  const [fxRates, setFxRates] = useState<Record<string, string>>({});
  const [fxErrors, setFxErrors] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<{ input: PreviewInput; result: Preview } | null>(null);
  const [included, setIncluded] = useState<PreviewRow[]>([]);
  const [busy, setBusy] = useState<'preview' | 'create' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const grid = useRef<AgGridReact<PreviewRow>>(null);
  // Pairs seen in any preview so far stay on screen (a rate entered is not lost on the next one).
  const [pairsSeen, setPairsSeen] = useState<string[]>([]);

  const currencies = useCurrencies();
  const input = useMemo(() => previewInput(filters, fxRates), [filters, fxRates]);
  const stale = preview !== null && JSON.stringify(preview.input) !== JSON.stringify(input);

  const runPreview = async () => {
    setBusy('preview');
    setError(null);
    setFxErrors({});
    try {
      const result = await call('batch.preview', input);
      setPreview({ input, result });
      setIncluded(result.rows.filter((r) => r.eligible));
      const pairs = result.rows.filter((r) => r.sourceCurrency !== r.currency).map((r) => `${r.sourceCurrency}/${r.currency}`);
      setPairsSeen((old) => [...new Set([...old, ...pairs])].sort());
    } catch (e) {
      const fx = fxProblems(e);
      setFxErrors(fx);
      setError(Object.keys(fx).length > 0 ? 'An FX rate is not valid: see below.' : describeError(e));
    } finally {
      setBusy(null);
    }
  };

  const fxNeeds = useMemo<FxNeed[]>(() => {
    const rows = preview?.result.rows ?? [];
    return pairsSeen.map((pair) => {
      const of = rows.filter((r) => `${r.sourceCurrency}/${r.currency}` === pair);
      return { pair, affiliates: of.length, missing: of.filter((r) => r.reasons.includes('fx_rate_missing')).length };
    });
  }, [pairsSeen, preview]);

  const create = async () => {
    if (!preview) return;
    setBusy('create');
    setError(null);
    try {
      const result = await call('batch.create', { ...createInput(preview.input, preview.result, included), ...(note.trim() ? { note: note.trim() } : {}) });
      announce(result);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  };

  const announce = (result: CreateResult) => {
    const list = result.batches;
    const offline = (result as { offline?: boolean }).offline === true;
    const payouts = list.reduce((n, b) => n + b.payouts, 0);
    notify('success', `${list.length === 1 ? `Batch ${list[0]!.number}` : `${count(list.length)} batches`} created with ${count(payouts)} payouts${offline ? ' (offline: sent to the central store at the next sync)' : ''}`);
    setPreview(null);
    setIncluded([]);
    if (list.length === 1) go('batch', list[0]!.id);
    else go('batches');
  };

  const onIncludedChange = useCallback((rows: PreviewRow[]) => setIncluded(rows), []);

  const createBlocked = !preview
    ? 'preview first'
    : stale
      ? 'the filters or FX rates changed since the preview: preview again'
      : included.length === 0
        ? 'no affiliate is included'
        : null;

  return (
    <Page title="Batch builder" testId="view-builder" actions={<RecalculateCommissions onDone={() => preview && void runPreview()} />}>
      <div className="card builder-top">
        <BuilderFiltersForm filters={filters} currencies={currencies} onChange={setFilters} />
        <FxRatesForm needs={fxNeeds} rates={fxRates} errors={fxErrors} onChange={(pair, rate) => setFxRates((r) => ({ ...r, [pair]: rate }))} />
        <div className="row">
          <Action call="batch.preview" onRun={runPreview} busy={busy === 'preview'} kind={preview && !stale ? 'plain' : 'primary'} testId="builder-preview">
            Preview
          </Action>
          {busy === 'preview' && <span className="muted small">Previewing every affiliate… (large programmes take a few seconds)</span>}
          {preview && busy !== 'preview' && (
            <span className="muted small" data-testid="builder-preview-info">
              {count(preview.result.rows.length)} affiliates considered, as of {preview.result.asOf.slice(0, 16).replace('T', ' ')} UTC
              {(preview.result as { offline?: boolean }).offline ? ' — offline, from the local cache' : ''}
            </span>
          )}
          {stale && <span className="warning small">Filters changed: preview again.</span>}
        </div>
        <ErrorLine error={error} />
      </div>
      {preview && (
        <>
          <div className="card builder-bottom">
            <IncludedTotals preview={preview.result} included={included} />
            <div className="builder-create">
              <label>
                Note (optional)
                <input type="text" maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} placeholder="e.g. November payout run" data-testid="builder-note" />
              </label>
              <Action call="batch.create" onRun={create} busy={busy === 'create'} blocked={createBlocked} kind="primary" testId="builder-create">
                Create batch
              </Action>
            </div>
          </div>
          <div className="grid-fill">
            <PreviewGrid key={JSON.stringify(preview.input) + preview.result.asOf} ref={grid} rows={preview.result.rows} onIncludedChange={onIncludedChange} />
          </div>
        </>
      )}
    </Page>
  );
}

/**
 * The create input: the previewed filters; when the operator left eligible rows out, the included
 * affiliates named explicitly (create selects by the same rules, restricted to those ids).
 */
function createInput(input: PreviewInput, result: Preview, included: PreviewRow[]): PreviewInput {
  if (included.length === result.eligibleCount) return input;
  return { ...input, affiliateIds: included.map((r) => r.affiliateId) };
}

/** The router names a bad rate by its path (fxRates.USD/IDR): each message goes under its field. */
function fxProblems(e: unknown): Record<string, string> {
  if (!(e instanceof CallFailed)) return {};
  const out: Record<string, string> = {};
  for (const p of e.error.problems) {
    const m = /^fxRates\.(.+)$/.exec(p.path ?? '');
    if (m) out[m[1]!] = p.message;
  }
  return out;
}

/** Payout currencies to offer: those with payables (the select also allows "all"). */
function useCurrencies(): string[] {
  const payables = useQuery('payables.page', { limit: 1 });
  return useMemo(() => (payables.data?.totals ?? []).map((t) => t.currency), [payables.data]);
}
