import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  add,
  allCurrencies,
  allocate,
  applyBps,
  convert,
  CurrencyError,
  displayMoney,
  divRound,
  exponentOf,
  formatAmount,
  formatMoney,
  formatRate,
  isCurrency,
  MAX_MINOR,
  MIN_MINOR,
  money,
  MoneyError,
  parseAmount,
  parseMoney,
  parseRate,
  ROUNDING_MODES,
  subtract,
  sum,
  zero,
  type MoneyErrorCode,
  type RoundingMode,
} from '../../../src/core/shared/money/index.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Runs `fn`, expects a MoneyError with `code`, and returns it so the message can be checked. */
function moneyError(fn: () => unknown, code: MoneyErrorCode): MoneyError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a MoneyError to be thrown').toBeInstanceOf(MoneyError);
  const err = thrown as MoneyError;
  expect(err.code).toBe(code);
  expect(err.name).toBe('MoneyError');
  return err;
}

function currencyError(fn: () => unknown, currency: string): CurrencyError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a CurrencyError to be thrown').toBeInstanceOf(CurrencyError);
  const err = thrown as CurrencyError;
  expect(err.code).toBe('UNKNOWN_CURRENCY');
  expect(err.currency).toBe(currency);
  expect(err.message).toContain(`"${currency}"`);
  return err;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);
const pow10 = (n: number): bigint => 10n ** BigInt(n);

/**
 * Asserts that `r` is `n / d` rounded by `mode`. Together the checks pin `r` down uniquely, so this
 * is a full specification of each mode, written independently of the implementation.
 */
function assertRounded(n: bigint, d: bigint, mode: RoundingMode, r: bigint): void {
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const diff = r * d - n; // > 0: r is above the exact quotient; < 0: below
  const ctx = `${n}/${d} ${mode} -> ${r}`;
  expect(abs(diff) < d, `${ctx}: within one unit`).toBe(true);
  if (n % d === 0n) {
    expect(diff, `${ctx}: exact division is not rounded`).toBe(0n);
    return;
  }
  const towardZero = n > 0n ? diff <= 0n : diff >= 0n;
  const awayFromZero = n > 0n ? diff >= 0n : diff <= 0n;
  const tie = abs(diff) * 2n === d;
  switch (mode) {
    case 'DOWN':
      expect(towardZero, ctx).toBe(true);
      break;
    case 'UP':
      expect(awayFromZero, ctx).toBe(true);
      break;
    case 'CEILING':
      expect(diff >= 0n, ctx).toBe(true);
      break;
    case 'FLOOR':
      expect(diff <= 0n, ctx).toBe(true);
      break;
    case 'HALF_UP':
    case 'HALF_DOWN':
    case 'HALF_EVEN':
      expect(abs(diff) * 2n <= d, `${ctx}: within half a unit`).toBe(true);
      if (tie) {
        if (mode === 'HALF_UP') expect(awayFromZero, `${ctx}: tie away from zero`).toBe(true);
        if (mode === 'HALF_DOWN') expect(towardZero, `${ctx}: tie toward zero`).toBe(true);
        if (mode === 'HALF_EVEN') expect(r % 2n, `${ctx}: tie to even`).toBe(0n);
      }
      break;
  }
}

/**
 * Currencies covering every exponent in the table: 0 (JPY, KRW), 2 (USD, EUR, IDR), 3 (KWD, BHD), 4
 * (CLF).
 */
const CURRENCIES = ['JPY', 'KRW', 'USD', 'EUR', 'IDR', 'KWD', 'BHD', 'CLF'] as const;
const currencyArb = fc.constantFrom(...CURRENCIES);
const modeArb = fc.constantFrom<RoundingMode>(...ROUNDING_MODES);
const amountArb = fc.bigInt({ min: MIN_MINOR, max: MAX_MINOR });
const digitsArb = (min: number, max: number) =>
  fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max })
    .map((ds) => ds.join(''));

/**
 * Canonical text for `currency`, built independently of formatAmount: no leading zeros, exact
 * decimals, no "-0".
 */
const canonicalArb = currencyArb.chain((currency) =>
  fc
    .record({
      negative: fc.boolean(),
      whole: fc.oneof(fc.bigInt({ min: 0n, max: 999n }), fc.bigInt({ min: 0n, max: 10n ** 14n })),
      fraction: digitsArb(exponentOf(currency), exponentOf(currency)),
    })
    .filter(({ negative, whole, fraction }) => !(negative && whole === 0n && /^0*$/.test(fraction)))
    .map(({ negative, whole, fraction }) => ({
      currency,
      text: (negative ? '-' : '') + whole.toString() + (fraction === '' ? '' : '.' + fraction),
    })),
);

// ---------------------------------------------------------------------------------------------
// Currencies
// ---------------------------------------------------------------------------------------------

describe('currency table', () => {
  it('knows the ISO 4217 exponents that matter', () => {
    expect(exponentOf('USD')).toBe(2);
    expect(exponentOf('EUR')).toBe(2);
    expect(exponentOf('IDR')).toBe(2);
    expect(exponentOf('PHP')).toBe(2);
    expect(exponentOf('JPY')).toBe(0);
    expect(exponentOf('KRW')).toBe(0);
    expect(exponentOf('VND')).toBe(0);
    expect(exponentOf('KWD')).toBe(3);
    expect(exponentOf('BHD')).toBe(3);
    expect(exponentOf('TND')).toBe(3);
    expect(exponentOf('CLF')).toBe(4);
  });

  it('holds only unique three-capital-letter codes with exponents 0, 2, 3 or 4', () => {
    const codes = allCurrencies();
    expect(codes.length).toBeGreaterThan(150);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(exponentOf(code));
    }
  });

  it('rejects unknown and lower-case codes with CurrencyError', () => {
    expect(isCurrency('USD')).toBe(true);
    expect(isCurrency('usd')).toBe(false);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('')).toBe(false);
    currencyError(() => exponentOf('usd'), 'usd');
    currencyError(() => exponentOf('XYZ'), 'XYZ');
    currencyError(() => money(1n, 'XYZ'), 'XYZ');
    currencyError(() => zero('usd'), 'usd');
  });
});

// ---------------------------------------------------------------------------------------------
// divRound
// ---------------------------------------------------------------------------------------------

describe('divRound', () => {
  // value -> [numerator, denominator]; expected results per mode in the same column order.
  const cases: Array<[string, bigint, bigint]> = [
    ['2.5', 5n, 2n],
    ['-2.5', -5n, 2n],
    ['1.5', 3n, 2n],
    ['-1.5', -3n, 2n],
    ['2.4', 24n, 10n],
    ['-2.4', -24n, 10n],
    ['2.6', 26n, 10n],
    ['-2.6', -26n, 10n],
  ];
  const expected: Record<RoundingMode, bigint[]> = {
    //          2.5  -2.5  1.5 -1.5  2.4  -2.4  2.6  -2.6
    HALF_EVEN: [2n, -2n, 2n, -2n, 2n, -2n, 3n, -3n],
    HALF_UP: [3n, -3n, 2n, -2n, 2n, -2n, 3n, -3n],
    HALF_DOWN: [2n, -2n, 1n, -1n, 2n, -2n, 3n, -3n],
    UP: [3n, -3n, 2n, -2n, 3n, -3n, 3n, -3n],
    DOWN: [2n, -2n, 1n, -1n, 2n, -2n, 2n, -2n],
    CEILING: [3n, -2n, 2n, -1n, 3n, -2n, 3n, -2n],
    FLOOR: [2n, -3n, 1n, -2n, 2n, -3n, 2n, -3n],
  };

  it('covers every rounding mode in the table', () => {
    expect(Object.keys(expected).sort()).toEqual([...ROUNDING_MODES].sort());
  });

  for (const mode of ROUNDING_MODES) {
    describe(mode, () => {
      cases.forEach(([label, n, d], i) => {
        const want = expected[mode][i]!;
        it(`${label} -> ${want}`, () => {
          expect(divRound(n, d, mode)).toBe(want);
          // Same value written with a negative denominator, and scaled up: same result.
          expect(divRound(-n, -d, mode)).toBe(want);
          expect(divRound(n * 7n, d * 7n, mode)).toBe(want);
        });
      });

      it('does not round an exact division', () => {
        expect(divRound(6n, 3n, mode)).toBe(2n);
        expect(divRound(-6n, 3n, mode)).toBe(-2n);
        expect(divRound(6n, -3n, mode)).toBe(-2n);
        expect(divRound(-6n, -3n, mode)).toBe(2n);
        expect(divRound(0n, 5n, mode)).toBe(0n);
        expect(divRound(0n, -5n, mode)).toBe(0n);
      });
    });
  }

  it('uses HALF_EVEN by default', () => {
    expect(divRound(5n, 2n)).toBe(2n);
    expect(divRound(7n, 2n)).toBe(4n);
    expect(divRound(-5n, 2n)).toBe(-2n);
    expect(divRound(-7n, 2n)).toBe(-4n);
  });

  it('handles a negative denominator by sign, not by magnitude', () => {
    expect(divRound(5n, -2n, 'CEILING')).toBe(-2n);
    expect(divRound(5n, -2n, 'FLOOR')).toBe(-3n);
    expect(divRound(-5n, -2n, 'CEILING')).toBe(3n);
    expect(divRound(-5n, -2n, 'FLOOR')).toBe(2n);
    expect(divRound(7n, -2n, 'HALF_EVEN')).toBe(-4n);
    expect(divRound(5n, -2n, 'HALF_UP')).toBe(-3n);
    expect(divRound(5n, -2n, 'HALF_DOWN')).toBe(-2n);
  });

  it('throws RangeError on division by zero', () => {
    for (const mode of ROUNDING_MODES) expect(() => divRound(1n, 0n, mode)).toThrow(RangeError);
    expect(() => divRound(0n, 0n)).toThrow(RangeError);
  });

  it('property: result is within one unit, HALF_* within half a unit, each mode in its direction', () => {
    const nonZero = fc
      .oneof(fc.bigInt({ min: -50n, max: 50n }), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }))
      .filter((d) => d !== 0n);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: -200n, max: 200n }),
          fc.bigInt({ min: -(2n ** 128n), max: 2n ** 128n }),
        ),
        nonZero,
        modeArb,
        (n, d, mode) => {
          assertRounded(n, d, mode, divRound(n, d, mode));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: ties are hit and resolved per mode', () => {
    // (2k+1)/2 is always a tie.
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), modeArb, (k, mode) => {
        const n = 2n * k + 1n;
        assertRounded(n, 2n, mode, divRound(n, 2n, mode));
        assertRounded(n, -2n, mode, divRound(n, -2n, mode));
      }),
    );
  });

  it('property: symmetric modes are odd functions; CEILING and FLOOR mirror each other', () => {
    const mirror: Record<RoundingMode, RoundingMode> = {
      HALF_EVEN: 'HALF_EVEN',
      HALF_UP: 'HALF_UP',
      HALF_DOWN: 'HALF_DOWN',
      UP: 'UP',
      DOWN: 'DOWN',
      CEILING: 'FLOOR',
      FLOOR: 'CEILING',
    };
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        modeArb,
        (n, d, mode) => {
          expect(divRound(-n, d, mode)).toBe(-divRound(n, d, mirror[mode]));
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

describe('parseAmount', () => {
  it('parses plain decimals into minor units', () => {
    expect(parseAmount('12.30', 'USD')).toBe(1230n);
    expect(parseAmount('12.3', 'USD')).toBe(1230n);
    expect(parseAmount('12', 'USD')).toBe(1200n);
    expect(parseAmount('0', 'USD')).toBe(0n);
    expect(parseAmount('0.00', 'USD')).toBe(0n);
    expect(parseAmount('0.01', 'USD')).toBe(1n);
    expect(parseAmount('15000', 'IDR')).toBe(1_500_000n);
    expect(parseAmount('  12.30\t', 'USD')).toBe(1230n);
  });

  it('rejects more decimals than the currency has with TOO_MANY_DECIMALS naming the currency and its exponent', () => {
    const err = moneyError(() => parseAmount('12.345', 'USD'), 'TOO_MANY_DECIMALS');
    expect(err.message).toContain('12.345');
    expect(err.message).toMatch(/\bUSD\b/);
    expect(err.message).toMatch(/\b2\b/);
    const kwd = moneyError(() => parseAmount('1.2345', 'KWD'), 'TOO_MANY_DECIMALS');
    expect(kwd.message).toMatch(/\bKWD\b/);
    expect(kwd.message).toMatch(/\b3\b/);
    // Trailing zeros still count: the text claims more precision than the currency has.
    moneyError(() => parseAmount('12.300', 'USD'), 'TOO_MANY_DECIMALS');
  });

  it('rejects empty and blank input with EMPTY_AMOUNT', () => {
    for (const text of ['', '  ', '\t', ' \n ']) {
      const err = moneyError(() => parseAmount(text, 'USD'), 'EMPTY_AMOUNT');
      expect(err.message).toMatch(/empty/i);
    }
  });

  it.each([
    '1e3',
    '1E3',
    '1.5e2',
    'abc',
    '1,000',
    '1,000.00',
    '1 000',
    '1_000',
    '+5',
    '.5',
    '5.',
    '-.5',
    '-5.',
    '.',
    '-',
    '--5',
    '- 5',
    '5-',
    '1.2.3',
    '0x10',
    'Infinity',
    'NaN',
    '١٢٣', // Arabic-Indic digits
    '１２', // full-width digits
    '12.3O', // letter O
    '$12.30',
    '12.30 USD',
  ])('rejects %j with INVALID_AMOUNT', (text) => {
    const err = moneyError(() => parseAmount(text, 'USD'), 'INVALID_AMOUNT');
    expect(err.message).toContain(text);
    // Also with a rounding mode and allowNegative: those relax decimals and sign, not syntax.
    moneyError(
      () => parseAmount(text, 'USD', { rounding: 'HALF_EVEN', allowNegative: true }),
      'INVALID_AMOUNT',
    );
  });

  it('rejects negatives with NEGATIVE_AMOUNT unless allowNegative', () => {
    const err = moneyError(() => parseAmount('-1.00', 'USD'), 'NEGATIVE_AMOUNT');
    expect(err.message).toContain('-1.00');
    moneyError(() => parseAmount('-0.01', 'USD'), 'NEGATIVE_AMOUNT');
    expect(parseAmount('-1.00', 'USD', { allowNegative: true })).toBe(-100n);
    expect(parseAmount('-0.05', 'USD', { allowNegative: true })).toBe(-5n);
    expect(parseAmount('-7', 'JPY', { allowNegative: true })).toBe(-7n);
  });

  it('rejects unknown currencies with CurrencyError (case-sensitive)', () => {
    currencyError(() => parseAmount('1.00', 'usd'), 'usd');
    currencyError(() => parseAmount('1.00', 'XYZ'), 'XYZ');
    currencyError(() => parseMoney('1.00', 'usd'), 'usd');
    currencyError(() => parseMoney('1.00', 'XYZ'), 'XYZ');
  });

  it('exponent 0: JPY takes whole numbers only', () => {
    expect(parseAmount('100', 'JPY')).toBe(100n);
    expect(parseAmount('0', 'JPY')).toBe(0n);
    const err = moneyError(() => parseAmount('100.5', 'JPY'), 'TOO_MANY_DECIMALS');
    expect(err.message).toMatch(/\bJPY\b/);
    expect(err.message).toMatch(/\b0\b/);
    moneyError(() => parseAmount('100.0', 'JPY'), 'TOO_MANY_DECIMALS');
    moneyError(() => parseAmount('100.', 'JPY'), 'INVALID_AMOUNT');
  });

  it('exponent 3: KWD takes up to three decimals', () => {
    expect(parseAmount('1.234', 'KWD')).toBe(1234n);
    expect(parseAmount('1.2', 'KWD')).toBe(1200n);
    expect(parseAmount('1', 'KWD')).toBe(1000n);
    expect(parseAmount('0.001', 'KWD')).toBe(1n);
  });

  it('rounds extra decimals when given a rounding mode', () => {
    expect(parseAmount('12.345', 'USD', { rounding: 'HALF_EVEN' })).toBe(1234n);
    expect(parseAmount('12.355', 'USD', { rounding: 'HALF_EVEN' })).toBe(1236n);
    expect(parseAmount('12.345', 'USD', { rounding: 'HALF_UP' })).toBe(1235n);
    expect(parseAmount('12.345', 'USD', { rounding: 'HALF_DOWN' })).toBe(1234n);
    expect(parseAmount('12.349', 'USD', { rounding: 'DOWN' })).toBe(1234n);
    expect(parseAmount('12.341', 'USD', { rounding: 'UP' })).toBe(1235n);
    expect(parseAmount('12.341', 'USD', { rounding: 'CEILING' })).toBe(1235n);
    expect(parseAmount('12.349', 'USD', { rounding: 'FLOOR' })).toBe(1234n);
    // A nonzero digit far out breaks the tie.
    expect(parseAmount('12.3450001', 'USD', { rounding: 'HALF_EVEN' })).toBe(1235n);
    expect(parseAmount('12.3449999', 'USD', { rounding: 'HALF_UP' })).toBe(1234n);
    // Trailing zeros after a tie keep it a tie.
    expect(parseAmount('12.3450000', 'USD', { rounding: 'HALF_EVEN' })).toBe(1234n);
    // JPY to whole yen.
    expect(parseAmount('100.5', 'JPY', { rounding: 'HALF_EVEN' })).toBe(100n);
    expect(parseAmount('101.5', 'JPY', { rounding: 'HALF_EVEN' })).toBe(102n);
    // Few enough decimals: no rounding happens.
    expect(parseAmount('12.3', 'USD', { rounding: 'UP' })).toBe(1230n);
  });

  it('rounds negative amounts by their signed value (CEILING toward +inf, FLOOR toward -inf)', () => {
    const opts = (rounding: RoundingMode) => ({ rounding, allowNegative: true });
    expect(parseAmount('-12.345', 'USD', opts('HALF_EVEN'))).toBe(-1234n);
    expect(parseAmount('-12.355', 'USD', opts('HALF_EVEN'))).toBe(-1236n);
    expect(parseAmount('-12.345', 'USD', opts('HALF_UP'))).toBe(-1235n);
    expect(parseAmount('-12.345', 'USD', opts('HALF_DOWN'))).toBe(-1234n);
    expect(parseAmount('-12.341', 'USD', opts('UP'))).toBe(-1235n);
    expect(parseAmount('-12.349', 'USD', opts('DOWN'))).toBe(-1234n);
    expect(parseAmount('-12.345', 'USD', opts('CEILING'))).toBe(-1234n);
    expect(parseAmount('-12.345', 'USD', opts('FLOOR'))).toBe(-1235n);
    // Rounded to a negative amount is still negative.
    moneyError(() => parseAmount('-0.001', 'USD', { rounding: 'FLOOR' }), 'NEGATIVE_AMOUNT');
  });

  it('property: with a rounding mode, extra decimals are rounded by the signed value', () => {
    const arb = currencyArb.chain((currency) =>
      fc.record({
        currency: fc.constant(currency),
        negative: fc.boolean(),
        whole: fc.bigInt({ min: 0n, max: 10n ** 12n }),
        extra: fc.integer({ min: 1, max: 6 }),
        fraction: digitsArb(exponentOf(currency) + 6, exponentOf(currency) + 6),
        mode: modeArb,
      }),
    );
    fc.assert(
      fc.property(arb, ({ currency, negative, whole, extra, fraction, mode }) => {
        const digits = fraction.slice(0, exponentOf(currency) + extra);
        const text = (negative ? '-' : '') + whole.toString() + '.' + digits;
        const exact = BigInt((negative ? '-' : '') + whole.toString() + digits); // units of 10^-(exponent+extra)
        const got = parseAmount(text, currency, { rounding: mode, allowNegative: true });
        assertRounded(exact, pow10(extra), mode, got);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects amounts outside the signed 64-bit range with AMOUNT_OUT_OF_RANGE', () => {
    expect(MAX_MINOR).toBe(2n ** 63n - 1n);
    expect(MIN_MINOR).toBe(-(2n ** 63n));
    expect(parseAmount('92233720368547758.07', 'USD')).toBe(MAX_MINOR);
    moneyError(() => parseAmount('92233720368547758.08', 'USD'), 'AMOUNT_OUT_OF_RANGE');
    expect(parseAmount('-92233720368547758.08', 'USD', { allowNegative: true })).toBe(MIN_MINOR);
    moneyError(
      () => parseAmount('-92233720368547758.09', 'USD', { allowNegative: true }),
      'AMOUNT_OUT_OF_RANGE',
    );
    expect(parseAmount('9223372036854775807', 'JPY')).toBe(MAX_MINOR);
    moneyError(() => parseAmount('9223372036854775808', 'JPY'), 'AMOUNT_OUT_OF_RANGE');
    moneyError(() => parseAmount('1' + '0'.repeat(40), 'USD'), 'AMOUNT_OUT_OF_RANGE');
    // Rounding up across the boundary is also caught.
    moneyError(
      () => parseAmount('92233720368547758.075', 'USD', { rounding: 'HALF_UP' }),
      'AMOUNT_OUT_OF_RANGE',
    );
  });
});

describe('parseMoney', () => {
  it('returns amount and currency', () => {
    expect(parseMoney('12.30', 'USD')).toEqual({ amount: 1230n, currency: 'USD' });
    expect(parseMoney('1.234', 'KWD')).toEqual({ amount: 1234n, currency: 'KWD' });
    expect(parseMoney('-5', 'JPY', { allowNegative: true })).toEqual({
      amount: -5n,
      currency: 'JPY',
    });
  });

  it('passes options and errors through', () => {
    expect(parseMoney('12.345', 'USD', { rounding: 'HALF_UP' })).toEqual({
      amount: 1235n,
      currency: 'USD',
    });
    moneyError(() => parseMoney('12.345', 'USD'), 'TOO_MANY_DECIMALS');
    moneyError(() => parseMoney('-1', 'USD'), 'NEGATIVE_AMOUNT');
    moneyError(() => parseMoney('', 'USD'), 'EMPTY_AMOUNT');
  });
});

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

describe('formatAmount / formatMoney', () => {
  it.each<[bigint, string, string]>([
    [0n, 'USD', '0.00'],
    [1n, 'USD', '0.01'],
    [-5n, 'USD', '-0.05'],
    [-100n, 'USD', '-1.00'],
    [1230n, 'USD', '12.30'],
    [123456789n, 'USD', '1234567.89'],
    [123n, 'JPY', '123'],
    [0n, 'JPY', '0'],
    [-123n, 'JPY', '-123'],
    [1234n, 'KWD', '1.234'],
    [5n, 'KWD', '0.005'],
    [-1234n, 'KWD', '-1.234'],
    [7n, 'CLF', '0.0007'],
    [158502500n, 'IDR', '1585025.00'],
    [MAX_MINOR, 'USD', '92233720368547758.07'],
    [MIN_MINOR, 'USD', '-92233720368547758.08'],
    [MAX_MINOR, 'JPY', '9223372036854775807'],
  ])('%s minor units of %s -> %j', (amount, currency, text) => {
    expect(formatAmount(amount, currency)).toBe(text);
    expect(formatMoney(money(amount, currency))).toBe(text);
  });

  it('rejects unknown currencies', () => {
    currencyError(() => formatAmount(1n, 'usd'), 'usd');
  });

  it('property: output is canonical (no grouping, exactly the currency decimals, no -0)', () => {
    fc.assert(
      fc.property(amountArb, currencyArb, (amount, currency) => {
        const e = exponentOf(currency);
        const re = e === 0 ? /^-?(0|[1-9]\d*)$/ : new RegExp(`^-?(0|[1-9]\\d*)\\.\\d{${e}}$`);
        const text = formatAmount(amount, currency);
        expect(text).toMatch(re);
        expect(text.startsWith('-')).toBe(amount < 0n);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: parseAmount(formatAmount(x)) === x for every in-range amount and currency', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          amountArb,
          fc.bigInt({ min: -100_000n, max: 100_000n }),
          fc.constantFrom(MIN_MINOR, MAX_MINOR, 0n, -1n, 1n),
        ),
        currencyArb,
        (amount, currency) => {
          expect(
            parseAmount(formatAmount(amount, currency), currency, { allowNegative: true }),
          ).toBe(amount);
          expect(
            parseMoney(formatMoney(money(amount, currency)), currency, { allowNegative: true }),
          ).toEqual({ amount, currency });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: formatAmount(parseAmount(s)) === s for canonical strings', () => {
    fc.assert(
      fc.property(canonicalArb, ({ currency, text }) => {
        expect(formatAmount(parseAmount(text, currency, { allowNegative: true }), currency)).toBe(
          text,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('property: the round trip also holds for every currency in the table', () => {
    fc.assert(
      fc.property(fc.constantFrom(...allCurrencies()), amountArb, (currency, amount) => {
        expect(parseAmount(formatAmount(amount, currency), currency, { allowNegative: true })).toBe(
          amount,
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('displayMoney', () => {
  it.each<[bigint, string, string]>([
    [123456789n, 'USD', 'USD 1,234,567.89'],
    [-123456789n, 'USD', 'USD -1,234,567.89'],
    [123456n, 'USD', 'USD 1,234.56'],
    [100000n, 'USD', 'USD 1,000.00'],
    [99999n, 'USD', 'USD 999.99'],
    [100n, 'USD', 'USD 1.00'],
    [0n, 'USD', 'USD 0.00'],
    [-5n, 'USD', 'USD -0.05'],
    [1234567n, 'JPY', 'JPY 1,234,567'],
    [-1000n, 'JPY', 'JPY -1,000'],
    [999n, 'JPY', 'JPY 999'],
    [1234567n, 'KWD', 'KWD 1,234.567'],
    [1234567891n, 'KWD', 'KWD 1,234,567.891'],
    [158502500n, 'IDR', 'IDR 1,585,025.00'],
    [MIN_MINOR, 'USD', 'USD -92,233,720,368,547,758.08'],
  ])('%s %s -> %j', (amount, currency, text) => {
    expect(displayMoney(money(amount, currency))).toBe(text);
  });

  it('property: removing the code and commas gives formatMoney', () => {
    fc.assert(
      fc.property(amountArb, currencyArb, (amount, currency) => {
        const m = money(amount, currency);
        const shown = displayMoney(m);
        expect(shown.startsWith(`${currency} `)).toBe(true);
        const body = shown.slice(4);
        expect(body.replace(/,/g, '')).toBe(formatMoney(m));
        // Grouping: 1-3 leading digits, then groups of exactly three.
        expect(body).toMatch(/^-?\d{1,3}(,\d{3})*(\.\d+)?$/);
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------------

describe('money, add, subtract, sum', () => {
  it('money() checks currency and range', () => {
    expect(money(5n, 'USD')).toEqual({ amount: 5n, currency: 'USD' });
    expect(zero('JPY')).toEqual({ amount: 0n, currency: 'JPY' });
    moneyError(() => money(MAX_MINOR + 1n, 'USD'), 'AMOUNT_OUT_OF_RANGE');
    moneyError(() => money(MIN_MINOR - 1n, 'USD'), 'AMOUNT_OUT_OF_RANGE');
  });

  it('adds and subtracts within one currency', () => {
    expect(add(money(150n, 'USD'), money(250n, 'USD'))).toEqual({ amount: 400n, currency: 'USD' });
    expect(subtract(money(150n, 'USD'), money(250n, 'USD'))).toEqual({
      amount: -100n,
      currency: 'USD',
    });
  });

  it('refuses to combine currencies', () => {
    const err = moneyError(() => add(money(1n, 'USD'), money(1n, 'EUR')), 'CURRENCY_MISMATCH');
    expect(err.message).toContain('USD');
    expect(err.message).toContain('EUR');
    moneyError(() => subtract(money(1n, 'USD'), money(1n, 'EUR')), 'CURRENCY_MISMATCH');
    moneyError(() => sum('USD', [money(1n, 'USD'), money(1n, 'IDR')]), 'CURRENCY_MISMATCH');
    moneyError(() => sum('USD', [money(1n, 'EUR')]), 'CURRENCY_MISMATCH');
  });

  it('overflows into AMOUNT_OUT_OF_RANGE, not silently', () => {
    moneyError(() => add(money(MAX_MINOR, 'USD'), money(1n, 'USD')), 'AMOUNT_OUT_OF_RANGE');
    moneyError(() => subtract(money(MIN_MINOR, 'USD'), money(1n, 'USD')), 'AMOUNT_OUT_OF_RANGE');
    moneyError(
      () => sum('USD', [money(MAX_MINOR, 'USD'), money(MAX_MINOR, 'USD')]),
      'AMOUNT_OUT_OF_RANGE',
    );
  });

  it('sums, including the empty sum and an intermediate overflow that comes back into range', () => {
    expect(sum('USD', [])).toEqual({ amount: 0n, currency: 'USD' });
    expect(
      sum('USD', [money(1n, 'USD'), money(2n, 'USD'), money(-3n, 'USD'), money(10n, 'USD')]),
    ).toEqual({ amount: 10n, currency: 'USD' });
    expect(sum('USD', [money(MAX_MINOR, 'USD'), money(1n, 'USD'), money(-1n, 'USD')])).toEqual({
      amount: MAX_MINOR,
      currency: 'USD',
    });
    currencyError(() => sum('XYZ', []), 'XYZ');
  });

  it('property: subtract undoes add; sum equals the bigint sum', () => {
    const small = fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n });
    fc.assert(
      fc.property(
        currencyArb,
        small,
        small,
        fc.array(small, { maxLength: 7 }),
        (currency, a, b, xs) => {
          const ma = money(a, currency);
          const mb = money(b, currency);
          expect(subtract(add(ma, mb), mb)).toEqual(ma);
          expect(
            sum(
              currency,
              xs.map((x) => money(x, currency)),
            ).amount,
          ).toBe(xs.reduce((p, q) => p + q, 0n));
        },
      ),
    );
  });
});

describe('applyBps', () => {
  it('computes basis points with one rounding', () => {
    expect(applyBps(10_000n, 250n)).toBe(250n); // 2.5 % of 100.00
    expect(applyBps(12_345n, 250n)).toBe(309n); // 308.625 -> 309
    expect(applyBps(10n, 5_000n)).toBe(5n);
    expect(applyBps(1n, 5_000n)).toBe(0n); // 0.5 -> 0 (HALF_EVEN)
    expect(applyBps(3n, 5_000n)).toBe(2n); // 1.5 -> 2 (HALF_EVEN)
    expect(applyBps(1n, 5_000n, 'HALF_UP')).toBe(1n);
    expect(applyBps(-3n, 5_000n)).toBe(-2n);
    expect(applyBps(-1n, 5_000n, 'FLOOR')).toBe(-1n);
    expect(applyBps(-1n, 5_000n, 'CEILING')).toBe(0n);
    expect(applyBps(999n, 1n, 'UP')).toBe(1n);
    expect(applyBps(999n, 1n, 'DOWN')).toBe(0n);
  });

  it('property: 10,000 bps is the identity and 0 bps is zero', () => {
    fc.assert(
      fc.property(amountArb, modeArb, (x, mode) => {
        expect(applyBps(x, 10_000n, mode)).toBe(x);
        expect(applyBps(x, 10_000n)).toBe(x);
        expect(applyBps(x, 0n, mode)).toBe(0n);
      }),
      { numRuns: 500 },
    );
  });

  it('property: result is x*bps/10000 rounded by the mode', () => {
    fc.assert(
      fc.property(amountArb, fc.bigInt({ min: 0n, max: 20_000n }), modeArb, (x, bps, mode) => {
        assertRounded(x * bps, 10_000n, mode, applyBps(x, bps, mode));
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// allocate
// ---------------------------------------------------------------------------------------------

describe('allocate', () => {
  it('splits by largest remainder, ties to the earlier part', () => {
    expect(allocate(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
    expect(allocate(101n, [1n, 1n, 1n])).toEqual([34n, 34n, 33n]);
    expect(allocate(99n, [1n, 1n, 1n])).toEqual([33n, 33n, 33n]);
    expect(allocate(10n, [1n, 2n, 4n])).toEqual([1n, 3n, 6n]); // remainders 3, 6, 5 (of 7): not by index
    expect(allocate(100n, [3n, 3n, 1n])).toEqual([43n, 43n, 14n]);
    expect(allocate(7n, [1n, 2n, 4n])).toEqual([1n, 2n, 4n]);
    expect(allocate(1n, [1n, 1n, 1n])).toEqual([1n, 0n, 0n]);
    expect(allocate(5n, [7n])).toEqual([5n]);
    expect(allocate(0n, [1n, 2n])).toEqual([0n, 0n]);
  });

  it('mirrors negative totals', () => {
    expect(allocate(-100n, [1n, 1n, 1n])).toEqual([-34n, -33n, -33n]);
    expect(allocate(-10n, [1n, 2n, 4n])).toEqual([-1n, -3n, -6n]);
  });

  it('gives zero-weight parts nothing', () => {
    expect(allocate(100n, [0n, 1n, 1n])).toEqual([0n, 50n, 50n]);
    expect(allocate(101n, [0n, 1n, 1n])).toEqual([0n, 51n, 50n]);
    expect(allocate(10n, [1n, 0n, 3n])).toEqual([3n, 0n, 7n]); // 2.5 / 7.5: tie goes to the earlier part
    expect(allocate(-101n, [1n, 0n, 1n, 0n])).toEqual([-51n, 0n, -50n, 0n]);
    expect(allocate(3n, [0n, 0n, 5n])).toEqual([0n, 0n, 3n]);
  });

  it('rejects empty, negative and all-zero weights', () => {
    expect(() => allocate(100n, [])).toThrow(RangeError);
    expect(() => allocate(100n, [1n, -1n, 1n])).toThrow(RangeError);
    expect(() => allocate(100n, [0n, 0n])).toThrow(RangeError);
  });

  it('works at the ends of the 64-bit range', () => {
    const parts = allocate(MIN_MINOR, [1n, 1n, 1n]);
    expect(parts.reduce((a, b) => a + b, 0n)).toBe(MIN_MINOR);
    expect(allocate(MAX_MINOR, [1n, 1n]).reduce((a, b) => a + b, 0n)).toBe(MAX_MINOR);
  });

  const weightsArb = fc
    .array(fc.oneof(fc.bigInt({ min: 0n, max: 5n }), fc.bigInt({ min: 0n, max: 10n ** 9n })), {
      minLength: 1,
      maxLength: 12,
    })
    .filter((ws) => ws.some((w) => w > 0n));
  const totalArb = fc.oneof(amountArb, fc.bigInt({ min: -1000n, max: 1000n }));

  it('property: parts sum exactly to the total, each within 1 of its exact share, same sign, deterministic', () => {
    fc.assert(
      fc.property(totalArb, weightsArb, (total, weights) => {
        const parts = allocate(total, weights);
        const again = allocate(total, [...weights]);
        expect(again).toEqual(parts);
        expect(parts).toHaveLength(weights.length);
        expect(parts.reduce((a, b) => a + b, 0n)).toBe(total);
        const W = weights.reduce((a, b) => a + b, 0n);
        parts.forEach((p, i) => {
          const w = weights[i]!;
          // |p - total*w/W| < 1  <=>  |p*W - total*w| < W
          expect(abs(p * W - total * w) < W).toBe(true);
          if (w === 0n) expect(p).toBe(0n);
          if (total >= 0n) expect(p >= 0n).toBe(true);
          else expect(p <= 0n).toBe(true);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('property: negating the total negates every part', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
        weightsArb,
        (total, weights) => {
          expect(allocate(-total, weights)).toEqual(allocate(total, weights).map((p) => -p));
        },
      ),
    );
  });

  it('property: does not mutate the weights', () => {
    fc.assert(
      fc.property(totalArb, weightsArb, (total, weights) => {
        const copy = [...weights];
        allocate(total, weights);
        expect(weights).toEqual(copy);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// FX
// ---------------------------------------------------------------------------------------------

describe('parseRate / formatRate', () => {
  it('parses decimals and fractions into lowest terms', () => {
    expect(parseRate('15850.25', 'USD', 'IDR')).toEqual({
      from: 'USD',
      to: 'IDR',
      numerator: 63401n,
      denominator: 4n,
    }); // 1585025/100 in lowest terms;
    expect(parseRate('31701/2', 'USD', 'IDR')).toEqual({
      from: 'USD',
      to: 'IDR',
      numerator: 31701n,
      denominator: 2n,
    });
    expect(parseRate('0.50', 'USD', 'EUR')).toMatchObject({ numerator: 1n, denominator: 2n });
    expect(parseRate('4/6', 'USD', 'EUR')).toMatchObject({ numerator: 2n, denominator: 3n });
    expect(parseRate('1', 'USD', 'EUR')).toMatchObject({ numerator: 1n, denominator: 1n });
    expect(parseRate(' 2 ', 'USD', 'EUR')).toMatchObject({ numerator: 2n, denominator: 1n });
  });

  it('formats canonically', () => {
    expect(formatRate(parseRate('15850.25', 'USD', 'IDR'))).toBe('63401/4');
    expect(formatRate(parseRate('31701/2', 'USD', 'IDR'))).toBe('31701/2');
    expect(formatRate(parseRate('2.000', 'USD', 'EUR'))).toBe('2');
    expect(formatRate(parseRate('1', 'USD', 'EUR'))).toBe('1');
  });

  it.each([
    '',
    '  ',
    '1e3',
    '-1',
    '+1',
    '0',
    '0.000',
    '0/5',
    '5/0',
    'abc',
    '1,5',
    '.5',
    '5.',
    '1/2/3',
    '1/-2',
    'NaN',
  ])('rejects %j with INVALID_AMOUNT', (text) => {
    moneyError(() => parseRate(text, 'USD', 'IDR'), 'INVALID_AMOUNT');
  });

  it('rejects unknown currencies', () => {
    currencyError(() => parseRate('1', 'usd', 'IDR'), 'usd');
    currencyError(() => parseRate('1', 'USD', 'XYZ'), 'XYZ');
  });

  it('property: formatRate then parseRate is the identity, and the value is preserved in lowest terms', () => {
    const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));
    fc.assert(
      fc.property(
        fc.oneof(
          fc
            .tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.bigInt({ min: 1n, max: 10n ** 12n }))
            .map(([n, d]) => ({ text: `${n}/${d}`, n, d })),
          fc
            .tuple(fc.bigInt({ min: 0n, max: 10n ** 9n }), digitsArb(0, 8))
            .filter(([w, f]) => w > 0n || /[1-9]/.test(f))
            .map(([w, f]) => ({
              text: f === '' ? `${w}` : `${w}.${f}`,
              n: BigInt(`${w}${f}`),
              d: pow10(f.length),
            })),
        ),
        ({ text, n, d }) => {
          const rate = parseRate(text, 'USD', 'IDR');
          expect(rate.denominator > 0n).toBe(true);
          expect(gcd(rate.numerator, rate.denominator)).toBe(1n);
          expect(rate.numerator * d).toBe(n * rate.denominator);
          const text2 = formatRate(rate);
          expect(parseRate(text2, 'USD', 'IDR')).toEqual(rate);
          expect(formatRate(parseRate(text2, 'USD', 'IDR'))).toBe(text2);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('convert', () => {
  it('100.00 USD at 15850.25 is 1,585,025.00 IDR', () => {
    const out = convert(parseMoney('100.00', 'USD'), parseRate('15850.25', 'USD', 'IDR'));
    expect(out).toEqual({ amount: 158502500n, currency: 'IDR' });
    expect(formatMoney(out)).toBe('1585025.00');
  });

  it('accepts a fraction rate', () => {
    // 31701/2 = 15850.5
    expect(convert(money(10_000n, 'USD'), parseRate('31701/2', 'USD', 'IDR'))).toEqual({
      amount: 158505000n,
      currency: 'IDR',
    });
    // 0.01 USD * 15850.5 = 158.505 IDR -> 158.50 (HALF_EVEN tie to even), HALF_UP -> 158.51
    expect(convert(money(1n, 'USD'), parseRate('31701/2', 'USD', 'IDR'))).toEqual({
      amount: 15850n,
      currency: 'IDR',
    });
    expect(convert(money(1n, 'USD'), parseRate('31701/2', 'USD', 'IDR'), 'HALF_UP')).toEqual({
      amount: 15851n,
      currency: 'IDR',
    });
  });

  it('rounds half-even ties by default, other modes on request', () => {
    const half = parseRate('0.5', 'USD', 'EUR');
    expect(convert(money(1n, 'USD'), half).amount).toBe(0n); // 0.005 -> 0.00
    expect(convert(money(3n, 'USD'), half).amount).toBe(2n); // 0.015 -> 0.02
    expect(convert(money(5n, 'USD'), half).amount).toBe(2n); // 0.025 -> 0.02
    expect(convert(money(1n, 'USD'), half, 'HALF_UP').amount).toBe(1n);
    expect(convert(money(3n, 'USD'), half, 'HALF_DOWN').amount).toBe(1n);
    expect(convert(money(-3n, 'USD'), half).amount).toBe(-2n);
    expect(convert(money(-1n, 'USD'), half, 'FLOOR').amount).toBe(-1n);
    expect(convert(money(-1n, 'USD'), half, 'CEILING').amount).toBe(0n);
  });

  it('scales between exponents', () => {
    // 1000 JPY at 0.0067 USD/JPY = 6.70 USD
    expect(convert(money(1000n, 'JPY'), parseRate('0.0067', 'JPY', 'USD'))).toEqual({
      amount: 670n,
      currency: 'USD',
    });
    // 1 JPY at 0.005 = 0.005 USD -> 0.00; 3 JPY -> 0.015 -> 0.02
    expect(convert(money(1n, 'JPY'), parseRate('0.005', 'JPY', 'USD')).amount).toBe(0n);
    expect(convert(money(3n, 'JPY'), parseRate('0.005', 'JPY', 'USD')).amount).toBe(2n);
    // 1.00 USD at 149.5 JPY -> 149.5 -> 150 (tie to even), 2.00 USD -> 299
    expect(convert(money(100n, 'USD'), parseRate('149.5', 'USD', 'JPY')).amount).toBe(150n);
    expect(convert(money(300n, 'USD'), parseRate('149.5', 'USD', 'JPY')).amount).toBe(448n); // 448.5 -> 448
    // 1.000 KWD at 3.25 USD = 3.25 USD
    expect(convert(money(1000n, 'KWD'), parseRate('3.25', 'KWD', 'USD'))).toEqual({
      amount: 325n,
      currency: 'USD',
    });
    // 1.00 USD at 0.3075 KWD = 0.3075 -> 0.308 (tie to even)
    expect(convert(money(100n, 'USD'), parseRate('0.3075', 'USD', 'KWD'))).toEqual({
      amount: 308n,
      currency: 'KWD',
    });
  });

  it('refuses an amount in the wrong currency', () => {
    const err = moneyError(
      () => convert(money(100n, 'EUR'), parseRate('15850.25', 'USD', 'IDR')),
      'CURRENCY_MISMATCH',
    );
    expect(err.message).toContain('EUR');
    expect(err.message).toContain('USD');
  });

  it('refuses a result outside the 64-bit range', () => {
    moneyError(
      () => convert(money(MAX_MINOR, 'USD'), parseRate('2', 'USD', 'EUR')),
      'AMOUNT_OUT_OF_RANGE',
    );
  });

  it('property: deterministic, and within half a minor unit of the exact value', () => {
    const rateArb = fc.oneof(
      fc
        .tuple(fc.bigInt({ min: 1n, max: 10n ** 6n }), fc.bigInt({ min: 1n, max: 10n ** 6n }))
        .map(([n, d]) => `${n}/${d}`),
      fc
        .tuple(fc.bigInt({ min: 0n, max: 100_000n }), digitsArb(1, 6))
        .filter(([w, f]) => w > 0n || /[1-9]/.test(f))
        .map(([w, f]) => `${w}.${f}`),
    );
    fc.assert(
      fc.property(
        currencyArb,
        currencyArb,
        rateArb,
        fc.bigInt({ min: -(10n ** 8n), max: 10n ** 8n }),
        modeArb,
        (from, to, rateText, amount, mode) => {
          const rate = parseRate(rateText, from, to);
          const m = money(amount, from);
          const a = convert(m, rate, mode);
          const b = convert(money(amount, from), parseRate(rateText, from, to), mode);
          expect(b).toEqual(a);
          expect(a.currency).toBe(to);
          const n = amount * rate.numerator * pow10(exponentOf(to));
          const d = rate.denominator * pow10(exponentOf(from));
          assertRounded(n, d, mode, a.amount);
          // Default mode is HALF_EVEN.
          expect(convert(m, rate)).toEqual(convert(m, rate, 'HALF_EVEN'));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: rate "1" between two 2-decimal currencies is the identity', () => {
    const twoDecimal = fc.constantFrom('USD', 'EUR', 'IDR', 'PHP', 'GBP');
    fc.assert(
      fc.property(twoDecimal, twoDecimal, amountArb, modeArb, (from, to, amount, mode) => {
        expect(convert(money(amount, from), parseRate('1', from, to), mode)).toEqual({
          amount,
          currency: to,
        });
      }),
      { numRuns: 500 },
    );
  });
});
