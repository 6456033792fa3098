/**
 * Shows its children only when the operator may make `call`; otherwise says why (inside a page of
 * the view's title when `page` is given, so the view keeps its place and test id). Views wrap what
 * they read with it so that a query the router would refuse is not even sent (each refusal is a
 * denial in the audit trail).
 */
import type { ReactNode } from 'react';
import { Page } from '../../components/Panel';
import { useGate } from '../../store';

export function Allowed({
  call,
  what,
  page,
  children,
}: {
  call: string;
  what: string;
  page?: { title: string; testId: string };
  children: ReactNode;
}) {
  const { allowed, reason } = useGate(call);
  if (allowed) return <>{children}</>;
  const note = (
    <p className="not-allowed" data-testid="not-allowed">
      {what}: {reason}
    </p>
  );
  return page ? (
    <Page title={page.title} testId={page.testId}>
      {note}
    </Page>
  ) : (
    note
  );
}
