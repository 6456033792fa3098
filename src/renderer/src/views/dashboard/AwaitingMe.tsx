/**
 * The operator's approvals inbox on the dashboard: the batches they may approve now (submitted,
 * not their own, not yet approved by them, high-value only with that permission) — the same
 * `batch.list awaitingMe` as the Batches tab. A row opens the batch.
 */
import { useQuery } from '../../api';
import { count, money } from '../../format';
import { useConsole } from '../../store';
import { perCurrency, totalsOf } from '../batch/BatchTotals';
import { AWAITING_ME } from '../BatchesView';

export function AwaitingMe({ refreshMs }: { refreshMs: number }) {
  const go = useConsole((s) => s.go);
  const approves = useConsole((s) => s.manifest?.permissions.includes('batches.approve') ?? false);
  const list = useQuery('batch.list', approves ? { awaitingMe: true, limit: 20 } : null, refreshMs);
  if (!approves) return <p className="muted">Your role does not approve batches.</p>;
  const batches = list.data ?? [];
  const openAll = () => {
    // The batches view reads this hint to open on its "Awaiting my approval" tab.
    useConsole.setState({ batchesStatus: AWAITING_ME });
    go('batches');
  };
  return (
    <>
      <div className="row">
        <span
          className={`stat ${batches.length > 0 ? 'warning' : 'ok'}`}
          data-testid="dash-awaiting-count"
        >
          {count(batches.length)}
        </span>
        <span className="muted">
          batch{batches.length === 1 ? '' : 'es'} awaiting your approval
        </span>
        <span className="spacer" />
        <button type="button" className="btn" onClick={openAll} data-testid="dash-awaiting-open">
          Open in Batches
        </button>
      </div>
      {batches.length === 0 ? (
        <p className="muted">{list.loading ? 'Loading…' : 'Nothing awaits your approval.'}</p>
      ) : (
        <ul className="inbox">
          {batches.map((b) => (
            <li key={b.id}>
              <button
                type="button"
                className="link"
                onClick={() => go('batch', b.id)}
                data-testid="dash-awaiting-row"
              >
                {b.number}
              </button>{' '}
              <span className="amount">
                {perCurrency(totalsOf(b.totals))
                  .map((s) => money(s.amountMinor, s.currency))
                  .join(' · ')}
              </span>{' '}
              <span className="muted small">
                by {b.createdBy ?? '—'} · {b.approvedBy.length} of {b.requiredApprovals} approvals
                {b.highValue ? ' · high value' : ''}
              </span>
              {b.note && <div className="small muted">“{b.note}”</div>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
