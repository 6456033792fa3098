/**
 * The outbox: the commands this workstation wrote on its cache (offline preparation, or a batch
 * prepared again), waiting to be pushed to the central store, and the ones it refused — each with
 * the store's reason and the way out: discard it, or prepare a refused batch again from the data
 * as last synced (a new batch, a new pending command, pushed at the next sync). Sync runs by
 * itself (the top bar says how it went); "Sync now" is there for the impatient.
 */
import { useState } from 'react';
import { call, describeError, useQuery } from '../api';
import { Card, ErrorLine, Page } from '../components/Panel';
import { ago } from '../format';
import { useConsole } from '../store';
import { commandLabel, OutboxEntryRow, type OutboxItem } from './outbox/OutboxEntryRow';

/** The top bar's counts follow at once, not at its next poll. */
async function refreshStatus(): Promise<void> {
  try {
    useConsole.getState().setStatus(await call('sync.status', {}));
  } catch {
    /* the top bar polls again */
  }
}

function SyncSummary() {
  const status = useConsole((s) => s.status);
  const auto = status?.auto;
  return (
    <p className="muted small" data-testid="outbox-sync">
      {auto?.automatic
        ? `Sync runs by itself every ${Math.round(auto.intervalMs / 1000)} s while online, on reconnect and shortly after each command.`
        : (auto?.note ?? 'Sync runs when you press "Sync now".')}{' '}
      Last sync: {ago(status?.lastPullAt ?? null)}.
      {auto?.failure && auto.state !== 'idle' && ` Last attempt: ${auto.failure}`}
    </p>
  );
}

export function OutboxView() {
  const notify = useConsole((s) => s.notify);
  const pending = useConsole((s) => s.status?.pending ?? 0);
  const [all, setAll] = useState(false);
  const list = useQuery('outbox.list', {}, 5_000);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const act = async (key: string, run: () => Promise<string>) => {
    setBusy(key);
    setError(null);
    try {
      notify('success', await run());
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(null);
      list.reload();
      void refreshStatus();
    }
  };
  const discard = (e: OutboxItem) =>
    act(`discard-${e.seq}`, async () => {
      const what = `${commandLabel(e.name)}${e.about.batchNumber ? ` ${e.about.batchNumber}` : ''}`;
      if (!window.confirm(`Discard command ${e.seq} (${what})? It will not be sent.`))
        return 'Nothing discarded';
      await call('outbox.discard', { entry: String(e.seq) });
      return `Command ${e.seq} discarded`;
    });
  const reprepare = (e: OutboxItem) =>
    act(`reprepare-${e.seq}`, async () => {
      const r = await call('outbox.reprepare', { entry: String(e.seq) });
      return `Prepared again as batch ${r.number} (${r.payouts} payouts): pushed at the next sync`;
    });

  const entries = (list.data ?? []).filter(
    (e) => all || e.status === 'pending' || e.status === 'rejected',
  );
  const settled = (list.data ?? []).length - entries.length;
  return (
    <Page
      title="Outbox"
      testId="view-outbox"
      actions={
        <label className="inline small">
          <input
            type="checkbox"
            checked={all}
            onChange={(e) => setAll(e.target.checked)}
            data-testid="outbox-all"
          />{' '}
          Show applied and discarded
        </label>
      }
    >
      <Card title="Waiting and refused commands" wide testId="outbox">
        <SyncSummary />
        <ErrorLine error={error ?? list.error?.message} />
        {entries.length === 0 ? (
          <p className="muted" data-testid="outbox-empty">
            {list.data
              ? `Nothing waits to be pushed and nothing was refused${settled ? ` (${settled} settled command${settled === 1 ? '' : 's'} hidden)` : ''}.`
              : 'Loading…'}
          </p>
        ) : (
          <table className="facts" data-testid="outbox-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Written</th>
                <th>Command</th>
                <th>By</th>
                <th>State</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <OutboxEntryRow
                  key={e.seq}
                  e={e}
                  busy={busy}
                  onDiscard={(x) => void discard(x)}
                  onReprepare={(x) => void reprepare(x)}
                />
              ))}
            </tbody>
          </table>
        )}
        {pending > 0 && (
          <p className="muted small">
            Commands are pushed in order, each as the operator who wrote it: each must be signed in
            online for theirs to go.
          </p>
        )}
      </Card>
    </Page>
  );
}
