/**
 * The payables grid: one row per affiliate and currency, over the infinite row model. AG Grid asks
 * for blocks of 200 rows as the operator scrolls; each block is one `payables.page` call carrying
 * the quick filter, the currency, the column filters and the sort — so 100,000 affiliates scroll
 * without the renderer ever holding more than the cached blocks.
 */
import type {
  CellKeyDownEvent,
  GridApi,
  RowClickedEvent,
  SelectionChangedEvent,
} from 'ag-grid-community';
import type { AgGridReact } from 'ag-grid-react';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { CallInput } from '../../../../core/host/bridge/contract';
import { call } from '../../api';
import {
  Grid,
  moneyColumn,
  pagedRows,
  usePagedDatasource,
  type ColDef,
  type PageRequest,
} from '../../components/Grid';
import { count } from '../../format';
import { ChecksFilter, type ChecksFilterModel } from './ChecksFilter';
import { ChoiceFilter, type ChoiceFilterModel } from './ChoiceFilter';
import { RangeFilter, type RangeFilterModel } from './RangeFilter';
import { reasonLabel, reasonsLabel, REASON_CODES } from './reasons';
import type { PayablesPage, PayablesRow, PayablesSortField } from './types';
import { StatusCell } from '../common/StatusPill';

export const BLOCK = 200;

const SORTABLE: readonly string[] = [
  'affiliateId',
  'name',
  'status',
  'currency',
  'pendingMinor',
  'payableMinor',
  'commissions',
  'eligible',
  'reason',
  'provider',
  'nextPayoutDate',
] satisfies PayablesSortField[];

/** The columns "Export this grid" writes (export.payablesGrid's): every sortable one. */
export const EXPORTABLE = SORTABLE;

const PROVIDERS = [
  { value: 'xendit', label: 'Xendit' },
  { value: 'rise', label: 'Rise' },
  { value: 'sandbox', label: 'Sandbox' },
  { value: 'none', label: 'No destination' },
];

const columnsFor = (currencies: readonly string[]): ColDef<PayablesRow>[] => [
  { field: 'affiliateId', headerName: 'Affiliate', width: 110, filter: false },
  { field: 'name', headerName: 'Name', flex: 1, minWidth: 110, filter: false },
  { field: 'status', headerName: 'Status', width: 90, filter: false, cellRenderer: StatusCell },
  {
    field: 'currency',
    headerName: 'Currency',
    width: 95,
    filter: ChecksFilter,
    filterParams: { choices: currencies.map((c) => ({ value: c, label: c })) },
  },
  // Payable first of the amounts: what the treasury acts on, on screen at 1440 px beside the
  // pinned Eligible and Reason; Pending and the rest scroll.
  moneyColumn<PayablesRow>('payableMinor', 'Payable', 'currency', {
    // Wide enough for "IDR 223,042,511.23" whole.
    width: 168,
    filter: RangeFilter,
    filterParams: { kind: 'amount' },
  }),
  moneyColumn<PayablesRow>('pendingMinor', 'Pending', 'currency', { width: 150 }),
  {
    field: 'provider',
    headerName: 'Provider',
    width: 115,
    valueFormatter: (p) =>
      PROVIDERS.find((x) => x.value === ((p.value as string | null) ?? 'none'))?.label ??
      String(p.value),
    filter: ChecksFilter,
    filterParams: { choices: PROVIDERS },
  },
  {
    field: 'commissions',
    headerName: 'Commissions',
    width: 125,
    type: 'rightAligned',
    cellClass: 'num',
    valueFormatter: (p) => count(p.value as number | null),
    filter: false,
  },
  {
    field: 'eligible',
    headerName: 'Eligible',
    width: 92,
    // Eligible and Reason are what the operator reads first: kept at the right edge, on screen at
    // 1024 px too, while the amounts scroll beside them if the window is narrow.
    pinned: 'right',
    cellDataType: false,
    valueFormatter: (p) => (p.value === true ? 'yes' : p.value === false ? 'no' : ''),
    cellClassRules: { ok: (p) => p.value === true, warning: (p) => p.value === false },
    filter: ChoiceFilter,
    filterParams: {
      choices: [
        { value: 'yes', label: 'Eligible' },
        { value: 'no', label: 'Not eligible' },
      ],
    },
  },
  {
    field: 'reason',
    headerName: 'Reason',
    width: 210,
    pinned: 'right',
    // All reasons in the cell, the first (most basic) one sorts.
    valueFormatter: (p) =>
      p.data ? reasonsLabel(p.data.reasons) : reasonLabel(p.value as string | null),
    tooltipValueGetter: (p) => (p.data ? reasonsLabel(p.data.reasons) : ''),
    filter: ChecksFilter,
    filterParams: {
      choices: REASON_CODES.map((code) => ({ value: code, label: reasonLabel(code) })),
    },
  },
  {
    field: 'nextPayoutDate',
    headerName: 'Next payout',
    width: 125,
    filter: RangeFilter,
    filterParams: { kind: 'date' },
  },
];

type PageFilters = NonNullable<CallInput<'payables.page'>['filters']>;

/** The grid's column filters as the query's filter model (filters.ts in the core checks it). */
export function filtersOf(model: Record<string, unknown>): PageFilters | undefined {
  const values = (col: string) => (model[col] as ChecksFilterModel | undefined)?.values;
  const range = (col: string) => model[col] as RangeFilterModel | undefined;
  const currency = values('currency');
  const provider = values('provider') as PageFilters['provider'];
  const reason = values('reason') as PageFilters['reason'];
  const payable = range('payableMinor');
  const next = range('nextPayoutDate');
  const filters: PageFilters = {
    ...(currency ? { currency } : {}),
    ...(provider ? { provider } : {}),
    ...(reason ? { reason } : {}),
    ...(payable ? { payable: { min: payable.min, max: payable.max } } : {}),
    ...(next ? { nextPayout: { from: next.min, to: next.max } } : {}),
  };
  return Object.keys(filters).length > 0 ? filters : undefined;
}

/** Rows picked with their box, for the bulk hold and release (never by a click on the row). */
const ROW_SELECTION = {
  mode: 'multiRow',
  checkboxes: true,
  headerCheckbox: false,
  enableClickSelection: false,
} as const;

export interface PayablesQuery {
  search: string;
  currency: string;
}

export interface PayablesGridProps {
  query: PayablesQuery;
  /** The currencies the currency filter offers. */
  currencies: readonly string[];
  onApi?(api: GridApi<PayablesRow>): void;
  onSelection?(rows: PayablesRow[]): void;
  /**
   * Changes when something the rows show was changed (an action on an affiliate): the blocks are
   * fetched again.
   */
  refreshToken?: unknown;
  onPage(page: PayablesPage, request: PageRequest): void;
  onOpen(row: PayablesRow): void;
  onError(error: unknown): void;
}

export function PayablesGrid({
  query,
  currencies,
  onApi,
  onSelection,
  refreshToken,
  onPage,
  onOpen,
  onError,
}: PayablesGridProps) {
  const grid = useRef<AgGridReact<PayablesRow>>(null);
  const columns = useMemo(() => columnsFor(currencies), [currencies]);
  // A new datasource (and so a fresh first block) whenever the quick filter or currency changes;
  // onPage hears only the current one's answers, so the totals bar never shows an older filter's.
  const datasource = usePagedDatasource(
    (request) => {
      const eligible = (request.filterModel.eligible as ChoiceFilterModel | undefined)?.value;
      const filters = filtersOf(request.filterModel);
      const sort =
        request.sort && SORTABLE.includes(request.sort.field)
          ? { field: request.sort.field as PayablesSortField, dir: request.sort.dir }
          : undefined;
      return call('payables.page', {
        offset: request.offset,
        limit: request.limit,
        ...(query.search.trim() ? { search: query.search.trim() } : {}),
        ...(query.currency ? { currency: query.currency } : {}),
        ...(eligible ? { eligible: eligible === 'yes' } : {}),
        ...(filters ? { filters } : {}),
        ...(sort ? { sort } : {}),
      });
    },
    { onPage, onError },
    [query.search, query.currency],
  );
  // The same rows in place (scroll kept), with what they say now: a hold shows as the row's reason.
  useEffect(() => {
    if (refreshToken !== undefined) grid.current?.api?.refreshInfiniteCache();
  }, [refreshToken]);
  const onRowClicked = useCallback(
    (e: RowClickedEvent<PayablesRow>) => {
      // A click on the row's selection box selects it; it does not open the drawer.
      const target = e.event?.target;
      if (target instanceof Element && target.closest('.ag-selection-checkbox, input')) return;
      if (e.data) onOpen(e.data);
    },
    [onOpen],
  );
  const onSelectionChanged = useCallback(
    (e: SelectionChangedEvent<PayablesRow>) => onSelection?.(e.api.getSelectedRows()),
    [onSelection],
  );
  const onCellKeyDown = useCallback(
    (e: CellKeyDownEvent<PayablesRow>) => {
      if ((e.event as KeyboardEvent | null)?.key === 'Enter' && e.data) onOpen(e.data);
    },
    [onOpen],
  );
  return (
    <Grid<PayablesRow>
      ref={grid}
      testId="payables-grid"
      columnDefs={columns}
      onGridReady={(e) => onApi?.(e.api)}
      rowSelection={ROW_SELECTION}
      onSelectionChanged={onSelectionChanged}
      {...pagedRows(datasource, BLOCK)}
      getRowId={(p) => `${p.data.affiliateId}|${p.data.currency}`}
      onRowClicked={onRowClicked}
      onCellKeyDown={onCellKeyDown}
      rowClass="clickable"
      tooltipShowDelay={400}
      localeText={{ noRowsToShow: 'No affiliate with open amounts matches these filters' }}
    />
  );
}
