/**
 * The affiliate drawer: who they are and where they are paid (the account masked unless revealed),
 * whether a person holds their payouts and why, what can be done about them (hold or release, KYC,
 * destination), what they are owed now (and why not payable), and three small grids — their
 * commissions, adjustments and payouts, newest first. A payout row opens its batch.
 */
import { useMemo, type ReactNode } from 'react';
import { useQuery } from '../../api';
import { Grid, moneyColumn, type ColDef } from '../../components/Grid';
import { gridHeight } from '../gridHeight';
import { Drawer, ErrorLine } from '../../components/Panel';
import { count, money, when } from '../../format';
import { useConsole } from '../../store';
import { KYC_LABELS, PROVIDER_LABELS, type KycStatus, type ProviderName } from '../common/domain';
import { StatusCell } from '../common/StatusPill';
import { statusInWords } from '../common/words';
import { percentOfBps } from '../../../../core/shared/rate';
import { AccountNumber } from './AccountNumber';
import { AffiliateActions } from './AffiliateActions';
import { reasonLabel, reasonsLabel } from './reasons';
import type { AffiliateDetail } from './types';
import { partOf } from '../common/split';

type Commission = AffiliateDetail['commissions'][number];
type Adjustment = AffiliateDetail['adjustments'][number];
type Payout = AffiliateDetail['payouts'][number];

const day = (p: { value: string | null | undefined }) => (p.value ? p.value.slice(0, 10) : '');

const COMMISSION_COLUMNS: ColDef<Commission>[] = [
  { field: 'occurredAt', headerName: 'Occurred', width: 105, valueFormatter: day },
  { field: 'conversionId', headerName: 'Conversion', flex: 1, minWidth: 120 },
  moneyColumn<Commission>('amountMinor', 'Amount', 'currency', { width: 140 }),
  {
    field: 'rateBps',
    headerName: 'Rate',
    width: 95,
    type: 'rightAligned',
    cellClass: 'num',
    valueFormatter: (p) =>
      p.value === null || p.value === undefined ? '' : percentOfBps(p.value as number),
    tooltipValueGetter: (p) =>
      p.value === null || p.value === undefined ? '' : `${count(p.value)} basis points`,
  },
  { field: 'status', headerName: 'Status', width: 100, cellRenderer: StatusCell },
  { field: 'reason', headerName: 'Why', width: 130, valueFormatter: (p) => reasonLabel(p.value) },
  { field: 'availableAt', headerName: 'Payable from', width: 120, valueFormatter: day },
  {
    field: 'payoutId',
    headerName: 'In payout',
    width: 100,
    valueFormatter: (p) => (p.value ? 'yes' : ''),
  },
];

const ADJUSTMENT_COLUMNS: ColDef<Adjustment>[] = [
  { field: 'createdAt', headerName: 'Created', width: 110, valueFormatter: day },
  { field: 'kind', headerName: 'Kind', width: 110 },
  moneyColumn<Adjustment>('amountMinor', 'Amount', 'currency', { width: 140 }),
  { field: 'reason', headerName: 'Reason', flex: 1, minWidth: 160, tooltipField: 'reason' },
  {
    field: 'payoutId',
    headerName: 'In payout',
    width: 100,
    valueFormatter: (p) => (p.value ? 'yes' : ''),
  },
];

/**
 * "part 2 of 3" for a payout sent in several transfers (above its channel's maximum); else nothing.
 */

const PAYOUT_COLUMNS: ColDef<Payout>[] = [
  { field: 'createdAt', headerName: 'Created', width: 110, valueFormatter: day },
  { field: 'batchNumber', headerName: 'Batch', width: 140 },
  moneyColumn<Payout>('amountMinor', 'Amount', 'currency', { width: 140 }),
  {
    colId: 'part',
    headerName: 'Part',
    width: 100,
    sortable: false,
    valueGetter: (p) => partOf(p.data),
    headerTooltip:
      'Above its channel’s maximum a payout is sent as several transfers, each its own payout',
  },
  { field: 'status', headerName: 'Status', width: 115, cellRenderer: StatusCell },
  { field: 'provider', headerName: 'Provider', width: 90 },
  // The provider's state in words; its own code on hover.
  {
    field: 'providerState',
    headerName: 'At the provider',
    width: 170,
    tooltipValueGetter: (p) =>
      p.data?.providerStatus ? `${p.data.providerStatus}: ${p.data.providerState ?? ''}` : '',
  },
  { field: 'attempts', headerName: 'Attempts', width: 90, type: 'rightAligned', cellClass: 'num' },
  { field: 'lastError', headerName: 'Error', flex: 1, minWidth: 140, tooltipField: 'lastError' },
];

/** A short list takes its own height (no tall empty box); a long one scrolls inside a fixed one. */
const SHORT = 8;
function sized(n: number): { height: number; defaultColDef: { filter: false } } {
  // Short lists: sorting is enough, so no filter buttons crowding narrow headers.
  return { height: n <= SHORT ? gridHeight(n) : 300, defaultColDef: { filter: false } };
}

export function AffiliateDrawer({
  affiliateId,
  name,
  onClose,
  onChanged,
}: {
  affiliateId: string;
  name: string;
  onClose(): void;
  onChanged(): void;
}) {
  const detail = useQuery('affiliate.detail', { affiliateId });
  const d = detail.data;
  // After an action the drawer shows the affiliate as they are now, and the grid behind it too.
  const changed = () => {
    detail.reload();
    onChanged();
  };
  return (
    <Drawer title={`${name} (${affiliateId})`} onClose={onClose} testId="affiliate-drawer">
      <ErrorLine error={detail.error?.message} />
      {!d ? (
        <p className="muted">Loading…</p>
      ) : (
        <div className="fit-grid affiliate-detail">
          <HoldBanner hold={d.affiliate.payoutHold} />
          <AffiliateFacts affiliate={d.affiliate} />
          <AffiliateActions affiliate={d.affiliate} onChanged={changed} />
          <OwedNow detail={d} />
          <Histories detail={d} />
          <p className="muted small">Updated {when(d.affiliate.updatedAt)}.</p>
        </div>
      )}
    </Drawer>
  );
}

function HoldBanner({ hold }: { hold: AffiliateDetail['affiliate']['payoutHold'] }) {
  if (!hold) return null;
  return (
    <p className="hold-banner" role="status" data-testid="affiliate-hold-banner">
      <strong>Payouts held{hold.at ? ` since ${when(hold.at)}` : ''}:</strong> {hold.reason}
      <br />
      <span className="small">
        They are left out of new batches; a batch already holding a payout to them does not execute
        until the hold is released or that payout removed.
      </span>
    </p>
  );
}

function AffiliateFacts({ affiliate: a }: { affiliate: AffiliateDetail['affiliate'] }) {
  return (
    <dl className="affiliate-facts" data-testid="affiliate-facts">
      <Fact
        term="Status"
        value={`${statusInWords(a.status)} · KYC ${KYC_LABELS[a.kycStatus as KycStatus] ?? a.kycStatus}`}
        testId="affiliate-status"
      />
      <Fact term="Country" value={a.country} />
      <Fact term="Email" value={a.email} />
      <Fact term="Paid in" value={a.currency} />
      <Fact
        term="Destination"
        value={
          a.provider
            ? `${PROVIDER_LABELS[a.provider as ProviderName] ?? a.provider} · ${a.channelCode ?? ''}`
            : 'none yet'
        }
        testId="affiliate-destination-fact"
      />
      <Fact term="Account holder" value={a.accountHolderName ?? '—'} />
      <Fact
        term="Account number"
        wide
        value={<AccountNumber key={a.updatedAt} affiliateId={a.id} masked={a.accountNumber} />}
      />
    </dl>
  );
}

function OwedNow({ detail: d }: { detail: AffiliateDetail }) {
  const context = { holdReason: d.affiliate.payoutHold?.reason };
  return (
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
                <td
                  className={`${p.eligible ? 'ok' : 'warning'} full-reason`}
                  data-testid={`affiliate-reasons-${p.currency}`}
                >
                  {p.eligible ? 'yes' : `no — ${reasonsLabel(p.reasons, context)}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * Newest first, as the core sends them; the parts of one split payout share their creation time,
 * so among them the order is the parts' own (part 1 of 3 before part 2).
 */
function inPartOrder(payouts: readonly Payout[]): Payout[] {
  const newestFirst = (a: Payout, b: Payout) =>
    a.createdAt === b.createdAt ? 0 : a.createdAt < b.createdAt ? 1 : -1;
  return [...payouts].sort(
    (a, b) =>
      newestFirst(a, b) ||
      (a.batchId === b.batchId ? a.part - b.part : a.batchId < b.batchId ? -1 : 1),
  );
}

function Histories({ detail: d }: { detail: AffiliateDetail }) {
  const go = useConsole((s) => s.go);
  const payouts = useMemo(() => inPartOrder(d.payouts), [d.payouts]);
  return (
    <>
      <section>
        <h3>
          Commissions <Shown shown={d.commissions.length} of={d.counts.commissions} />
        </h3>
        <Grid<Commission>
          testId="affiliate-commissions"
          columnDefs={COMMISSION_COLUMNS}
          rowData={d.commissions}
          {...sized(d.commissions.length)}
        />
      </section>
      <section>
        <h3>
          Adjustments <Shown shown={d.adjustments.length} of={d.counts.adjustments} />
        </h3>
        {d.adjustments.length === 0 ? (
          <p className="muted small">None.</p>
        ) : (
          <Grid<Adjustment>
            testId="affiliate-adjustments"
            columnDefs={ADJUSTMENT_COLUMNS}
            rowData={d.adjustments}
            {...sized(d.adjustments.length)}
          />
        )}
      </section>
      <section>
        <h3>
          Payout history <Shown shown={d.payouts.length} of={d.counts.payouts} />
        </h3>
        {d.payouts.length === 0 ? (
          <p className="muted small">Never paid.</p>
        ) : (
          <Grid<Payout>
            testId="affiliate-payouts"
            columnDefs={PAYOUT_COLUMNS}
            rowData={payouts}
            {...sized(payouts.length)}
            onRowDoubleClicked={(e) => e.data && go('batch', e.data.batchId)}
          />
        )}
      </section>
    </>
  );
}

function Fact({
  term,
  value,
  testId,
  wide,
}: {
  term: string;
  value: ReactNode;
  testId?: string;
  wide?: boolean;
}) {
  return (
    <div data-testid={testId} className={wide ? 'wide' : undefined}>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** "(12)" or, when the list is capped, "(newest 500 of 1,234)". */
function Shown({ shown, of }: { shown: number; of: number }) {
  return (
    <span className="muted small">
      {shown < of ? `(newest ${count(shown)} of ${count(of)})` : `(${count(of)})`}
    </span>
  );
}
