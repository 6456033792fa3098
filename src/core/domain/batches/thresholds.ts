/**
 * High-value thresholds: a payout at or above its currency's threshold makes the batch need two
 * distinct approvers holding `batches.approve_high_value`. Default 1,000.00 USD and its rough
 * equivalents (a round figure at or below 1,000 USD, so the control errs on the strict side);
 * configurable in settings (`high_value_thresholds`: currency → decimal amount).
 *
 * A currency with no threshold is compared in USD through the batch's own FX rate when it has one,
 * and otherwise counts as high value: an unknown currency must never slip past the second approver.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../../platform/central/store.js';
import {
  convert,
  formatAmount,
  money,
  parseAmount,
  parseDisplayedAmount,
  type FxRate,
} from '../../shared/money/index.js';

export type Thresholds = ReadonlyMap<string, bigint>;

export const DEFAULT_HIGH_VALUE_THRESHOLDS: Readonly<Record<string, string>> = {
  USD: '1000.00',
  EUR: '900.00',
  IDR: '15000000',
  PHP: '55000.00',
  VND: '25000000',
  THB: '35000.00',
  MYR: '4500.00',
};

export const SETTING_KEY = 'high_value_thresholds';

/**
 * Currency → decimal amount in that currency ("1000.00" USD). Each amount must parse exactly as the
 * currency allows (parseThresholds relies on it), so settings.set refuses what a reader would choke
 * on. People may type the amount as the console shows it ("15,000,000", "USD 1,000.00": the same
 * parser as the console's input, parseDisplayedAmount); what is stored is the plain decimal.
 */
export const thresholdsSchema = z
  .record(z.string().regex(/^[A-Z]{3}$/, 'is not a currency code'), z.string())
  .superRefine((value, ctx) => {
    for (const [currency, text] of Object.entries(value)) {
      try {
        if (parseDisplayedAmount(text, currency, { allowNegative: true }) < 0n)
          ctx.addIssue({ code: 'custom', path: [currency], message: 'must not be negative' });
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: [currency], message: (error as Error).message });
      }
    }
  })
  .transform((value) =>
    Object.fromEntries(
      Object.entries(value).map(([currency, text]) => [
        currency,
        formatAmount(parseDisplayedAmount(text, currency), currency),
      ]),
    ),
  );

export function parseThresholds(input: Readonly<Record<string, string>>): Thresholds {
  const out = new Map<string, bigint>();
  for (const [currency, text] of Object.entries(input))
    out.set(currency, parseAmount(text, currency));
  return out;
}

export async function highValueThresholds(tx: CentralTx): Promise<Thresholds> {
  const [row] = await rows<{ value: unknown }>(
    tx,
    sql`SELECT value FROM settings WHERE key = ${SETTING_KEY}`,
  );
  const configured = row ? thresholdsSchema.parse(row.value) : {};
  return parseThresholds({ ...DEFAULT_HIGH_VALUE_THRESHOLDS, ...configured });
}

export function isHighValue(
  thresholds: Thresholds,
  amountMinor: bigint,
  currency: string,
  rates: ReadonlyMap<string, FxRate>,
): boolean {
  const own = thresholds.get(currency);
  if (own !== undefined) return amountMinor >= own;
  const usd = thresholds.get('USD');
  const toUsd = rates.get(`${currency}/USD`);
  if (usd !== undefined && toUsd) return convert(money(amountMinor, currency), toUsd).amount >= usd;
  return true;
}
