/**
 * Money over time for one currency: commissions accrued, payouts paid and payouts failed per day,
 * week or month. The lines are drawn from approximate numbers; the value axis's ticks are round
 * amounts chosen and labelled from exact minor units, and tooltips and the totals under the chart
 * are the exact amounts. A period the range cuts, or one still running, is marked partial (the
 * core says which), so it does not read as a dip.
 */
import { useMemo } from 'react';
import { useQuery } from '../../api';
import { LineChart, plotAmount, type ValueAxis } from '../../components/Chart';
import { Card, ErrorLine } from '../../components/Panel';
import { count, money } from '../../format';

export type Granularity = 'day' | 'week' | 'month';

interface Datum {
  period: string;
  partial: boolean;
  accrued: number;
  paid: number;
  failed: number;
  accruedMinor: string;
  paidMinor: string;
  failedMinor: string;
  payouts: number;
}

const SERIES = [
  { yKey: 'accrued' as const, yName: 'Accrued commissions', color: 'var(--chart-1)' },
  { yKey: 'paid' as const, yName: 'Paid', color: 'var(--chart-2)' },
  { yKey: 'failed' as const, yName: 'Failed', color: 'var(--chart-3)' },
];

const isPartial = (d: Datum) => d.partial;

export function TimeSeries({
  granularity,
  currency,
  from,
  to,
}: {
  granularity: Granularity;
  currency: string;
  from: string;
  to: string;
}) {
  const series = useQuery('reports.timeSeries', {
    granularity,
    currency,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
  });
  const data = useMemo<Datum[]>(
    () =>
      (series.data?.points ?? [])
        .filter((p) => p.currency === currency)
        .map((p) => ({
          period: p.period,
          partial: p.partial,
          accrued: plotAmount(p.accruedMinor, currency),
          paid: plotAmount(p.paidMinor, currency),
          failed: plotAmount(p.failedMinor, currency),
          accruedMinor: p.accruedMinor,
          paidMinor: p.paidMinor,
          failedMinor: p.failedMinor,
          payouts: p.payouts,
        })),
    [series.data, currency],
  );
  const axis = useMemo<ValueAxis<Datum>>(
    () => ({
      kind: 'money',
      currency,
      minor: (d, k) => d[`${k}Minor` as 'accruedMinor'],
    }),
    [currency],
  );
  const partials = data.filter(isPartial).map((d) => d.period);
  // Exact totals of the period (bigint sums of the minor-unit strings).
  const totals = useMemo(() => {
    const sum = (k: 'accruedMinor' | 'paidMinor' | 'failedMinor') =>
      data.reduce((s, d) => s + BigInt(d[k]), 0n).toString();
    return {
      accrued: sum('accruedMinor'),
      paid: sum('paidMinor'),
      failed: sum('failedMinor'),
      payouts: data.reduce((n, d) => n + d.payouts, 0),
    };
  }, [data]);

  return (
    <Card title={`${currency} per ${granularity}`} testId="report-timeseries" wide>
      <ErrorLine error={series.error?.message} />
      {data.length === 0 ? (
        <p className="muted">
          {series.loading ? 'Loading…' : `Nothing in ${currency} in this period.`}
        </p>
      ) : (
        <>
          <LineChart<Datum>
            data={data}
            xKey="period"
            series={SERIES}
            axis={axis}
            partial={isPartial}
            height={280}
            label={`Accrued, paid and failed ${currency} per ${granularity}`}
            testId="report-timeseries-chart"
          />
          {partials.length > 0 && (
            <p className="small muted chart-note" data-testid="report-timeseries-partial">
              <span className="partial-swatch" aria-hidden /> partial period: {partials.join(', ')}{' '}
              — the range starts or ends inside {partials.length === 1 ? 'it' : 'them'}, or{' '}
              {partials.length === 1 ? 'it is' : 'one is'} still running; not comparable with a
              whole {granularity}.
            </p>
          )}
        </>
      )}
      <p className="small" data-testid="report-timeseries-totals">
        Period totals: accrued <strong className="amount">{money(totals.accrued, currency)}</strong>{' '}
        · paid <strong className="amount ok">{money(totals.paid, currency)}</strong> · failed{' '}
        <strong className="amount bad">{money(totals.failed, currency)}</strong> ·{' '}
        {count(totals.payouts)} payouts settled
      </p>
    </Card>
  );
}
