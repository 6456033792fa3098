/**
 * Payables: every affiliate with what is pending and payable, whether they can be paid now and why
 * not. A quick filter (affiliate id or name), a currency, the eligible column filter and sorting
 * all go to the server; the grid fetches blocks as it scrolls. A row (click or Enter) opens the
 * affiliate's drawer: commissions, adjustments, payouts, and the actions on the affiliate (after
 * one, the grid reads its rows again).
 */
import type { GridApi } from 'ag-grid-community';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { describeError } from '../api';
import { GridExport } from '../components/GridExport';
import { ErrorLine, Page } from '../components/Panel';
import { useSavedViews, ViewsMenu } from '../components/SavedViews';
import { count, money } from '../format';
import { Select } from './common/Select';
import { AffiliateDrawer } from './payables/AffiliateDrawer';
import { BulkHold } from './payables/BulkHold';
import { EXPORTABLE, filtersOf, PayablesGrid, type PayablesQuery } from './payables/PayablesGrid';
import type { PayablesPage, PayablesRow, PayablesTotal } from './payables/types';

const SEARCH_DEBOUNCE_MS = 250;

export function PayablesView() {
  const [typed, setTyped] = useState('');
  const [query, setQuery] = useState<PayablesQuery>({ search: '', currency: '' });
  const [total, setTotal] = useState<number | null>(null);
  const [totals, setTotals] = useState<PayablesTotal[]>([]);
  const [currencies, setCurrencies] = useState<string[]>([]);
  const [open, setOpen] = useState<PayablesRow | null>(null);
  // Bumped after an action in the drawer: the grid and its totals are read again.
  const [changes, setChanges] = useState(0);
  const onChanged = useCallback(() => setChanges((n) => n + 1), []);
  const [error, setError] = useState<string | null>(null);
  const [api, setApi] = useState<GridApi<PayablesRow> | null>(null);
  const [selected, setSelected] = useState<PayablesRow[]>([]);
  const onBulkDone = useCallback(() => {
    api?.deselectAll();
    setSelected([]);
    setChanges((n) => n + 1);
  }, [api]);
  // A saved view keeps the search and the currency too.
  const extra = useMemo(
    () => ({
      get: () => ({ search: typed, currency: query.currency }),
      set: (v: Record<string, string>) => {
        setTyped(v.search ?? '');
        setQuery({ search: v.search ?? '', currency: v.currency ?? '' });
      },
    }),
    [typed, query.currency],
  );
  const views = useSavedViews('payables', api, extra);

  // The quick filter waits for a pause in typing, so each keystroke does not refetch.
  useEffect(() => {
    const t = setTimeout(
      () => setQuery((q) => (q.search === typed ? q : { ...q, search: typed })),
      SEARCH_DEBOUNCE_MS,
    );
    return () => clearTimeout(t);
  }, [typed]);

  const onPage = useCallback(
    (page: PayablesPage) => {
      setError(null);
      setTotal(page.total);
      setTotals(page.totals);
      // Currencies for the select are learnt from unfiltered answers (a filtered one shows fewer).
      if (!query.currency && !query.search)
        setCurrencies((old) =>
          merge(
            old,
            page.totals.map((t) => t.currency),
          ),
        );
    },
    [query.currency, query.search],
  );
  const onError = useCallback((e: unknown) => setError(describeError(e)), []);
  // Closing the drawer puts the keyboard back on the grid cell that opened it.
  const returnFocus = useRef<HTMLElement | null>(null);
  const onOpen = useCallback((row: PayablesRow) => {
    returnFocus.current =
      document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOpen(row);
  }, []);
  const onClose = useCallback(() => {
    setOpen(null);
    requestAnimationFrame(() => returnFocus.current?.isConnected && returnFocus.current.focus());
  }, []);

  return (
    <Page
      title="Payables"
      testId="view-payables"
      actions={
        <>
          <label className="inline">
            Search
            <input
              type="search"
              placeholder="Affiliate id or name"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              data-testid="payables-search"
              aria-label="Search affiliates by id or name"
            />
          </label>
          <Select
            label="Currency"
            value={query.currency}
            options={currencies}
            any="All"
            onChange={(currency) => setQuery((q) => ({ ...q, currency }))}
            testId="payables-currency"
          />
          <ViewsMenu views={views} testId="payables-views" />
          <GridExport
            name="export.payablesGrid"
            api={api}
            exportable={EXPORTABLE}
            fileName="payables"
            testId="payables-export"
            payload={(columns, sort) => {
              const eligible = (api?.getFilterModel().eligible as { value?: string } | undefined)
                ?.value;
              const filters = filtersOf(api?.getFilterModel() ?? {});
              return {
                columns: columns as never,
                // Spreadsheets read the file as UTF-8 with a byte order mark (as report exports).
                bom: true,
                ...(query.search.trim() ? { search: query.search.trim() } : {}),
                ...(query.currency ? { currency: query.currency } : {}),
                ...(eligible ? { eligible: eligible === 'yes' } : {}),
                ...(filters ? { filters } : {}),
                ...(sort ? { sort: sort as never } : {}),
              };
            }}
          />
        </>
      }
    >
      <PayablesTotals totals={totals} total={total} />
      <ErrorLine error={error} />
      <BulkHold selected={selected} onDone={onBulkDone} />
      <div className="grid-fill">
        <PayablesGrid
          query={query}
          currencies={currencies}
          onApi={setApi}
          onSelection={setSelected}
          refreshToken={changes === 0 ? undefined : changes}
          onPage={onPage}
          onOpen={onOpen}
          onError={onError}
        />
      </div>
      {open && (
        <AffiliateDrawer
          affiliateId={open.affiliateId}
          name={open.name}
          onClose={onClose}
          onChanged={onChanged}
        />
      )}
    </Page>
  );
}

function merge(a: string[], b: string[]): string[] {
  const all = [...new Set([...a, ...b])].sort();
  return all.length === a.length ? a : all;
}

function PayablesTotals({ totals, total }: { totals: PayablesTotal[]; total: number | null }) {
  return (
    <div className="totals-bar" data-testid="payables-totals">
      <div className="total-count">
        <div className="muted small">Rows</div>
        <div className="stat" data-testid="payables-total">
          {total === null ? '…' : count(total)}
        </div>
      </div>
      {totals.map((t) => (
        <div
          key={t.currency}
          className="currency-total"
          data-testid={`payables-total-${t.currency}`}
        >
          <div className="muted small">
            {t.currency} · {count(t.affiliates)} affiliates
          </div>
          <div className="stat amount">{money(t.payableMinor, t.currency)}</div>
          <div className="muted small amount">pending {money(t.pendingMinor, t.currency)}</div>
          <div className="small amount ok">
            eligible now: {count(t.eligibleAffiliates)} · {money(t.eligibleMinor, t.currency)}
          </div>
        </div>
      ))}
    </div>
  );
}
