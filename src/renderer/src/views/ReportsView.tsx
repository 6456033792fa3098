/**
 * Reports: money over time (daily, weekly, monthly, per currency), provider analysis, the journal
 * with its tie-outs and affiliate performance for a period, and monitoring; the accounting exports
 * (reconciled payouts, commissions, payout items, journal entries, audit log) for the period as CSV
 * (optionally with a BOM for spreadsheets) or JSON, through the save dialog.
 */
import { useState } from 'react';
import { Action } from '../components/Action';
import { Page } from '../components/Panel';
import { describeError } from '../api';
import { useConsole } from '../store';
import { count } from '../format';
import type { ExportName } from '../../../core/host/bridge/contract';
import { exportReport } from './common/exportReport';
import { dayAfter, dayInput } from './common/problems';
import { Select } from './common/Select';
import { AffiliatePerformance } from './reports/AffiliatePerformance';
import { Journal } from './reports/Journal';
import { Monitoring } from './reports/Monitoring';
import { ProviderAnalysis } from './reports/ProviderAnalysis';
import { TimeSeries, type Granularity } from './reports/TimeSeries';

const CURRENCIES = ['IDR', 'PHP', 'USD'];
const GRANULARITIES: Granularity[] = ['day', 'week', 'month'];
const LABEL: Record<Granularity, string> = { day: 'Daily', week: 'Weekly', month: 'Monthly' };
/**
 * The exports, each with its file name and whether it takes the page's currency (the core's filter
 * spec of each report: the audit log has no currency). An export takes the page's filters, so the
 * file holds what the page shows (issue 22); the core filters in SQL and records them in the
 * file's metadata.
 */
const EXPORTS: { value: ExportName; label: string; file: string; currency: boolean }[] = [
  { value: 'export.payouts', label: 'Payouts (reconciled)', file: 'payouts', currency: true },
  { value: 'export.journal', label: 'Journal entries', file: 'journal', currency: true },
  { value: 'export.commissions', label: 'Commissions', file: 'commissions', currency: true },
  { value: 'export.payoutItems', label: 'Payout items', file: 'payout-items', currency: true },
  { value: 'export.auditLog', label: 'Audit log', file: 'audit-log', currency: false },
];

/** "Exporting… 42%" from a job's progress; the row count while the total is not known yet. */
export function exportingText(done: number | null, total: number | null): string {
  if (done === null) return 'Exporting…';
  if (total === null || total <= 0) return `Exporting… ${count(done)} rows`;
  return `Exporting… ${Math.min(100, Math.floor((done * 100) / total))}%`;
}

export function ReportsView() {
  const notify = useConsole((s) => s.notify);
  const [granularity, setGranularity] = useState<Granularity>('week');
  const [currency, setCurrency] = useState('USD');
  // The last 182 days up to today, taken from the clock once when the page opens.
  const [from, setFrom] = useState(() => dayInput(new Date(Date.now() - 182 * 86_400_000)));
  // The operator picks whole days, both included (as in payout history); the server's periods are
  // [from, to), so `until` — the day after "to" — is what is sent.
  const [to, setTo] = useState(() => dayInput(new Date()));
  const until = to ? dayAfter(to) : '';
  const [format, setFormat] = useState<'csv' | 'json'>('csv');
  const [which, setWhich] = useState<ExportName>('export.payouts');
  const [bom, setBom] = useState(true);
  const [exporting, setExporting] = useState(false);
  // The job of the last export started here: the button follows its progress until it ends.
  const [jobId, setJobId] = useState<string | null>(null);
  const job = useConsole((s) => (jobId ? s.jobs.find((j) => j.id === jobId) : undefined));
  const running = job?.state === 'running';
  const chosen = EXPORTS.find((e) => e.value === which)!;
  const exportCurrency = chosen.currency ? currency : null;

  const exportFile = async () => {
    setExporting(true);
    try {
      const payload = {
        format,
        ...(format === 'csv' && bom ? { bom: true } : {}),
        ...(from ? { from } : {}),
        ...(until ? { to: until } : {}),
        ...(exportCurrency ? { currency: exportCurrency } : {}),
      };
      const r = await exportReport(
        which,
        payload,
        `${chosen.file}${exportCurrency ? `-${exportCurrency}` : ''}-${from || 'start'}-to-${to || 'now'}.${format}`,
      );
      if (r.jobId) setJobId(r.jobId);
      notify(r.kind, r.text);
    } catch (error) {
      notify('error', describeError(error));
    } finally {
      setExporting(false);
    }
  };

  return (
    <Page
      title="Reports"
      testId="view-reports"
      actions={
        <div className="export-bar">
          <Select
            label="Export"
            value={which}
            onChange={(v) => setWhich(v as ExportName)}
            options={EXPORTS.map(({ value, label }) => ({ value, label }))}
            testId="report-export-which"
          />
          <Select
            label="as"
            value={format}
            onChange={(v) => setFormat(v as 'csv' | 'json')}
            options={[
              { value: 'csv', label: 'CSV' },
              { value: 'json', label: 'JSON' },
            ]}
            testId="report-export-format"
          />
          {format === 'csv' && (
            <label
              className="inline"
              title="A UTF-8 byte order mark, so that spreadsheet programs read names with accents correctly"
            >
              <input
                type="checkbox"
                checked={bom}
                onChange={(e) => setBom(e.target.checked)}
                data-testid="report-export-bom"
              />{' '}
              for spreadsheets
            </label>
          )}
          <Action
            call={which}
            online
            onRun={exportFile}
            busy={exporting || running}
            busyText={running ? exportingText(job?.done ?? null, job?.total ?? null) : undefined}
            testId="report-export"
          >
            Export…
          </Action>
          <span className="muted small" data-testid="report-export-filters">
            {exportCurrency ? `${exportCurrency} only` : 'all currencies'}, {from || 'the start'} to{' '}
            {to || 'now'}
          </span>
        </div>
      }
    >
      <div className="filters" data-testid="report-filters">
        <div className="segmented" role="group" aria-label="Granularity">
          {GRANULARITIES.map((g) => (
            <button
              key={g}
              type="button"
              className={`btn ${granularity === g ? 'primary' : ''}`}
              aria-pressed={granularity === g}
              onClick={() => setGranularity(g)}
              data-testid={`report-granularity-${g}`}
            >
              {LABEL[g]}
            </button>
          ))}
        </div>
        <Select
          label="Currency"
          value={currency}
          onChange={setCurrency}
          options={CURRENCIES}
          testId="report-currency"
        />
        <label className="inline">
          From
          <input
            type="date"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            data-testid="report-from"
          />
        </label>
        <label className="inline">
          to (inclusive)
          <input
            type="date"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            data-testid="report-to"
          />
        </label>
        <span className="muted small">
          Dates are UTC, both days included. Each export's period applies to its own date
          (docs/reports.md): payouts when paid, journal entries by entry date.
        </span>
      </div>
      <div className="reports">
        <TimeSeries granularity={granularity} currency={currency} from={from} to={until} />
        <ProviderAnalysis from={from} to={until} />
        <Journal from={from} to={until} currency={currency} />
        <AffiliatePerformance currency={currency} />
        <Monitoring />
      </div>
    </Page>
  );
}
