/**
 * Reconciliation: start a run (provider and period), the stored runs, and the chosen run's results
 * — paged through `reconcile.results` as the operator scrolls, filtered by outcome on the server.
 */
import { useMemo, useState } from 'react';
import type { CellKeyDownEvent, ColDef } from 'ag-grid-community';
import { call, describeError, useQuery } from '../api';
import { Grid, moneyColumn, pagedDatasource } from '../components/Grid';
import { Card, ErrorLine, Page } from '../components/Panel';
import { count, when } from '../format';
import type { CallOutput } from '../../../core/host/bridge/contract';
import { useConsole } from '../store';
import { RECONCILE_OUTCOMES } from './common/domain';
import { statusChoices, statusInWords } from './common/words';
import { Select } from './common/Select';
import { stamp } from './common/stamp';
import { StatusCell } from './common/StatusPill';
import { RunReconciliation } from './reconciliation/RunReconciliation';

/** The same object every render (a new one makes AG Grid rebuild its columns). */
const COLUMN_DEFAULTS = { sortable: false, filter: false };

type Run = NonNullable<ReturnType<typeof useRuns>['data']>[number];
type Result = CallOutput<'reconcile.results'>['results'][number];

function useRuns() {
  return useQuery('reconcile.list', { limit: 200 });
}

const countsText = (counts: Record<string, number>) =>
  RECONCILE_OUTCOMES.filter((o) => (counts[o] ?? 0) > 0)
    .map((o) => `${count(counts[o])} ${statusInWords(o).toLowerCase()}`)
    .join(' · ') || 'nothing to match';

export function ReconciliationView() {
  const runs = useRuns();
  const [runId, setRunId] = useState<string | null>(null);
  const [outcome, setOutcome] = useState('');
  // The newest run is shown until the operator picks another: chosen while rendering, as soon as
  // the runs arrive (and kept when newer ones do).
  if (!runId && runs.data && runs.data.length > 0) setRunId(runs.data[0]!.id);
  const selected = runs.data?.find((r) => r.id === runId);

  const runColumns = useMemo<ColDef<Run>[]>(
    () => [
      {
        field: 'createdAt',
        headerName: 'Run at (UTC)',
        width: 170,
        valueFormatter: (p) => stamp(p.value as string),
        sort: 'desc',
      },
      { field: 'provider', headerName: 'Provider', width: 100 },
      {
        colId: 'period',
        headerName: 'Period',
        width: 210,
        valueGetter: (p) =>
          p.data ? `${p.data.from.slice(0, 10)} → ${p.data.to.slice(0, 10)}` : '',
      },
      { field: 'status', headerName: 'Status', width: 120, cellRenderer: StatusCell },
      {
        colId: 'counts',
        headerName: 'Outcomes',
        flex: 1,
        minWidth: 260,
        valueGetter: (p) => (p.data ? countsText(p.data.counts) : ''),
      },
      { field: 'operator', headerName: 'By', width: 110 },
      { field: 'problem', headerName: 'Problem', width: 200 },
    ],
    [],
  );

  return (
    <Page
      title="Reconciliation"
      testId="view-reconciliation"
      actions={
        <button type="button" className="btn" onClick={runs.reload} data-testid="recon-reload">
          Refresh
        </button>
      }
    >
      <RunReconciliation
        onRan={(id) => {
          setRunId(id);
          runs.reload();
        }}
      />
      <ErrorLine error={runs.error?.message} />
      <Card title="Runs" testId="recon-runs">
        <Grid<Run>
          testId="recon-runs-grid"
          height={150}
          rowData={runs.data ?? []}
          loading={runs.loading && !runs.data}
          columnDefs={runColumns}
          getRowId={(p) => p.data.id}
          rowSelection={{ mode: 'singleRow', checkboxes: false, enableClickSelection: true }}
          onRowClicked={(e) => e.data && setRunId(e.data.id)}
          onCellKeyDown={(e: CellKeyDownEvent<Run>) =>
            (e.event as KeyboardEvent | undefined)?.key === 'Enter' && e.data && setRunId(e.data.id)
          }
          onRowDataUpdated={(e) => runId && e.api.getRowNode(runId)?.setSelected(true)}
          overlayNoRowsTemplate="No reconciliation run yet"
        />
      </Card>
      <Card
        title={
          selected
            ? `Results of the ${selected.provider} run of ${when(selected.createdAt)}`
            : 'Results'
        }
        testId="recon-results"
        wide
      >
        <div className="row">
          <Select
            label="Outcome"
            value={outcome}
            onChange={setOutcome}
            options={statusChoices(RECONCILE_OUTCOMES)}
            any="All outcomes"
            testId="recon-outcome"
          />
          {selected && (
            <span className="muted small">
              {countsText(selected.counts)}
              {selected.problem ? ` — ${selected.problem}` : ''}
            </span>
          )}
        </div>
        <div className="fill-grid">
          {runId ? (
            <ResultsGrid runId={runId} outcome={outcome} />
          ) : (
            <p className="muted">Choose a run.</p>
          )}
        </div>
      </Card>
    </Page>
  );
}

function ResultsGrid({ runId, outcome }: { runId: string; outcome: string }) {
  const datasource = useMemo(
    () =>
      pagedDatasource<Result>(
        async ({ offset, limit }) => {
          const r = await call('reconcile.results', {
            runId,
            offset,
            limit,
            ...(outcome ? { outcome: outcome as (typeof RECONCILE_OUTCOMES)[number] } : {}),
          });
          return { total: r.total, rows: r.results as Result[] };
        },
        (error) =>
          useConsole.getState().notify('error', `Results not loaded: ${describeError(error)}`),
      ),
    [runId, outcome],
  );
  const columns = useMemo<ColDef<Result>[]>(
    () => [
      { field: 'outcome', headerName: 'Outcome', width: 170, cellRenderer: StatusCell },
      {
        field: 'payoutId',
        headerName: 'Our payout',
        width: 170,
        cellClass: 'mono-cell',
        tooltipField: 'payoutId',
      },
      {
        field: 'providerPayoutId',
        headerName: 'Provider payout',
        width: 170,
        cellClass: 'mono-cell',
        tooltipField: 'providerPayoutId',
      },
      { field: 'ourStatus', headerName: 'Our status', width: 115 },
      { field: 'providerStatus', headerName: 'Provider status', width: 125 },
      moneyColumn<Result>('ourAmountMinor', 'Our amount', 'currency', { width: 150 }),
      moneyColumn<Result>('providerAmountMinor', 'Provider amount', 'currency', { width: 150 }),
      {
        colId: 'hint',
        headerName: 'What to do',
        flex: 1,
        minWidth: 220,
        valueGetter: (p) => {
          // Every break names the action that clears it; most also say why in words.
          const d = (p.data?.details ?? {}) as { hint?: unknown; action?: unknown };
          const action =
            typeof d.action === 'string'
              ? d.action === 'investigate'
                ? 'investigate'
                : `run ${d.action}`
              : '';
          return typeof d.hint === 'string' ? d.hint : action;
        },
      },
    ],
    [],
  );
  return (
    <Grid<Result>
      testId="recon-results-grid"
      rowModelType="infinite"
      datasource={datasource}
      cacheBlockSize={200}
      columnDefs={columns}
      defaultColDef={COLUMN_DEFAULTS}
      getRowId={(p) => p.data.id}
    />
  );
}
