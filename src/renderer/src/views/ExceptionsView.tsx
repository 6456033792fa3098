/**
 * The exception queue: every payout that needs a person (failed for good, cancelled by the
 * provider, paid then returned, sent without an answer, waiting too long, held, in a state we do
 * not know), oldest first, paged on the server (`exceptions.list`). Each row says what happened in
 * the provider's words and offers the actions that fit it; a row opens a drawer with the whole
 * message and every attempt. After an action the queue is read again.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import type { CellClickedEvent, CellKeyDownEvent, ICellRendererParams } from 'ag-grid-community';
import type { AgGridReact } from 'ag-grid-react';
import { call, describeError } from '../api';
import { Grid, moneyColumn, pagedRows, usePagedDatasource, type ColDef } from '../components/Grid';
import { ErrorLine, Page } from '../components/Panel';
import { count, when } from '../format';
import { gate, useConsole } from '../store';
import { Select } from './common/Select';
import { Action } from '../components/Action';
import type { BulkItem } from './batch/bulkOutcome';
import { BulkPayoutDialog, type BulkKind } from './batch/BulkPayoutDialog';
import { useAlerts } from './exceptions/alerts';
import {
  ExceptionActionButtons,
  ExceptionActionDialog,
  pollNow,
  type PendingAction,
} from './exceptions/ExceptionActions';
import { ExceptionDrawer } from './exceptions/ExceptionDrawer';
import {
  ACTIONS,
  age,
  KIND_WORDS,
  KINDS,
  type ExceptionKind,
  type ExceptionRow,
  type ExceptionsPage,
} from './exceptions/kinds';

const BLOCK = 100;
/**
 * The queue's order is the server's (oldest first): the grid neither sorts nor filters rows itself.
 */
const COLUMN_DEFAULTS = { sortable: false, filter: false };

interface GridContext {
  onAction(p: PendingAction): void;
}

function ActionsCell(p: ICellRendererParams<ExceptionRow, unknown, GridContext>) {
  return p.data ? (
    <ExceptionActionButtons row={p.data} onAction={p.context.onAction} compact />
  ) : null;
}

const COLUMNS: ColDef<ExceptionRow>[] = [
  {
    field: 'ageMinutes',
    headerName: 'Age',
    width: 75,
    type: 'rightAligned',
    valueFormatter: (p) => (p.value === undefined ? '' : age(p.value as number)),
    tooltipValueGetter: (p) => (p.data ? `since ${when(p.data.since)}` : ''),
  },
  {
    field: 'kind',
    headerName: 'What',
    width: 130,
    valueFormatter: (p) => KIND_WORDS[p.value as ExceptionKind] ?? '',
    tooltipValueGetter: (p) => KIND_WORDS[p.value as ExceptionKind] ?? '',
  },
  {
    colId: 'affiliate',
    headerName: 'Affiliate',
    width: 165,
    valueGetter: (p) => (p.data ? `${p.data.affiliateName} (${p.data.affiliateId})` : ''),
    tooltipValueGetter: (p) =>
      p.data?.affiliateHold ? `Payouts held: ${p.data.affiliateHold}` : '',
  },
  { field: 'batchNumber', headerName: 'Batch', width: 145, cellClass: 'clickable link-cell' },
  moneyColumn<ExceptionRow>('amountMinor', 'Amount', 'currency', { width: 145 }),
  { field: 'provider', headerName: 'Provider', width: 85 },
  {
    field: 'message',
    headerName: 'What the provider said',
    flex: 1,
    minWidth: 160,
    tooltipField: 'message',
  },
  {
    colId: 'attempts',
    headerName: 'Attempts',
    width: 85,
    type: 'rightAligned',
    cellClass: 'num',
    valueGetter: (p) => p.data?.attempts.length,
  },
  // Pinned: the actions stay on screen however the other columns scroll.
  {
    colId: 'actions',
    headerName: 'Actions',
    width: 180,
    pinned: 'right',
    cellRenderer: ActionsCell,
    cellClass: 'actions-cell',
  },
];

/**
 * The pinned actions column is as wide as the widest row's buttons (a failed payout has two short
 * ones, a held one three long ones): the rest of the width goes to the provider's message. An
 * estimate from the labels' lengths (the grid's 12 px button text), not a measurement.
 */
function actionsWidth(rows: readonly ExceptionRow[]): number {
  const button = (label: string) => 20 + label.length * 7;
  const widest = Math.max(
    0,
    ...rows.map((r) => r.actions.reduce((w, a) => w + button(ACTIONS[a].label) + 4, 0)),
  );
  // Room for the reason said after the buttons when the operator may not take some of them.
  const state = useConsole.getState();
  const refused = rows.some((r) =>
    r.actions.some((a) => !gate(state, ACTIONS[a].call, { online: true }).allowed),
  );
  return Math.min(520, Math.max(120, widest + 28 + (refused ? 220 : 0)));
}

export function ExceptionsView() {
  const go = useConsole((s) => s.go);
  const [kind, setKind] = useState<ExceptionKind | ''>('');
  const [summary, setSummary] = useState<Pick<ExceptionsPage, 'total' | 'byKind'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const [open, setOpen] = useState<ExceptionRow | null>(null);
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [selected, setSelected] = useState<ExceptionRow[]>([]);
  const [bulk, setBulk] = useState<BulkKind | null>(null);
  const grid = useRef<AgGridReact<ExceptionRow>>(null);

  const datasource = usePagedDatasource(
    ({ offset, limit }) => call('exceptions.list', { ...(kind ? { kind } : {}), offset, limit }),
    {
      onPage: (page, request) => {
        setSummary({ total: page.total, byKind: page.byKind });
        setError(null);
        const api = grid.current?.api;
        const now = api?.getColumn('actions')?.getActualWidth() ?? 0;
        const needed = actionsWidth(page.rows);
        // A new filter starts over; later pages only widen it (a narrower one would cut earlier
        // rows').
        api?.setColumnWidths([
          { key: 'actions', newWidth: request.offset === 0 ? needed : Math.max(now, needed) },
        ]);
      },
      onError: (e) => setError(`The queue was not read: ${describeError(e)}`),
    },
    [kind, generation],
  );
  // Read again after an action: the row changed or left the queue; the dashboard's figures follow.
  const reload = useCallback(() => {
    setOpen(null);
    // The queue is read again: ticked rows may have left it (the grid keeps their selection).
    grid.current?.api?.deselectAll();
    setSelected([]);
    setGeneration((g) => g + 1);
    void useAlerts.getState().poll();
  }, []);
  const onAction = useCallback(
    (p: PendingAction) => (p.action === 'poll' ? void pollNow(p.row).then(reload) : setPending(p)),
    [reload],
  );
  const context = useMemo<GridContext>(() => ({ onAction }), [onAction]);

  const onCellClicked = (e: CellClickedEvent<ExceptionRow>) => {
    if (!e.data || e.colDef.colId === 'actions') return;
    if (e.colDef.field === 'batchNumber') go('batch', e.data.batchId);
    else setOpen(e.data);
  };
  const onCellKeyDown = (e: CellKeyDownEvent<ExceptionRow>) =>
    (e.event as KeyboardEvent | undefined)?.key === 'Enter' && e.data && setOpen(e.data);

  return (
    <Page
      title="Exceptions"
      testId="view-exceptions"
      actions={
        <button type="button" className="btn" onClick={reload} data-testid="exceptions-refresh">
          Refresh
        </button>
      }
    >
      <div className="filters" role="search">
        <KindFilter kind={kind} onChange={setKind} summary={summary} />
        <span className="muted small" data-testid="exceptions-total">
          {summary
            ? `${count(summary.total)} payout${summary.total === 1 ? '' : 's'} ${kind ? `(${KIND_WORDS[kind].toLowerCase()})` : 'need a person'}`
            : ''}
        </span>
      </div>
      <BulkBar selected={selected} onBulk={setBulk} />
      <ErrorLine error={error} />
      <div className="fill">
        <Grid<ExceptionRow>
          ref={grid}
          testId="exceptions-grid"
          {...pagedRows(datasource, BLOCK)}
          columnDefs={COLUMNS}
          defaultColDef={COLUMN_DEFAULTS}
          context={context}
          getRowId={(p) => p.data.payoutId}
          // Ticked rows take a bulk retry or release; a click still opens the drawer.
          rowSelection={{
            mode: 'multiRow',
            checkboxes: true,
            headerCheckbox: false,
            enableClickSelection: false,
          }}
          onSelectionChanged={(e) => setSelected(e.api.getSelectedRows())}
          onCellClicked={onCellClicked}
          onCellKeyDown={onCellKeyDown}
          tooltipShowDelay={300}
          localeText={{
            noRowsToShow: kind ? 'No exception of this kind' : 'No payout needs a person',
          }}
        />
      </div>
      <p className="muted small">
        Click a row (or press Enter on it) for the provider’s whole message and every attempt; click
        a batch number to open the batch.
      </p>
      {open && <ExceptionDrawer row={open} onClose={() => setOpen(null)} onAction={onAction} />}
      {pending && (
        <ExceptionActionDialog pending={pending} onClose={() => setPending(null)} onDone={reload} />
      )}
      {bulk && (
        <BulkPayoutDialog
          kind={bulk}
          items={bulkItems(selected, bulk)}
          onClose={() => setBulk(null)}
          onChanged={reload}
        />
      )}
    </Page>
  );
}

/** What the queue offers a row for each bulk action (its `actions`), else why not. */
const BULK_ACTION: Record<BulkKind, 'retry' | 'release'> = { retry: 'retry', cancel: 'release' };

function bulkItems(rows: readonly ExceptionRow[], kind: BulkKind): BulkItem[] {
  return rows.map((r) => ({
    payoutId: r.payoutId,
    batchId: r.batchId,
    batchNumber: r.batchNumber,
    affiliateId: r.affiliateId,
    currency: r.currency,
    amountMinor: r.amountMinor,
    refusal: r.actions.includes(BULK_ACTION[kind])
      ? null
      : `${KIND_WORDS[r.kind].toLowerCase()}: only a failed payout can be ${kind === 'retry' ? 'retried' : 'released'}`,
  }));
}

/** The bulk actions over the ticked rows, each refused with its reason when it fits none of them. */
function BulkBar({
  selected,
  onBulk,
}: {
  selected: readonly ExceptionRow[];
  onBulk(kind: BulkKind): void;
}) {
  const blocked = (kind: BulkKind) =>
    selected.length === 0
      ? 'tick the payouts in the grid first'
      : selected.some((r) => r.actions.includes(BULK_ACTION[kind]))
        ? null
        : `none of the ticked payouts can be ${kind === 'retry' ? 'retried' : 'released'}`;
  return (
    <div className="row bulk-bar" data-testid="exceptions-bulk">
      <span className="muted small" data-testid="exceptions-selected">
        {count(selected.length)} ticked
      </span>
      <Action
        call="batch.retry"
        online
        blocked={blocked('retry')}
        onRun={() => onBulk('retry')}
        testId="exceptions-bulk-retry"
      >
        Retry selected…
      </Action>
      <Action
        call="payout.cancel"
        online
        blocked={blocked('cancel')}
        onRun={() => onBulk('cancel')}
        kind="danger"
        testId="exceptions-bulk-release"
      >
        Release selected…
      </Action>
    </div>
  );
}

/** The kinds with how many of each (of the whole queue, whatever the filter). */
function KindFilter({
  kind,
  onChange,
  summary,
}: {
  kind: ExceptionKind | '';
  onChange(k: ExceptionKind | ''): void;
  summary: Pick<ExceptionsPage, 'byKind'> | null;
}) {
  const all = summary ? Object.values(summary.byKind).reduce((n, v) => n + v, 0) : null;
  const options = KINDS.map((k) => ({
    value: k,
    label: `${KIND_WORDS[k]}${summary ? ` (${count(summary.byKind[k])})` : ''}`,
  }));
  return (
    <Select
      label="Show"
      value={kind}
      onChange={(v) => onChange(v as ExceptionKind | '')}
      options={options}
      any={`Every kind${all === null ? '' : ` (${count(all)})`}`}
      testId="exceptions-kind"
    />
  );
}
