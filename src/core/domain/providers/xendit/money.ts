/**
 * Xendit's amounts on the wire, exactly: minor units ↔ the major-unit decimal text Xendit reads
 * and writes. Never through a float: the text is built and read digit by digit in bigint.
 */
import {
  exponentOf,
  formatAmount,
  isCurrency,
  MAX_MINOR,
  pow10,
} from '../../../shared/money/index.js';

/**
 * Decimals Xendit accepts in a create request. IDR and VND must be whole numbers even though ISO
 * 4217 gives IDR two decimals (our minor unit stays the ISO one, so IDR amounts must be multiples
 * of 100 minor units); everything else uses the ISO exponent (PHP, MYR, THB: 2).
 */
export function xenditWireDecimals(currency: string): number {
  if (currency === 'IDR' || currency === 'VND') return 0;
  return exponentOf(currency);
}

/** A request this client refuses to send (nothing reached Xendit). */
export class XenditRequestError extends Error {
  constructor(
    readonly code: 'UNKNOWN_CURRENCY' | 'NEGATIVE_AMOUNT' | 'AMOUNT_NOT_REPRESENTABLE',
    message: string,
  ) {
    super(message);
    this.name = 'XenditRequestError';
  }
}

/**
 * Major-unit decimal text for the wire, exact, without trailing fractional zeros ("12.3", "15000"):
 * the way Xendit itself writes amounts, and never a float.
 */
export function xenditWireAmount(amountMinor: bigint, currency: string): string {
  if (!isCurrency(currency))
    throw new XenditRequestError(
      'UNKNOWN_CURRENCY',
      `"${currency}" is not a currency this system knows`,
    );
  if (amountMinor < 0n)
    throw new XenditRequestError(
      'NEGATIVE_AMOUNT',
      `a payout amount cannot be negative (${amountMinor} minor units)`,
    );
  const unit = pow10(exponentOf(currency) - xenditWireDecimals(currency));
  if (amountMinor % unit !== 0n) {
    throw new XenditRequestError(
      'AMOUNT_NOT_REPRESENTABLE',
      `${formatAmount(amountMinor, currency)} ${currency} cannot be paid through Xendit: ${currency} payouts must be whole numbers`,
    );
  }
  const text = formatAmount(amountMinor, currency);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

const WIRE_NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,4}))?$/;

/**
 * A JSON number's exact text in major units → minor units of `currency`. Accepts exponent notation
 * (some serialisers write 1e+21) and trailing zeros ("100.00" IDR is exactly 100); throws when the
 * value has more significant decimals than the currency's minor unit, or does not fit a bigint
 * column.
 */
export function xenditAmountToMinor(text: string, currency: string): bigint {
  if (!isCurrency(currency)) throw new Error(`unknown currency "${currency}"`);
  const m = WIRE_NUMBER.exec(text);
  if (!m) throw new Error(`"${text}" is not a decimal number`);
  const digits = BigInt(m[2]! + (m[3] ?? ''));
  // value = digits × 10^-scale; minor = value × 10^exponent. Done in bigint: no float on the way.
  const shift = BigInt(exponentOf(currency)) - BigInt((m[3] ?? '').length) + BigInt(m[4] ?? '0');
  let minor: bigint;
  if (shift >= 0n) {
    if (shift > 40n && digits !== 0n) throw new Error(`${text} ${currency} is out of range`);
    minor = digits * 10n ** shift;
  } else {
    const divisor = 10n ** -shift;
    if (digits % divisor !== 0n)
      throw new Error(
        `${text} has more decimals than ${currency} allows (${exponentOf(currency)})`,
      );
    minor = digits / divisor;
  }
  if (minor > MAX_MINOR) throw new Error(`${text} ${currency} is out of range`);
  return m[1] === '-' ? -minor : minor;
}

/**
 * The step an amount in `currency` must be a multiple of, in minor units: the wire rule (IDR and
 * VND whole numbers) folded into the channel's stated increment (0: none stated).
 */
export function xenditIncrement(currency: string, statedMinor: bigint): bigint {
  const wireUnit = pow10(exponentOf(currency) - xenditWireDecimals(currency));
  return statedMinor <= 0n ? wireUnit : lcm(statedMinor, wireUnit);
}

function lcm(a: bigint, b: bigint): bigint {
  let x = a,
    y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return (a / x) * b;
}
