/**
 * Always visible: who is signed in and as what, online or offline (and why), when the cache last
 * synced, how many commands wait in the outbox and how many the central store refused (conflicts).
 * Polled every 10 s; "Sync now" pushes and pulls. Jobs (exports and other long work) open from
 * here.
 */
import { useEffect, useState } from 'react';
import { call, describeError } from '../api';
import { ago } from '../format';
import { useConsole } from '../store';
import { Action } from './Action';
import { JobsButton } from './JobsPanel';

export function TopBar() {
  const manifest = useConsole((s) => s.manifest)!;
  const host = useConsole((s) => s.host);
  const status = useConsole((s) => s.status);
  const [syncing, setSyncing] = useState(false);

  const refresh = async () => {
    const h = await window.treasury.info();
    useConsole.getState().setHost(h);
    try {
      useConsole.getState().setStatus(await call('sync.status', {}));
    } catch {
      useConsole.getState().setStatus(null);
    }
  };
  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), 10_000);
    return () => clearInterval(t);
  }, []);

  const syncNow = async () => {
    setSyncing(true);
    try {
      const r = await call('sync.run', {});
      useConsole
        .getState()
        .notify(
          r.online ? 'success' : 'info',
          r.online ? 'Synced with the central store' : `Not synced: ${r.reason ?? 'offline'}`,
        );
    } catch (error) {
      useConsole.getState().notify('error', describeError(error));
    } finally {
      setSyncing(false);
      void refresh();
    }
  };
  const signOut = async () => {
    await window.treasury.call('session.signOut', { token: 'held-by-host' });
    useConsole.getState().sessionEnded(null);
  };

  const online = host?.online ?? false;
  return (
    <header className="topbar" data-testid="topbar">
      <strong className="brand">Treasury Console</strong>
      <span data-testid="operator">
        {manifest.operator.username} <span className="role">{manifest.operator.role}</span>
      </span>
      <span
        className={`badge ${online ? 'online' : 'offline'}`}
        data-testid="connectivity"
        title={host?.offlineReason ?? host?.central ?? ''}
      >
        {online ? 'Online' : 'Offline'}
      </span>
      {!online && host?.offlineReason && (
        <span
          className="muted small offline-reason"
          data-testid="offline-reason"
          title={host.offlineReason}
        >
          {host.offlineReason}
        </span>
      )}
      {host?.credentials.fallback && (
        <span
          className="badge fallback"
          data-testid="credential-store"
          title={host.credentials.note ?? host.credentials.label}
        >
          Credentials: {host.credentials.label}
        </span>
      )}
      <span className="muted" data-testid="last-sync">
        Last sync: {ago(status?.lastPullAt ?? null)}
      </span>
      <span data-testid="pending">Pending: {status?.pending ?? '–'}</span>
      <span data-testid="conflicts" className={status && status.rejected > 0 ? 'warning' : ''}>
        Conflicts: {status?.rejected ?? '–'}
      </span>
      <span className="spacer" />
      <JobsButton />
      <Action call="sync.run" online onRun={syncNow} busy={syncing} testId="sync-now">
        Sync now
      </Action>
      <button
        type="button"
        className="btn plain"
        onClick={() => void signOut()}
        data-testid="sign-out"
      >
        Sign out
      </button>
    </header>
  );
}
