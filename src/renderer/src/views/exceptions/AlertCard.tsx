/**
 * The dashboard's alert: how many payouts need a person (the exception queue's figures, watched by
 * alerts.ts), of which kinds, a way there, and desktop alerts — turned on from here by a click, the
 * user gesture browsers require before they ask.
 */
import { useEffect } from 'react';
import { Card } from '../../components/Panel';
import { useConsole, useGate } from '../../store';
import { headline, useAlerts, type Permission } from './alerts';
import { kindsText } from './kinds';

export function AlertCard() {
  const go = useConsole((s) => s.go);
  const figures = useAlerts((s) => s.figures);
  const permission = useAlerts((s) => s.permission);
  const allowed = useGate('exceptions.list', { online: true });
  // Fresh figures when the dashboard opens, not up to 30 s old.
  useEffect(() => void useAlerts.getState().poll(), []);
  const open = figures && figures.total > 0;
  return (
    <Card title="Payouts that need a person" testId="dash-exceptions">
      {!allowed.allowed ? (
        <p className="reason">{allowed.reason}</p>
      ) : !figures ? (
        <p className="muted">Reading the exception queue…</p>
      ) : (
        <div className="row">
          <span className={`stat ${open ? 'warning' : 'ok'}`} data-testid="dash-exceptions-count">
            {open ? headline(figures.total) : 'None: no payout needs a person'}
          </span>
          {open && <span className="muted small">{kindsText(figures.byKind)}</span>}
        </div>
      )}
      <div className="row">
        <button
          type="button"
          className="btn"
          onClick={() => go('exceptions')}
          data-testid="dash-exceptions-open"
        >
          Open the exception queue
        </button>
        <DesktopAlerts permission={permission} />
      </div>
    </Card>
  );
}

function DesktopAlerts({ permission }: { permission: Permission }) {
  switch (permission) {
    case 'default':
      return (
        <button
          type="button"
          className="btn plain"
          onClick={() => void useAlerts.getState().enableDesktop()}
          data-testid="alerts-enable"
        >
          Turn on desktop alerts
        </button>
      );
    case 'granted':
      return (
        <span className="muted small" data-testid="alerts-state">
          Desktop alerts are on
        </span>
      );
    case 'denied':
      return (
        <span className="muted small" data-testid="alerts-state">
          Desktop alerts are blocked for this console (allow them in the browser’s or the system’s
          settings)
        </span>
      );
    case 'unsupported':
      return null;
  }
}
