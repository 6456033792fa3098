/**
 * What a person can do about one affiliate from their drawer: hold or release their payouts, set
 * their KYC, change their destination. Each is a button that is disabled with the reason when the
 * operator may not (their role, the central store out of reach), and each asks why: the reason
 * lands in the audit trail with the change. `onChanged` reloads the drawer and the payables grid.
 */
import { useState } from 'react';
import { call } from '../../api';
import { Action } from '../../components/Action';
import { useConsole } from '../../store';
import { ReasonDialog } from '../common/ReasonDialog';
import { DestinationDialog } from './DestinationDialog';
import { KycDialog } from './KycDialog';
import type { AffiliateDetail } from './types';

type Affiliate = AffiliateDetail['affiliate'];
type Dialog = 'hold' | 'release' | 'kyc' | 'destination' | null;

export function AffiliateActions({
  affiliate,
  onChanged,
}: {
  affiliate: Affiliate;
  onChanged(): void;
}) {
  const [dialog, setDialog] = useState<Dialog>(null);
  const close = () => setDialog(null);
  const held = affiliate.payoutHold !== null;
  return (
    <div className="affiliate-actions" data-testid="affiliate-actions">
      {held ? (
        <Action
          call="affiliate.release"
          online
          onRun={() => setDialog('release')}
          testId="affiliate-release"
        >
          Release hold…
        </Action>
      ) : (
        <Action
          call="affiliate.hold"
          online
          onRun={() => setDialog('hold')}
          kind="danger"
          testId="affiliate-hold"
        >
          Hold payouts…
        </Action>
      )}
      <Action call="affiliate.setKyc" online onRun={() => setDialog('kyc')} testId="affiliate-kyc">
        Set KYC…
      </Action>
      <Action
        call="affiliate.setDestination"
        online
        onRun={() => setDialog('destination')}
        testId="affiliate-destination"
      >
        Change destination…
      </Action>
      {(dialog === 'hold' || dialog === 'release') && (
        <HoldDialog
          affiliate={affiliate}
          release={dialog === 'release'}
          onClose={close}
          onDone={onChanged}
        />
      )}
      {dialog === 'kyc' && <KycDialog affiliate={affiliate} onClose={close} onDone={onChanged} />}
      {dialog === 'destination' && (
        <DestinationDialog affiliate={affiliate} onClose={close} onDone={onChanged} />
      )}
    </div>
  );
}

function HoldDialog({
  affiliate,
  release,
  onClose,
  onDone,
}: {
  affiliate: Affiliate;
  release: boolean;
  onClose(): void;
  onDone(): void;
}) {
  const notify = useConsole((s) => s.notify);
  const who = `${affiliate.name} (${affiliate.id})`;
  return release ? (
    <ReasonDialog
      title={`Release the hold on ${who}`}
      prompt="Why is the hold released? Their payouts can be included in batches and sent again."
      confirm="Release the hold"
      testId="release-dialog"
      onClose={onClose}
      onSubmit={async (reason) => {
        await call('affiliate.release', { affiliateId: affiliate.id, reason });
        notify('success', `Payouts to ${who} are no longer held`);
        onDone();
      }}
    />
  ) : (
    <ReasonDialog
      title={`Hold the payouts to ${who}`}
      prompt="Why are their payouts held? They are left out of new batches, and a batch already holding a payout to them will not execute until the hold is released or the payout removed."
      confirm="Hold payouts"
      danger
      testId="hold-dialog"
      onClose={onClose}
      onSubmit={async (reason) => {
        await call('affiliate.hold', { affiliateId: affiliate.id, reason });
        notify('success', `Payouts to ${who} are held: ${reason}`);
        onDone();
      }}
    />
  );
}
