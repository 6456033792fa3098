/**
 * Commission engine tests. Every expected amount is worked out by hand in the comment next to it
 * (amounts in minor units: cents for USD/PHP, IDR also has 2 decimals in ISO 4217, JPY has 0).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeAffiliateCommissions,
  isoWeekKey,
  lockedCommissionDelta,
  monthKey,
  nextPayoutDate,
  parseRuleSet,
  payableBalance,
  ruleVersionAt,
  RuleSetError,
  type AffiliateStatus,
  type CommissionResult,
  type ConversionInput,
  type RuleVersion,
} from '../../../src/core/shared/commission/index.js';

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

const DAY = 86_400_000;
const T = (iso: string): number => Date.parse(iso);

/** A minimal valid rule set document; tests spread their own fields over it. */
function doc(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    currencies: ['USD', 'IDR', 'PHP'],
    holdDays: 0,
    percentBps: 1000,
    minimumPayout: { USD: '50.00', IDR: '500000', PHP: '2500.00' },
    payoutSchedule: { frequency: 'weekly', weekday: 'friday' },
    ...extra,
  };
}
const usd = (USD: string, IDR = '0', PHP = '0') => ({ USD, IDR, PHP });
/**
 * Same figure in every currency (all three have 2 decimals): keeps bracket maps strictly increasing
 * everywhere.
 */
const all = (x: string) => ({ USD: x, IDR: x, PHP: x });

/** One rule version in force since the epoch. */
const only = (extra: Record<string, unknown> = {}): RuleVersion[] => [
  { version: 1, effectiveFrom: 0, rules: parseRuleSet(doc(extra)) },
];

function conv(
  id: string,
  netAmount: bigint,
  fields: Partial<ConversionInput> = {},
): ConversionInput {
  return {
    id,
    affiliateId: 'aff-1',
    occurredAt: T('2026-11-10T12:00:00Z'),
    product: 'pro-plan',
    netAmount,
    currency: 'USD',
    status: 'approved',
    ...fields,
  };
}

const LATER = T('2027-06-01T00:00:00Z'); // after every hold period used below

function run(
  conversions: ConversionInput[],
  versions: RuleVersion[],
  asOf = LATER,
  status: AffiliateStatus = 'active',
) {
  return computeAffiliateCommissions({ id: 'aff-1', status }, conversions, versions, asOf);
}
function byId(
  conversions: ConversionInput[],
  versions: RuleVersion[],
  asOf = LATER,
  status: AffiliateStatus = 'active',
) {
  const r = run(conversions, versions, asOf, status);
  expect(r.errors).toEqual([]);
  return Object.fromEntries(r.commissions.map((c) => [c.conversionId, c])) as Record<
    string,
    CommissionResult
  >;
}
const amounts = (conversions: ConversionInput[], versions: RuleVersion[]) =>
  Object.fromEntries(Object.entries(byId(conversions, versions)).map(([id, c]) => [id, c.amount]));

// ---------------------------------------------------------------------------------------------
// pricing
// ---------------------------------------------------------------------------------------------

describe('percentage and flat amounts', () => {
  it('rounds the percentage half-even, once per conversion', () => {
    const v = only({ percentBps: 1000 });
    expect(
      amounts(
        [conv('tie-down', 1_005n), conv('tie-up', 1_015n), conv('below', 1_004n), conv('zero', 0n)],
        v,
      ),
    ).toEqual({
      'tie-down': 100n, // 1,005 cents × 1,000 bps / 10,000 = 100.5 → half-even → 100 (even)
      'tie-up': 102n, //   1,015 cents × 1,000 bps / 10,000 = 101.5 → half-even → 102 (even)
      below: 100n, //      1,004 cents × 1,000 bps / 10,000 = 100.4 → 100
      zero: 0n, //         0 × 1,000 / 10,000 = 0
    });
    const v1250 = only({ percentBps: 1250 });
    expect(amounts([conv('a', 12_345n), conv('b', 12_349n)], v1250)).toEqual({
      a: 1_543n, // 12,345 cents × 1,250 bps / 10,000 = 1,543.125 → 1,543
      b: 1_544n, // 12,349 cents × 1,250 bps / 10,000 = 1,543.625 → 1,544
    });
  });

  it('adds a flat amount per conversion, in the conversion currency', () => {
    const v = only({
      percentBps: 0,
      flatPerConversion: { USD: '0.50', IDR: '5000', PHP: '25.00' },
    });
    expect(
      amounts(
        [
          conv('u', 99_999n),
          conv('u0', 0n),
          conv('i', 1_000_000n, { currency: 'IDR' }),
          conv('p', 5n, { currency: 'PHP' }),
        ],
        v,
      ),
    ).toEqual({
      u: 50n, //        0 % + USD 0.50 = 50 cents, whatever the net
      u0: 50n, //       a zero-revenue conversion still earns the flat amount
      i: 500_000n, //   IDR "5000" = 5,000.00 IDR = 500,000 minor units (IDR has 2 decimals in ISO 4217)
      p: 2_500n, //     PHP 25.00 = 2,500 centavos
    });
  });

  it('adds percentage and flat, rounding the percentage only', () => {
    const v = only({ percentBps: 1000, flatPerConversion: usd('0.50', '5000', '25.00') });
    const r = byId([conv('a', 19_999n), conv('b', 10_005n)], v);
    // 19,999 × 1,000 / 10,000 = 1,999.9 → 2,000; + 50 flat = 2,050
    expect(r.a!.amount).toBe(2_050n);
    // 10,005 × 1,000 / 10,000 = 1,000.5 → half-even 1,000; + 50 = 1,050
    expect(r.b!.amount).toBe(1_050n);
    expect(r.a!.rateBps).toBe(1000);
  });

  it('handles a zero-decimal currency (JPY)', () => {
    const v = [
      {
        version: 1,
        effectiveFrom: 0,
        rules: parseRuleSet({
          ...doc(),
          currencies: ['JPY'],
          percentBps: 1250,
          flatPerConversion: { JPY: '50' },
          minimumPayout: { JPY: '5000' },
        }),
      },
    ];
    const r = byId(
      [conv('y', 1_234n, { currency: 'JPY' }), conv('z', 1_236n, { currency: 'JPY' })],
      v,
    );
    expect(r.y!.amount).toBe(204n); // ¥1,234 × 1,250 / 10,000 = 154.25 → 154; + ¥50 = 204
    expect(r.z!.amount).toBe(204n); // ¥1,236 × 1,250 / 10,000 = 154.5 → half-even 154; + ¥50 = 204
  });
});

describe('product overrides', () => {
  it('replace percentage and flat, ignore tiers, but count toward tier volume', () => {
    const v = only({
      percentBps: 1000,
      flatPerConversion: usd('0.50'),
      productOverrides: [
        { product: 'enterprise', percentBps: 2000, flatPerConversion: usd('5.00') },
        { product: 'promo', percentBps: 500 }, // no flat given → no flat (NOT the base 0.50)
      ],
      tiers: {
        basis: 'net_revenue',
        mode: 'whole',
        period: 'month',
        brackets: [
          { from: all('0'), percentBps: 1000 },
          { from: all('100.00'), percentBps: 1500 },
        ],
      },
    });
    const r = byId(
      [
        conv('base', 6_000n),
        conv('ent', 5_000n, { product: 'enterprise' }),
        conv('promo', 1_010n, { product: 'promo' }),
      ],
      v,
    );
    // Volume 60.00 + 50.00 + 10.10 = 120.10 ≥ 100.00 → bracket 1 (15 %) for the tiered conversion:
    // 6,000 × 1,500 / 10,000 = 900; + 50 flat = 950
    expect(r.base!).toMatchObject({ amount: 950n, rateBps: 1500 });
    // enterprise: 5,000 × 2,000 / 10,000 = 1,000; + 500 flat = 1,500 (the 15 % tier does not apply)
    expect(r.ent!).toMatchObject({ amount: 1_500n, rateBps: 2000 });
    // promo: 1,010 × 500 / 10,000 = 50.5 → half-even 50; no flat
    expect(r.promo!).toMatchObject({ amount: 50n, rateBps: 500 });

    // Without the override conversions the volume is 60.00 < 100.00 → 10 %: 6,000 × 1,000 / 10,000
    // = 600; + 50 = 650
    expect(byId([conv('base', 6_000n)], v).base!.amount).toBe(650n);
  });
});

// ---------------------------------------------------------------------------------------------
// tiers
// ---------------------------------------------------------------------------------------------

const revenueTiers = (
  mode: 'whole' | 'marginal',
  period: 'month' | 'week',
  brackets: [string, number][],
) => ({
  tiers: {
    basis: 'net_revenue',
    mode,
    period,
    brackets: brackets.map(([from, percentBps]) => ({ from: all(from), percentBps })),
  },
});
const countTiers = (mode: 'whole' | 'marginal', brackets: [number, number][]) => ({
  tiers: {
    basis: 'conversion_count',
    mode,
    period: 'month',
    brackets: brackets.map(([from, percentBps]) => ({ from, percentBps })),
  },
});

describe('whole-volume tiers by revenue', () => {
  const v = only(
    revenueTiers('whole', 'month', [
      ['0', 1000],
      ['1000.00', 1500],
      ['5000.00', 2000],
    ]),
  );

  it('prices every conversion of the period by the bracket of the total volume', () => {
    const r = byId(
      [
        conv('n1', 40_000n, { occurredAt: T('2026-11-02T00:00:00Z') }),
        conv('n2', 70_000n, { occurredAt: T('2026-11-20T00:00:00Z') }),
        // refunded: voided and NOT counted (else the volume would be 6,100.00 → 20 %)
        conv('n3', 500_000n, { occurredAt: T('2026-11-21T00:00:00Z'), status: 'refunded' }),
      ],
      v,
    );
    // November volume 400.00 + 700.00 = 1,100.00 → bracket "from 1,000.00" → 15 %
    expect(r.n1!).toMatchObject({ amount: 6_000n, rateBps: 1500, period: '2026-11' }); // 40,000 × 1,500 / 10,000 = 6,000
    expect(r.n2!).toMatchObject({ amount: 10_500n, rateBps: 1500 }); // 70,000 × 1,500 / 10,000 = 10,500
    expect(r.n3!).toMatchObject({ amount: 0n, status: 'voided', reason: 'refunded', rateBps: 0 });
  });

  it('counts pending conversions toward the volume', () => {
    const alone = byId([conv('d1', 99_999n, { occurredAt: T('2026-12-05T00:00:00Z') })], v);
    // volume 999.99 < 1,000.00 → 10 %: 99,999 × 1,000 / 10,000 = 9,999.9 → 10,000
    expect(alone.d1!.amount).toBe(10_000n);

    const r = byId(
      [
        conv('d1', 99_999n, { occurredAt: T('2026-12-05T00:00:00Z') }),
        conv('d2', 30_000n, { occurredAt: T('2026-12-06T00:00:00Z'), status: 'pending' }),
      ],
      v,
    );
    // volume 999.99 + 300.00 = 1,299.99 → 15 %
    expect(r.d1!).toMatchObject({ amount: 15_000n, rateBps: 1500 }); // 99,999 × 1,500 / 10,000 = 14,999.85 → 15,000
    expect(r.d2!).toMatchObject({
      amount: 4_500n,
      status: 'pending',
      reason: 'conversion_pending',
    }); // 30,000 × 1,500 / 10,000 = 4,500
  });

  it('keeps a separate volume per currency', () => {
    const r = byId([conv('u', 60_000n), conv('p', 60_000n, { currency: 'PHP' })], v);
    // USD 600.00 and PHP 600.00 are two volumes, each < 1,000.00 → 10 % (together they would reach
    // 15 %)
    expect(r.u!).toMatchObject({ amount: 6_000n, rateBps: 1000 }); // 60,000 × 1,000 / 10,000 = 6,000
    expect(r.p!).toMatchObject({ amount: 6_000n, rateBps: 1000, currency: 'PHP' });
  });
});

describe('marginal tiers by revenue', () => {
  const v = only(
    revenueTiers('marginal', 'month', [
      ['0', 1000],
      ['10000.00', 1500],
    ]),
  );

  it('splits a conversion that straddles a bracket', () => {
    const r = byId(
      [
        conv('c1', 900_000n, { occurredAt: T('2026-11-02T00:00:00Z') }),
        conv('c2', 200_000n, { occurredAt: T('2026-11-03T00:00:00Z') }),
        conv('c3', 10_000n, { occurredAt: T('2026-11-04T00:00:00Z') }),
      ],
      v,
    );
    // c1: cumulative 0 → 9,000.00, all in bracket 0: 900,000 × 1,000 / 10,000 = 90,000
    expect(r.c1!).toMatchObject({ amount: 90_000n, rateBps: 1000 });
    // c2: cumulative 9,000.00 before, net 2,000.00, bracket at 10,000.00:
    //     100,000 × 1,000 + 100,000 × 1,500 = 100,000,000 + 150,000,000 = 250,000,000 / 10,000 =
    // 25,000
    expect(r.c2!).toMatchObject({ amount: 25_000n, rateBps: 1500 }); // last unit is in bracket 1
    // c3: cumulative 11,000.00 before → all at 15 %: 10,000 × 1,500 / 10,000 = 1,500
    expect(r.c3!).toMatchObject({ amount: 1_500n, rateBps: 1500 });
  });

  it('rounds once per conversion, not once per bracket slice', () => {
    const r = byId(
      [
        conv('a', 999_985n, { occurredAt: T('2026-11-02T00:00:00Z') }),
        conv('b', 25n, { occurredAt: T('2026-11-03T00:00:00Z') }),
      ],
      v,
    );
    // a: 999,985 × 1,000 / 10,000 = 99,998.5 → half-even → 99,998 (even; half-up would give 99,999)
    expect(r.a!.amount).toBe(99_998n);
    // b: cumulative 999,985 before; 15 cents below 1,000,000 and 10 above:
    //    15 × 1,000 + 10 × 1,500 = 15,000 + 15,000 = 30,000 / 10,000 = 3 exactly.
    //    (Rounding each slice would give 1.5 → 2 and 1.5 → 2, total 4: wrong.)
    expect(r.b!.amount).toBe(3n);
  });

  it('orders equal times by id, whatever the input order', () => {
    const at = T('2026-11-02T00:00:00Z');
    const r = byId(
      [conv('b', 600_000n, { occurredAt: at }), conv('a', 600_000n, { occurredAt: at })],
      v,
    );
    // 'a' goes first: 600,000 × 1,000 / 10,000 = 60,000
    expect(r.a!.amount).toBe(60_000n);
    // 'b': cumulative 6,000.00 before; 400,000 at 10 % + 200,000 at 15 %:
    //      400,000,000 + 300,000,000 = 700,000,000 / 10,000 = 70,000
    expect(r.b!.amount).toBe(70_000n);
    const list = run(
      [conv('b', 1n, { occurredAt: at }), conv('a', 1n, { occurredAt: at })],
      v,
    ).commissions;
    expect(list.map((c) => c.conversionId)).toEqual(['a', 'b']);
  });
});

describe('tiers by conversion count', () => {
  it('whole mode: every conversion of the period at the bracket of the period count', () => {
    const v = only(
      countTiers('whole', [
        [0, 1000],
        [3, 2000],
      ]),
    );
    const nov = ['2026-11-01', '2026-11-02', '2026-11-03'].map((d, i) =>
      conv(`n${i}`, 10_000n, { occurredAt: T(`${d}T08:00:00Z`) }),
    );
    const dec = ['2026-12-01', '2026-12-02'].map((d, i) =>
      conv(`d${i}`, 10_000n, { occurredAt: T(`${d}T08:00:00Z`) }),
    );
    const fraud = conv('f', 10_000n, { occurredAt: T('2026-12-03T08:00:00Z'), status: 'fraud' });
    const r = byId([...nov, ...dec, fraud], v);
    // November: 3 conversions ≥ 3 → 20 %: 10,000 × 2,000 / 10,000 = 2,000 each
    for (const id of ['n0', 'n1', 'n2'])
      expect(r[id]!).toMatchObject({ amount: 2_000n, rateBps: 2000 });
    // December: 2 countable (the fraud one never counts) < 3 → 10 %: 10,000 × 1,000 / 10,000 =
    // 1,000 each
    for (const id of ['d0', 'd1']) expect(r[id]!).toMatchObject({ amount: 1_000n, rateBps: 1000 });
    expect(r.f!).toMatchObject({ amount: 0n, status: 'voided', reason: 'fraud' });
  });

  it('marginal mode: the n-th conversion (0-based) uses the highest bracket with from <= n', () => {
    const v = only(
      countTiers('marginal', [
        [0, 1000],
        [2, 2000],
      ]),
    );
    const r = byId(
      [
        conv('c0', 10_000n, { occurredAt: T('2026-11-01T00:00:00Z') }),
        conv('c1', 10_000n, { occurredAt: T('2026-11-02T00:00:00Z') }),
        conv('x', 10_000n, { occurredAt: T('2026-11-02T12:00:00Z'), status: 'refunded' }), // takes no index
        conv('c2', 10_000n, { occurredAt: T('2026-11-03T00:00:00Z') }),
        conv('c3', 10_000n, { occurredAt: T('2026-11-04T00:00:00Z') }),
      ],
      v,
    );
    expect(r.c0!).toMatchObject({ amount: 1_000n, rateBps: 1000 }); // n = 0 → 10 %: 10,000 × 1,000 / 10,000 = 1,000
    expect(r.c1!).toMatchObject({ amount: 1_000n, rateBps: 1000 }); // n = 1 → 10 %
    expect(r.c2!).toMatchObject({ amount: 2_000n, rateBps: 2000 }); // n = 2 → 20 %: 10,000 × 2,000 / 10,000 = 2,000
    expect(r.c3!).toMatchObject({ amount: 2_000n, rateBps: 2000 }); // n = 3 → 20 %
    expect(r.x!.amount).toBe(0n);
  });
});

describe('periods', () => {
  it('month boundary: conversions in different months have separate volumes', () => {
    const v = only(
      revenueTiers('whole', 'month', [
        ['0', 1000],
        ['1000.00', 2000],
      ]),
    );
    const r = byId(
      [
        conv('nov', 60_000n, { occurredAt: T('2026-11-30T23:59:59.999Z') }),
        conv('dec', 60_000n, { occurredAt: T('2026-12-01T00:00:00.000Z') }),
      ],
      v,
    );
    // each month 600.00 < 1,000.00 → 10 %: 60,000 × 1,000 / 10,000 = 6,000 (one month together:
    // 1,200.00 → 20 % = 12,000)
    expect(r.nov!).toMatchObject({ amount: 6_000n, period: '2026-11' });
    expect(r.dec!).toMatchObject({ amount: 6_000n, period: '2026-12' });
    const same = byId(
      [
        conv('a', 60_000n, { occurredAt: T('2026-11-01T00:00:00Z') }),
        conv('b', 60_000n, { occurredAt: T('2026-11-30T23:59:59.999Z') }),
      ],
      v,
    );
    expect(same.a!.amount).toBe(12_000n); // 60,000 × 2,000 / 10,000 = 12,000
  });

  it('ISO week boundary (Monday start, UTC)', () => {
    const v = only(
      revenueTiers('whole', 'week', [
        ['0', 1000],
        ['1000.00', 2000],
      ]),
    );
    // 2026-11-22 is a Sunday (week 47), 2026-11-23 a Monday (week 48)
    const r = byId(
      [
        conv('sun', 60_000n, { occurredAt: T('2026-11-22T23:59:59.999Z') }),
        conv('mon', 60_000n, { occurredAt: T('2026-11-23T00:00:00Z') }),
      ],
      v,
    );
    expect(r.sun!).toMatchObject({ amount: 6_000n, period: '2026-W47' }); // 600.00 alone → 10 % = 6,000
    expect(r.mon!).toMatchObject({ amount: 6_000n, period: '2026-W48' });
    // Monday to Sunday of one week share a volume: 1,200.00 → 20 % = 12,000 each
    const same = byId(
      [
        conv('mon', 60_000n, { occurredAt: T('2026-11-16T00:00:00Z') }),
        conv('sun', 60_000n, { occurredAt: T('2026-11-22T23:59:59.999Z') }),
      ],
      v,
    );
    expect(same.mon!.amount).toBe(12_000n);
  });

  it('computes ISO week-years and months in UTC', () => {
    expect(isoWeekKey(T('2024-12-30T00:00:00Z'))).toBe('2025-W01'); // Monday of the week holding 2 Jan 2025 (a Thursday)
    expect(isoWeekKey(T('2027-01-01T00:00:00Z'))).toBe('2026-W53'); // Friday; 2026 starts on a Thursday → 53 weeks
    expect(isoWeekKey(T('2026-01-01T00:00:00Z'))).toBe('2026-W01');
    expect(isoWeekKey(T('2025-12-28T23:59:59Z'))).toBe('2025-W52'); // Sunday
    expect(isoWeekKey(T('1969-12-31T00:00:00Z'))).toBe('1970-W01'); // before the epoch: the modulo still works
    expect(monthKey(T('2026-11-30T23:59:59.999Z'))).toBe('2026-11');
    expect(monthKey(T('2026-12-01T00:00:00Z'))).toBe('2026-12');
  });
});

describe('cap per period', () => {
  it('gives the crossing conversion the remainder and later ones zero, per period', () => {
    const v = only({ percentBps: 1000, capPerPeriod: usd('10.00', '1000000', '500.00') });
    const r = byId(
      [
        conv('a', 4_000n, { occurredAt: T('2026-11-01T00:00:00Z') }),
        conv('b', 5_000n, { occurredAt: T('2026-11-02T00:00:00Z') }),
        conv('r', 9_000n, { occurredAt: T('2026-11-02T12:00:00Z'), status: 'refunded' }), // voided: uses none of the cap
        conv('c', 3_000n, { occurredAt: T('2026-11-03T00:00:00Z') }),
        conv('d', 2_000n, { occurredAt: T('2026-11-04T00:00:00Z') }),
        conv('next', 3_000n, { occurredAt: T('2026-12-01T00:00:00Z') }),
      ],
      v,
    );
    expect(r.a!).toMatchObject({ amount: 400n, capped: false }); // 4,000 × 10 % = 400; total 400 of 1,000
    expect(r.b!).toMatchObject({ amount: 500n, capped: false }); // 5,000 × 10 % = 500; total 900
    expect(r.r!).toMatchObject({ amount: 0n, capped: false });
    expect(r.c!).toMatchObject({ amount: 100n, capped: true }); // would be 300; only 1,000 − 900 = 100 left
    expect(r.d!).toMatchObject({ amount: 0n, capped: true }); //   would be 200; cap used up
    expect(r.next!).toMatchObject({ amount: 300n, capped: false, period: '2026-12' }); // new month, fresh cap
  });

  it('caps the flat part too (the cap is on the total commission)', () => {
    const v = only({
      percentBps: 0,
      flatPerConversion: usd('0.50'),
      capPerPeriod: usd('1.20', '1', '1'),
    });
    const list = run(
      ['a', 'b', 'c'].map((id) => conv(id, 0n)),
      v,
    ).commissions;
    // 50 + 50 = 100, then only 120 − 100 = 20 left for the third
    expect(list.map((c) => [c.amount, c.capped])).toEqual([
      [50n, false],
      [50n, false],
      [20n, true],
    ]);
  });
});

describe('rule versions', () => {
  const v1 = {
    version: 1,
    effectiveFrom: T('2026-01-01T00:00:00Z'),
    rules: parseRuleSet(doc({ percentBps: 1000 })),
  };
  const v2 = {
    version: 2,
    effectiveFrom: T('2026-07-01T00:00:00Z'),
    rules: parseRuleSet(doc({ percentBps: 2000, holdDays: 14 })),
  };

  it('prices each conversion by the version in force at its occurredAt', () => {
    const before = conv('before', 10_000n, { occurredAt: T('2026-06-30T23:59:59.999Z') });
    const after = conv('after', 10_000n, { occurredAt: T('2026-07-01T00:00:00Z') });
    const r = byId([before, after], [v2, v1]); // version order in the input does not matter
    expect(r.before!).toMatchObject({
      ruleVersion: 1,
      amount: 1_000n,
      availableAt: before.occurredAt,
    }); // 10,000 × 10 % = 1,000; hold 0
    expect(r.after!).toMatchObject({
      ruleVersion: 2,
      amount: 2_000n,
      availableAt: T('2026-07-15T00:00:00Z'),
    }); // 10,000 × 20 %; hold 14 days
  });

  it('reports a conversion before the first version as an error, not a crash', () => {
    const early = conv('early', 10_000n, { occurredAt: T('2025-12-31T23:59:59Z') });
    const r = run([early, conv('ok', 10_000n)], [v1, v2]);
    expect(r.errors).toEqual([
      {
        conversionId: 'early',
        message: expect.stringContaining('no commission rule version is in force'),
      },
    ]);
    expect(r.commissions.map((c) => c.conversionId)).toEqual(['ok']);
  });

  it('ruleVersionAt: greatest effectiveFrom <= at, ties to the greatest version', () => {
    const v3 = { ...v2, version: 3 };
    expect(ruleVersionAt([v1, v3, v2], T('2026-08-01T00:00:00Z'))?.version).toBe(3);
    expect(ruleVersionAt([v1, v2], T('2026-07-01T00:00:00Z'))?.version).toBe(2);
    expect(ruleVersionAt([v1, v2], T('2026-06-30T00:00:00Z'))?.version).toBe(1);
    expect(ruleVersionAt([v1, v2], T('2020-01-01T00:00:00Z'))).toBeUndefined();
    expect(ruleVersionAt([], 0)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// statuses
// ---------------------------------------------------------------------------------------------

describe('status', () => {
  const v = only({ holdDays: 30 });
  const at = T('2026-11-01T10:00:00Z');
  const available = T('2026-12-01T10:00:00Z'); // + 30 × 86,400,000 ms

  it('is pending during the hold period and payable from availableAt on', () => {
    const c = conv('h', 10_000n, { occurredAt: at });
    expect(byId([c], v, available - 1).h!).toMatchObject({
      status: 'pending',
      reason: 'hold_period',
      amount: 1_000n,
      availableAt: available,
    });
    expect(byId([c], v, available).h!).toMatchObject({ status: 'payable', reason: null });
    expect(byId([c], v, available + DAY).h!).toMatchObject({ status: 'payable', reason: null });
  });

  it('keeps a pending conversion pending, with its amount', () => {
    const r = byId([conv('p', 10_000n, { occurredAt: at, status: 'pending' })], v, LATER);
    expect(r.p!).toMatchObject({ status: 'pending', reason: 'conversion_pending', amount: 1_000n }); // 10,000 × 10 %
  });

  it('voids refunded and fraud conversions with amount 0', () => {
    const r = byId(
      [conv('r', 10_000n, { status: 'refunded' }), conv('f', 10_000n, { status: 'fraud' })],
      v,
    );
    expect(r.r!).toMatchObject({ status: 'voided', reason: 'refunded', amount: 0n, capped: false });
    expect(r.f!).toMatchObject({ status: 'voided', reason: 'fraud', amount: 0n });
  });

  it('holds commissions of a suspended or closed affiliate', () => {
    for (const status of ['suspended', 'closed'] as const) {
      const r = byId([conv('a', 10_000n, { occurredAt: at })], v, LATER, status);
      expect(r.a!).toMatchObject({
        status: 'pending',
        reason: 'affiliate_inactive',
        amount: 1_000n,
      });
    }
  });

  it('applies the precedence refunded > fraud > conversion_pending > affiliate_inactive > hold_period', () => {
    const early = at + DAY; // still in hold at asOf
    const r = byId(
      [
        conv('r', 10_000n, { occurredAt: early, status: 'refunded' }),
        conv('f', 10_000n, { occurredAt: early, status: 'fraud' }),
        conv('p', 10_000n, { occurredAt: early, status: 'pending' }),
        conv('a', 10_000n, { occurredAt: early }),
      ],
      v,
      early,
      'suspended',
    );
    expect(r.r!.reason).toBe('refunded');
    expect(r.f!.reason).toBe('fraud');
    expect(r.p!.reason).toBe('conversion_pending');
    expect(r.a!.reason).toBe('affiliate_inactive');
  });
});

describe('errors', () => {
  it('reports a currency outside the rule set and still prices the rest', () => {
    const r = run([conv('eur', 10_000n, { currency: 'EUR' }), conv('usd', 10_000n)], only());
    expect(r.errors).toEqual([
      {
        conversionId: 'eur',
        message: 'currency EUR is not in rule version 1 (its currencies: USD, IDR, PHP)',
      },
    ]);
    expect(r.commissions.map((c) => [c.conversionId, c.amount])).toEqual([['usd', 1_000n]]);
  });

  it('rejects duplicate ids, foreign affiliates, negative amounts and bad times', () => {
    const r = run(
      [
        conv('dup', 1n),
        conv('dup', 2n),
        conv('other', 1n, { affiliateId: 'aff-2' }),
        conv('neg', -1n),
        conv('nan', 1n, { occurredAt: Number.NaN }),
        conv('fine', 10_000n),
      ],
      only(),
    );
    expect(r.errors.map((e) => e.conversionId).sort()).toEqual([
      'dup',
      'dup',
      'nan',
      'neg',
      'other',
    ]);
    expect(r.commissions.map((c) => c.conversionId)).toEqual(['fine']);
  });
});

// ---------------------------------------------------------------------------------------------
// adjustments and balances
// ---------------------------------------------------------------------------------------------

describe('lockedCommissionDelta', () => {
  it('claws back a refund after payout, trues up tiers, and is idempotent', () => {
    // Paid 1,000; conversion refunded → target 0: 0 − (1,000 + 0) = −1,000
    expect(lockedCommissionDelta(1_000n, 0n, 0n)).toBe(-1_000n);
    // Once the −1,000 adjustment is recorded, nothing more: 0 − (1,000 − 1,000) = 0
    expect(lockedCommissionDelta(1_000n, -1_000n, 0n)).toBe(0n);
    // Tier true-up: paid 1,000, whole-mode bracket rose → target 1,500: 1,500 − 1,000 = +500
    expect(lockedCommissionDelta(1_000n, 0n, 1_500n)).toBe(500n);
    expect(lockedCommissionDelta(1_000n, 500n, 1_500n)).toBe(0n);
    // Refunded after that true-up: 0 − (1,000 + 500) = −1,500
    expect(lockedCommissionDelta(1_000n, 500n, 0n)).toBe(-1_500n);
  });
});

describe('payableBalance', () => {
  it('never pays below zero; the negative part carries forward', () => {
    expect(payableBalance(10_000n, -2_500n)).toEqual({ payable: 7_500n, carriedForward: 0n }); // 10,000 − 2,500
    expect(payableBalance(1_000n, -2_500n)).toEqual({ payable: 0n, carriedForward: -1_500n }); // 1,000 − 2,500 = −1,500
    expect(payableBalance(0n, 300n)).toEqual({ payable: 300n, carriedForward: 0n }); // a positive true-up alone
    expect(payableBalance(0n, 0n)).toEqual({ payable: 0n, carriedForward: 0n });
  });
});

// ---------------------------------------------------------------------------------------------
// payout schedule
// ---------------------------------------------------------------------------------------------

describe('nextPayoutDate (strictly after asOf’s UTC date)', () => {
  const D = (iso: string) => new Date(iso);
  const friday = { frequency: 'weekly', weekday: 'friday' } as const;

  it('weekly', () => {
    expect(nextPayoutDate(D('2026-11-18T15:00:00Z'), friday)).toEqual(D('2026-11-20T00:00:00Z')); // Wednesday → Friday
    expect(nextPayoutDate(D('2026-11-20T00:00:00Z'), friday)).toEqual(D('2026-11-27T00:00:00Z')); // Friday 00:00 → next Friday
    expect(nextPayoutDate(D('2026-11-20T23:59:59Z'), friday)).toEqual(D('2026-11-27T00:00:00Z'));
    expect(nextPayoutDate(D('2026-11-21T00:00:00Z'), friday)).toEqual(D('2026-11-27T00:00:00Z')); // Saturday
    expect(
      nextPayoutDate(D('2026-11-22T12:00:00Z'), { frequency: 'weekly', weekday: 'monday' }),
    ).toEqual(D('2026-11-23T00:00:00Z')); // Sunday → Monday
    expect(nextPayoutDate(D('2026-12-30T12:00:00Z'), friday)).toEqual(D('2027-01-01T00:00:00Z')); // across New Year
  });

  it('monthly, clamping to short months', () => {
    const on15 = { frequency: 'monthly', day: 15 } as const;
    const on31 = { frequency: 'monthly', day: 31 } as const;
    expect(nextPayoutDate(D('2026-11-14T23:00:00Z'), on15)).toEqual(D('2026-11-15T00:00:00Z'));
    expect(nextPayoutDate(D('2026-11-15T00:00:00Z'), on15)).toEqual(D('2026-12-15T00:00:00Z')); // the day itself does not count
    expect(nextPayoutDate(D('2026-12-20T00:00:00Z'), on15)).toEqual(D('2027-01-15T00:00:00Z'));
    expect(nextPayoutDate(D('2026-01-31T08:00:00Z'), on31)).toEqual(D('2026-02-28T00:00:00Z')); // 2026 not a leap year
    expect(nextPayoutDate(D('2028-01-31T08:00:00Z'), on31)).toEqual(D('2028-02-29T00:00:00Z')); // leap year
    expect(nextPayoutDate(D('2026-02-28T08:00:00Z'), on31)).toEqual(D('2026-03-31T00:00:00Z')); // paid 28 Feb → next is 31 Mar
    expect(nextPayoutDate(D('2026-04-15T00:00:00Z'), on31)).toEqual(D('2026-04-30T00:00:00Z'));
    expect(() => nextPayoutDate(new Date(Number.NaN), on15)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// parsing
// ---------------------------------------------------------------------------------------------

function issuesOf(json: unknown): string[] {
  try {
    parseRuleSet(json);
  } catch (e) {
    expect(e).toBeInstanceOf(RuleSetError);
    return (e as RuleSetError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected parseRuleSet to fail');
}

describe('parseRuleSet', () => {
  it('parses money into minor units', () => {
    const r = parseRuleSet(doc({ flatPerConversion: { USD: '0.5', IDR: '5000', PHP: '25.00' } }));
    expect(r.flatPerConversion).toEqual({ USD: 50n, IDR: 500_000n, PHP: 2_500n }); // "0.5" USD = 50 cents
    expect(r.minimumPayout).toEqual({ USD: 5_000n, IDR: 50_000_000n, PHP: 250_000n });
    expect(r.productOverrides).toEqual([]);
  });

  it('lists every problem with its JSON path', () => {
    const issues = issuesOf(
      doc({
        percentBP: 1000, // typo
        flatPerConversion: { USD: '12.345', IDR: '5000' }, // 3 decimals for USD; PHP missing
        productOverrides: [{ product: 'x', percentBps: 100, flat: {} }],
        tiers: {
          basis: 'net_revenue',
          mode: 'whole',
          period: 'month',
          brackets: [
            { from: all('0'), percentBps: 1000 },
            { from: { USD: '100.00', IDR: '0', PHP: '100.00' }, percentBps: 1500 },
          ],
        },
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        'percentBP: unknown key (check the spelling)',
        'productOverrides[0].flat: unknown key (check the spelling)',
        'flatPerConversion.PHP: missing: every per-currency map must list exactly USD, IDR, PHP',
        'flatPerConversion.USD: "12.345" has 3 decimals but USD has 2',
        "tiers.brackets[1].from.IDR: must be greater than the previous bracket's 0.00 (brackets must strictly increase)",
      ]),
    );
    expect(issues).toHaveLength(5);
  });

  it('puts the full list in the error message', () => {
    expect(() => parseRuleSet(doc({ holdDays: -1, minimumPayout: undefined }))).toThrow(
      /invalid commission rule set \(2 problems\):\n {2}- holdDays: .*\n {2}- minimumPayout: is required/,
    );
  });

  it('checks currencies, first bracket, count brackets, duplicate overrides, schedules', () => {
    const issues = issuesOf({
      ...doc(),
      currencies: ['USD', 'usd', 'USD'],
      minimumPayout: { USD: '50.00', EUR: '1.00' },
      productOverrides: [{ product: 'a' }, { product: 'a' }],
      tiers: {
        basis: 'conversion_count',
        mode: 'marginal',
        period: 'month',
        brackets: [
          { from: 1, percentBps: 1 },
          { from: 1, percentBps: 2 },
          { from: 2.5, percentBps: 3 },
        ],
      },
      payoutSchedule: { frequency: 'monthly', day: 32 },
      percentBps: 10_001,
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        'currencies[1]: "usd" is not an ISO 4217 currency code (use capitals, e.g. USD)',
        'currencies[2]: USD is listed twice',
        'productOverrides[1].product: "a" already has an override at productOverrides[0]',
        'tiers.brackets[0].from: the first bracket must start at 0 (found 1)',
        "tiers.brackets[1].from: must be greater than the previous bracket's 1 (brackets must strictly increase)",
        'tiers.brackets[2].from: must be a whole number',
        expect.stringMatching(/^payoutSchedule\.day: /),
        expect.stringMatching(/^percentBps: /),
      ]),
    );
    // With unusable currencies the per-currency key checks are skipped (they would be noise).
    expect(issues.some((i) => i.startsWith('minimumPayout.'))).toBe(false);
  });

  it('rejects a first revenue bracket above zero and an unknown extra currency key', () => {
    const issues = issuesOf(
      doc({
        capPerPeriod: { USD: '1.00', IDR: '1', PHP: '1', EUR: '1' },
        tiers: {
          basis: 'net_revenue',
          mode: 'whole',
          period: 'week',
          brackets: [{ from: { USD: '1.00', IDR: '0', PHP: '0' }, percentBps: 1 }],
        },
      }),
    );
    expect(issues).toEqual([
      "capPerPeriod.EUR: EUR is not one of the rule set's currencies (USD, IDR, PHP)",
      'tiers.brackets[0].from.USD: the first bracket must start at 0 (found 1.00)',
    ]);
  });

  it('rejects a non-object', () => {
    expect(issuesOf(null)).toHaveLength(1);
    expect(issuesOf([])).toHaveLength(1);
  });

  it('accepts examples/rules.json', () => {
    const json: unknown = JSON.parse(
      readFileSync(new URL('../../../examples/rules.json', import.meta.url), 'utf8'),
    );
    const rules = parseRuleSet(json);
    expect(rules.currencies).toEqual(['USD', 'IDR', 'PHP']);
    expect(rules.tiers?.basis).toBe('net_revenue');
    expect(rules.payoutSchedule).toEqual({ frequency: 'monthly', day: 15 });
  });
});

// ---------------------------------------------------------------------------------------------
// the worked example in docs/commission-rules.md
// ---------------------------------------------------------------------------------------------

describe('docs worked example (examples/rules.json)', () => {
  it('matches the numbers in docs/commission-rules.md', () => {
    const rules = parseRuleSet(
      JSON.parse(readFileSync(new URL('../../../examples/rules.json', import.meta.url), 'utf8')),
    );
    const versions = [{ version: 7, effectiveFrom: T('2026-11-01T00:00:00Z'), rules }];
    const asOf = T('2026-12-05T00:00:00Z');
    const r = computeAffiliateCommissions(
      { id: 'aff-1', status: 'active' },
      [
        conv('c1', 900_000n, { occurredAt: T('2026-11-03T09:00:00Z') }),
        conv('c2', 50_000n, { occurredAt: T('2026-11-10T09:00:00Z'), product: 'enterprise-plan' }),
        conv('c3', 123_457n, { occurredAt: T('2026-11-20T09:00:00Z') }),
        conv('c4', 20_000n, { occurredAt: T('2026-11-25T09:00:00Z'), status: 'refunded' }),
      ],
      versions,
      asOf,
    );
    expect(r.errors).toEqual([]);
    const c = Object.fromEntries(r.commissions.map((x) => [x.conversionId, x]));
    // c1: 900,000 × 1,000 / 10,000 = 90,000; + 50 flat = 90,050 (USD 900.50); available 3 Dec 09:00
    // ≤ asOf → payable
    expect(c.c1!).toMatchObject({
      amount: 90_050n,
      status: 'payable',
      rateBps: 1000,
      period: '2026-11',
    });
    // c2 (override 20 %): 50,000 × 2,000 / 10,000 = 10,000; + 500 = 10,500 (USD 105.00); counts
    // 500.00 toward volume
    expect(c.c2!).toMatchObject({
      amount: 10_500n,
      status: 'pending',
      reason: 'hold_period',
      rateBps: 2000,
    });
    // c3: volume before 9,500.00; 50,000 × 1,000 + 73,457 × 1,500 = 50,000,000 + 110,185,500 =
    // 160,185,500
    //     / 10,000 = 16,018.55 → 16,019; + 50 = 16,069 (USD 160.69)
    expect(c.c3!).toMatchObject({
      amount: 16_069n,
      status: 'pending',
      reason: 'hold_period',
      rateBps: 1500,
    });
    expect(c.c4!).toMatchObject({ amount: 0n, status: 'voided', reason: 'refunded' });
    expect(nextPayoutDate(new Date(asOf), rules.payoutSchedule)).toEqual(
      new Date('2026-12-15T00:00:00Z'),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// properties
// ---------------------------------------------------------------------------------------------

describe('properties', () => {
  const versions: RuleVersion[] = [
    {
      version: 1,
      effectiveFrom: T('2026-10-01T00:00:00Z'),
      rules: parseRuleSet(
        doc({
          holdDays: 10,
          flatPerConversion: usd('0.50', '5000', '25.00'),
          productOverrides: [{ product: 'ent', percentBps: 2000 }],
          capPerPeriod: all('40.00'),
          ...revenueTiers('marginal', 'week', [
            ['0', 1000],
            ['50.00', 1500],
            ['200.00', 2500],
          ]),
        }),
      ),
    },
    {
      version: 2,
      effectiveFrom: T('2026-11-15T00:00:00Z'),
      rules: parseRuleSet(
        doc({
          holdDays: 3,
          capPerPeriod: all('30.00'),
          ...countTiers('whole', [
            [0, 700],
            [4, 1300],
          ]),
        }),
      ),
    },
  ];
  const start = T('2026-09-25T00:00:00Z');
  const conversionArb = fc.record({
    id: fc.string({ minLength: 1, maxLength: 4 }),
    affiliateId: fc.constant('aff-1'),
    occurredAt: fc.integer({ min: start, max: start + 90 * DAY }),
    product: fc.constantFrom('pro', 'ent'),
    netAmount: fc.bigInt({ min: 0n, max: 30_000n }),
    currency: fc.constantFrom('USD', 'USD', 'PHP', 'EUR'),
    status: fc.constantFrom('approved', 'approved', 'pending', 'refunded', 'fraud'),
  }) as fc.Arbitrary<ConversionInput>;
  const listAndShuffle = fc
    .uniqueArray(conversionArb, { selector: (c) => c.id, maxLength: 40 })
    .chain((list) =>
      fc.tuple(
        fc.constant(list),
        fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }),
      ),
    );
  const asOfArb = fc.integer({ min: start, max: start + 120 * DAY });

  it('same inputs in any order give identical results', () => {
    fc.assert(
      fc.property(
        listAndShuffle,
        asOfArb,
        fc.constantFrom<AffiliateStatus>('active', 'suspended'),
        ([list, shuffled], asOf, status) => {
          const a = computeAffiliateCommissions({ id: 'aff-1', status }, list, versions, asOf);
          const b = computeAffiliateCommissions({ id: 'aff-1', status }, shuffled, versions, asOf);
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never exceeds the cap, never negative, voided always zero', () => {
    fc.assert(
      fc.property(listAndShuffle, ([list]) => {
        const { commissions } = computeAffiliateCommissions(
          { id: 'aff-1', status: 'active' },
          list,
          versions,
          LATER,
        );
        const totals = new Map<string, bigint>();
        for (const c of commissions) {
          expect(c.amount >= 0n).toBe(true);
          if (c.status === 'voided') expect(c.amount).toBe(0n);
          const key = `${c.period}|${c.currency}`;
          totals.set(key, (totals.get(key) ?? 0n) + c.amount);
        }
        // Week keys only come from version 1 (cap 40.00), month keys only from version 2 (cap
        // 30.00).
        for (const [key, total] of totals)
          expect(total <= (key.includes('-W') ? 4_000n : 3_000n)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
