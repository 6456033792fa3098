/**
 * Changes where an affiliate is paid: provider, channel, account number and holder, with why. It
 * needs the password confirmed (step-up), and it is a security event: approving a batch that pays
 * this affiliate soon after is held for a second administrator. The router checks each field; its
 * words appear under the field they concern.
 */
import { useState } from 'react';
import { callWithStepUp } from '../../api';
import { ErrorLine, Modal } from '../../components/Panel';
import { useConsole } from '../../store';
import { PROVIDER_LABELS, PROVIDERS, type ProviderName } from '../common/domain';
import { FieldError } from '../common/FieldError';
import { Select } from '../common/Select';
import { ReasonField, reasonReady } from './ReasonField';
import { useDialogSubmit } from './useDialogSubmit';

export interface DestinationTarget {
  id: string;
  name: string;
  currency: string;
  provider: string | null;
  channelCode: string | null;
  accountHolderName: string | null;
}

interface Draft {
  provider: ProviderName;
  channelCode: string;
  accountNumber: string;
  accountHolderName: string;
  reason: string;
}

const FIELDS = ['provider', 'channelCode', 'accountNumber', 'accountHolderName', 'reason'] as const;

/** The form starts from the current destination, except the account number: it is typed whole. */
function draftOf(a: DestinationTarget): Draft {
  const provider = (PROVIDERS as readonly string[]).includes(a.provider ?? '')
    ? (a.provider as ProviderName)
    : PROVIDERS[0];
  return {
    provider,
    channelCode: a.channelCode ?? '',
    accountNumber: '',
    accountHolderName: a.accountHolderName ?? a.name,
    reason: '',
  };
}

export function DestinationDialog({
  affiliate,
  onClose,
  onDone,
}: {
  affiliate: DestinationTarget;
  onClose(): void;
  onDone(): void;
}) {
  const notify = useConsole((s) => s.notify);
  const [draft, setDraft] = useState<Draft>(() => draftOf(affiliate));
  const set = (field: keyof Draft) => (value: string) =>
    setDraft((d) => ({ ...d, [field]: value }));
  const form = useDialogSubmit(
    FIELDS,
    async () => {
      const r = await callWithStepUp('affiliate.setDestination', {
        affiliateId: affiliate.id,
        provider: draft.provider,
        channelCode: draft.channelCode.trim(),
        accountNumber: draft.accountNumber.trim(),
        accountHolderName: draft.accountHolderName.trim(),
        reason: draft.reason.trim(),
      });
      notify(
        'success',
        `${affiliate.name} is now paid through ${PROVIDER_LABELS[r.provider]} ${r.channelCode}, account ${r.account ?? ''}`,
      );
      onDone();
    },
    onClose,
  );
  const ready =
    draft.channelCode.trim() !== '' &&
    draft.accountNumber.trim() !== '' &&
    draft.accountHolderName.trim() !== '' &&
    reasonReady(draft.reason);
  return (
    <Modal title={`Change where ${affiliate.name} is paid`} testId="destination-dialog">
      <form
        className="stack"
        onSubmit={form.submit}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <p className="muted small">
          Paid in {affiliate.currency}. Approving a batch that pays them in the next days will need
          a second administrator, and your password is asked for again.
        </p>
        <div className="field">
          <Select
            stacked
            label="Provider"
            value={draft.provider}
            onChange={set('provider')}
            options={PROVIDERS.map((p) => ({ value: p, label: PROVIDER_LABELS[p] }))}
            testId="destination-provider"
          />
          <FieldError message={form.problems.provider} testId="destination-provider-error" />
        </div>
        <TextField
          label="Channel code"
          placeholder="e.g. ID_BCA, ID_OVO, PH_GCASH"
          value={draft.channelCode}
          onChange={(v) => set('channelCode')(v.toUpperCase())}
          problem={form.problems.channelCode}
          testId="destination-channel"
        />
        <TextField
          label="Account number (whole)"
          value={draft.accountNumber}
          onChange={set('accountNumber')}
          problem={form.problems.accountNumber}
          testId="destination-account"
        />
        <TextField
          label="Account holder's name"
          value={draft.accountHolderName}
          onChange={set('accountHolderName')}
          problem={form.problems.accountHolderName}
          testId="destination-holder"
        />
        <ReasonField
          prompt="Why? (e.g. the affiliate's signed request of 3 March)"
          value={draft.reason}
          onChange={set('reason')}
          problem={form.problems.reason}
          testId="destination-reason"
        />
        <ErrorLine error={form.error} />
        <div className="row">
          <button
            type="submit"
            className="btn primary"
            disabled={form.busy || !ready}
            data-testid="destination-confirm"
          >
            {form.busy ? '…' : 'Change destination'}
          </button>
          <button type="button" className="btn plain" onClick={onClose}>
            Back
          </button>
        </div>
      </form>
    </Modal>
  );
}

function TextField({
  label,
  value,
  onChange,
  problem,
  testId,
  placeholder,
}: {
  label: string;
  value: string;
  onChange(v: string): void;
  problem: string | undefined;
  testId: string;
  placeholder?: string;
}) {
  return (
    <label className="field">
      {label}
      <input
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        autoComplete="off"
        maxLength={200}
        aria-invalid={problem ? true : undefined}
        data-testid={testId}
      />
      <FieldError message={problem} testId={`${testId}-error`} />
    </label>
  );
}
