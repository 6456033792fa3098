/**
 * Layout pieces shared by the views: a page with a title and toolbar, a card, a side drawer, a
 * modal.
 */
import type { ReactNode } from 'react';
import { useDocumentTitle } from './documentTitle';

export function Page({
  title,
  actions,
  children,
  testId,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  // Every view is a Page: its title names the window too ("Batch B-0007 — Treasury Console").
  useDocumentTitle(title);
  return (
    <section className="page" data-testid={testId}>
      <header className="page-header">
        <h1>{title}</h1>
        <div className="toolbar">{actions}</div>
      </header>
      <div className="page-body">{children}</div>
    </section>
  );
}

export function Card({
  title,
  children,
  testId,
  wide,
}: {
  title: string;
  children: ReactNode;
  testId?: string;
  wide?: boolean;
}) {
  return (
    <div className={`card${wide ? ' wide' : ''}`} data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Drawer({
  title,
  onClose,
  children,
  testId,
}: {
  title: string;
  onClose(): void;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <aside
      className="drawer"
      role="dialog"
      aria-label={title}
      data-testid={testId}
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <header>
        <h2>{title}</h2>
        <button type="button" className="btn plain" onClick={onClose} aria-label="Close" autoFocus>
          ✕
        </button>
      </header>
      <div className="drawer-body">{children}</div>
    </aside>
  );
}

export function Modal({
  title,
  children,
  testId,
}: {
  title: string;
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        data-testid={testId}
      >
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

export function ErrorLine({ error }: { error: string | null | undefined }) {
  return error ? (
    <p className="error" role="alert" data-testid="error">
      {error}
    </p>
  ) : null;
}

export function ProgressBar({
  done,
  total,
  label,
  testId,
}: {
  done: number;
  total?: number | undefined;
  label?: string;
  testId?: string;
}) {
  const pct = total && total > 0 ? Math.min(100, Math.floor((done * 100) / total)) : null;
  return (
    <div
      className="progress"
      data-testid={testId}
      role="progressbar"
      aria-valuenow={pct ?? undefined}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-label={label}
    >
      <div className="bar" style={{ width: `${pct ?? 100}%` }} data-indeterminate={pct === null} />
      <span className="progress-label">
        {label ? `${label}: ` : ''}
        {done.toLocaleString('en-US')}
        {total !== undefined ? ` / ${total.toLocaleString('en-US')}` : ''}
        {pct !== null ? ` (${pct}%)` : ''}
      </span>
    </div>
  );
}
