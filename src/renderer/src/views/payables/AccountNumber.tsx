/**
 * An affiliate's account number, masked to its last four as the core sends it. "Reveal" asks the
 * core for it whole — each reveal is recorded in the audit trail — and shows it here only: it is
 * kept in this component's state, never in the drawer's data, so closing the drawer or any change
 * to the affiliate (the drawer remounts this on each one) masks it again.
 */
import { useState } from 'react';
import { call, describeError } from '../../api';
import { Action } from '../../components/Action';
import { useConsole } from '../../store';

export function AccountNumber({
  affiliateId,
  masked,
}: {
  affiliateId: string;
  masked: string | null;
}) {
  const notify = useConsole((s) => s.notify);
  const [whole, setWhole] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (masked === null) return <span className="muted">no account</span>;
  const reveal = async () => {
    setBusy(true);
    try {
      setWhole((await call('affiliate.revealAccount', { affiliateId })).accountNumber ?? '');
    } catch (error) {
      notify('error', `Account number not revealed: ${describeError(error)}`);
    } finally {
      setBusy(false);
    }
  };
  if (whole !== null) {
    return (
      <span className="account-number">
        <span className="mono" data-testid="affiliate-account">
          {whole}
        </span>{' '}
        <button
          type="button"
          className="link small"
          onClick={() => setWhole(null)}
          data-testid="affiliate-account-hide"
        >
          Hide
        </button>
        <span className="muted small" data-testid="affiliate-reveal-note">
          Shown whole for this view only; your reveal is recorded in the audit trail.
        </span>
      </span>
    );
  }
  return (
    <span className="account-number">
      <span className="mono" data-testid="affiliate-account">
        {masked}
      </span>
      <Action
        call="affiliate.revealAccount"
        online
        onRun={reveal}
        busy={busy}
        testId="affiliate-reveal"
      >
        Reveal account number
      </Action>
    </span>
  );
}
