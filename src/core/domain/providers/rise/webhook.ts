/**
 * Rise's webhooks: the `X-Rise-Signature` check (HMAC-SHA256 over `t.body`, a 5-minute window on
 * the central store's clock), the event envelope, and a paid payment as our normalised news for the
 * relay (ParsedEvent). A `payment.sent`'s token amount is checked against its cents, exactly.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ProviderWebhook } from '../../../platform/payments/descriptor.js';
import {
  describeParseError,
  parseJsonBody,
  WebhookBodyError,
  type ParsedEvent,
} from '../../../platform/payments/webhook.js';
import { parseJson, RISE_CURRENCY, riseReferenceOf, usdcUnitsToCents, wireInt } from './wire.js';

/**
 * The exact string Rise signs is NOT documented publicly ([?] in the reference): we assume the
 * Stripe-style `${t}.${rawBody}`. Kept here, in one place, so a correction is a one-line change.
 */
export function riseSignedPayload(t: string, rawBody: string): string {
  return `${t}.${rawBody}`;
}

/**
 * `X-Rise-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`. True only for a well-formed header
 * whose timestamp is within `toleranceMs` of `nowMs` and one of whose v1 values matches (compared
 * in constant time). Never throws: a malformed header is simply not valid.
 */
export function verifyRiseSignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  nowMs: number,
  toleranceMs = 300_000,
): boolean {
  if (!header || !secret) return false;
  let t: string | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return false;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') t = value;
    else if (key === 'v1') candidates.push(value);
  }
  if (t === null || !/^\d{1,12}$/.test(t) || candidates.length === 0) return false;
  const ageMs = nowMs - Number.parseInt(t, 10) * 1000;
  if (Math.abs(ageMs) > toleranceMs) return false;
  const expected = createHmac('sha256', secret)
    .update(riseSignedPayload(t, rawBody), 'utf8')
    .digest();
  let ok = false;
  for (const candidate of candidates) {
    if (!/^[0-9a-fA-F]{64}$/.test(candidate)) continue;
    // Check every candidate (no early exit) so timing says nothing about which one matched.
    if (timingSafeEqual(Buffer.from(candidate, 'hex'), expected)) ok = true;
  }
  return ok;
}

const webhookEnvelopeSchema = z.looseObject({
  object: z.literal('event'),
  created: z.union([wireInt.transform(String), z.string()]),
  request_id: z.string().min(1),
  event_type: z.string().min(1),
  event_version: z.union([wireInt.transform(String), z.string()]),
  idempotency_key: z.string().min(1),
  data: z.unknown().optional(),
});

const sentPaymentSchema = z.looseObject({
  id: z.string().min(1),
  state: z.string().nullish(),
  to: z.string().nullish(),
  invoice_description: z.string().nullish(),
  currency_symbol: z.string().nullish(),
  amount_cents: wireInt,
  amount: z.string(),
  decimals: wireInt,
});

export interface RiseWebhookPayment {
  providerId: string;
  reference: string | null;
  recipient: string | null;
  state: string | null;
  amountMinor: bigint;
  currency: string;
  tokenAmount: string;
  tokenDecimals: number;
}

export interface RiseWebhookEvent {
  eventType: string;
  eventVersion: string;
  /** Dedupe on this: Rise retries deliver the same key again. */
  idempotencyKey: string;
  requestId: string;
  created: string;
  /** For `payment.sent`: the payment, its token amount checked against amount_cents. */
  payment: RiseWebhookPayment | null;
  data: unknown;
}

/**
 * Parse a webhook body (the raw text, after verifyRiseSignature, or an already-parsed value).
 * Throws on anything that is not the documented envelope, and on a `payment.sent` whose token
 * amount and amount_cents disagree.
 */
export function parseRiseWebhook(body: unknown): RiseWebhookEvent {
  const value = typeof body === 'string' ? parseJson(body) : body;
  const envelope = webhookEnvelopeSchema.parse(value);
  let payment: RiseWebhookPayment | null = null;
  if (envelope.event_type === 'payment.sent') {
    const p = z.object({ payment: sentPaymentSchema }).parse(envelope.data).payment;
    const decimals = Number(p.decimals);
    const fromTokens = usdcUnitsToCents(p.amount, decimals);
    if (fromTokens !== p.amount_cents) {
      throw new RangeError(
        `payment ${p.id}: token amount ${p.amount} (${decimals} decimals) is ${fromTokens} cents but amount_cents is ${p.amount_cents}`,
      );
    }
    payment = {
      providerId: p.id,
      reference: riseReferenceOf(p.invoice_description),
      recipient: p.to ?? null,
      state: p.state ?? null,
      amountMinor: p.amount_cents,
      currency: p.currency_symbol ?? RISE_CURRENCY,
      tokenAmount: p.amount,
      tokenDecimals: decimals,
    };
  }
  return {
    eventType: envelope.event_type,
    eventVersion: envelope.event_version,
    idempotencyKey: envelope.idempotency_key,
    requestId: envelope.request_id,
    created: envelope.created,
    payment,
    data: envelope.data,
  };
}

/**
 * Rise events that mean the money was sent. `payment.sent` is documented; `payment.completed` is
 * accepted with the same payload shape in case Rise names it so (the public docs leave event names
 * open). Every other event is stored without a status change.
 */
export const RISE_PAID_EVENTS: readonly string[] = ['payment.sent', 'payment.completed'];

/** A verified Rise body as the relay's event; throws WebhookBodyError when it is not one. */
export function parseRiseEvent(body: string): ParsedEvent {
  const value = parseJsonBody(body);
  let event: RiseWebhookEvent;
  try {
    event = parseRiseWebhook(value);
    if (event.eventType !== 'payment.sent' && RISE_PAID_EVENTS.includes(event.eventType)) {
      // Parse the payment exactly as payment.sent's (token amount checked against amount_cents).
      const asSent = parseRiseWebhook({
        ...(value as Record<string, unknown>),
        event_type: 'payment.sent',
      });
      event = { ...event, payment: asSent.payment };
    }
  } catch (error) {
    throw new WebhookBodyError(`not a Rise event: ${describeParseError(error)}`);
  }
  const base = {
    provider: 'rise' as const,
    eventKey: event.idempotencyKey,
    type: event.eventType,
    body,
  };
  const pay = event.payment;
  if (!RISE_PAID_EVENTS.includes(event.eventType) || !pay)
    return { ...base, news: null, ignored: 'unknown_event' };
  return {
    ...base,
    news: {
      providerPayoutId: pay.providerId,
      reference: pay.reference,
      status: 'SUCCEEDED',
      rawStatus: pay.state ?? event.eventType,
      failureCode: null,
      amountMinor: pay.amountMinor,
      currency: pay.currency,
    },
    ignored: null,
  };
}

/** The relay's part: `POST /webhooks/rise`, header `X-Rise-Signature`, checked over the body. */
export const riseWebhook: ProviderWebhook<'rise'> = {
  path: '/webhooks/rise',
  secret: 'rise-webhook-secret',
  async refusal(delivery, secret) {
    const body = await delivery.body();
    // Rise's timestamp window is judged on the central store's clock: on a relay machine hours
    // off, every webhook would otherwise be stale (or a replay fresh).
    const at = await delivery.now();
    return verifyRiseSignature(delivery.header('x-rise-signature'), body, secret, at)
      ? null
      : 'missing, malformed, stale or wrong X-Rise-Signature';
  },
  parse: parseRiseEvent,
};
