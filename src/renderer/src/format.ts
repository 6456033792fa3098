/**
 * Numbers as treasury staff read them. Amounts arrive as decimal strings of minor units; they are
 * turned into an exact decimal string with the currency's ISO 4217 exponent (formatAmount, shared
 * with the core) and only then grouped and labelled by Intl, which formats decimal strings exactly.
 * No float ever holds an amount.
 */
import { exponentOf, formatAmount } from '../../core/host/bridge/contract';

const formatters = new Map<string, Intl.NumberFormat>();
function formatter(currency: string): Intl.NumberFormat {
  let f = formatters.get(currency);
  if (!f) {
    // Digits from ISO 4217 (the core's table), not from Intl's locale data: CLDR shows IDR with no
    // decimals, which would round an exact amount away on screen.
    const digits = exponentOf(currency);
    f = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      currencyDisplay: 'code',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatters.set(currency, f);
  }
  return f;
}

/** "123456" USD → "USD 1,234.56". An unparseable input is shown as it came, never guessed. */
export function money(
  minor: string | null | undefined,
  currency: string | null | undefined,
): string {
  if (minor === null || minor === undefined || minor === '') return '';
  if (!currency || !/^-?\d+$/.test(minor)) return minor;
  try {
    const decimal = formatAmount(BigInt(minor), currency);
    // Intl formats a decimal string exactly (ES2023 NumberFormat v3); the cast is for older lib
    // typings.
    return formatter(currency)
      .format(decimal as unknown as number)
      .replace(/\u00a0/g, ' ');
  } catch {
    return `${minor} (minor units, ${currency})`;
  }
}

const integer = new Intl.NumberFormat('en-US');
export function count(n: number | string | null | undefined): string {
  if (n === null || n === undefined) return '';
  // Intl formats a numeric string exactly, digit by digit (counts arrive from the wire as text).
  return integer.format(typeof n === 'string' ? (n as Intl.StringNumericLiteral) : n);
}

export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/**
 * A rate as people read it: `part` out of `whole`, in per cent with one decimal and a space before
 * the sign ("97.5 %"). Exact from the integers (bigint arithmetic, no float): rounded half up (the
 * rates are never negative; a half goes away from zero, as SQL's round() does for the core's
 * rates). Nothing out of nothing is "—", not 0 %.
 */
export function percent(
  part: number | bigint | string,
  whole: number | bigint | string,
  digits = 1,
): string {
  const p = BigInt(part);
  const w = BigInt(whole);
  if (w === 0n) return '—';
  const scale = 10n ** BigInt(digits);
  const negative = p < 0n !== w < 0n && p !== 0n;
  const n = (p < 0n ? -p : p) * 100n * scale;
  const d = w < 0n ? -w : w;
  let q = n / d;
  if ((n % d) * 2n >= d) q += 1n;
  const whole_ = (q / scale).toString();
  const fraction = digits > 0 ? '.' + (q % scale).toString().padStart(digits, '0') : '';
  return `${negative ? '-' : ''}${integer.format(whole_ as Intl.StringNumericLiteral)}${fraction} %`;
}

/**
 * A per-cent figure the core already computed as a decimal string ("97.5"), shown in the same style
 * as percent(); null (no base) is "—".
 */
export function percentText(rate: string | null | undefined): string {
  if (rate === null || rate === undefined || rate === '') return '—';
  return `${rate} %`;
}
