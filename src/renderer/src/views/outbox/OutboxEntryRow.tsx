/**
 * One command in the outbox: what it does and to which batch, who wrote it and when, where it
 * stands — waiting, applied, refused by the central store (with the store's reason, as it said it)
 * or discarded — and what the operator can do about it: discard it, or, for a refused batch
 * creation, prepare it again from the data as last synced.
 */
import type { CallOutput } from '../../../../core/host/bridge/contract';
import { Action } from '../../components/Action';
import { money, when } from '../../format';
import { OUTBOX_STATUS_WORDS } from '../common/words';

export type OutboxItem = CallOutput<'outbox.list'>[number];

const COMMANDS: Record<string, string> = {
  'batch.create': 'Create batch',
  'batch.submit': 'Submit batch',
  'batch.approve': 'Approve batch',
  'batch.reject': 'Reject batch',
  'batch.cancel': 'Cancel batch',
  'batch.remove': 'Remove payouts from batch',
};

const STATES = OUTBOX_STATUS_WORDS;

export function commandLabel(name: string): string {
  return COMMANDS[name] ?? name;
}

function About({ e }: { e: OutboxItem }) {
  const a = e.about;
  return (
    <>
      {a.batchNumber && <span data-testid="outbox-batch">{a.batchNumber}</span>}
      {a.payouts !== null && (
        <span className="muted">
          {' '}
          · {a.payouts} payout{a.payouts === 1 ? '' : 's'}
        </span>
      )}
      {a.totals.map((t) => (
        <span key={t.currency} className="muted">
          {' '}
          · {money(t.amountMinor, t.currency)}
        </span>
      ))}
      {a.provider && <span className="muted"> · {a.provider}</span>}
    </>
  );
}

/** Why it stands where it stands: the central store's reason, or what replaced it. */
function Outcome({ e }: { e: OutboxItem }) {
  if (e.status === 'discarded' && e.rejection?.replacedBy)
    return (
      <span className="small" data-testid="outbox-replaced">
        Prepared again (command {e.rejection.replacedBy.slice(0, 8)}); refused because:{' '}
        {e.rejection.message}
      </span>
    );
  if (!e.rejection) return null;
  return (
    <span className="small" data-testid="outbox-reason">
      <strong>{e.rejection.code}</strong>: {e.rejection.message}
    </span>
  );
}

export function OutboxEntryRow({
  e,
  busy,
  onDiscard,
  onReprepare,
}: {
  e: OutboxItem;
  busy: string | null;
  onDiscard(e: OutboxItem): void;
  onReprepare(e: OutboxItem): void;
}) {
  return (
    <tr data-testid={`outbox-entry-${e.seq}`} data-status={e.status} data-name={e.name}>
      <td>{e.seq}</td>
      <td className="nowrap">{when(e.createdAt)}</td>
      <td>
        {commandLabel(e.name)}
        <div className="small">
          <About e={e} />
        </div>
      </td>
      <td>{e.operator}</td>
      <td>
        <span className={`badge outbox-${e.status}`} data-testid="outbox-state" title={e.status}>
          {STATES[e.status]}
        </span>
        <div>
          <Outcome e={e} />
        </div>
      </td>
      <td className="actions">
        {e.canReprepare && (
          <Action
            call="outbox.reprepare"
            onRun={() => onReprepare(e)}
            busy={busy === `reprepare-${e.seq}`}
            kind="primary"
            testId="outbox-reprepare"
          >
            Prepare again
          </Action>
        )}
        {e.canDiscard && (
          <Action
            call="outbox.discard"
            onRun={() => onDiscard(e)}
            busy={busy === `discard-${e.seq}`}
            kind="danger"
            testId="outbox-discard"
          >
            Discard
          </Action>
        )}
      </td>
    </tr>
  );
}
