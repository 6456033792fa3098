/**
 * Integer division with an explicit rounding mode. This is the only place in the system where a
 * quotient of money is rounded; everything else calls `divRound`.
 *
 * Default: HALF_EVEN (banker's rounding): a tie goes to the even neighbour, so rounding errors do
 * not drift in one direction when many amounts are rounded (commissions, FX conversions).
 */
export type RoundingMode =
  | 'HALF_EVEN' // ties to even neighbour (default)
  | 'HALF_UP' // ties away from zero
  | 'HALF_DOWN' // ties toward zero
  | 'UP' // away from zero
  | 'DOWN' // toward zero (truncate)
  | 'CEILING' // toward +infinity
  | 'FLOOR'; // toward -infinity

export const DEFAULT_ROUNDING: RoundingMode = 'HALF_EVEN';
export const ROUNDING_MODES: readonly RoundingMode[] = [
  'HALF_EVEN',
  'HALF_UP',
  'HALF_DOWN',
  'UP',
  'DOWN',
  'CEILING',
  'FLOOR',
];

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/** numerator / denominator rounded to an integer by `mode`. The denominator must not be zero. */
export function divRound(
  numerator: bigint,
  denominator: bigint,
  mode: RoundingMode = DEFAULT_ROUNDING,
): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const q = numerator / denominator; // truncates toward zero
  const r = numerator % denominator; // same sign as numerator
  if (r === 0n) return q;
  const sign = numerator < 0n ? -1n : 1n;
  const twice = abs(r) * 2n;
  switch (mode) {
    case 'DOWN':
      return q;
    case 'UP':
      return q + sign;
    case 'CEILING':
      return sign > 0n ? q + 1n : q;
    case 'FLOOR':
      return sign < 0n ? q - 1n : q;
    case 'HALF_UP':
      return twice >= denominator ? q + sign : q;
    case 'HALF_DOWN':
      return twice > denominator ? q + sign : q;
    case 'HALF_EVEN':
      if (twice > denominator) return q + sign;
      if (twice < denominator) return q;
      return q % 2n === 0n ? q : q + sign;
    default:
      // Unreachable for typed callers; a mode that came from configuration is refused loudly.
      throw new RangeError(`unknown rounding mode ${String(mode satisfies never)}`);
  }
}
