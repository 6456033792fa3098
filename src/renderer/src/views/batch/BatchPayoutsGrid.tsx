/**
 * The batch's payouts, a block at a time through `payouts.page` with the batch filter — a batch may
 * hold 100,000 payouts and the renderer holds only the blocks on screen. Sorting (amount within
 * currency, status, provider, attempts, failure, updated) and the column filters (status, provider,
 * failure code) are done in SQL by the query, never on the rows at hand. `refreshToken` changes
 * when the batch was read again (every 2 s while executing, after every action): the visible blocks
 * are fetched again then.
 */
import { useEffect, useMemo, useRef } from 'react';
import type { AgGridReact } from 'ag-grid-react';
import type { ColDef } from 'ag-grid-community';
import type { CallInput, CallOutput } from '../../../../core/host/bridge/contract';
import { call, describeError } from '../../api';
import {
  Grid,
  moneyColumn,
  pagedRows,
  usePagedDatasource,
  type PageRequest,
} from '../../components/Grid';
import { count, money } from '../../format';
import { useConsole } from '../../store';
import { PAYOUT_STATUSES, PROVIDERS } from '../common/domain';
import { failureText, failureTooltip } from '../common/failure';
import { stamp } from '../common/stamp';
import { StatusCell } from '../common/StatusPill';
import { statusChoices } from '../common/words';
import { ChoiceFilter, type ChoiceFilterModel } from '../payables/ChoiceFilter';
import { partOf } from '../common/split';

export type BatchPayout = CallOutput<'payouts.page'>['rows'][number];
type Query = CallInput<'payouts.page'>;
type SortField = NonNullable<Query['sort']>['field'];

const BLOCK = 200;
/** Columns whose id is a sort field of payouts.page; the others are not sortable. */
const SORTABLE: readonly string[] = [
  'affiliateId',
  'amountMinor',
  'provider',
  'status',
  'attempts',
  'failureCode',
  'updatedAt',
] satisfies SortField[];
const COLUMN_DEFAULTS = { sortable: false, filter: false };
const choices = (values: readonly string[]) => ({
  choices: values.map((v) => ({ value: v, label: v.replace(/_/g, ' ').toLowerCase() })),
});

/** The grid's column filters as the query's input (AG Grid's model never leaves the renderer). */
function filtersOf(
  model: Record<string, unknown>,
): Pick<Query, 'status' | 'provider' | 'failureCode'> {
  const status = (model.status as ChoiceFilterModel | undefined)?.value as Query['status'];
  const provider = (model.provider as ChoiceFilterModel | undefined)?.value as Query['provider'];
  const code = (model.failureCode as { filter?: string } | undefined)?.filter?.trim();
  return {
    ...(status ? { status } : {}),
    ...(provider ? { provider } : {}),
    ...(code ? { failureCode: code } : {}),
  };
}

function pageOf(batchId: string, request: PageRequest) {
  const sort =
    request.sort && SORTABLE.includes(request.sort.field)
      ? { field: request.sort.field as SortField, dir: request.sort.dir }
      : undefined;
  return call('payouts.page', {
    batch: batchId,
    offset: request.offset,
    limit: request.limit,
    ...filtersOf(request.filterModel),
    ...(sort ? { sort } : {}),
  });
}

export function BatchPayoutsGrid({
  batchId,
  withFx,
  refreshToken,
  onSelect,
  onSelectMany,
}: {
  batchId: string;
  withFx: boolean;
  refreshToken: unknown;
  onSelect(payout: BatchPayout | null): void;
  /** Every selected payout (bulk retry and cancel: FailedPayoutActions). */
  onSelectMany?(payouts: BatchPayout[]): void;
}) {
  const grid = useRef<AgGridReact<BatchPayout>>(null);
  const datasource = usePagedDatasource(
    (request) => pageOf(batchId, request),
    {
      onError: (error) =>
        useConsole.getState().notify('error', `Payouts not loaded: ${describeError(error)}`),
    },
    [batchId],
  );
  useEffect(() => {
    // The batch was read again (after an action, or while it executes): a ticked payout may have
    // changed or left the filter, and the infinite model keeps the selection of rows it no longer
    // shows — start from no selection rather than act on payouts out of sight.
    grid.current?.api?.deselectAll();
    grid.current?.api?.refreshInfiniteCache();
  }, [refreshToken]);
  const columns = useMemo(() => columnsOf(withFx), [withFx]);
  const report = (rows: BatchPayout[]) => {
    onSelect(rows[0] ?? null);
    onSelectMany?.(rows);
  };

  return (
    <Grid<BatchPayout>
      ref={grid}
      testId="batch-payouts-grid"
      {...pagedRows(datasource, BLOCK)}
      columnDefs={columns}
      defaultColDef={COLUMN_DEFAULTS}
      getRowId={(p) => p.data.id}
      tooltipShowDelay={400}
      // A click selects one payout; the checkboxes (or Ctrl/Shift+click) select several for a bulk
      // retry or cancel. No "select all": the rows not yet fetched are not in the grid.
      rowSelection={{
        mode: 'multiRow',
        checkboxes: true,
        headerCheckbox: false,
        enableClickSelection: true,
      }}
      onSelectionChanged={(e) => report(e.api.getSelectedRows())}
      // A refresh brings new data for the selected payout (its status moves on): report it again.
      onModelUpdated={(e) => report(e.api.getSelectedRows())}
      localeText={{ noRowsToShow: 'No payout of this batch matches these filters' }}
    />
  );
}

/**
 * What matters first stays on screen: who, how much, the state and what went wrong; references
 * after.
 */
function columnsOf(withFx: boolean): ColDef<BatchPayout>[] {
  return [
    {
      field: 'affiliateId',
      headerName: 'Affiliate',
      width: 115,
      sortable: true,
      tooltipField: 'affiliateName',
    },
    moneyColumn<BatchPayout>('amountMinor', 'Amount', 'currency', {
      width: 160,
      sortable: true,
    }),
    {
      colId: 'source',
      hide: !withFx,
      headerName: 'Source amount',
      type: 'rightAligned',
      cellClass: 'amount',
      width: 170,
      valueGetter: (p) => (p.data && p.data.sourceCurrency !== p.data.currency ? p.data : null),
      valueFormatter: (p) => {
        const d = p.value as BatchPayout | null;
        return d ? `${money(d.sourceAmountMinor, d.sourceCurrency)} @ ${d.fxRate ?? '?'}` : '';
      },
    },
    {
      field: 'status',
      headerName: 'Status',
      width: 125,
      sortable: true,
      cellRenderer: StatusCell,
      filter: ChoiceFilter,
      filterParams: { choices: statusChoices(PAYOUT_STATUSES) },
    },
    {
      colId: 'failureCode',
      field: 'failureMessage',
      headerName: 'Last error',
      flex: 1,
      minWidth: 240,
      sortable: true,
      // Filtered by the provider's code (exact): the words are ours, the code is what providers
      // send.
      filter: 'agTextColumnFilter',
      filterParams: { filterOptions: ['equals'], maxNumConditions: 1, buttons: ['apply', 'reset'] },
      headerTooltip:
        'The provider’s failure code in words; filter by the exact code (e.g. INVALID_DESTINATION)',
      valueFormatter: (p) => failureText(p.data),
      tooltipValueGetter: (p) => failureTooltip(p.data),
      // An error of an earlier attempt stays on a payout that later succeeded: shown, but not
      // alarming.
      cellClassRules: {
        bad: (p) => p.data?.status === 'FAILED',
        muted: (p) => p.data?.status !== 'FAILED',
      },
    },
    {
      field: 'attempts',
      headerName: 'Attempts',
      type: 'rightAligned',
      cellClass: 'num',
      width: 100,
      sortable: true,
      valueFormatter: (p) => count(p.value as number),
    },
    {
      colId: 'part',
      headerName: 'Part',
      width: 100,
      sortable: false,
      filter: false,
      valueGetter: (p) => partOf(p.data),
      headerTooltip:
        'Above its channel’s maximum a payout is sent as several transfers, each its own payout',
    },
    {
      field: 'provider',
      headerName: 'Provider',
      width: 105,
      sortable: true,
      filter: ChoiceFilter,
      filterParams: choices(PROVIDERS),
    },
    { field: 'channelCode', headerName: 'Channel', width: 110 },
    // The raw state says little ("LOCKED"): its meaning, which says who acts next, is on hover.
    {
      field: 'providerStatus',
      headerName: 'Provider state',
      width: 135,
      tooltipValueGetter: (p) =>
        p.data?.providerStateMeaning
          ? `${p.data.providerStatus}: ${p.data.providerStateMeaning}`
          : '',
    },
    {
      field: 'providerReference',
      headerName: 'Provider reference',
      width: 165,
      cellClass: 'mono-cell',
      tooltipField: 'providerReference',
    },
    {
      field: 'updatedAt',
      headerName: 'Updated (UTC)',
      width: 165,
      sortable: true,
      valueFormatter: (p) => stamp(p.value as string),
    },
  ];
}
