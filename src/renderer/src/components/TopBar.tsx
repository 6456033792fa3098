/**
 * Always visible: who is signed in and as what, online or offline (and why), when the cache last
 * synced, how many commands wait in the outbox and how many the central store refused (conflicts:
 * both open the Outbox), and how sync by itself is going — syncing, or failed and why. Signed in,
 * the console asks the workstation to sync by itself (`sync.auto`); "Sync now" pushes and pulls at
 * once. Polled every 10 s, every 2 s while a sync runs or commands wait online. Jobs (exports and
 * other long work) open from here.
 */
import { useEffect, useRef, useState } from 'react';
import { call, describeError } from '../api';
import { ago } from '../format';
import { useConsole, type SyncStatus } from '../store';
import { Action } from './Action';
import { JobsButton } from './JobsPanel';
import { ThemeToggle } from './ThemeToggle';

export function TopBar() {
  const manifest = useConsole((s) => s.manifest)!;
  const host = useConsole((s) => s.host);
  const status = useConsole((s) => s.status);
  const go = useConsole((s) => s.go);
  const [syncing, setSyncing] = useState(false);

  const refresh = async () => {
    const h = await window.treasury.info();
    useConsole.getState().setHost(h);
    try {
      // In the background: the status poll is not the operator's activity, so a console left open
      // still signs out after 30 minutes without it.
      useConsole.getState().setStatus(await call('sync.status', {}, { background: true }));
    } catch {
      useConsole.getState().setStatus(null);
    }
  };
  // Sync by itself while this operator is signed in (the workstation stops on sign-out).
  useEffect(() => {
    call('sync.auto', { enabled: true }).catch(() => undefined);
  }, []);
  const fast = busyOrWaiting(status, host?.online ?? false);
  useEffect(() => {
    void refresh();
    const t = setInterval(() => void refresh(), fast ? 2_000 : 10_000);
    return () => clearInterval(t);
  }, [fast]);
  useConflictNotice(status);

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
      <SyncState status={status} />
      <button
        type="button"
        className="btn plain topbar-link"
        onClick={() => go('outbox')}
        data-testid="pending"
      >
        Pending: {status?.pending ?? '–'}
      </button>
      <button
        type="button"
        className={`btn plain topbar-link ${status && status.rejected > 0 ? 'warning' : ''}`}
        onClick={() => go('outbox')}
        data-testid="conflicts"
      >
        Conflicts: {status?.rejected ?? '–'}
      </button>
      <span className="spacer" />
      <ThemeToggle />
      <JobsButton />
      <Action
        call="sync.run"
        online
        onRun={syncNow}
        busy={syncing || status?.auto.state === 'syncing'}
        testId="sync-now"
      >
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

/** Poll faster while a sync runs, or while commands wait and the central store answers. */
function busyOrWaiting(status: SyncStatus | null, online: boolean): boolean {
  return status?.auto.state === 'syncing' || (online && (status?.pending ?? 0) > 0);
}

/** How sync by itself is going: syncing now, or why it failed (nothing when all is well). */
function SyncState({ status }: { status: SyncStatus | null }) {
  const auto = status?.auto;
  if (!auto) return null;
  if (auto.state === 'syncing')
    return (
      <span className="badge syncing" data-testid="sync-state" data-state="syncing">
        Syncing…
      </span>
    );
  if (auto.state === 'failed')
    return (
      <span
        className="badge offline sync-failed"
        data-testid="sync-state"
        data-state="failed"
        title={auto.failure ?? ''}
      >
        Sync failed: {auto.failure}
      </span>
    );
  return (
    <span
      className="muted small"
      data-testid="sync-state"
      data-state={auto.state}
      title={auto.note ?? ''}
    >
      {auto.automatic ? 'Auto-sync on' : ''}
    </span>
  );
}

/** A command refused while the operator looked elsewhere is announced once, pointing at the Outbox. */
function useConflictNotice(status: SyncStatus | null): void {
  const seen = useRef<number | null>(null);
  useEffect(() => {
    if (!status) return;
    const before = seen.current;
    seen.current = status.rejected;
    if (before !== null && status.rejected > before)
      useConsole
        .getState()
        .notify(
          'error',
          `The central store refused ${status.rejected - before} command(s) prepared on this workstation: see the Outbox`,
        );
  }, [status]);
}
