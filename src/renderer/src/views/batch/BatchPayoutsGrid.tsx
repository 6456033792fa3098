/**
 * The batch's payouts, fetched a block at a time through `batch.show` (payouts, offset, limit) —
 * a batch may hold 100,000 payouts and the renderer holds only the blocks on screen. Ordered by
 * affiliate on the server, so the grid offers no sorting of its own. `refreshToken` changes when
 * the batch was read again (every 2 s while executing, after every action): the visible blocks are
 * fetched again then.
 */
import { useEffect, useMemo, useRef } from 'react';
import type { AgGridReact } from 'ag-grid-react';
import type { ColDef } from 'ag-grid-community';
import { call, describeError } from '../../api';
import { Grid, moneyColumn, pagedDatasource } from '../../components/Grid';
import { count, money } from '../../format';
import { useConsole } from '../../store';
import { StatusCell } from '../common/StatusPill';

/** The same object every render (a new one makes AG Grid rebuild its columns). */
const COLUMN_DEFAULTS = { sortable: false, filter: false };

export interface BatchPayout {
  id: string;
  affiliate_id: string;
  amount_minor: string;
  currency: string;
  source_amount_minor: string | null;
  source_currency: string | null;
  fx_rate: string | null;
  provider: string;
  channel_code: string;
  status: string;
  attempt: number;
  provider_payout_id: string | null;
  provider_status: string | null;
  failure_code: string | null;
}

export function BatchPayoutsGrid({ batchId, withFx, refreshToken, onSelect }: { batchId: string; withFx: boolean; refreshToken: unknown; onSelect(payout: BatchPayout | null): void }) {
  const grid = useRef<AgGridReact<BatchPayout>>(null);
  const datasource = useMemo(
    () =>
      pagedDatasource<BatchPayout>(
        async ({ offset, limit }) => {
          const b = await call('batch.show', { batch: batchId, payouts: true, offset, limit });
          const total = b.payoutsByStatus.reduce((n, s) => n + s.payouts, 0);
          return { total, rows: (b.payouts ?? []) as unknown as BatchPayout[] };
        },
        (error) => useConsole.getState().notify('error', `Payouts not loaded: ${describeError(error)}`),
      ),
    [batchId],
  );
  useEffect(() => {
    grid.current?.api?.refreshInfiniteCache();
  }, [refreshToken]);

  const columns = useMemo<ColDef<BatchPayout>[]>(
    () => [
      { field: 'affiliate_id', headerName: 'Affiliate', width: 125 },
      moneyColumn<BatchPayout>('amount_minor', 'Amount', 'currency', { width: 165 }),
      {
        colId: 'source',
        hide: !withFx,
        headerName: 'Source amount',
        type: 'rightAligned',
        cellClass: 'amount',
        width: 170,
        valueGetter: (p) => (p.data && p.data.source_currency && p.data.source_currency !== p.data.currency ? p.data : null),
        valueFormatter: (p) => {
          const d = p.value as BatchPayout | null;
          return d ? `${money(d.source_amount_minor, d.source_currency)} @ ${d.fx_rate ?? '?'}` : '';
        },
      },
      { field: 'provider', headerName: 'Provider', width: 95 },
      { field: 'channel_code', headerName: 'Channel', width: 105 },
      { field: 'status', headerName: 'Status', width: 120, cellRenderer: StatusCell },
      { field: 'provider_payout_id', headerName: 'Provider reference', width: 175, cellClass: 'mono-cell', tooltipField: 'provider_payout_id' },
      { field: 'provider_status', headerName: 'Provider status', width: 125 },
      { field: 'attempt', headerName: 'Attempts', type: 'rightAligned', cellClass: 'num', width: 95, valueFormatter: (p) => count(p.value as number) },
      {
        field: 'failure_code',
        headerName: 'Last error',
        flex: 1,
        minWidth: 150,
        tooltipField: 'failure_code',
        // An error of an earlier attempt stays on a payout that later succeeded: shown, but not alarming.
        cellClassRules: { bad: (p) => p.data?.status === 'FAILED', muted: (p) => p.data?.status !== 'FAILED' },
      },
    ],
    [withFx],
  );

  return (
    <Grid<BatchPayout>
      ref={grid}
      testId="batch-payouts-grid"
      rowModelType="infinite"
      datasource={datasource}
      cacheBlockSize={200}
      maxBlocksInCache={20}
      columnDefs={columns}
      defaultColDef={COLUMN_DEFAULTS}
      getRowId={(p) => p.data.id}
      rowSelection={{ mode: 'singleRow', checkboxes: false, enableClickSelection: true }}
      onSelectionChanged={(e) => onSelect(e.api.getSelectedRows()[0] ?? null)}
      // A refresh brings new data for the selected payout (its status moves on): report it again.
      onModelUpdated={(e) => onSelect(e.api.getSelectedRows()[0] ?? null)}
    />
  );
}
