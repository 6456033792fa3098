/**
 * The journal for the period: the trial balance per account and currency, whether every entry
 * balances, and the tie-outs against the payouts and the commissions (each checked from the source
 * tables, so a wrong journal line shows as a break).
 */
import { useQuery } from '../../api';
import { Card, ErrorLine } from '../../components/Panel';
import { count, money } from '../../format';
import { totalsByCurrency } from './currencyTotals';

const CHECK: Record<string, string> = {
  cash_out: 'Cash out = payouts succeeded',
  cash_back: 'Cash back = payouts reversed',
  accrued: 'Accrued = commissions earned',
};

export function Journal({ from, to, currency }: { from: string; to: string; currency: string }) {
  const tb = useQuery('reports.journal', {
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    currency,
  });
  const d = tb.data;
  // The trial balance's totals per currency: debits equal credits when the journal balances.
  const totals = totalsByCurrency(
    d?.accounts ?? [],
    ['debitMinor', 'creditMinor', 'balanceMinor'] as const,
    (a, f) => a[f],
  );
  const broken = d ? d.unbalancedEntries > 0 || d.ties.some((t) => !t.ties) : false;
  return (
    <Card title={`Journal (${currency})`} testId="report-journal" wide>
      <ErrorLine error={tb.error?.message} />
      {d && (
        <p className={broken ? 'error' : 'muted small'} data-testid="report-journal-status">
          {count(d.entries)} entries, {count(d.lines)} lines;{' '}
          {d.unbalancedEntries === 0
            ? 'every entry balances'
            : `${count(d.unbalancedEntries)} entries do not balance`}
          {d.ties.length > 0 &&
            (d.ties.every((t) => t.ties) ? '; every tie-out holds.' : '; a tie-out is broken.')}
        </p>
      )}
      <div className="journal">
        <table className="facts" data-testid="report-journal-accounts">
          <thead>
            <tr>
              <th>Account</th>
              <th>Name</th>
              <th className="amount">Debit</th>
              <th className="amount">Credit</th>
              <th className="amount">Balance</th>
            </tr>
          </thead>
          <tbody>
            {(d?.accounts ?? []).length === 0 && (
              <tr>
                <td colSpan={5} className="muted">
                  {tb.loading ? 'Loading…' : 'No entry in this period.'}
                </td>
              </tr>
            )}
            {(d?.accounts ?? []).map((a) => (
              <tr key={`${a.accountCode}|${a.currency}`}>
                <td>{a.accountCode}</td>
                <td>{a.accountName}</td>
                <td className="amount">{money(a.debitMinor, a.currency)}</td>
                <td className="amount">{money(a.creditMinor, a.currency)}</td>
                <td className="amount">{money(a.balanceMinor, a.currency)}</td>
              </tr>
            ))}
          </tbody>
          {totals.length > 0 && (
            <tfoot data-testid="report-journal-totals">
              {totals.map((t) => (
                <tr key={t.currency} className="totals" data-currency={t.currency}>
                  <th scope="row" colSpan={2}>
                    Total {t.currency}
                  </th>
                  <td className="amount">{money(t.sums.debitMinor?.toString(), t.currency)}</td>
                  <td className="amount">{money(t.sums.creditMinor?.toString(), t.currency)}</td>
                  <td className="amount">{money(t.sums.balanceMinor?.toString(), t.currency)}</td>
                </tr>
              ))}
            </tfoot>
          )}
        </table>
        <table className="facts" data-testid="report-journal-ties">
          <thead>
            <tr>
              <th>Tie-out</th>
              <th className="amount">Journal</th>
              <th className="amount">Source</th>
              <th>Holds</th>
            </tr>
          </thead>
          <tbody>
            {(d?.ties ?? []).map((t) => (
              <tr key={`${t.check}|${t.currency}`}>
                <td>{CHECK[t.check] ?? t.check}</td>
                <td className="amount">{money(t.journalMinor, t.currency)}</td>
                <td className="amount">{money(t.sourceMinor, t.currency)}</td>
                <td className={t.ties ? '' : 'error'}>{t.ties ? 'yes' : 'NO'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
