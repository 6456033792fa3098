/**
 * The reports' figures (issue 22, item 2): rates as "97.5 %" exact from the counts, value-axis ticks
 * round and labelled as the page labels money and counts, totals per currency never across
 * currencies.
 */
import { describe, expect, it } from 'vitest';
import { percent } from '../../src/renderer/src/format.js';
import {
  countTicks,
  moneyTicks,
  percentTicks,
  roundTicks,
} from '../../src/renderer/src/components/chart-axis.js';
import { totalsByCurrency } from '../../src/renderer/src/views/reports/currencyTotals.js';

describe('report figures', () => {
  it('percent: one decimal, half up, exact from integers; nothing of nothing is a dash', () => {
    expect(percent(39, 40)).toBe('97.5 %');
    expect(percent(1, 3)).toBe('33.3 %');
    expect(percent(2, 3)).toBe('66.7 %');
    // 1/8 = 12.5 % exactly; with no decimal it rounds half up to 13 %.
    expect(percent(1, 8, 0)).toBe('13 %');
    expect(percent(1, 2000)).toBe('0.1 %'); // 0.05 → 0.1
    expect(percent(0, 7)).toBe('0.0 %');
    expect(percent(7, 7)).toBe('100.0 %');
    expect(percent(0, 0)).toBe('—');
    // Beyond float precision: still exact.
    expect(percent('9007199254740993', '9007199254740993')).toBe('100.0 %');
    expect(percent(123456, 10)).toBe('1,234,560.0 %');
  });

  it('ticks: round 1/2/5 steps from zero covering every value', () => {
    expect(roundTicks([0n, 37n])).toEqual([0n, 10n, 20n, 30n, 40n]);
    expect(roundTicks([1234n])).toEqual([0n, 500n, 1000n, 1500n]);
    expect(roundTicks([])).toEqual([0n, 1n]);
    expect(roundTicks([-30n, 70n])).toEqual([-40n, -20n, 0n, 20n, 40n, 60n, 80n]);
  });

  it('money ticks are exact money() labels of round minor units, titled with the currency', () => {
    const t = moneyTicks(['0', '1234567890', '987654321'], 'IDR');
    expect(t.title).toBe('IDR');
    expect(t.values[0]).toBe(0);
    expect(t.values.map((v) => t.label(v))).toEqual([
      'IDR 0.00',
      'IDR 5,000,000.00',
      'IDR 10,000,000.00',
      'IDR 15,000,000.00',
    ]);
    // A value that is not a tick has no label (never one read back from a float).
    expect(t.label(123.45)).toBe('');
    const jpy = moneyTicks(['1999'], 'JPY');
    expect(jpy.values.map((v) => jpy.label(v))).toEqual([
      'JPY 0',
      'JPY 500',
      'JPY 1,000',
      'JPY 1,500',
      'JPY 2,000',
    ]);
  });

  it('count ticks are whole and grouped; the rate axis goes to 100 %', () => {
    const c = countTicks([3, 12_400], 'payouts');
    expect(c.title).toBe('payouts');
    expect(c.values.every((v) => Number.isInteger(v))).toBe(true);
    expect(c.label(c.values[1]!)).toBe('5,000');
    const p = percentTicks();
    expect([p.title, p.label(100), p.max]).toEqual(['%', '100 %', 100]);
  });

  it('totals per currency: exact sums, never across currencies; an unknown value leaves it unknown', () => {
    const rows = [
      { currency: 'USD', debit: '100000000000000000001', fee: '1' },
      { currency: 'IDR', debit: '5', fee: null },
      { currency: 'USD', debit: '2', fee: '2' },
    ];
    const t = totalsByCurrency(rows, ['debit', 'fee'] as const, (r, f) => r[f]);
    expect(t).toEqual([
      { currency: 'USD', rows: 2, sums: { debit: 100000000000000000003n, fee: 3n } },
      { currency: 'IDR', rows: 1, sums: { debit: 5n, fee: null } },
    ]);
  });
});
