/**
 * Per affiliate and currency: conversions, commissions earned, paid, pending and payable — sorted
 * and paged on the server, fetched 200 rows at a time as the operator scrolls.
 */
import { useMemo, useState } from 'react';
import type { ColDef } from 'ag-grid-community';
import type { CallInput, CallOutput } from '../../../../core/host/bridge/contract';
import { call, describeError } from '../../api';
import { Grid, moneyColumn, usePagedDatasource } from '../../components/Grid';
import { Card } from '../../components/Panel';
import { count } from '../../format';
import { useConsole } from '../../store';
import { useDebounced } from '../common/useDebounced';

/** The same object every render (a new one makes AG Grid rebuild its columns). */
const COLUMN_DEFAULTS = { filter: false };

type Row = CallOutput<'reports.affiliatePerformance'>['rows'][number];
type SortField = NonNullable<CallInput<'reports.affiliatePerformance'>['sort']>['field'];

export function AffiliatePerformance({ currency }: { currency: string }) {
  const [search, setSearch] = useState('');
  const [total, setTotal] = useState<number | null>(null);
  const term = useDebounced(search.trim(), 300);
  // The count above the grid comes only from the current datasource: a slow answer for a previous
  // currency or search must not replace it.
  const datasource = usePagedDatasource(
    ({ offset, limit, sort }) =>
      call('reports.affiliatePerformance', {
        offset,
        limit,
        ...(currency ? { currency } : {}),
        ...(term ? { search: term } : {}),
        ...(sort ? { sort: { field: sort.field as SortField, dir: sort.dir } } : {}),
      }),
    {
      onPage: (page) => setTotal(page.total),
      onError: (error) =>
        useConsole
          .getState()
          .notify('error', `Affiliate performance not loaded: ${describeError(error)}`),
    },
    [currency, term],
  );
  const columns = useMemo<ColDef<Row>[]>(
    () => [
      { field: 'affiliateId', headerName: 'Affiliate', width: 120 },
      { field: 'name', headerName: 'Name', flex: 1, minWidth: 130 },
      { field: 'currency', headerName: 'Currency', width: 90 },
      {
        field: 'conversions',
        headerName: 'Conversions',
        width: 105,
        type: 'rightAligned',
        cellClass: 'num',
        valueFormatter: (p) => count(p.value as number),
      },
      moneyColumn<Row>('commissionsMinor', 'Earned', 'currency', {
        width: 155,
        sortable: true,
        sort: 'desc',
      }),
      moneyColumn<Row>('paidMinor', 'Paid', 'currency', { width: 150, sortable: true }),
      moneyColumn<Row>('payableMinor', 'Payable', 'currency', { width: 150, sortable: true }),
      moneyColumn<Row>('pendingMinor', 'Pending', 'currency', { width: 150, sortable: true }),
    ],
    [],
  );
  return (
    <Card title="Affiliate performance" testId="report-affiliates-card" wide>
      <div className="row">
        <label className="inline">
          Search
          <input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="affiliate id or name"
            data-testid="report-affiliates-search"
          />
        </label>
        <span className="muted small">
          {total === null
            ? ''
            : `${count(total)} affiliate${total === 1 ? '' : 's'}${currency ? ` in ${currency}` : ''}`}
        </span>
      </div>
      <div className="report-grid">
        <Grid<Row>
          testId="report-affiliates"
          rowModelType="infinite"
          datasource={datasource}
          cacheBlockSize={200}
          columnDefs={columns}
          defaultColDef={COLUMN_DEFAULTS}
          getRowId={(p) => `${p.data.affiliateId}|${p.data.currency}`}
        />
      </div>
    </Card>
  );
}
