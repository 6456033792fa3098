/**
 * Dashboard: the state of the treasury at a glance, refreshed every 5 s — payouts that need a
 * person (the exception queue's figures), the batches awaiting my approval, what is payable per currency, batches by status,
 * executions in progress (live), recent failures, provider balances, and security events waiting
 * for an administrator.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '../api';
import { BarChart, type ValueAxis } from '../components/Chart';
import { Grid, moneyColumn, type ColDef } from '../components/Grid';
import { Card, ErrorLine, Page } from '../components/Panel';
import { ago, count, money, when } from '../format';
import { useConsole, useGate } from '../store';
import { AwaitingMe } from './dashboard/AwaitingMe';
import { Executions } from './dashboard/Executions';
import { AlertCard } from './exceptions/AlertCard';
import { gridHeight } from './gridHeight';
import { ProviderBalances } from './dashboard/ProviderBalances';
import type { DashboardSummary } from './dashboard/types';
import { statusInWords } from './common/words';

const REFRESH_MS = 5000;

/** Lifecycle order, so the chart reads left to right as a batch moves. */
const STATUS_ORDER = [
  'DRAFT',
  'SUBMITTED',
  'APPROVED',
  'EXECUTING',
  'COMPLETED',
  'COMPLETED_WITH_FAILURES',
  'FAILED',
  'CANCELLED',
];
// Colours from the page's CSS variables (styles.css), so dark mode applies to the chart and the
// swatches alike; the chart reads a `var(--name)` as the page has it now.
const STATUS_COLOR: Record<string, string> = {
  DRAFT: 'var(--muted)',
  SUBMITTED: 'var(--chart-4)',
  APPROVED: 'var(--chart-1)',
  EXECUTING: 'var(--chart-5)',
  COMPLETED: 'var(--chart-2)',
  COMPLETED_WITH_FAILURES: 'var(--warn)',
  FAILED: 'var(--chart-3)',
  CANCELLED: 'var(--chart-quiet)',
};

export function DashboardView() {
  const summary = useQuery('dashboard.summary', {}, REFRESH_MS);
  const [balancesKey, setBalancesKey] = useState(0);
  const d = summary.data;
  const currencies = useCurrencies(d);
  // When an execution started or finished here, the summary is asked again at once (not in 5 s).
  const running = useConsole(
    (s) =>
      Object.values(s.progress).filter((p) => p.name === 'batch.execute' && p.phase !== 'done')
        .length,
  );
  const { reload } = summary;
  const seen = useRef(running);
  useEffect(() => {
    if (seen.current !== running) reload();
    seen.current = running;
  }, [running, reload]);
  return (
    <Page
      title="Dashboard"
      testId="view-dashboard"
      actions={
        <>
          {d && (
            <span className="muted small" data-testid="dash-calc-last-run">
              Commissions last calculated:{' '}
              {d.calcLastRun
                ? `${ago(d.calcLastRun.at)} (${count(d.calcLastRun.conversions)} conversions, as of ${when(d.calcLastRun.asOf)})`
                : 'never'}
            </span>
          )}
          <button
            type="button"
            className="btn"
            onClick={() => {
              summary.reload();
              setBalancesKey((k) => k + 1);
            }}
            data-testid="dash-refresh"
          >
            Refresh
          </button>
        </>
      }
    >
      <ErrorLine error={summary.error?.message} />
      {!d ? (
        <p className="muted">{summary.loading ? 'Loading…' : ''}</p>
      ) : (
        <div className="dash">
          <AlertCard />
          <Card title="Awaiting my approval" testId="dash-awaiting">
            <AwaitingMe refreshMs={REFRESH_MS} />
          </Card>
          <Card title="Payable now, per currency" testId="dash-payables">
            <PayableTotals payables={d.payables} />
          </Card>
          <Card title="Batches by status" testId="dash-batches">
            <BatchesByStatus batches={d.batches} />
          </Card>
          <Card title="Executions in progress" testId="dash-executions">
            <Executions executions={d.executions} />
          </Card>
          <Card title="Provider balances" testId="dash-balances">
            <ProviderBalances currencies={currencies} refreshKey={balancesKey} />
          </Card>
          <Card title="Alerts and security events" testId="dash-security">
            <SecuritySummary security={d.security} />
          </Card>
          <Card title="Recent failures" testId="dash-failures" wide>
            <RecentFailures failures={d.recentFailures} />
          </Card>
        </div>
      )}
    </Page>
  );
}

/**
 * The currencies the dashboard knows we owe in, for the balance lookups (stable across refreshes).
 */
function useCurrencies(d: DashboardSummary | undefined): string[] {
  const key = (d?.payables ?? [])
    .map((p) => p.currency)
    .sort()
    .join(',');
  return useMemo(() => (key ? key.split(',') : []), [key]);
}

function PayableTotals({ payables }: { payables: DashboardSummary['payables'] }) {
  if (payables.length === 0)
    return <p className="muted">Nothing is payable. Calculate commissions first.</p>;
  return (
    <div className="currency-totals">
      {payables.map((p) => (
        <div key={p.currency} className="currency-total" data-testid={`dash-payable-${p.currency}`}>
          <div className="muted small">{p.currency}</div>
          <div className="stat amount">{money(p.payableMinor, p.currency)}</div>
          <div className="muted small amount">
            pending {money(p.pendingMinor, p.currency)} · {count(p.affiliates)} affiliates
          </div>
        </div>
      ))}
    </div>
  );
}

interface StatusBar {
  status: string;
  label: string;
  count: number;
}
const BATCH_AXIS: ValueAxis<StatusBar> = { kind: 'count', unit: 'batches' };

function BatchesByStatus({ batches }: { batches: DashboardSummary['batches'] }) {
  const go = useConsole((s) => s.go);
  const showStatus = (status: string) => {
    // The batches view reads this hint to open filtered on the status clicked here.
    useConsole.setState({ batchesStatus: status });
    go('batches');
  };
  const data = useMemo<StatusBar[]>(
    () =>
      [...batches]
        .sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status))
        .map((b) => ({
          status: b.status,
          label: statusInWords(b.status),
          count: b.count,
        })),
    [batches],
  );
  if (data.length === 0) return <p className="muted">No batches yet.</p>;
  return (
    <div className="batch-status">
      <BarChart
        data={data}
        xKey="label"
        yKey="count"
        yName="batches"
        axis={BATCH_AXIS}
        onSelect={(x) => showStatus(x.status)}
        colorOf={(x) => STATUS_COLOR[x.status] ?? 'var(--chart-1)'}
        height={150}
        label="Batches by status"
        testId="dash-batches-chart"
      />
      <ul className="status-list">
        {data.map((b) => (
          <li key={b.status}>
            <button
              type="button"
              className="link"
              onClick={() => showStatus(b.status)}
              data-testid={`dash-status-${b.status}`}
            >
              <span className="swatch" style={{ background: STATUS_COLOR[b.status] }} aria-hidden />
              {b.label}
            </button>
            <span className="num">{count(b.count)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function SecuritySummary({ security }: { security: DashboardSummary['security'] }) {
  const go = useConsole((s) => s.go);
  const gate = useGate('security.events');
  if (!security)
    return (
      <p className="reason" data-testid="dash-security-reason">
        {gate.reason ?? 'Security events are not available to you.'}
      </p>
    );
  return (
    <>
      <div className="row">
        <span
          className={`stat ${security.unacknowledged > 0 ? 'warning' : 'ok'}`}
          data-testid="dash-security-open"
        >
          {count(security.unacknowledged)}
        </span>
        <span className="muted">unacknowledged</span>
        <span className="spacer" />
        <button
          type="button"
          className="btn"
          onClick={() => go('security')}
          data-testid="dash-security-open-view"
        >
          Open security events
        </button>
      </div>
      {security.recent.length === 0 ? (
        <p className="muted">No events.</p>
      ) : (
        <ul className="events">
          {security.recent.map((e) => (
            <li key={e.id}>
              <span className={`risk ${e.risk}`}>{e.risk}</span>{' '}
              <strong>{e.kind.replace(/_/g, ' ')}</strong>{' '}
              {e.operator && <span className="muted">({e.operator})</span>}{' '}
              <span className="muted small">{ago(e.at)}</span>
              {e.acknowledgedAt ? <span className="ok small"> · acknowledged</span> : null}
              {e.message && <div className="small muted">{e.message}</div>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

type Failure = DashboardSummary['recentFailures'][number];
const FAILURE_COLUMNS: ColDef<Failure>[] = [
  {
    field: 'at',
    headerName: 'When',
    valueFormatter: (p) => when(p.value),
    width: 210,
    sort: 'desc',
  },
  { field: 'batchNumber', headerName: 'Batch', width: 150 },
  { field: 'affiliateId', headerName: 'Affiliate', width: 130 },
  moneyColumn<Failure>('amountMinor', 'Amount', 'currency', { width: 160 }),
  { field: 'provider', headerName: 'Provider', width: 100 },
  { field: 'failureCode', headerName: 'Code', width: 190 },
  // The provider's message; when it only repeats the code, the code column already says it.
  {
    field: 'error',
    headerName: 'Message',
    flex: 1,
    minWidth: 240,
    tooltipField: 'error',
    valueFormatter: (p) => (p.value && p.value !== p.data?.failureCode ? p.value : ''),
  },
];

function RecentFailures({ failures }: { failures: Failure[] }) {
  const go = useConsole((s) => s.go);
  if (failures.length === 0) return <p className="muted">No failed payouts.</p>;
  // At most 20 rows (the summary's cap): the grid takes their height, no empty box below.
  return (
    <div className="fit-grid">
      <Grid<Failure>
        testId="dash-failures-grid"
        columnDefs={FAILURE_COLUMNS}
        rowData={failures}
        height={gridHeight(failures.length)}
        onRowDoubleClicked={(e) => e.data && go('batch', e.data.batchId)}
      />
      <p className="muted small">Double-click a failure to open its batch.</p>
    </div>
  );
}
