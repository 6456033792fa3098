/**
 * A chart's value axis: round tick values and their labels, formatted as the page formats the
 * figures (money with its currency code and grouping, counts with grouping, rates with %), and the
 * axis title naming the unit. Ticks are chosen among 1, 2 and 5 × 10^k steps.
 *
 * Money ticks are chosen in bigint minor units from the exact amounts, and each label is money() of
 * the tick's exact minor units. The tick's position is the same approximate drawing number as the
 * data's (plotAmount), and its label is looked up by that number, so no label is ever read back
 * from a float.
 */
import { formatAmount } from '../../../core/host/bridge/contract';
import { count, money } from '../format';

export interface Ticks {
  /** The axis title: the unit ("IDR", "payouts", "%"). */
  title: string;
  min: number;
  max: number;
  /** Where the ticks are, in drawing numbers. */
  values: number[];
  /** The label of the tick at `value` ('' for a value that is not one of the ticks). */
  label(value: number): string;
}

/**
 * Minor units → an approximate number of major units, for drawing only (bar heights, line points).
 * Never display it: show `money(minor, currency)` instead.
 */
export function plotAmount(minor: string | bigint, currency: string): number {
  // The exact decimal string first (no float arithmetic on minor units); only its conversion to a
  // drawing coordinate is approximate.
  return Number(formatAmount(BigInt(minor), currency));
}

const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
const ceilDiv = (a: bigint, b: bigint) => -floorDiv(-a, b);

/** The smallest 1, 2 or 5 × 10^k at or above `raw` (at least 1). */
function roundStep(raw: bigint): bigint {
  let p = 1n;
  while (p * 10n <= raw) p *= 10n;
  for (const m of [1n, 2n, 5n]) if (m * p >= raw) return m * p;
  return 10n * p;
}

/**
 * Round ticks covering 0 and every value: about `target` steps. Exact integers; zero is always a
 * tick (a value axis of amounts or counts starts from nothing, so heights compare).
 */
export function roundTicks(values: readonly bigint[], target = 5): bigint[] {
  let lo = 0n;
  let hi = 0n;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const step = roundStep(ceilDiv(hi - lo || 1n, BigInt(target)));
  const first = floorDiv(lo, step) * step;
  let last = ceilDiv(hi, step) * step;
  if (last === first) last = first + step;
  const out: bigint[] = [];
  for (let t = first; t <= last; t += step) out.push(t);
  return out;
}

function ticksOf(
  title: string,
  ticks: bigint[],
  at: (t: bigint) => number,
  text: (t: bigint) => string,
): Ticks {
  const labels = new Map(ticks.map((t) => [at(t), text(t)]));
  const values = [...labels.keys()];
  return {
    title,
    min: values[0]!,
    max: values[values.length - 1]!,
    values,
    label: (value) => labels.get(value) ?? '',
  };
}

/**
 * A money axis for amounts in one currency (minor units as decimal strings): titled with the
 * currency code, each tick labelled exactly ("IDR 5,000,000.00").
 */
export function moneyTicks(minors: readonly string[], currency: string): Ticks {
  const ticks = roundTicks(minors.filter((m) => /^-?\d+$/.test(m)).map((m) => BigInt(m)));
  return ticksOf(
    currency,
    ticks,
    (t) => plotAmount(t, currency),
    (t) => money(t.toString(), currency),
  );
}

/** A count axis ("payouts", "batches"): whole numbers only, grouped ("1,200"). */
export function countTicks(values: readonly number[], unit: string): Ticks {
  const ticks = roundTicks(
    values.filter((v) => Number.isFinite(v)).map((v) => BigInt(Math.ceil(v))),
  );
  return ticksOf(
    unit,
    ticks,
    (t) => Number(t),
    (t) => count(t.toString()),
  );
}

/** A rate axis from 0 to 100 per cent, every 20 ("80 %"). */
export function percentTicks(): Ticks {
  return ticksOf(
    '%',
    [0n, 20n, 40n, 60n, 80n, 100n],
    (t) => Number(t),
    (t) => `${t} %`,
  );
}
