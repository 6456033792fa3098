/**
 * The payables grid: one row per affiliate and currency, over the infinite row model. AG Grid asks
 * for blocks of 200 rows as the operator scrolls; each block is one `payables.page` call carrying
 * the quick filter, the currency, the column filters and the sort — so 100,000 affiliates scroll
 * without the renderer ever holding more than the cached blocks.
 */
import type { CellKeyDownEvent, RowClickedEvent } from 'ag-grid-community';
import type { AgGridReact } from 'ag-grid-react';
import { useCallback, useEffect, useRef } from 'react';
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
import { ChoiceFilter, type ChoiceFilterModel } from './ChoiceFilter';
import { reasonLabel, reasonsLabel } from './reasons';
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
] satisfies PayablesSortField[];

const COLUMNS: ColDef<PayablesRow>[] = [
  { field: 'affiliateId', headerName: 'Affiliate', width: 120, filter: false },
  { field: 'name', headerName: 'Name', flex: 1, minWidth: 150, filter: false },
  { field: 'status', headerName: 'Status', width: 95, filter: false, cellRenderer: StatusCell },
  { field: 'currency', headerName: 'Currency', width: 95, filter: false },
  moneyColumn<PayablesRow>('pendingMinor', 'Pending', 'currency', { width: 165 }),
  moneyColumn<PayablesRow>('payableMinor', 'Payable', 'currency', { width: 165 }),
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
    width: 100,
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
    flex: 1,
    minWidth: 170,
    // All reasons in the cell, the first (most basic) one sorts.
    valueFormatter: (p) =>
      p.data ? reasonsLabel(p.data.reasons) : reasonLabel(p.value as string | null),
    tooltipValueGetter: (p) => (p.data ? reasonsLabel(p.data.reasons) : ''),
    filter: false,
  },
];

export interface PayablesQuery {
  search: string;
  currency: string;
}

export interface PayablesGridProps {
  query: PayablesQuery;
  /**
   * Changes when something the rows show was changed (an action on an affiliate): the blocks are
   * fetched again.
   */
  refreshToken?: unknown;
  onPage(page: PayablesPage, request: PageRequest): void;
  onOpen(row: PayablesRow): void;
  onError(error: unknown): void;
}

export function PayablesGrid({ query, refreshToken, onPage, onOpen, onError }: PayablesGridProps) {
  const grid = useRef<AgGridReact<PayablesRow>>(null);
  // A new datasource (and so a fresh first block) whenever the quick filter or currency changes;
  // onPage hears only the current one's answers, so the totals bar never shows an older filter's.
  const datasource = usePagedDatasource(
    (request) => {
      const eligible = (request.filterModel.eligible as ChoiceFilterModel | undefined)?.value;
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
    (e: RowClickedEvent<PayablesRow>) => e.data && onOpen(e.data),
    [onOpen],
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
      columnDefs={COLUMNS}
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
