/**
 * Asks why before a refusal or a cancellation (the router wants at least 3 characters, and the
 * reason lands in the audit trail). The server's refusal is shown inside the dialog, so the
 * operator can correct and resend without losing what they typed.
 */
import { useState } from 'react';
import { describeError } from '../../api';
import { ErrorLine, Modal } from '../../components/Panel';

export interface ReasonDialogProps {
  title: string;
  prompt: string;
  confirm: string;
  danger?: boolean;
  testId: string;
  onSubmit(reason: string): Promise<void>;
  onClose(): void;
}

export function ReasonDialog({
  title,
  prompt,
  confirm,
  danger,
  testId,
  onSubmit,
  onClose,
}: ReasonDialogProps) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ready = reason.trim().length >= 3;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit(reason.trim());
      onClose();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <Modal title={title} testId={testId}>
      <form className="stack" onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
        <label>
          {prompt}
          <textarea
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={3}
            maxLength={500}
            autoFocus
            data-testid={`${testId}-text`}
          />
        </label>
        {!ready && (
          <span className="muted small">At least 3 characters; it is kept in the audit trail.</span>
        )}
        <ErrorLine error={error} />
        <div className="row">
          <button
            type="submit"
            className={`btn ${danger ? 'danger' : 'primary'}`}
            disabled={busy || !ready}
            data-testid={`${testId}-confirm`}
          >
            {busy ? '…' : confirm}
          </button>
          <button type="button" className="btn plain" onClick={onClose}>
            Back
          </button>
        </div>
      </form>
    </Modal>
  );
}
