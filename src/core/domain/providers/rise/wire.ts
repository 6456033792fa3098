/**
 * Rise's wire format: the zod schemas of its answers (parsed losslessly, so no amount, salt or
 * expiry ever passes through a float), its payments as our ProviderPayouts, the reference we tag
 * payments with, and exact money conversion (token units → cents).
 */
import { LosslessNumber, parse as parseLossless } from 'lossless-json';
import { z } from 'zod';
import type { ProviderPayout, ProviderStatus } from '../../../platform/payments/provider.js';

export const RISE_CHANNEL = 'RISE_USD';
export const RISE_CURRENCY = 'USD';

/** An integer as Rise may send it (JSON number, decimal string), as an exact bigint. */
export const wireInt = z
  .union([z.instanceof(LosslessNumber), z.string(), z.bigint()])
  .transform((v, ctx) => {
    const text = typeof v === 'bigint' ? v.toString() : v instanceof LosslessNumber ? v.value : v;
    if (!/^-?\d+$/.test(text)) {
      ctx.addIssue({ code: 'custom', message: `expected an integer, got "${text.slice(0, 40)}"` });
      return z.NEVER;
    }
    return BigInt(text);
  });

const hexString = z.string().regex(/^0x[0-9a-fA-F]*$/);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

export const typedDataSchema = z.object({
  domain: z.looseObject({
    name: z.string(),
    version: z.string().optional(),
    chainId: wireInt,
    verifyingContract: address.optional(),
  }),
  types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
  primaryType: z.string(),
  // The documented request fields; others are tolerated (and signed as Rise sent them).
  message: z.looseObject({
    from: address,
    to: address,
    salt: wireInt,
    expires: wireInt,
    data: hexString,
  }),
});

export const paymentSchema = z.looseObject({
  id: z.string().min(1),
  state: z.string().min(1),
  to: z.string().nullish(),
  amount_cents: wireInt,
  currency_symbol: z.string().nullish(),
  invoice_description: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  failure_code: z.string().nullish(),
  typed_data: z.unknown().optional(),
});
export type RisePayment = z.infer<typeof paymentSchema>;

export const siweSchema = z.object({ siwe: z.string().min(1) });
export const jwtSchema = z.object({ jwt: z.string().min(1) });
export const pageSchema = z.object({ items: z.array(paymentSchema), has_more: z.boolean() });
export const executedSchema = z.object({ payments: z.array(paymentSchema) });
export const balanceSchema = z.object({ currency_symbol: z.string(), available_cents: wireInt });

const errorBodySchema = z.looseObject({
  code: z.string().optional(),
  message: z.string().optional(),
  error: z
    .union([
      z.string(),
      z.looseObject({ code: z.string().optional(), message: z.string().optional() }),
    ])
    .optional(),
});

export function parseJson(text: string): unknown {
  return parseLossless(text);
}

export function errorCode(body: unknown): { code: string | null; message: string | null } {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return { code: null, message: null };
  const e = parsed.data.error;
  const code =
    (typeof e === 'object' ? e.code : undefined) ??
    parsed.data.code ??
    (typeof e === 'string' && /^[A-Z][A-Z0-9_]+$/.test(e) ? e : undefined);
  const message =
    (typeof e === 'object' ? e.message : typeof e === 'string' ? e : undefined) ??
    parsed.data.message;
  return { code: code ?? null, message: message ?? null };
}

// Payments ↔ ProviderPayout

const STATUS_BY_STATE: Record<string, ProviderStatus> = {
  intent: 'ACCEPTED',
  scheduled: 'REQUESTED',
  complete: 'SUCCEEDED',
  removed: 'CANCELLED',
};

export function riseStatus(state: string): ProviderStatus {
  return STATUS_BY_STATE[state.toLowerCase()] ?? 'OTHER';
}

/**
 * The reference we append to `invoice_description`; the last one wins, so a description cannot
 * spoof it.
 */
export function riseReferenceTag(reference: string): string {
  return `[ref:${reference}]`;
}

export function riseReferenceOf(description: string | null | undefined): string | null {
  if (!description) return null;
  const all = [...description.matchAll(/\[ref:([^[\]]+)\]/g)];
  return all.length > 0 ? all[all.length - 1]![1]! : null;
}

export function toPayout(p: RisePayment): ProviderPayout {
  return {
    providerId: p.id,
    reference: riseReferenceOf(p.invoice_description) ?? '',
    amountMinor: p.amount_cents,
    currency: p.currency_symbol ?? RISE_CURRENCY,
    status: riseStatus(p.state),
    rawStatus: p.state,
    failureCode: p.failure_code ?? null,
    createdAt: p.created_at ?? null,
    updatedAt: p.updated_at ?? null,
  };
}

const DAY_MS = 86_400_000;

/**
 * The `start_date`/`end_date` filter of Rise's Query Payments (GET /v2/payments), documented as
 * dates (YYYY-MM-DD), for the period [from, to). The docs say neither which time zone a date is in
 * nor whether `end_date` is inclusive, so the range is widened by a day on each side: a wider
 * answer costs a page, a narrower one would silently miss payments; list() keeps [from, to) itself.
 */
export function riseDateRange(from: Date, to: Date): { start_date: string; end_date: string } {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { start_date: day(from.getTime() - DAY_MS), end_date: day(to.getTime() + DAY_MS) };
}

/**
 * Token units (e.g. USDC with 6 decimals) → USD cents, exactly. Throws when the amount is not a
 * plain non-negative integer string or is not a whole number of cents: a fraction of a cent means
 * the amount is not what we think it is, and rounding it away would hide that.
 */
export function usdcUnitsToCents(amount: string, decimals: number): bigint {
  if (!/^\d+$/.test(amount))
    throw new RangeError(
      `token amount "${amount.slice(0, 40)}" is not a non-negative integer string`,
    );
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 77)
    throw new RangeError(`token decimals ${decimals} is not an integer in 0..77`);
  const units = BigInt(amount);
  if (decimals <= 2) return units * 10n ** BigInt(2 - decimals);
  const perCent = 10n ** BigInt(decimals - 2);
  if (units % perCent !== 0n)
    throw new RangeError(
      `token amount ${amount} (${decimals} decimals) is not a whole number of cents`,
    );
  return units / perCent;
}
