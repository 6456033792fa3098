/**
 * Hold or release the payouts of the rows selected in the payables grid: one call for the set
 * (affiliate.holdMany / releaseMany: one transaction, an audit entry per affiliate), after asking
 * why. Disabled with the reason when the operator may not (their role, the central store out of
 * reach) or nothing is selected.
 */
import { useState } from 'react';
import { call } from '../../api';
import { Action } from '../../components/Action';
import { count } from '../../format';
import { useConsole } from '../../store';
import { ReasonDialog } from '../common/ReasonDialog';
import type { PayablesRow } from './types';

export function BulkHold({ selected, onDone }: { selected: PayablesRow[]; onDone(): void }) {
  const [dialog, setDialog] = useState<'hold' | 'release' | null>(null);
  const notify = useConsole((s) => s.notify);
  // One affiliate may be owed in several currencies: one row each, one hold.
  const ids = [...new Set(selected.map((r) => r.affiliateId))];
  const blocked = ids.length === 0 ? 'select rows with their box first' : null;
  const n = count(ids.length);
  const noun = ids.length === 1 ? 'affiliate' : 'affiliates';
  const said = (changed: number, unchanged: number, verb: string, already: string) =>
    `${verb} ${count(changed)} ${changed === 1 ? 'affiliate' : 'affiliates'}` +
    (unchanged > 0 ? `; ${count(unchanged)} ${already}` : '');
  return (
    <span className="bulk-actions" data-testid="payables-bulk">
      <span className="muted small" data-testid="payables-selected">
        {ids.length === 0 ? 'No rows selected' : `${n} ${noun} selected`}
      </span>
      <Action
        call="affiliate.holdMany"
        online
        blocked={blocked}
        kind="danger"
        onRun={() => setDialog('hold')}
        testId="payables-hold-selected"
      >
        Hold selected…
      </Action>
      <Action
        call="affiliate.releaseMany"
        online
        blocked={blocked}
        onRun={() => setDialog('release')}
        testId="payables-release-selected"
      >
        Release selected…
      </Action>
      {dialog === 'hold' && (
        <ReasonDialog
          title={`Hold the payouts to ${n} ${noun}`}
          prompt="Why are their payouts held? They are left out of new batches until the hold is released."
          confirm="Hold payouts"
          danger
          testId="bulk-hold-dialog"
          onClose={() => setDialog(null)}
          onSubmit={async (reason) => {
            const r = await call('affiliate.holdMany', { affiliateIds: ids, reason });
            notify('success', said(r.changed.length, r.unchanged.length, 'Held', 'already held'));
            setDialog(null);
            onDone();
          }}
        />
      )}
      {dialog === 'release' && (
        <ReasonDialog
          title={`Release the holds on ${n} ${noun}`}
          prompt="Why are the holds released? Their payouts can be included in batches again."
          confirm="Release the holds"
          testId="bulk-release-dialog"
          onClose={() => setDialog(null)}
          onSubmit={async (reason) => {
            const r = await call('affiliate.releaseMany', { affiliateIds: ids, reason });
            notify(
              'success',
              said(r.changed.length, r.unchanged.length, 'Released', 'were not held'),
            );
            setDialog(null);
            onDone();
          }}
        />
      )}
    </span>
  );
}
