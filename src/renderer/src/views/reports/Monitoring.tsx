/**
 * What needs an eye now: batches by status, executions in progress, stuck payouts, webhook lag per
 * provider, and the last reconciliation per provider with its breaks. Refreshed every 10 s.
 */
import { useState } from 'react';
import { useQuery } from '../../api';
import { Card, ErrorLine } from '../../components/Panel';
import { ago, count, money, when } from '../../format';
import { Select } from '../common/Select';
import { statusInWords } from '../common/words';

const THRESHOLDS = [
  { value: '15', label: '15 min' },
  { value: '60', label: '1 hour' },
  { value: '240', label: '4 hours' },
  { value: '1440', label: '1 day' },
];

export function Monitoring() {
  const [threshold, setThreshold] = useState('60');
  const m = useQuery('reports.monitoring', { stuckAfterMinutes: Number(threshold) }, 10_000);
  const d = m.data;
  return (
    <Card title="Monitoring" testId="report-monitoring" wide>
      <ErrorLine error={m.error?.message} />
      <div className="filters">
        <Select
          label="Stuck after"
          value={threshold}
          onChange={setThreshold}
          options={THRESHOLDS}
          testId="report-monitoring-threshold"
        />
        {d && <span className="muted small">as of {when(d.at)}</span>}
      </div>
      {d && (
        <div className="monitoring">
          <section>
            <h3>Batches</h3>
            <p data-testid="report-monitoring-batches">
              {d.batchesByStatus
                .map((b) => `${statusInWords(b.status)} ${count(b.count)}`)
                .join(' · ') || 'none'}
            </p>
            <h3>Executing</h3>
            {d.executions.length === 0 ? (
              <p className="muted">No execution in progress.</p>
            ) : (
              <ul>
                {d.executions.map((e) => (
                  <li key={e.batchId}>
                    {e.number}: {count(e.settled)} of {count(e.payouts)} settled (
                    {count(e.succeeded)} succeeded, {count(e.failed)} failed, {count(e.inFlight)}{' '}
                    with the provider), started {ago(e.startedAt)}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section>
            <h3 className={d.stuck.count > 0 ? 'error' : ''} data-testid="report-monitoring-stuck">
              Stuck payouts: {count(d.stuck.count)}
            </h3>
            <ul>
              {d.stuck.oldest.slice(0, 8).map((s) => (
                <li key={s.payoutId}>
                  {s.batch} {s.affiliateId} {money(s.amountMinor, s.currency)}{' '}
                  {statusInWords(s.status).toLowerCase()} at {s.provider} for {count(s.minutes)} min
                </li>
              ))}
            </ul>
          </section>
          <section>
            <h3>Webhooks (24 h)</h3>
            {d.webhooks.length === 0 ? (
              <p className="muted">No webhook received.</p>
            ) : (
              <ul data-testid="report-monitoring-webhooks">
                {d.webhooks.map((w) => (
                  <li key={w.provider}>
                    {w.provider}: {count(w.events)} events, last {ago(w.lastReceivedAt)}; lag p50{' '}
                    {w.lagSecondsP50 ?? '—'} s, p95 {w.lagSecondsP95 ?? '—'} s
                  </li>
                ))}
              </ul>
            )}
            <h3>Last reconciliation</h3>
            {d.reconciliation.length === 0 ? (
              <p className="muted">Never reconciled.</p>
            ) : (
              <ul data-testid="report-monitoring-reconciliation">
                {d.reconciliation.map((r) => (
                  <li key={r.runId}>
                    {r.provider}: {ago(r.at)}, {r.status}, {count(r.results)} results;{' '}
                    {r.breaks.length === 0
                      ? 'no breaks'
                      : r.breaks.map((b) => `${b.outcome} ${count(b.count)}`).join(', ')}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      )}
    </Card>
  );
}
