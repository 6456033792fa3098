/**
 * One exception in full: what happened in the provider's and our words, the payout's facts, every
 * attempt (number, state, provider status, failure code, error, when it was sent), and the actions
 * with the reason for each one the operator may not take.
 */
import { Card, Drawer } from '../../components/Panel';
import { money, when } from '../../format';
import { useConsole } from '../../store';
import { StatusPill } from '../common/StatusPill';
import { ExceptionActionButtons, type PendingAction } from './ExceptionActions';
import { age, KIND_WORDS, type ExceptionRow } from './kinds';

export function ExceptionDrawer({
  row,
  onClose,
  onAction,
}: {
  row: ExceptionRow;
  onClose(): void;
  onAction(p: PendingAction): void;
}) {
  const go = useConsole((s) => s.go);
  return (
    <Drawer
      title={`${KIND_WORDS[row.kind]}: ${row.affiliateName}`}
      onClose={onClose}
      testId="exception-drawer"
    >
      <p className="exception-message" data-testid="exception-message">
        {row.message}
      </p>
      <table className="facts kv">
        <tbody>
          <tr>
            <th>Since</th>
            <td>
              {when(row.since)} <span className="muted">({age(row.ageMinutes)} ago)</span>
            </td>
          </tr>
          <tr>
            <th>Affiliate</th>
            <td>
              {row.affiliateName} <span className="muted">{row.affiliateId}</span>
              {row.affiliateHold && (
                <div className="warning small">Payouts held: {row.affiliateHold}</div>
              )}
            </td>
          </tr>
          <tr>
            <th>Batch</th>
            <td>
              <button
                type="button"
                className="link"
                onClick={() => go('batch', row.batchId)}
                data-testid="exception-batch"
              >
                {row.batchNumber}
              </button>
            </td>
          </tr>
          <tr>
            <th>Amount</th>
            <td>{money(row.amountMinor, row.currency)}</td>
          </tr>
          <tr>
            <th>Payout</th>
            <td>
              <StatusPill status={row.status} /> <span className="muted">at {row.provider}</span>
              {row.providerStatus && (
                <span className="muted"> · provider state {row.providerStatus}</span>
              )}
              {row.failureCode && <span className="muted"> · code {row.failureCode}</span>}
            </td>
          </tr>
        </tbody>
      </table>
      <Card title="What can be done">
        <ExceptionActionButtons row={row} onAction={onAction} />
      </Card>
      <Card title={`Attempts (${row.attempts.length})`}>
        <Attempts row={row} />
      </Card>
    </Drawer>
  );
}

function Attempts({ row }: { row: ExceptionRow }) {
  if (row.attempts.length === 0) return <p className="muted">Nothing was sent yet.</p>;
  return (
    <table className="facts compact" data-testid="exception-attempts">
      <thead>
        <tr>
          <th>#</th>
          <th>State</th>
          <th>Provider status</th>
          <th>Failure code</th>
          <th>Error</th>
          <th>Sent (UTC)</th>
        </tr>
      </thead>
      <tbody>
        {row.attempts.map((a) => (
          <tr key={a.attempt} data-testid="exception-attempt">
            <td className="num">{a.attempt}</td>
            <td>{a.state}</td>
            <td>{a.providerStatus ?? '—'}</td>
            <td className="mono">{a.failureCode ?? '—'}</td>
            <td>{a.error ?? '—'}</td>
            <td className="nowrap">{when(a.sentAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
