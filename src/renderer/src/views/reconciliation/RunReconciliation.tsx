/**
 * Starting a reconciliation run: a provider and a period. The router validates (from before to,
 * real dates) and its problems are shown next to the inputs; the run itself asks the provider for
 * its records, so it needs the central store.
 */
import { useState } from 'react';
import { call, describeError } from '../../api';
import { Action } from '../../components/Action';
import { Card } from '../../components/Panel';
import { count } from '../../format';
import { useConsole } from '../../store';
import { PROVIDERS } from '../common/domain';
import { FieldError } from '../common/FieldError';
import { dayInput, problemsByField } from '../common/problems';
import { Select } from '../common/Select';

export function RunReconciliation({ onRan }: { onRan(runId: string): void }) {
  const notify = useConsole((s) => s.notify);
  const today = new Date();
  const [provider, setProvider] = useState<string>('sandbox');
  const [from, setFrom] = useState(dayInput(new Date(today.getTime() - 7 * 86_400_000)));
  const [to, setTo] = useState(dayInput(new Date(today.getTime() + 86_400_000)));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setBusy(true);
    setProblems({});
    setError(null);
    try {
      const r = await call('reconcile.run', {
        provider: provider as (typeof PROVIDERS)[number],
        from,
        to,
      });
      const counts = Object.entries(r.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${count(n)} ${k.replace(/_/g, ' ')}`)
        .join(', ');
      notify(
        r.status === 'complete' ? 'success' : 'info',
        `Reconciliation ${r.status}${counts ? `: ${counts}` : ''}${r.problem ? ` — ${r.problem}` : ''}`,
      );
      onRan(r.runId);
    } catch (err) {
      const byField = problemsByField(err);
      setProblems(byField);
      if (Object.keys(byField).length === 0) setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Run a reconciliation" testId="recon-form">
      <form
        className="row align-start"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div className="field">
          <Select
            label="Provider"
            value={provider}
            onChange={setProvider}
            options={PROVIDERS}
            testId="recon-provider"
          />
          <FieldError message={problems.provider} />
        </div>
        <label className="field">
          From
          <input
            type="date"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            data-testid="recon-from"
            aria-invalid={!!problems.from}
          />
          <FieldError message={problems.from} testId="recon-from-error" />
        </label>
        <label className="field">
          To
          <input
            type="date"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            data-testid="recon-to"
            aria-invalid={!!problems.to}
          />
          <FieldError message={problems.to} testId="recon-to-error" />
        </label>
        <div className="field push-down">
          <Action
            call="reconcile.run"
            online
            onRun={run}
            busy={busy}
            kind="primary"
            testId="recon-run"
          >
            Run reconciliation
          </Action>
        </div>
      </form>
      {error && (
        <p className="error" role="alert" data-testid="recon-error">
          {error}
        </p>
      )}
      <p className="muted small">
        Matches our payouts with the provider's records for the period (by provider id and
        reference). It changes no payout; each run is stored.
      </p>
    </Card>
  );
}
