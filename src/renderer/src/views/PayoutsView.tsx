/**
 * Payout history across batches: every payout with its state at the provider. Filtered, sorted and
 * paged on the server (`payouts.page`); the grid fetches 200 rows at a time as the operator
 * scrolls, so a history of hundreds of thousands of payouts stays responsive.
 */
import { useMemo, useState } from 'react';
import type { CellKeyDownEvent, ColDef, GridApi } from 'ag-grid-community';
import type { CallInput, CallOutput } from '../../../core/host/bridge/contract';
import { call, describeError } from '../api';
import { Grid, moneyColumn, usePagedDatasource } from '../components/Grid';
import { GridExport } from '../components/GridExport';
import { Page } from '../components/Panel';
import { useSavedViews, ViewsMenu } from '../components/SavedViews';
import { count } from '../format';
import { useConsole } from '../store';
import { PAYOUT_STATUSES, PROVIDERS } from './common/domain';
import { failureText, failureTooltip } from './common/failure';
import { dayAfter } from './common/problems';
import { Select } from './common/Select';
import { stamp } from './common/stamp';
import { StatusCell } from './common/StatusPill';
import { statusChoices } from './common/words';
import { useDebounced } from './common/useDebounced';

/** The same object every render (a new one makes AG Grid rebuild its columns). */
const COLUMN_DEFAULTS = { filter: false };

type Payout = CallOutput<'payouts.page'>['rows'][number];
type Filters = Omit<CallInput<'payouts.page'>, 'offset' | 'limit' | 'sort'>;
type SortField = NonNullable<CallInput<'payouts.page'>['sort']>['field'];

const CURRENCIES = ['IDR', 'PHP', 'USD', 'VND', 'THB', 'MYR', 'EUR'];

/** The grid's columns "Export this grid" writes (export.payoutsGrid's), by column id. */
const EXPORTABLE: readonly string[] = [
  'createdAt',
  'batchNumber',
  'affiliateId',
  'affiliateName',
  'amountMinor',
  'provider',
  'status',
  'providerReference',
  'attempts',
  'failureMessage',
  'updatedAt',
];

export function PayoutsView() {
  const go = useConsole((s) => s.go);
  const [status, setStatus] = useState('');
  const [provider, setProvider] = useState('');
  const [currency, setCurrency] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [search, setSearch] = useState('');
  const [total, setTotal] = useState<number | null>(null);
  const term = useDebounced(search.trim(), 300);
  const [api, setApi] = useState<GridApi<Payout> | null>(null);
  // A saved view keeps the filters above the grid too.
  const extra = useMemo(
    () => ({
      get: () => ({ status, provider, currency, from, to, search }),
      set: (v: Record<string, string>) => {
        setStatus(v.status ?? '');
        setProvider(v.provider ?? '');
        setCurrency(v.currency ?? '');
        setFrom(v.from ?? '');
        setTo(v.to ?? '');
        setSearch(v.search ?? '');
      },
    }),
    [status, provider, currency, from, to, search],
  );
  const views = useSavedViews('payouts', api, extra);

  const filters = useMemo<Filters>(
    () => ({
      ...(status ? { status: status as Filters['status'] } : {}),
      ...(provider ? { provider: provider as Filters['provider'] } : {}),
      ...(currency ? { currency } : {}),
      ...(from ? { from } : {}),
      // The operator picks the last day to include; the router's `to` is exclusive (created before
      // it), so it gets the start of the next day — else that day's payouts would vanish.
      ...(to ? { to: dayAfter(to) } : {}),
      ...(term ? { search: term } : {}),
    }),
    [status, provider, currency, from, to, term],
  );
  // The count next to the filters comes only from the current datasource: a slow answer for
  // filters since changed must not replace it.
  const datasource = usePagedDatasource(
    ({ offset, limit, sort }) =>
      call('payouts.page', {
        ...filters,
        offset,
        limit,
        ...(sort ? { sort: { field: sort.field as SortField, dir: sort.dir } } : {}),
      }),
    {
      onPage: (page) => setTotal(page.total),
      onError: (error) =>
        useConsole.getState().notify('error', `Payouts not loaded: ${describeError(error)}`),
    },
    [filters],
  );

  const columns = useMemo<ColDef<Payout>[]>(
    () => [
      {
        field: 'createdAt',
        headerName: 'Created (UTC)',
        width: 165,
        valueFormatter: (p) => stamp(p.value as string),
        sort: 'desc',
      },
      { field: 'batchNumber', headerName: 'Batch', width: 150, cellClass: 'clickable link-cell' },
      { field: 'affiliateId', headerName: 'Affiliate', width: 115 },
      { field: 'affiliateName', headerName: 'Name', width: 170 },
      moneyColumn<Payout>('amountMinor', 'Amount', 'currency', { width: 165, sortable: true }),
      { field: 'provider', headerName: 'Provider', width: 95 },
      { field: 'status', headerName: 'Status', width: 125, cellRenderer: StatusCell },
      {
        field: 'providerReference',
        headerName: 'Provider reference',
        width: 170,
        cellClass: 'mono-cell',
        sortable: false,
        tooltipField: 'providerReference',
      },
      {
        field: 'attempts',
        headerName: 'Attempts',
        width: 95,
        type: 'rightAligned',
        cellClass: 'num',
        valueFormatter: (p) => count(p.value as number),
      },
      {
        field: 'failureMessage',
        headerName: 'Last error',
        flex: 1,
        minWidth: 200,
        sortable: false,
        cellClass: 'bad',
        valueFormatter: (p) => failureText(p.data),
        tooltipValueGetter: (p) => failureTooltip(p.data),
      },
      {
        field: 'updatedAt',
        headerName: 'Updated (UTC)',
        width: 165,
        valueFormatter: (p) => stamp(p.value as string),
      },
    ],
    [],
  );

  const clear = () => {
    setStatus('');
    setProvider('');
    setCurrency('');
    setFrom('');
    setTo('');
    setSearch('');
  };

  return (
    <Page title="Payout history" testId="view-payouts">
      <div className="filters" role="search" data-testid="payouts-filters">
        <label className="inline">
          Search
          <input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="affiliate, name, batch, reference…"
            data-testid="payouts-search"
          />
        </label>
        <Select
          label="Status"
          value={status}
          onChange={setStatus}
          options={statusChoices(PAYOUT_STATUSES)}
          any="Any"
          testId="payouts-status"
        />
        <Select
          label="Provider"
          value={provider}
          onChange={setProvider}
          options={PROVIDERS}
          any="Any"
          testId="payouts-provider"
        />
        <Select
          label="Currency"
          value={currency}
          onChange={setCurrency}
          options={CURRENCIES}
          any="Any"
          testId="payouts-currency"
        />
        <label className="inline">
          Created from
          <input
            type="date"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            data-testid="payouts-from"
          />
        </label>
        <label className="inline">
          to (inclusive)
          <input
            type="date"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            data-testid="payouts-to"
          />
        </label>
        <button type="button" className="btn plain" onClick={clear} data-testid="payouts-clear">
          Clear
        </button>
        <ViewsMenu views={views} testId="payouts-views" />
        <GridExport
          name="export.payoutsGrid"
          api={api}
          exportable={EXPORTABLE}
          fileName="payouts"
          testId="payouts-export"
          // The filters the grid pages with (the same `payouts.page` model), its sort and columns.
          payload={(columns, sort) => ({
            ...filters,
            columns: columns as never,
            // Spreadsheets read the file as UTF-8 with a byte order mark (as report exports).
            bom: true,
            ...(sort ? { sort: { field: sort.field as SortField, dir: sort.dir } } : {}),
          })}
        />
        <span className="muted small" data-testid="payouts-total">
          {total === null ? '' : `${count(total)} payout${total === 1 ? '' : 's'}`}
        </span>
      </div>
      <div className="fill">
        <Grid<Payout>
          testId="payouts-grid"
          onGridReady={(e) => setApi(e.api)}
          rowModelType="infinite"
          datasource={datasource}
          cacheBlockSize={200}
          maxBlocksInCache={50}
          columnDefs={columns}
          defaultColDef={COLUMN_DEFAULTS}
          getRowId={(p) => p.data.id}
          onCellClicked={(e) =>
            e.colDef.field === 'batchNumber' && e.data && go('batch', e.data.batchId)
          }
          onCellKeyDown={(e: CellKeyDownEvent<Payout>) =>
            (e.event as KeyboardEvent | undefined)?.key === 'Enter' &&
            e.data &&
            go('batch', e.data.batchId)
          }
        />
      </div>
      <p className="muted small">
        Click a batch number (or press Enter on a row) to open its batch.
      </p>
    </Page>
  );
}
