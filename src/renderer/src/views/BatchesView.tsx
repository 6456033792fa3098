/**
 * Batches: the recent payout batches with their state, what they pay, the maker's note and who
 * must still approve them; the "Awaiting my approval" tab keeps only those this operator may
 * approve now (batch.list awaitingMe). A row opens the batch (click or Enter). One `batch.list`
 * carries it all: the summary, the maker and the valid approvals of every listed batch.
 */
import { useEffect, useMemo, useState } from 'react';
import type { CellKeyDownEvent, ColDef } from 'ag-grid-community';
import { useQuery } from '../api';
import { Grid } from '../components/Grid';
import { ErrorLine, Page } from '../components/Panel';
import { count, money } from '../format';
import { useConsole } from '../store';
import { perCurrency, totalsOf } from './batch/BatchTotals';
import { BATCH_STATES } from './common/domain';
import { Select } from './common/Select';
import { stamp } from './common/stamp';
import { StatusCell } from './common/StatusPill';
import { statusChoices } from './common/words';

interface BatchRow {
  id: string;
  number: string;
  status: string;
  createdAt: string;
  payouts: number;
  currency: string;
  provider: string;
  /** Set when the batch pays a single currency (sortable exactly); else the formatted list. */
  totalMinor: string | null;
  totalText: string;
  createdBy?: string | null;
  approvals?: string;
  note: string;
}

/** The hint the dashboard leaves (store's batchesStatus) to open the approvals inbox. */
export const AWAITING_ME = 'AWAITING_ME';

export function BatchesView() {
  const go = useConsole((s) => s.go);
  // The dashboard's links open this view on a status, or on the inbox: taken once, then cleared.
  const hint = useConsole((s) => s.batchesStatus);
  const [status, setStatus] = useState(hint && hint !== AWAITING_ME ? hint : '');
  const [awaiting, setAwaiting] = useState(hint === AWAITING_ME);
  useEffect(() => {
    if (hint !== null) useConsole.setState({ batchesStatus: null });
  }, [hint]);
  const list = useQuery('batch.list', {
    ...(status ? { status: status as (typeof BATCH_STATES)[number] } : {}),
    ...(awaiting ? { awaitingMe: true } : {}),
    limit: 500,
  });

  const rows = useMemo<BatchRow[]>(
    () =>
      (list.data ?? []).map((b) => {
        const totals = totalsOf(b.totals);
        const sums = perCurrency(totals);
        return {
          id: b.id,
          number: b.number,
          status: b.status,
          createdAt: b.createdAt,
          payouts: b.payouts,
          currency: sums.map((s) => s.currency).join(', '),
          provider: [...new Set(totals.map((t) => t.provider))].join(', '),
          totalMinor: sums.length === 1 ? sums[0]!.amountMinor : null,
          totalText: sums.map((s) => money(s.amountMinor, s.currency)).join(' · '),
          createdBy: b.createdBy,
          approvals: `${b.approvedBy.length} / ${b.requiredApprovals}${b.approvedBy.length > 0 ? ` (${b.approvedBy.join(', ')})` : ''}`,
          note: `${b.rejected ? '[rejected] ' : ''}${b.note ?? ''}`,
        };
      }),
    [list.data],
  );

  // Flex widths over minimums: the ten columns fill the grid at 1440 px without a scrollbar.
  const columns = useMemo<ColDef<BatchRow>[]>(
    () => [
      { field: 'number', headerName: 'Batch', flex: 1.2, minWidth: 135, cellClass: 'mono-cell' },
      { field: 'status', headerName: 'Status', flex: 1.2, minWidth: 180, cellRenderer: StatusCell },
      { field: 'currency', headerName: 'Currency', flex: 0.8, minWidth: 100 },
      { field: 'provider', headerName: 'Provider', flex: 0.8, minWidth: 90 },
      {
        field: 'payouts',
        headerName: 'Payouts',
        type: 'rightAligned',
        cellClass: 'num',
        flex: 0.7,
        minWidth: 80,
        filter: false,
        valueFormatter: (p) => count(p.value as number),
      },
      {
        colId: 'total',
        headerName: 'Total',
        type: 'rightAligned',
        cellClass: 'amount',
        flex: 1.4,
        minWidth: 170,
        filter: false,
        valueGetter: (p) => p.data?.totalMinor ?? null,
        valueFormatter: (p) => p.data?.totalText ?? '',
        // Exact comparison of minor units; batches in several currencies sort last.
        comparator: (a: string | null, b: string | null) =>
          a === b ? 0 : a === null ? 1 : b === null ? -1 : BigInt(a) < BigInt(b) ? -1 : 1,
      },
      { field: 'createdBy', headerName: 'Created by', flex: 0.8, minWidth: 105 },
      {
        field: 'createdAt',
        headerName: 'Created (UTC)',
        flex: 1.1,
        minWidth: 180,
        valueFormatter: (p) => stamp(p.value as string),
        sort: 'desc',
      },
      {
        field: 'approvals',
        headerName: 'Approvals',
        flex: 1.3,
        minWidth: 110,
        tooltipField: 'approvals',
      },
      { field: 'note', headerName: 'Note', flex: 1.5, minWidth: 140, tooltipField: 'note' },
    ],
    [],
  );

  const open = (row: BatchRow | undefined) => row && go('batch', row.id);

  return (
    <Page
      title="Batches"
      testId="view-batches"
      actions={
        <>
          <span className="tabs" role="tablist">
            <button
              type="button"
              role="tab"
              aria-selected={!awaiting}
              className={`btn${awaiting ? '' : ' active'}`}
              onClick={() => setAwaiting(false)}
              data-testid="batches-tab-all"
            >
              All batches
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={awaiting}
              className={`btn${awaiting ? ' active' : ''}`}
              onClick={() => setAwaiting(true)}
              data-testid="batches-tab-awaiting"
            >
              Awaiting my approval
            </button>
          </span>
          <Select
            label="Status"
            value={status}
            onChange={setStatus}
            options={statusChoices(BATCH_STATES)}
            any="All states"
            testId="batches-status"
          />
          <button type="button" className="btn" onClick={list.reload} data-testid="batches-reload">
            Refresh
          </button>
        </>
      }
    >
      <ErrorLine error={list.error?.message} />
      <p className="muted small">
        {list.loading && !list.data
          ? 'Loading…'
          : `${count(rows.length)} batch${rows.length === 1 ? '' : 'es'}${awaiting ? ' awaiting your approval' : ''}, newest first.`}{' '}
        Click a batch or press Enter to open it.
      </p>
      <div className="fill">
        <Grid<BatchRow>
          testId="batches-grid"
          rowData={rows}
          columnDefs={columns}
          getRowId={(p) => p.data.id}
          onRowClicked={(e) => open(e.data)}
          onCellKeyDown={(e: CellKeyDownEvent<BatchRow>) =>
            (e.event as KeyboardEvent | undefined)?.key === 'Enter' && open(e.data)
          }
          rowClass="clickable"
          loading={list.loading && !list.data}
          overlayNoRowsTemplate={
            awaiting
              ? 'No batch awaits your approval'
              : status
                ? `No ${status} batch`
                : 'No batch yet: build one in the batch builder'
          }
        />
      </div>
    </Page>
  );
}
