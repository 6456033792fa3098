import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  displayMoney,
  MoneyError,
  parseDisplayedAmount,
} from '../../../src/core/shared/money/index.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof MoneyError ? e.code : 'other';
  }
  return 'none';
};

describe('parseDisplayedAmount: amounts typed as the console shows them', () => {
  it('accepts grouping in threes and the currency decimals, exactly', () => {
    expect(parseDisplayedAmount('15,000,000', 'IDR')).toBe(1_500_000_000n); // IDR has 2 decimals (ISO 4217)
    expect(parseDisplayedAmount('15,000,000', 'JPY')).toBe(15_000_000n);
    expect(parseDisplayedAmount('3,035.01', 'USD')).toBe(303_501n);
    expect(parseDisplayedAmount('3035.01', 'USD')).toBe(303_501n);
    expect(parseDisplayedAmount('1,000', 'USD')).toBe(100_000n);
    expect(parseDisplayedAmount('0.5', 'USD')).toBe(50n);
    expect(parseDisplayedAmount('12,345.678', 'KWD')).toBe(12_345_678n);
    expect(parseDisplayedAmount('92,233,720,368,547,758.07', 'USD')).toBe(2n ** 63n - 1n);
  });

  it('accepts the currency code before or after, in any case, and the spaces Intl puts in', () => {
    expect(parseDisplayedAmount('USD 3,035.01', 'USD')).toBe(303_501n);
    expect(parseDisplayedAmount('usd3,035.01', 'USD')).toBe(303_501n);
    expect(parseDisplayedAmount('3,035.01 USD', 'USD')).toBe(303_501n);
    expect(parseDisplayedAmount('IDR\u00a015,000,000', 'IDR')).toBe(1_500_000_000n);
    expect(parseDisplayedAmount('  1,234.50  ', 'USD')).toBe(123_450n);
  });

  it('reads back every amount displayMoney shows, to the minor unit', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
        fc.constantFrom('USD', 'IDR', 'KWD', 'JPY'),
        (amount, currency) => {
          expect(parseDisplayedAmount(displayMoney({ amount, currency }), currency)).toBe(amount);
        },
      ),
    );
  });

  it('negative only where allowed', () => {
    expect(code(() => parseDisplayedAmount('-1,000.00', 'USD'))).toBe('NEGATIVE_AMOUNT');
    expect(parseDisplayedAmount('-USD 1,000.00', 'USD', { allowNegative: true })).toBe(-100_000n);
    expect(parseDisplayedAmount('USD -1,000.00', 'USD', { allowNegative: true })).toBe(-100_000n);
  });

  it('refuses ambiguous input with a sentence saying why', () => {
    expect(() => parseDisplayedAmount('1,00,000', 'INR')).toThrow(/not grouped in threes/);
    expect(() => parseDisplayedAmount('15,00', 'USD')).toThrow(/comma used as the decimal mark/);
    expect(() => parseDisplayedAmount('1.000,50', 'USD')).toThrow(MoneyError);
    expect(() => parseDisplayedAmount('12.345', 'USD')).toThrow(/3 decimals, but USD has 2/);
    expect(() => parseDisplayedAmount('1,000.5', 'JPY')).toThrow(/JPY amounts are whole numbers/);
    expect(() => parseDisplayedAmount('EUR 10.00', 'USD')).toThrow(
      /is in EUR, but this amount is in USD/,
    );
    expect(() => parseDisplayedAmount('', 'USD')).toThrow(/enter an amount/);
    for (const bad of ['1e3', 'abc', '1,0000', ',100', '100,', '1..0', '+5', 'USD', '10 USD USD'])
      expect(
        code(() => parseDisplayedAmount(bad, 'USD')),
        bad,
      ).not.toBe('none');
  });

  it('out of a bigint column is refused, not wrapped', () => {
    expect(code(() => parseDisplayedAmount('92,233,720,368,547,758.08', 'USD'))).toBe(
      'AMOUNT_OUT_OF_RANGE',
    );
  });
});
