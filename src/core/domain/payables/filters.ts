/**
 * The payables grid's column filters, as the console sends them and as `payables.page` and the
 * grid's export (`export.payablesGrid`) both apply them: currency, provider, eligibility, reason,
 * a range of the payable amount and of the next payout date. One model, checked by zod with
 * errors an operator can act on, applied in memory over the decided set (payables.ts) — no query
 * per row, the set is already kept between requests.
 *
 * Amounts are typed as the page shows them ("15,000,000", "USD 3,035.01") and parsed here into
 * minor units exactly, with the currency's exponent: a range only means something within one
 * currency, so it needs one chosen (the page's currency, or a single currency in the filter).
 */
import { z } from 'zod';
import { isCurrency, parseDisplayedAmount } from '../../shared/money/index.js';
import { PROVIDER_NAMES } from '../../shared/providers.js';
import { currencyInput } from '../../platform/query/paging.js';
import type { IneligibleReason } from '../calculation/payables.js';

export const PAYABLE_REASONS = [
  'affiliate_inactive',
  'payouts_held',
  'kyc_not_approved',
  'no_destination',
  'nothing_payable',
  'negative_balance',
  'below_minimum',
  'currency_not_in_rules',
] as const satisfies readonly IneligibleReason[];

/** The provider filter's choices: each provider, and `none` for affiliates without a destination. */
export const PROVIDER_CHOICES = [...PROVIDER_NAMES, 'none'] as const;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'is not a real date');

const amountText = z.string().trim().min(1, 'type an amount').max(40, 'at most 40 characters');

export const payablesFilterInput = z.strictObject({
  currency: z
    .array(currencyInput)
    .min(1, 'choose at least one currency')
    .max(50, 'at most 50 currencies')
    .optional(),
  provider: z
    .array(z.enum(PROVIDER_CHOICES, { error: `must be one of ${PROVIDER_CHOICES.join(', ')}` }))
    .min(1, 'choose at least one provider')
    .optional(),
  reason: z
    .array(z.enum(PAYABLE_REASONS, { error: `must be one of ${PAYABLE_REASONS.join(', ')}` }))
    .min(1, 'choose at least one reason')
    .optional(),
  payable: z.strictObject({ min: amountText.optional(), max: amountText.optional() }).optional(),
  nextPayout: z.strictObject({ from: isoDate.optional(), to: isoDate.optional() }).optional(),
});
export type PayablesFilterInput = z.infer<typeof payablesFilterInput>;

/** The filter model resolved: amounts in minor units of the one currency they apply within. */
export interface PayablesFilter {
  currency?: ReadonlySet<string>;
  provider?: ReadonlySet<string>;
  reason?: ReadonlySet<string>;
  payable?: { currency: string; min: bigint | null; max: bigint | null };
  nextPayout?: { from: string | null; to: string | null };
}

/** A row as the filter sees it (PayablesPageRow has all of these). */
export interface FilterableRow {
  currency: string;
  provider: string | null;
  reasons: readonly string[];
  nextPayoutDate: string | null;
}

/**
 * Checks the filter model against the page's own currency and resolves it; problems are added to
 * `ctx` at `path` (a zod superRefine), so the router reports them like any invalid input.
 */
export function resolvePayablesFilter(
  filters: PayablesFilterInput | undefined,
  pageCurrency: string | undefined,
  report: (path: (string | number)[], message: string) => void,
): PayablesFilter {
  const out: PayablesFilter = {};
  if (!filters) return out;
  if (filters.currency) out.currency = new Set(filters.currency);
  if (filters.provider) out.provider = new Set(filters.provider);
  if (filters.reason) out.reason = new Set(filters.reason);
  const range = filters.payable;
  if (range && (range.min !== undefined || range.max !== undefined)) {
    const one = pageCurrency ?? (filters.currency?.length === 1 ? filters.currency[0] : undefined);
    if (!one) {
      report(
        ['filters', 'payable'],
        'an amount range applies within one currency: choose one currency first',
      );
    } else {
      const parse = (key: 'min' | 'max'): bigint | null => {
        const text = range[key];
        if (text === undefined) return null;
        try {
          // The console's one reader of amounts as displayed (shared/money/displayed.ts).
          if (!isCurrency(one)) throw new Error(`${one} is not a currency`);
          return parseDisplayedAmount(text, one, { allowNegative: true });
        } catch (e) {
          report(['filters', 'payable', key], e instanceof Error ? e.message : String(e));
          return null;
        }
      };
      const min = parse('min');
      const max = parse('max');
      if (min !== null && max !== null && min > max)
        report(['filters', 'payable'], 'the lowest amount is above the highest');
      out.payable = { currency: one, min, max };
    }
  }
  const dates = filters.nextPayout;
  if (dates && (dates.from || dates.to)) {
    if (dates.from && dates.to && dates.from > dates.to)
      report(['filters', 'nextPayout'], 'the first date is after the last');
    out.nextPayout = { from: dates.from ?? null, to: dates.to ?? null };
  }
  return out;
}

/** Whether any filter is set (an empty model keeps the kept unfiltered subset). */
export function isEmptyFilter(f: PayablesFilter): boolean {
  return !f.currency && !f.provider && !f.reason && !f.payable && !f.nextPayout;
}

/** A key for the filter, to keep each filtered subset once (bigints as text). */
export function filterKey(f: PayablesFilter): string {
  return JSON.stringify([
    f.currency ? [...f.currency].sort() : null,
    f.provider ? [...f.provider].sort() : null,
    f.reason ? [...f.reason].sort() : null,
    f.payable
      ? [f.payable.currency, f.payable.min?.toString() ?? null, f.payable.max?.toString() ?? null]
      : null,
    f.nextPayout ? [f.nextPayout.from, f.nextPayout.to] : null,
  ]);
}

/** Whether a row passes every filter set. `payable` is the row's payable amount in minor units. */
export function passes(f: PayablesFilter, row: FilterableRow, payable: bigint): boolean {
  if (f.currency && !f.currency.has(row.currency)) return false;
  if (f.provider && !f.provider.has(row.provider ?? 'none')) return false;
  // Any of the row's reasons (the cell shows them all); an eligible row has none.
  if (f.reason && !row.reasons.some((r) => f.reason!.has(r))) return false;
  if (f.payable) {
    if (row.currency !== f.payable.currency) return false;
    if (f.payable.min !== null && payable < f.payable.min) return false;
    if (f.payable.max !== null && payable > f.payable.max) return false;
  }
  if (f.nextPayout) {
    const d = row.nextPayoutDate;
    if (d === null) return false;
    if (f.nextPayout.from !== null && d < f.nextPayout.from) return false;
    if (f.nextPayout.to !== null && d > f.nextPayout.to) return false;
  }
  return true;
}
