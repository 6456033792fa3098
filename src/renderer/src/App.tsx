/**
 * The console shell: sign-in until someone is signed in; then the top bar (who, role,
 * online/offline, last sync, pending commands, conflicts), the navigation and the current view.
 * The step-up password prompt and notices float above everything; while someone is signed in, the
 * exception queue is watched for new payouts that need a person (views/exceptions/alerts.ts).
 */
import { useEffect, useRef, useState } from 'react';
import { call } from './api';
import { EnvironmentBanner } from './components/EnvironmentBanner';
import { NAV } from './components/navigation';
import { ShortcutHelp, useShortcuts } from './components/Shortcuts';
import { useSidebar } from './components/sidebar';
import { SignIn } from './components/SignIn';
import { StepUpDialog } from './components/StepUpDialog';
import { TopBar } from './components/TopBar';
import { gate, useConsole, type ViewId } from './store';
import { AuditView } from './views/AuditView';
import { BatchDetailView } from './views/BatchDetailView';
import { BatchesView } from './views/BatchesView';
import { BuilderView } from './views/BuilderView';
import { DashboardView } from './views/DashboardView';
import { ExceptionsView } from './views/ExceptionsView';
import { ImportView } from './views/ImportView';
import { useExceptionPolling } from './views/exceptions/alerts';
import { OperatorsView } from './views/OperatorsView';
import { OutboxView } from './views/OutboxView';
import { PayablesView } from './views/PayablesView';
import { PayoutsView } from './views/PayoutsView';
import { ReconciliationView } from './views/ReconciliationView';
import { ReportsView } from './views/ReportsView';
import { SecurityView } from './views/SecurityView';
import { SettingsView } from './views/SettingsView';

function CurrentView({ view }: { view: ViewId }) {
  switch (view) {
    case 'dashboard':
      return <DashboardView />;
    case 'payables':
      return <PayablesView />;
    case 'builder':
      return <BuilderView />;
    case 'batches':
      return <BatchesView />;
    case 'batch':
      return <BatchDetailView />;
    case 'payouts':
      return <PayoutsView />;
    case 'exceptions':
      return <ExceptionsView />;
    case 'reconciliation':
      return <ReconciliationView />;
    case 'reports':
      return <ReportsView />;
    case 'audit':
      return <AuditView />;
    case 'security':
      return <SecurityView />;
    case 'operators':
      return <OperatorsView />;
    case 'outbox':
      return <OutboxView />;
    case 'settings':
      return <SettingsView />;
    case 'import':
      return <ImportView />;
  }
}

export function App() {
  const manifest = useConsole((s) => s.manifest);
  const view = useConsole((s) => s.view);
  const go = useConsole((s) => s.go);
  const notices = useConsole((s) => s.notices);
  const dismiss = useConsole((s) => s.dismiss);
  const host = useConsole((s) => s.host);
  const sidebar = useSidebar();
  const [help, setHelp] = useState(false);
  const main = useRef<HTMLElement>(null);
  useShortcuts({ onHelp: () => setHelp(true), onSidebar: sidebar.toggle });
  // New exceptions are announced wherever the operator is in the console (and outside it).
  useExceptionPolling(manifest?.operator.username ?? null);

  // Progress of long calls streams from the host for as long as the console is open.
  useEffect(() => window.treasury.onProgress((e) => useConsole.getState().onProgress(e)), []);
  // Host facts first (online/offline shows on the sign-in screen too); a session the host still
  // holds (a reload) is picked up again. Only then is the manifest asked for: without a session it
  // would be refused, and every visit to the sign-in screen would leave a denial in the audit log.
  useEffect(() => {
    void window.treasury.info().then((h) => {
      useConsole.getState().setHost(h);
      if (h.signedIn)
        call('console.manifest', {})
          .then((m) => useConsole.getState().signedIn(m))
          .catch(() => undefined);
    });
  }, []);

  return (
    <div className="app">
      {manifest ? (
        <>
          {/* The first stop of Tab: past the top bar and the navigation, to the view itself. */}
          <a
            href="#content"
            className="skip-link"
            data-testid="skip-link"
            onClick={(e) => {
              e.preventDefault();
              main.current?.focus();
            }}
          >
            Skip to content
          </a>
          <TopBar />
          <EnvironmentBanner />
          <div className="main">
            <nav
              className={`nav${sidebar.collapsed ? ' collapsed' : ''}`}
              aria-label="Views"
              data-testid="nav"
            >
              <button
                type="button"
                className="nav-toggle"
                onClick={sidebar.toggle}
                aria-expanded={!sidebar.collapsed}
                aria-controls="nav-views"
                aria-label={sidebar.collapsed ? 'Show the full sidebar' : 'Collapse the sidebar'}
                title={`${sidebar.collapsed ? 'Show the full sidebar' : 'Collapse the sidebar'} ([)`}
                data-testid="nav-toggle"
              >
                <span aria-hidden="true">{sidebar.collapsed ? '»' : '«'}</span>
              </button>
              <div id="nav-views" className="nav-views">
                {NAV.map((n) => {
                  // A view whose one call the operator may not make is disabled, saying why.
                  const refused = n.needs ? gate({ manifest, host }, n.needs).reason : null;
                  return (
                    <button
                      key={n.id}
                      type="button"
                      className={
                        view === n.id || (n.id === 'batches' && view === 'batch') ? 'active' : ''
                      }
                      onClick={() => go(n.id)}
                      disabled={refused !== null}
                      title={refused ?? (sidebar.collapsed ? n.label : undefined)}
                      aria-label={n.label}
                      data-testid={`nav-${n.id}`}
                      aria-current={view === n.id ? 'page' : undefined}
                    >
                      <span className="nav-short" aria-hidden="true">
                        {n.short}
                      </span>
                      <span className="nav-label">{n.label}</span>
                    </button>
                  );
                })}
              </div>
            </nav>
            <main className="content" id="content" ref={main} tabIndex={-1}>
              <CurrentView view={view} />
            </main>
          </div>
        </>
      ) : (
        <SignIn />
      )}
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
      <StepUpDialog />
      <div className="notices" aria-live="polite">
        {notices.map((n) => (
          <div
            key={n.id}
            className={`notice ${n.kind}`}
            data-testid={`notice-${n.kind}`}
            onClick={() => dismiss(n.id)}
          >
            {n.text}
          </div>
        ))}
      </div>
    </div>
  );
}
