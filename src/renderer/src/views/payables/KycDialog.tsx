/**
 * Sets an affiliate's KYC review outcome, with why. Anything but "approved" keeps them out of
 * batches (the reason "KYC not approved" shows wherever eligibility is decided).
 */
import { useState } from 'react';
import { call } from '../../api';
import { ErrorLine, Modal } from '../../components/Panel';
import { useConsole } from '../../store';
import { KYC_LABELS, KYC_STATUSES, type KycStatus } from '../common/domain';
import { FieldError } from '../common/FieldError';
import { Select } from '../common/Select';
import { ReasonField, reasonReady } from './ReasonField';
import { useDialogSubmit } from './useDialogSubmit';

export interface KycTarget {
  id: string;
  name: string;
  kycStatus: string;
}

export function KycDialog({
  affiliate,
  onClose,
  onDone,
}: {
  affiliate: KycTarget;
  onClose(): void;
  onDone(): void;
}) {
  const notify = useConsole((s) => s.notify);
  const [status, setStatus] = useState<KycStatus>(
    affiliate.kycStatus === 'approved' ? 'pending' : 'approved',
  );
  const [reason, setReason] = useState('');
  const form = useDialogSubmit(
    ['status', 'reason'],
    async () => {
      const r = await call('affiliate.setKyc', {
        affiliateId: affiliate.id,
        status,
        reason: reason.trim(),
      });
      notify(
        'success',
        r.changed
          ? `KYC of ${affiliate.name} is now ${KYC_LABELS[status]}`
          : `KYC of ${affiliate.name} was already ${KYC_LABELS[status]}`,
      );
      onDone();
    },
    onClose,
  );
  const same = status === affiliate.kycStatus;
  return (
    <Modal title={`Set the KYC of ${affiliate.name}`} testId="kyc-dialog">
      <form
        className="stack"
        onSubmit={form.submit}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <p className="muted small">
          Now: {KYC_LABELS[affiliate.kycStatus as KycStatus] ?? affiliate.kycStatus}. Only an
          approved affiliate is paid.
        </p>
        <div className="field">
          <Select
            stacked
            label="New status"
            value={status}
            onChange={(v) => setStatus(v as KycStatus)}
            options={KYC_STATUSES.map((k) => ({ value: k, label: KYC_LABELS[k] }))}
            testId="kyc-status"
          />
          <FieldError message={form.problems.status} />
        </div>
        <ReasonField
          prompt="Why? (e.g. the documents checked, or what is missing)"
          value={reason}
          onChange={setReason}
          problem={form.problems.reason}
          testId="kyc-reason"
        />
        <ErrorLine error={form.error} />
        <div className="row">
          <button
            type="submit"
            className="btn primary"
            disabled={form.busy || same || !reasonReady(reason)}
            data-testid="kyc-confirm"
          >
            {form.busy ? '…' : 'Set KYC'}
          </button>
          <button type="button" className="btn plain" onClick={onClose}>
            Back
          </button>
          {same && <span className="muted small">That is the status now.</span>}
        </div>
      </form>
    </Modal>
  );
}
