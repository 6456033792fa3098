/**
 * The affiliate drawer: who they are and where they are paid, what they are owed now (and why not
 * payable), and three small grids — their commissions, adjustments and payouts, newest first. A
 * payout row opens its batch.
 */
import { useQuery } from '../../api';
import { Grid, moneyColumn, type ColDef } from '../../components/Grid';
import { gridHeight } from '../gridHeight';
import { Drawer, ErrorLine } from '../../components/Panel';
import { count, money, when } from '../../format';
import { useConsole } from '../../store';
import { reasonLabel, reasonsLabel } from './reasons';
import type { AffiliateDetail } from './types';

type Commission = AffiliateDetail['commissions'][number];
type Adjustment = AffiliateDetail['adjustments'][number];
type Payout = AffiliateDetail['payouts'][number];

const day = (p: { value: string | null | undefined }) => (p.value ? p.value.slice(0, 10) : '');

const COMMISSION_COLUMNS: ColDef<Commission>[] = [
  { field: 'occurredAt', headerName: 'Occurred', width: 105, valueFormatter: day },
  { field: 'conversionId', headerName: 'Conversion', flex: 1, minWidth: 120 },
  moneyColumn<Commission>('amountMinor', 'Amount', 'currency', { width: 140 }),
  { field: 'rateBps', headerName: 'Rate', width: 95, type: 'rightAligned', cellClass: 'num', valueFormatter: (p) => (p.value === null || p.value === undefined ? '' : `${count(p.value)} bps`) },
  { field: 'status', headerName: 'Status', width: 100 },
  { field: 'reason', headerName: 'Why', width: 130, valueFormatter: (p) => reasonLabel(p.value) },
  { field: 'availableAt', headerName: 'Payable from', width: 120, valueFormatter: day },
  { field: 'payoutId', headerName: 'In payout', width: 100, valueFormatter: (p) => (p.value ? 'yes' : '') },
];

const ADJUSTMENT_COLUMNS: ColDef<Adjustment>[] = [
  { field: 'createdAt', headerName: 'Created', width: 110, valueFormatter: day },
  { field: 'kind', headerName: 'Kind', width: 110 },
  moneyColumn<Adjustment>('amountMinor', 'Amount', 'currency', { width: 140 }),
  { field: 'reason', headerName: 'Reason', flex: 1, minWidth: 160, tooltipField: 'reason' },
  { field: 'payoutId', headerName: 'In payout', width: 100, valueFormatter: (p) => (p.value ? 'yes' : '') },
];

const PAYOUT_COLUMNS: ColDef<Payout>[] = [
  { field: 'createdAt', headerName: 'Created', width: 110, valueFormatter: day },
  { field: 'batchNumber', headerName: 'Batch', width: 140 },
  moneyColumn<Payout>('amountMinor', 'Amount', 'currency', { width: 140 }),
  { field: 'status', headerName: 'Status', width: 110 },
  { field: 'provider', headerName: 'Provider', width: 90 },
  { field: 'attempts', headerName: 'Attempts', width: 90, type: 'rightAligned', cellClass: 'num' },
  { field: 'lastError', headerName: 'Error', flex: 1, minWidth: 140, tooltipField: 'lastError' },
];

/** A short list takes its own height (no tall empty box); a long one scrolls inside a fixed one. */
const SHORT = 8;
function sized(n: number): { height: number; defaultColDef: { filter: false } } {
  // Short lists: sorting is enough, so no filter buttons crowding narrow headers.
  return { height: n <= SHORT ? gridHeight(n) : 300, defaultColDef: { filter: false } };
}

export function AffiliateDrawer({ affiliateId, name, onClose }: { affiliateId: string; name: string; onClose(): void }) {
  const detail = useQuery('affiliate.detail', { affiliateId });
  const go = useConsole((s) => s.go);
  const d = detail.data;
  return (
    <Drawer title={`${name} (${affiliateId})`} onClose={onClose} testId="affiliate-drawer">
      <ErrorLine error={detail.error?.message} />
      {!d ? (
        <p className="muted">Loading…</p>
      ) : (
        <div className="fit-grid affiliate-detail">
          <dl className="affiliate-facts" data-testid="affiliate-facts">
            <Fact term="Status" value={`${d.affiliate.status} · KYC ${d.affiliate.kycStatus}`} />
            <Fact term="Country" value={d.affiliate.country} />
            <Fact term="Email" value={d.affiliate.email} />
            <Fact term="Paid in" value={d.affiliate.currency} />
            <Fact term="Destination" value={d.affiliate.provider ? `${d.affiliate.provider} · ${d.affiliate.channelCode ?? ''} · ${d.affiliate.accountNumber ?? ''}` : 'none yet'} />
            <Fact term="Account holder" value={d.affiliate.accountHolderName ?? '—'} />
          </dl>
          <section data-testid="affiliate-owed">
            <h3>Owed now</h3>
            {d.payables.length === 0 ? (
              <p className="muted">Nothing open.</p>
            ) : (
              <table className="facts compact">
                <thead>
                  <tr>
                    <th>Currency</th>
                    <th className="amount">Pending</th>
                    <th className="amount">Payable</th>
                    <th>Eligible</th>
                  </tr>
                </thead>
                <tbody>
                  {d.payables.map((p) => (
                    <tr key={p.currency}>
                      <td>{p.currency}</td>
                      <td className="amount">{money(p.pendingMinor, p.currency)}</td>
                      <td className="amount">{money(p.payableMinor, p.currency)}</td>
                      <td className={p.eligible ? 'ok' : 'warning'}>{p.eligible ? 'yes' : `no — ${reasonsLabel(p.reasons)}`}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <section>
            <h3>
              Commissions <Shown shown={d.commissions.length} of={d.counts.commissions} />
            </h3>
            <Grid<Commission> testId="affiliate-commissions" columnDefs={COMMISSION_COLUMNS} rowData={d.commissions} {...sized(d.commissions.length)} />
          </section>
          <section>
            <h3>
              Adjustments <Shown shown={d.adjustments.length} of={d.counts.adjustments} />
            </h3>
            {d.adjustments.length === 0 ? <p className="muted small">None.</p> : <Grid<Adjustment> testId="affiliate-adjustments" columnDefs={ADJUSTMENT_COLUMNS} rowData={d.adjustments} {...sized(d.adjustments.length)} />}
          </section>
          <section>
            <h3>
              Payout history <Shown shown={d.payouts.length} of={d.counts.payouts} />
            </h3>
            {d.payouts.length === 0 ? (
              <p className="muted small">Never paid.</p>
            ) : (
              <Grid<Payout> testId="affiliate-payouts" columnDefs={PAYOUT_COLUMNS} rowData={d.payouts} {...sized(d.payouts.length)} onRowDoubleClicked={(e) => e.data && go('batch', e.data.batchId)} />
            )}
          </section>
          <p className="muted small">Updated {when(d.affiliate.updatedAt)}.</p>
        </div>
      )}
    </Drawer>
  );
}

function Fact({ term, value }: { term: string; value: string }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** "(12)" or, when the list is capped, "(newest 500 of 1,234)". */
function Shown({ shown, of }: { shown: number; of: number }) {
  return <span className="muted small">{shown < of ? `(newest ${count(shown)} of ${count(of)})` : `(${count(of)})`}</span>;
}
