/**
 * Reports: money over time (daily, weekly, monthly, per currency), affiliate performance and
 * provider analysis for a period; the period's payout items exported as CSV or JSON through the
 * save dialog.
 */
import { useState } from 'react';
import { Action } from '../components/Action';
import { Page } from '../components/Panel';
import { describeError } from '../api';
import { useConsole } from '../store';
import { exportPayoutItems } from './common/exportItems';
import { dayAfter, dayInput } from './common/problems';
import { Select } from './common/Select';
import { AffiliatePerformance } from './reports/AffiliatePerformance';
import { ProviderAnalysis } from './reports/ProviderAnalysis';
import { TimeSeries, type Granularity } from './reports/TimeSeries';

const CURRENCIES = ['IDR', 'PHP', 'USD'];
const GRANULARITIES: Granularity[] = ['day', 'week', 'month'];
const LABEL: Record<Granularity, string> = { day: 'Daily', week: 'Weekly', month: 'Monthly' };

export function ReportsView() {
  const notify = useConsole((s) => s.notify);
  const now = Date.now();
  const [granularity, setGranularity] = useState<Granularity>('week');
  const [currency, setCurrency] = useState('USD');
  const [from, setFrom] = useState(dayInput(new Date(now - 182 * 86_400_000)));
  // The operator picks whole days, both included (as in payout history); the server's periods are
  // [from, to), so `until` — the day after "to" — is what is sent.
  const [to, setTo] = useState(dayInput(new Date(now)));
  const until = to ? dayAfter(to) : '';
  const [format, setFormat] = useState<'csv' | 'json'>('csv');
  const [exporting, setExporting] = useState(false);

  const exportItems = async () => {
    setExporting(true);
    try {
      const r = await exportPayoutItems({ format, ...(from ? { from } : {}), ...(until ? { to: until } : {}) }, `payout-items-${from || 'start'}-to-${to || 'now'}.${format}`);
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
        <>
          <Select label="Export" value={format} onChange={(v) => setFormat(v as 'csv' | 'json')} options={[{ value: 'csv', label: 'CSV' }, { value: 'json', label: 'JSON' }]} testId="report-export-format" />
          <Action call="export.payoutItems" online onRun={exportItems} busy={exporting} testId="report-export">
            Export payout items…
          </Action>
        </>
      }
    >
      <div className="filters" data-testid="report-filters">
        <div className="segmented" role="group" aria-label="Granularity">
          {GRANULARITIES.map((g) => (
            <button key={g} type="button" className={`btn ${granularity === g ? 'primary' : ''}`} aria-pressed={granularity === g} onClick={() => setGranularity(g)} data-testid={`report-granularity-${g}`}>
              {LABEL[g]}
            </button>
          ))}
        </div>
        <Select label="Currency" value={currency} onChange={setCurrency} options={CURRENCIES} testId="report-currency" />
        <label className="inline">
          From
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="report-from" />
        </label>
        <label className="inline">
          to (inclusive)
          <input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="report-to" />
        </label>
        <span className="muted small">Dates are UTC, both days included. The export covers payouts created in the period.</span>
      </div>
      <div className="reports">
        <TimeSeries granularity={granularity} currency={currency} from={from} to={until} />
        <ProviderAnalysis from={from} to={until} />
        <AffiliatePerformance currency={currency} />
      </div>
    </Page>
  );
}
