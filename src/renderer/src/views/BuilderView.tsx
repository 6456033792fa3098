/**
 * Batch builder: choose what to pay (currency, provider, cutoff, optionally named affiliates),
 * preview it — every affiliate included or excluded with the reason, paged at the source (the
 * page holds the totals and a block of rows, never the whole preview) — give FX rates where the
 * preview needs them, leave rows out if wanted (a short list create takes as is, each with the
 * reason the checker will read), see how many approvals the batch will need and which payouts make
 * it high-value, and create the batch from exactly those filters.
 * Creating from a preview that no longer matches the filters is refused here: preview again first.
 */
import { useCallback, useMemo, useState } from 'react';
import { call, CallFailed, describeError, useQuery } from '../api';
import { Action } from '../components/Action';
import { ErrorLine, Page } from '../components/Panel';
import { count } from '../format';
import { useConsole } from '../store';
import { BuilderFiltersForm } from './builder/BuilderFiltersForm';
import { FxRatesForm, type FxNeed } from './builder/FxRatesForm';
import { ApprovalsNeeded } from './builder/ApprovalsNeeded';
import { IncludedTotals } from './builder/IncludedTotals';
import { LeftOutReasons, reasonsMissing } from './builder/LeftOutReasons';
import { PreviewGrid } from './builder/PreviewGrid';
import { RecalculateCommissions } from './builder/RecalculateCommissions';
import { useDebounced } from './common/useDebounced';
import {
  NO_FILTERS,
  previewInput,
  type BuilderFilters,
  type CreateResult,
  type Preview,
  type PreviewInput,
  type PreviewRow,
} from './builder/types';

export function BuilderView() {
  const go = useConsole((s) => s.go);
  const notify = useConsole((s) => s.notify);
  const [filters, setFilters] = useState<BuilderFilters>(NO_FILTERS);
  const [fxRates, setFxRates] = useState<Record<string, string>>({});
  const [fxErrors, setFxErrors] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<{ input: PreviewInput; result: Preview } | null>(null);
  // The operator's own exclusions: the rows they unticked (a short list, whatever the preview's
  // size).
  const [leftOut, setLeftOut] = useState<ReadonlyMap<string, PreviewRow>>(new Map());
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [show, setShow] = useState<'all' | 'eligible' | 'excluded' | 'highValue'>('all');
  const [search, setSearch] = useState('');
  const term = useDebounced(search, 300);
  const [shown, setShown] = useState<number | null>(null);
  const [busy, setBusy] = useState<'preview' | 'create' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState('');
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
      // The whole selection's totals, counts and FX pairs; the grid then asks for rows a block at a
      // time.
      const { rows: _none, ...result } = await call('batch.previewPage', {
        ...input,
        offset: 0,
        limit: 0,
      });
      setPreview({ input, result });
      setLeftOut(new Map());
      setPairsSeen((old) => [...new Set([...old, ...result.fxPairs.map((p) => p.pair)])].sort());
    } catch (e) {
      const fx = fxProblems(e);
      setFxErrors(fx);
      setError(
        Object.keys(fx).length > 0 ? 'An FX rate is not valid: see below.' : describeError(e),
      );
    } finally {
      setBusy(null);
    }
  };

  const fxNeeds = useMemo<FxNeed[]>(() => {
    const pairs = new Map((preview?.result.fxPairs ?? []).map((p) => [p.pair, p]));
    return pairsSeen.map((pair) => ({
      pair,
      affiliates: pairs.get(pair)?.affiliates ?? 0,
      missing: pairs.get(pair)?.missing ?? 0,
    }));
  }, [pairsSeen, preview]);

  const onToggle = useCallback((row: PreviewRow) => {
    setLeftOut((old) => {
      const next = new Map(old);
      if (next.has(row.affiliateId)) next.delete(row.affiliateId);
      else next.set(row.affiliateId, row);
      return next;
    });
  }, []);
  const onPage = useCallback((page: { total: number }) => setShown(page.total), []);
  const onGridError = useCallback(
    (e: unknown) => notify('error', `Preview rows not loaded: ${describeError(e)}`),
    [notify],
  );

  const create = async () => {
    if (!preview) return;
    setBusy('create');
    setError(null);
    try {
      const result = await call('batch.create', {
        ...preview.input,
        ...(leftOut.size > 0
          ? {
              leftOut: [...leftOut.keys()].map((affiliateId) => ({
                affiliateId,
                reason: (reasons[affiliateId] ?? '').trim(),
              })),
            }
          : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
      });
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
    notify(
      'success',
      `${list.length === 1 ? `Batch ${list[0]!.number}` : `${count(list.length)} batches`} created with ${count(payouts)} payouts${offline ? ' (offline: sent to the central store at the next sync)' : ''}`,
    );
    setPreview(null);
    setLeftOut(new Map());
    if (list.length === 1) go('batch', list[0]!.id);
    else go('batches');
  };

  const createBlocked = !preview
    ? 'preview first'
    : stale
      ? 'the filters or FX rates changed since the preview: preview again'
      : preview.result.eligibleCount - leftOut.size <= 0
        ? 'no affiliate is included'
        : reasonsMissing(leftOut, reasons);

  return (
    <Page
      title="Batch builder"
      testId="view-builder"
      actions={<RecalculateCommissions onDone={() => preview && void runPreview()} />}
    >
      <div className="card builder-top">
        <BuilderFiltersForm filters={filters} currencies={currencies} onChange={setFilters} />
        <FxRatesForm
          needs={fxNeeds}
          rates={fxRates}
          errors={fxErrors}
          onChange={(pair, rate) => setFxRates((r) => ({ ...r, [pair]: rate }))}
        />
        <div className="row">
          <Action
            call="batch.preview"
            onRun={runPreview}
            busy={busy === 'preview'}
            kind={preview && !stale ? 'plain' : 'primary'}
            testId="builder-preview"
          >
            Preview
          </Action>
          {busy === 'preview' && (
            <span className="muted small">
              Previewing every affiliate… (large programmes take a few seconds)
            </span>
          )}
          {preview && busy !== 'preview' && (
            <span className="muted small" data-testid="builder-preview-info">
              {count(preview.result.considered)} affiliates considered, as of{' '}
              {preview.result.asOf.slice(0, 16).replace('T', ' ')} UTC
              {(preview.result as { offline?: boolean }).offline
                ? ' — offline, from the local cache'
                : ''}
            </span>
          )}
          {stale && <span className="warning small">Filters changed: preview again.</span>}
        </div>
        <ErrorLine error={error} />
      </div>
      {preview && (
        <>
          <div className="card builder-bottom">
            <IncludedTotals preview={preview.result} leftOut={leftOut} />
            <div className="builder-create">
              <ApprovalsNeeded preview={preview.result} leftOut={leftOut} />
              <label>
                Note for the checker (optional)
                <input
                  type="text"
                  maxLength={500}
                  value={note}
                  onChange={(e) => setNote(e.target.value)}
                  placeholder="e.g. November payout run"
                  data-testid="builder-note"
                />
              </label>
              <Action
                call="batch.create"
                onRun={create}
                busy={busy === 'create'}
                blocked={createBlocked}
                kind="primary"
                testId="builder-create"
              >
                Create batch
              </Action>
            </div>
            <LeftOutReasons
              leftOut={leftOut}
              reasons={reasons}
              onChange={(id, reason) => setReasons((r) => ({ ...r, [id]: reason }))}
            />
          </div>
          <div className="row builder-grid-tools">
            <label className="inline">
              Show{' '}
              <select
                value={show}
                onChange={(e) => setShow(e.target.value as typeof show)}
                data-testid="builder-show"
              >
                <option value="all">every affiliate</option>
                <option value="eligible">eligible only</option>
                <option value="excluded">excluded only</option>
                <option value="highValue">high-value only</option>
              </select>
            </label>
            <input
              type="search"
              placeholder="Affiliate id or name"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              aria-label="Search the preview"
              data-testid="builder-search"
            />
            {shown !== null && (
              <span className="muted small" data-testid="builder-shown">
                {count(shown)} shown
              </span>
            )}
          </div>
          <div className="grid-fill">
            <PreviewGrid
              key={JSON.stringify(preview.input) + preview.result.asOf}
              input={preview.input}
              show={show}
              search={term}
              leftOut={leftOut}
              onToggle={onToggle}
              onPage={onPage}
              onError={onGridError}
            />
          </div>
        </>
      )}
    </Page>
  );
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
