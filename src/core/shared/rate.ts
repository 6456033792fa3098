/**
 * Rates as people read them: percent, exactly from integer basis points (1 bp = 0.01 %), and
 * back. Rules and previews store bps so that no rate is ever a float; screens say "10 %" rather
 * than "1,000 bps".
 */

/** 1000 → "10 %", 250 → "2.5 %", 1 → "0.01 %", -50 → "-0.5 %". Exact: string arithmetic. */
export function percentOfBps(bps: number | bigint | string): string {
  const text = String(bps);
  if (!/^-?\d+$/.test(text)) return `${text} bps`;
  const negative = text.startsWith('-');
  const digits = (negative ? text.slice(1) : text).padStart(3, '0');
  const whole = digits.slice(0, -2).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(-2).replace(/0+$/, '');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative && text !== '-0' ? '-' : ''}${grouped}${fraction ? '.' + fraction : ''} %`;
}

/**
 * "10", "10 %", "2.5%", "0.01" → basis points; a sentence when the text is not a percent with at
 * most two decimals (a finer rate cannot be stored exactly).
 */
export function bpsOfPercent(text: string): { bps: number } | { error: string } {
  const t = text.trim().replace(/\s*%$/, '');
  if (t === '') return { error: 'enter a rate in percent, e.g. 10 or 2.5' };
  const m = /^(\d{1,9})(?:\.(\d+))?$/.exec(t);
  if (!m) return { error: `"${text.trim()}" is not a percentage: write e.g. 10 or 2.5` };
  const fraction = m[2] ?? '';
  if (fraction.length > 2)
    return {
      error: `"${text.trim()}" has more than two decimals: rates are kept to 0.01 % (one basis point)`,
    };
  return { bps: Number(m[1]) * 100 + Number(fraction.padEnd(2, '0')) };
}
