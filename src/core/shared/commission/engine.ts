/**
 * Commission engine: pure functions, no I/O. Given one affiliate's conversions and every rule
 * version, compute each conversion's commission (amount, status, period, rate, cap flag).
 *
 * Determinism is a hard requirement (calc reruns must produce identical rows), so conversions are
 * processed in (occurredAt, id) order whatever order they arrive in, ids compare by UTF-16 code
 * units (never localeCompare, which depends on the machine's locale), and every amount is bigint
 * rounded exactly once per conversion with HALF_EVEN.
 *
 * The rules are documented for treasury staff in docs/commission-rules.md; keep the two in step.
 */
import { divRound } from '../money/index.js';
import type { ProductOverride, RuleSet, TierPeriod, Tiers } from './rules.js';
import { DAY_MS, periodKey } from './schedule.js';

export type ConversionStatus = 'approved' | 'pending' | 'refunded' | 'fraud';
export type AffiliateStatus = 'active' | 'suspended' | 'closed';

export interface ConversionInput {
  id: string;
  affiliateId: string;
  occurredAt: number; // epoch ms UTC
  product: string;
  netAmount: bigint; // minor units, >= 0
  currency: string;
  status: ConversionStatus;
}

export interface RuleVersion {
  version: number;
  effectiveFrom: number; // epoch ms
  rules: RuleSet;
}

export type CommissionStatus = 'pending' | 'payable' | 'voided';
export type CommissionReason =
  'conversion_pending' | 'hold_period' | 'affiliate_inactive' | 'refunded' | 'fraud' | null;

export interface CommissionResult {
  conversionId: string;
  affiliateId: string;
  ruleVersion: number;
  amount: bigint; // voided → 0n
  currency: string;
  status: CommissionStatus;
  reason: CommissionReason;
  occurredAt: number; // the conversion's time, epoch ms (carried through for storage)
  availableAt: number; // occurredAt + holdDays of the rule version used, in ms
  period: string; // '2026-11' (month) or '2026-W47' (ISO week)
  rateBps: number; // percentage applied; marginal tiers: the bracket of the last unit; voided: 0
  capped: boolean; // true if the cap reduced this commission
}

export interface CommissionError {
  conversionId: string;
  message: string;
}

const BPS_DENOMINATOR = 10_000n;

/**
 * The version in force at `at`: greatest effectiveFrom <= at; on equal effectiveFrom, the greatest
 * version number.
 */
export function ruleVersionAt(
  versions: readonly RuleVersion[],
  at: number,
): RuleVersion | undefined {
  let best: RuleVersion | undefined;
  for (const v of versions) {
    if (v.effectiveFrom > at) continue;
    if (
      !best ||
      v.effectiveFrom > best.effectiveFrom ||
      (v.effectiveFrom === best.effectiveFrom && v.version > best.version)
    )
      best = v;
  }
  return best;
}

/** A conversion that passed validation, with the rule version it is priced by. */
interface Prepared {
  readonly c: ConversionInput;
  readonly v: RuleVersion;
  readonly period: TierPeriod; // tier period of its version, or month without tiers
  readonly periodKey: string;
  readonly countsTowardVolume: boolean; // approved or pending; refunded/fraud never count
}

/** Invalid times sort first (they become errors) so the comparator stays a total order. */
const sortTime = (c: ConversionInput): number =>
  Number.isSafeInteger(c.occurredAt) ? c.occurredAt : -Infinity;
const byTimeThenId = (a: ConversionInput, b: ConversionInput): number => {
  const ta = sortTime(a);
  const tb = sortTime(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/**
 * The conversions in (occurredAt, id) order, each with the rule version it is priced by; those that
 * cannot be priced become errors.
 */
function prepareConversions(
  affiliateId: string,
  conversions: readonly ConversionInput[],
  versions: readonly RuleVersion[],
): { prepared: Prepared[]; errors: CommissionError[] } {
  const errors: CommissionError[] = [];
  const prepared: Prepared[] = [];

  // Two inputs with one id cannot be ordered deterministically (the id is the tie-breaker), and a
  // duplicate usually means a double import: refuse all copies rather than silently pick one.
  const idCount = new Map<string, number>();
  for (const c of conversions) idCount.set(c.id, (idCount.get(c.id) ?? 0) + 1);

  for (const c of [...conversions].sort(byTimeThenId)) {
    const problem = validate(c, affiliateId, idCount.get(c.id)!, versions);
    if (typeof problem === 'string') {
      errors.push({ conversionId: c.id, message: problem });
      continue;
    }
    const period = problem.rules.tiers?.period ?? 'month';
    prepared.push({
      c,
      v: problem,
      period,
      periodKey: periodKey(c.occurredAt, period),
      countsTowardVolume: c.status === 'approved' || c.status === 'pending',
    });
  }
  return { prepared, errors };
}

/**
 * Cap: running total per (period, currency) over non-voided commissions in (occurredAt, id) order;
 * each conversion is held to its own version's cap. Records the amount kept in `capUsed`.
 */
function applyCap(
  p: Prepared,
  priced: bigint,
  capUsed: Map<string, bigint>,
): { amount: bigint; capped: boolean } {
  const { c, v } = p;
  let amount = priced;
  let capped = false;
  const key = `${p.periodKey}|${c.currency}`;
  const used = capUsed.get(key) ?? 0n;
  const cap = v.rules.capPerPeriod?.[c.currency];
  if (cap !== undefined) {
    const room = cap > used ? cap - used : 0n;
    if (amount > room) {
      amount = room;
      capped = true;
    }
  }
  capUsed.set(key, used + amount);
  return { amount, capped };
}

/** One conversion's commission: its status, and unless voided its price held to the cap. */
function commissionOf(
  p: Prepared,
  affiliateStatus: AffiliateStatus,
  asOf: number,
  volumes: VolumeBook,
  capUsed: Map<string, bigint>,
): CommissionResult {
  const { c, v } = p;
  const available = availableAt(p);
  const { status, reason } = statusOf(c.status, affiliateStatus, asOf, available);
  let amount = 0n;
  let rateBps = 0;
  let capped = false;
  if (status !== 'voided') {
    const priced = price(p, volumes);
    rateBps = priced.rateBps;
    ({ amount, capped } = applyCap(p, priced.amount, capUsed));
  }
  return {
    conversionId: c.id,
    affiliateId: c.affiliateId,
    ruleVersion: v.version,
    amount,
    currency: c.currency,
    status,
    reason,
    occurredAt: c.occurredAt,
    availableAt: available,
    period: p.periodKey,
    rateBps,
    capped,
  };
}

export function computeAffiliateCommissions(
  affiliate: { id: string; status: AffiliateStatus },
  conversions: readonly ConversionInput[],
  versions: readonly RuleVersion[],
  asOf: number,
): { commissions: CommissionResult[]; errors: CommissionError[] } {
  if (!Number.isFinite(asOf))
    throw new RangeError('computeAffiliateCommissions: asOf must be epoch milliseconds');
  const { prepared, errors } = prepareConversions(affiliate.id, conversions, versions);
  const volumes = new VolumeBook(prepared);
  const capUsed = new Map<string, bigint>(); // `${periodKey}|${currency}` → commission so far
  const commissions = prepared.map((p) =>
    commissionOf(p, affiliate.status, asOf, volumes, capUsed),
  );
  return { commissions, errors };
}

/** Returns the rule version to use, or the reason the conversion cannot be priced. */
function validate(
  c: ConversionInput,
  affiliateId: string,
  sameIdCount: number,
  versions: readonly RuleVersion[],
): RuleVersion | string {
  if (sameIdCount > 1)
    return `conversion id "${c.id}" appears ${sameIdCount} times in the input; none of them was priced`;
  if (c.affiliateId !== affiliateId)
    return `conversion belongs to affiliate "${c.affiliateId}", not "${affiliateId}"`;
  if (!Number.isSafeInteger(c.occurredAt))
    return `occurredAt ${String(c.occurredAt)} is not a valid epoch-millisecond time`;
  if (c.netAmount < 0n)
    return `net amount ${c.netAmount} minor units is negative; refunds are a status, not a negative amount`;
  const v = ruleVersionAt(versions, c.occurredAt);
  if (!v)
    return `no commission rule version is in force at ${new Date(c.occurredAt).toISOString()}`;
  if (!v.rules.currencies.includes(c.currency)) {
    return `currency ${c.currency} is not in rule version ${v.version} (its currencies: ${v.rules.currencies.join(', ')})`;
  }
  return v;
}

const availableAt = (p: Prepared): number => p.c.occurredAt + p.v.rules.holdDays * DAY_MS;

// Shared, frozen results: statusOf runs once per conversion and need not allocate.
const STATUS = {
  refunded: Object.freeze({ status: 'voided', reason: 'refunded' }),
  fraud: Object.freeze({ status: 'voided', reason: 'fraud' }),
  conversionPending: Object.freeze({ status: 'pending', reason: 'conversion_pending' }),
  affiliateInactive: Object.freeze({ status: 'pending', reason: 'affiliate_inactive' }),
  holdPeriod: Object.freeze({ status: 'pending', reason: 'hold_period' }),
  payable: Object.freeze({ status: 'payable', reason: null }),
} as const satisfies Record<string, { status: CommissionStatus; reason: CommissionReason }>;

/** Precedence: refunded, fraud, pending conversion, inactive affiliate, hold period, payable. */
function statusOf(
  conversion: ConversionStatus,
  affiliate: AffiliateStatus,
  asOf: number,
  available: number,
): { status: CommissionStatus; reason: CommissionReason } {
  if (conversion === 'refunded') return STATUS.refunded;
  if (conversion === 'fraud') return STATUS.fraud;
  if (conversion === 'pending') return STATUS.conversionPending;
  if (affiliate !== 'active') return STATUS.affiliateInactive;
  if (asOf < available) return STATUS.holdPeriod;
  return STATUS.payable;
}

/** Commission before the cap: percentage (rounded once) plus the flat amount. */
function price(p: Prepared, volumes: VolumeBook): { amount: bigint; rateBps: number } {
  const { c, v } = p;
  const override = overrideFor(v.rules, c.product);
  if (override) {
    // Overrides replace both the percentage and the flat amount, and tiers never apply to them.
    const pct = divRound(c.netAmount * BigInt(override.percentBps), BPS_DENOMINATOR, 'HALF_EVEN');
    return {
      amount: pct + (override.flatPerConversion?.[c.currency] ?? 0n),
      rateBps: override.percentBps,
    };
  }
  const flat = v.rules.flatPerConversion?.[c.currency] ?? 0n;
  const tiers = v.rules.tiers;
  if (!tiers) {
    const pct = divRound(c.netAmount * BigInt(v.rules.percentBps), BPS_DENOMINATOR, 'HALF_EVEN');
    return { amount: pct + flat, rateBps: v.rules.percentBps };
  }
  const { numerator, rateBps } = tieredNumerator(tiers, p, volumes);
  // Marginal revenue sums every bracket's part first, so this is still the one rounding per
  // conversion.
  return { amount: divRound(numerator, BPS_DENOMINATOR, 'HALF_EVEN') + flat, rateBps };
}

/** net × bps before the division by 10,000 (summed over brackets for marginal revenue tiers). */
function tieredNumerator(
  tiers: Tiers,
  p: Prepared,
  volumes: VolumeBook,
): { numerator: bigint; rateBps: number } {
  const { c } = p;
  const vol = volumes.of(p);
  // Bracket lower bounds in the basis' unit: minor units of this currency, or a conversion count.
  const from = thresholds(tiers, c.currency);
  const bpsOf = (i: number): number => tiers.brackets[i]!.percentBps;
  const flatRate = (bps: number) => ({ numerator: c.netAmount * BigInt(bps), rateBps: bps });

  if (tiers.mode === 'whole') {
    // One bracket for the whole period, chosen by the period's total volume.
    const total = tiers.basis === 'net_revenue' ? vol.totalNet : BigInt(vol.totalCount);
    return flatRate(bpsOf(bracketAt(from, total)));
  }
  if (tiers.basis === 'conversion_count') {
    // The n-th conversion of the period (0-based) is priced by the highest bracket with from <= n.
    return flatRate(bpsOf(bracketAt(from, BigInt(vol.countBefore))));
  }
  // Marginal revenue: this conversion occupies volume units [before, before + net); each slice is
  // priced by the bracket it falls in.
  const start = vol.netBefore;
  const end = start + c.netAmount;
  let numerator = 0n;
  for (let i = 0; i < from.length; i++) {
    const lo = from[i]! > start ? from[i]! : start;
    const next = from[i + 1];
    const hi = next !== undefined && next < end ? next : end;
    if (hi > lo) numerator += (hi - lo) * BigInt(bpsOf(i));
  }
  // The rate reported is that of the last unit priced (or of the next unit when net is zero).
  const lastUnit = c.netAmount > 0n ? end - 1n : start;
  return { numerator, rateBps: bpsOf(bracketAt(from, lastUnit)) };
}

const thresholdCache = new WeakMap<Tiers, Map<string, readonly bigint[]>>();
/**
 * The brackets' lower bounds in one currency (or as counts), computed once per rule set and
 * currency.
 */
function thresholds(tiers: Tiers, currency: string): readonly bigint[] {
  let byCurrency = thresholdCache.get(tiers);
  if (!byCurrency) thresholdCache.set(tiers, (byCurrency = new Map()));
  let from = byCurrency.get(currency);
  if (!from) {
    from =
      tiers.basis === 'net_revenue'
        ? tiers.brackets.map((b) => b.from[currency]!)
        : tiers.brackets.map((b) => BigInt(b.from));
    byCurrency.set(currency, from);
  }
  return from;
}

/**
 * Index of the highest bracket whose lower bound is <= value (brackets start at 0 and increase).
 */
function bracketAt(from: readonly bigint[], value: bigint): number {
  let idx = 0;
  for (let i = 1; i < from.length; i++) if (from[i]! <= value) idx = i;
  return idx;
}

const overrideCache = new WeakMap<RuleSet, ReadonlyMap<string, ProductOverride>>();
function overrideFor(rules: RuleSet, product: string): ProductOverride | undefined {
  let map = overrideCache.get(rules);
  if (!map) {
    map = new Map(rules.productOverrides.map((o) => [o.product, o]));
    overrideCache.set(rules, map);
  }
  return map.get(product);
}

interface Volume {
  totalNet: bigint;
  totalCount: number;
  netBefore: bigint;
  countBefore: number;
}

/**
 * A conversion's view of its group: what came before it, and (through the shared totals) the whole.
 */
class GroupVolume implements Volume {
  constructor(
    private readonly totals: { net: bigint; count: number },
    readonly netBefore: bigint,
    readonly countBefore: number,
  ) {}
  get totalNet(): bigint {
    return this.totals.net;
  }
  get totalCount(): number {
    return this.totals.count;
  }
}

/**
 * Tier volume per (period, currency). Volume belongs to the affiliate, not to a rule version: every
 * approved or pending conversion counts (override products included), refunded/fraud never do, and
 * conversions that could not be priced (errors) are left out. Built lazily per period kind, because
 * different rule versions may tier by month or by week.
 */
class VolumeBook {
  private readonly kinds = new Map<TierPeriod, Map<Prepared, Volume>>();
  constructor(private readonly sorted: readonly Prepared[]) {}

  of(p: Prepared): Volume {
    let book = this.kinds.get(p.period);
    if (!book) {
      book = this.build(p.period);
      this.kinds.set(p.period, book);
    }
    // A voided conversion is never priced, so every caller is in the book.
    return book.get(p)!;
  }

  private build(kind: TierPeriod): Map<Prepared, Volume> {
    // Running totals are shared objects, updated in place; each conversion's Volume points at its
    // group's totals object, so the totals are final once the loop is done.
    const totals = new Map<string, { net: bigint; count: number }>();
    const book = new Map<Prepared, Volume>();
    for (const p of this.sorted) {
      if (!p.countsTowardVolume) continue;
      const key = `${p.period === kind ? p.periodKey : periodKey(p.c.occurredAt, kind)}|${p.c.currency}`;
      let t = totals.get(key);
      if (!t) totals.set(key, (t = { net: 0n, count: 0 }));
      book.set(p, new GroupVolume(t, t.net, t.count));
      t.net += p.c.netAmount;
      t.count += 1;
    }
    return book;
  }
}

/**
 * Adjustment still needed for a commission that is locked (in a live payout, or paid): such a row
 * is never rewritten; differences are recorded as adjustments instead. target is the freshly
 * computed amount (0n for a voided commission, giving a negative clawback). Returns 0n when nothing
 * is owed either way, so calling it again after recording the adjustment is idempotent.
 */
export function lockedCommissionDelta(
  lockedAmount: bigint,
  adjustedSoFar: bigint,
  target: bigint,
): bigint {
  return target - (lockedAmount + adjustedSoFar);
}

/**
 * Payable balance of an affiliate in one currency: payable commissions plus open adjustments (which
 * may be negative clawbacks). Never pays a negative amount: when the sum is below zero, payable is
 * 0n and carriedForward holds the negative remainder (<= 0n) to net against later commissions.
 */
export function payableBalance(
  commissionsPayable: bigint,
  openAdjustments: bigint,
): { payable: bigint; carriedForward: bigint } {
  const net = commissionsPayable + openAdjustments;
  return net >= 0n ? { payable: net, carriedForward: 0n } : { payable: 0n, carriedForward: net };
}
