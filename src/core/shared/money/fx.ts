/**
 * Exact currency conversion with an explicit rate. A rate is a rational number (numerator /
 * denominator, both bigint), written as a decimal string ("15850.25") or a fraction ("31701/2"):
 * never a float. It means "one major unit of `from` is worth `rate` major units of `to`".
 *
 * converted minor units = amount × rate × 10^exp(to) / 10^exp(from), rounded once (HALF_EVEN
 * default).
 */
import { exponentOf, pow10, type CurrencyCode } from './currency.js';
import { money, MoneyError, type Money } from './money.js';
import { divRound, DEFAULT_ROUNDING, type RoundingMode } from './rounding.js';

export interface FxRate {
  readonly from: CurrencyCode;
  readonly to: CurrencyCode;
  readonly numerator: bigint;
  readonly denominator: bigint; // always > 0, fraction in lowest terms
}

const RATE = /^(\d+)(?:\.(\d+))?(?:\/(\d+))?$/;

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

export function parseRate(text: string, from: CurrencyCode, to: CurrencyCode): FxRate {
  exponentOf(from);
  exponentOf(to);
  const m = RATE.exec(text.trim());
  if (!m) {
    throw new MoneyError(
      'INVALID_AMOUNT',
      `FX rate "${text}" must be a positive decimal ("15850.25") or fraction ("31701/2"), never an exponent`,
    );
  }
  const fraction = m[2] ?? '';
  let numerator = BigInt(m[1]! + fraction);
  let denominator = pow10(fraction.length) * BigInt(m[3] ?? '1');
  if (numerator === 0n || denominator === 0n) {
    throw new MoneyError('INVALID_AMOUNT', `FX rate "${text}" must be greater than zero`);
  }
  const g = gcd(numerator, denominator);
  numerator /= g;
  denominator /= g;
  return { from, to, numerator, denominator };
}

/**
 * Canonical text of a rate: "n/d", or "n" when the denominator is 1. Parses back to the same rate.
 */
export function formatRate(rate: FxRate): string {
  return rate.denominator === 1n
    ? rate.numerator.toString()
    : `${rate.numerator}/${rate.denominator}`;
}

export function convert(m: Money, rate: FxRate, mode: RoundingMode = DEFAULT_ROUNDING): Money {
  if (m.currency !== rate.from) {
    throw new MoneyError(
      'CURRENCY_MISMATCH',
      `rate converts ${rate.from}→${rate.to} but the amount is in ${m.currency}`,
    );
  }
  const numerator = m.amount * rate.numerator * pow10(exponentOf(rate.to));
  const denominator = rate.denominator * pow10(exponentOf(rate.from));
  return money(divRound(numerator, denominator, mode), rate.to);
}
