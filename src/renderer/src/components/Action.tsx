/**
 * A button for an action the operator may or may not take. When they may not, it is disabled and
 * says why next to it (missing permission, offline, awaiting a second approver…) — never hidden,
 * never silently inert.
 */
import type { ReactNode } from 'react';
import { useGate } from '../store';

export interface ActionProps {
  call: string;
  online?: boolean;
  blocked?: string | null;
  onRun(): void | Promise<void>;
  children: ReactNode;
  kind?: 'primary' | 'danger' | 'plain';
  testId?: string;
  busy?: boolean;
  /** What the button says while busy (e.g. "Exporting… 42%"); "…" when absent. */
  busyText?: ReactNode;
}

export function Action({
  call,
  online,
  blocked,
  onRun,
  children,
  kind = 'plain',
  testId,
  busy,
  busyText,
}: ActionProps) {
  const { allowed, reason } = useGate(call, { online, blocked });
  return (
    <span className="action">
      <button
        type="button"
        className={`btn ${kind}`}
        disabled={!allowed || busy}
        title={reason ?? undefined}
        data-testid={testId}
        aria-describedby={reason && testId ? `${testId}-reason` : undefined}
        onClick={() => void onRun()}
      >
        {busy ? (busyText ?? '…') : children}
      </button>
      {reason && (
        <span
          className="reason"
          id={testId ? `${testId}-reason` : undefined}
          data-testid={testId ? `${testId}-reason` : undefined}
        >
          {reason}
        </span>
      )}
    </span>
  );
}
