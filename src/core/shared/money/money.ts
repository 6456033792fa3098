/**
 * Money: an integer number of minor units (bigint) and an ISO 4217 currency. Never a float.
 *
 * Text form (CSV, CLI, JSON over IPC) is a plain decimal string in major units with exactly the
 * currency's number of decimals ("12.30" USD, "15000" IDR, "-0.05" USD). `parseAmount` accepts
 * fewer decimals ("12.3") but never more than the currency has, never an exponent, never grouping.
 */
import { assertCurrency, exponentOf, pow10, type CurrencyCode } from './currency.js';
import { divRound, DEFAULT_ROUNDING, type RoundingMode } from './rounding.js';

export interface Money {
  readonly amount: bigint; // minor units
  readonly currency: CurrencyCode;
}

export type MoneyErrorCode =
  | 'EMPTY_AMOUNT'
  | 'INVALID_AMOUNT'
  | 'TOO_MANY_DECIMALS'
  | 'NEGATIVE_AMOUNT'
  | 'CURRENCY_MISMATCH'
  | 'AMOUNT_OUT_OF_RANGE';

export class MoneyError extends Error {
  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MoneyError';
  }
}

/** Postgres bigint bounds: every amount must fit a bigint column. */
export const MAX_MINOR = 2n ** 63n - 1n;
export const MIN_MINOR = -(2n ** 63n);

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export interface ParseOptions {
  /** Negative amounts are rejected unless allowed (adjustments and clawbacks allow them). */
  allowNegative?: boolean;
  /** With a rounding mode, extra decimals are rounded instead of rejected. */
  rounding?: RoundingMode;
}

export function money(amount: bigint, currency: CurrencyCode): Money {
  assertCurrency(currency);
  assertInRange(amount);
  return { amount, currency };
}

export function zero(currency: CurrencyCode): Money {
  return money(0n, currency);
}

function assertInRange(amount: bigint): void {
  if (amount > MAX_MINOR || amount < MIN_MINOR) {
    throw new MoneyError(
      'AMOUNT_OUT_OF_RANGE',
      `amount ${amount} minor units does not fit a 64-bit integer`,
    );
  }
}

/**
 * Parse a decimal string in major units into minor units of `currency`.
 * Errors say what was wrong: empty, not a plain decimal ("1e3", "abc", "1,000"), too many decimals
 * for the currency ("12.345" USD), or negative where not allowed.
 */
export function parseAmount(
  text: string,
  currency: CurrencyCode,
  options: ParseOptions = {},
): bigint {
  const exponent = exponentOf(currency);
  const trimmed = text.trim();
  if (trimmed === '')
    throw new MoneyError(
      'EMPTY_AMOUNT',
      `amount is empty (expected a decimal such as ${example(currency)})`,
    );
  const m = DECIMAL.exec(trimmed);
  if (!m) {
    throw new MoneyError(
      'INVALID_AMOUNT',
      `"${text}" is not a plain decimal amount (expected digits with an optional "." and up to ${exponent} decimals, e.g. ${example(currency)}; no exponents, signs other than "-", or thousands separators)`,
    );
  }
  const negative = m[1] === '-';
  const whole = m[2]!;
  let fraction = m[3] ?? '';
  let amount: bigint;
  if (fraction.length > exponent) {
    if (!options.rounding) {
      throw new MoneyError(
        'TOO_MANY_DECIMALS',
        `"${text}" has ${fraction.length} decimals but ${currency} has ${exponent}`,
      );
    }
    // Round the signed value: CEILING and FLOOR are not symmetric around zero, so rounding the
    // magnitude and negating afterwards would turn CEILING into FLOOR for negative amounts.
    const scaled = BigInt(whole + fraction);
    amount = divRound(
      negative ? -scaled : scaled,
      pow10(fraction.length - exponent),
      options.rounding,
    );
  } else {
    fraction = fraction.padEnd(exponent, '0');
    amount = BigInt(whole + fraction);
    if (negative) amount = -amount;
  }
  if (amount < 0n && !options.allowNegative) {
    throw new MoneyError('NEGATIVE_AMOUNT', `"${text}" is negative, which is not allowed here`);
  }
  assertInRange(amount);
  return amount;
}

export function parseMoney(
  text: string,
  currency: CurrencyCode,
  options: ParseOptions = {},
): Money {
  assertCurrency(currency);
  return { amount: parseAmount(text, currency, options), currency };
}

/**
 * Canonical decimal text of a minor-unit amount: always exactly the currency's decimals, no
 * grouping.
 */
export function formatAmount(amount: bigint, currency: CurrencyCode): string {
  const exponent = exponentOf(currency);
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return (negative ? '-' : '') + whole + (exponent > 0 ? '.' + fraction : '');
}

export function formatMoney(m: Money): string {
  return formatAmount(m.amount, m.currency);
}

/** Human display: "USD 1,234.50". For screens and messages only; never parsed back. */
export function displayMoney(m: Money): string {
  const text = formatMoney(m);
  const [whole, fraction] = text.replace('-', '').split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${m.currency} ${m.amount < 0n ? '-' : ''}${grouped}${fraction !== undefined ? '.' + fraction : ''}`;
}

function example(currency: CurrencyCode): string {
  return formatAmount(
    1234n * pow10(exponentOf(currency)) +
      (exponentOf(currency) > 0 ? 5n * pow10(exponentOf(currency) - 1) : 0n),
    currency,
  );
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new MoneyError('CURRENCY_MISMATCH', `cannot combine ${a.currency} with ${b.currency}`);
  }
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function sum(currency: CurrencyCode, items: Iterable<Money>): Money {
  let total = 0n;
  for (const m of items) {
    if (m.currency !== currency)
      throw new MoneyError('CURRENCY_MISMATCH', `cannot add ${m.currency} to a ${currency} total`);
    total += m.amount;
  }
  return money(total, currency);
}

/** amount × bps / 10,000, rounded once by `mode` (basis points: 1 bps = 0.01 %). */
export function applyBps(
  amount: bigint,
  bps: bigint,
  mode: RoundingMode = DEFAULT_ROUNDING,
): bigint {
  return divRound(amount * bps, 10_000n, mode);
}

/**
 * Split `total` into parts proportional to `weights`, summing exactly to `total`.
 * Largest-remainder method: every part gets the floor of its exact share; the minor units left over
 * go one each to the parts with the largest remainders, ties to the earlier part. Deterministic.
 */
export function allocate(total: bigint, weights: readonly bigint[]): bigint[] {
  if (weights.length === 0) throw new RangeError('allocate needs at least one weight');
  if (weights.some((w) => w < 0n)) throw new RangeError('allocation weights must not be negative');
  const weightSum = weights.reduce((a, b) => a + b, 0n);
  if (weightSum === 0n) throw new RangeError('allocation weights must not all be zero');
  const negative = total < 0n;
  const t = negative ? -total : total;
  const parts = weights.map((w) => (t * w) / weightSum);
  const remainders = weights.map((w, i) => ({ i, r: (t * w) % weightSum }));
  let left = t - parts.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (let k = 0; left > 0n; k++, left--) parts[remainders[k]!.i]! += 1n;
  return negative ? parts.map((p) => -p) : parts;
}
