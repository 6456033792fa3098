/**
 * Xendit's payout webhooks: the callback token check (a static shared secret, compared in constant
 * time), the event envelope, and the event as our normalised news for the relay (ParsedEvent).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  ProviderError,
  type ProviderPayout,
  type ProviderStatus,
} from '../../../platform/payments/provider.js';
import type { ProviderWebhook } from '../../../platform/payments/descriptor.js';
import {
  bodyKey,
  parseJsonBody,
  WebhookBodyError,
  type ParsedEvent,
  type PayoutNews,
} from '../../../platform/payments/webhook.js';
import { describeIssues, parseJson, payoutFrom, UNPARSEABLE } from './wire.js';

/**
 * Xendit's callback token is a static shared secret, not an HMAC. Both sides are hashed first so
 * timingSafeEqual gets equal lengths and the comparison leaks neither content nor length.
 */
export function verifyXenditCallbackToken(received: string | undefined, expected: string): boolean {
  if (received === undefined || expected === '') return false;
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export const XENDIT_WEBHOOK_EVENTS = [
  'payout.succeeded',
  'payout.failed',
  'payout.reversed',
] as const;
export type XenditWebhookEventName = (typeof XENDIT_WEBHOOK_EVENTS)[number];

/** The envelope; `data` is checked separately so unknown events with other payloads still parse. */
export const xenditWebhookSchema = z.object({
  event: z.string().min(1),
  business_id: z.string().nullish(),
  created: z.string().nullish(),
  data: z.unknown(),
});

export interface XenditWebhook {
  /** The event name as received ('payout.succeeded' … or anything Xendit adds later). */
  type: string;
  /** True for the three documented payout events. */
  known: boolean;
  businessId: string | null;
  created: string | null;
  /** The payout in `data`; always present for known events, null for unknown events without one. */
  payout: ProviderPayout | null;
}

/**
 * Parses a webhook body (verify the token first). Throws ProviderError('invalid_response') when the
 * body is not JSON, not the envelope, or a known event without a valid payout object. Unknown
 * events are returned with their type so the caller can keep and show them.
 */
export function parseXenditWebhook(body: string): XenditWebhook {
  const json = parseJson(body);
  if (json === UNPARSEABLE)
    throw new ProviderError('xendit', 'invalid_response', 'webhook body is not JSON');
  const envelope = xenditWebhookSchema.safeParse(json);
  if (!envelope.success)
    throw new ProviderError(
      'xendit',
      'invalid_response',
      `webhook is not an event (${describeIssues(envelope.error)})`,
    );
  const { event, business_id, created, data } = envelope.data;
  const known = (XENDIT_WEBHOOK_EVENTS as readonly string[]).includes(event);
  const payout = payoutFrom(data);
  if (typeof payout === 'string') {
    if (known) throw new ProviderError('xendit', 'invalid_response', `webhook ${event}: ${payout}`);
    return {
      type: event,
      known,
      businessId: business_id ?? null,
      created: created ?? null,
      payout: null,
    };
  }
  return { type: event, known, businessId: business_id ?? null, created: created ?? null, payout };
}

/** Statuses a documented Xendit event may carry; anything else contradicts the event's own name. */
const XENDIT_EVENT_STATUSES: Record<string, readonly ProviderStatus[]> = {
  'payout.succeeded': ['SUCCEEDED'],
  'payout.failed': ['FAILED', 'CANCELLED'],
  'payout.reversed': ['REVERSED'],
};

/** A verified Xendit body as the relay's event; throws WebhookBodyError when it is not one. */
export function parseXenditEvent(body: string): ParsedEvent {
  parseJsonBody(body);
  let parsed;
  try {
    parsed = parseXenditWebhook(body);
  } catch (error) {
    throw new WebhookBodyError(
      `not a Xendit payout event: ${(error as Error).message.replace(/^xendit: /, '')}`,
    );
  }
  const p = parsed.payout;
  const base = { provider: 'xendit' as const, type: parsed.type, body };
  const eventKey = `${p?.providerId ?? bodyKey(body)}:${parsed.type}`;
  if (!parsed.known || !p) return { ...base, eventKey, news: null, ignored: 'unknown_event' };
  const news: PayoutNews = {
    providerPayoutId: p.providerId,
    reference: p.reference || null,
    status: p.status,
    rawStatus: p.rawStatus,
    failureCode: p.failureCode,
    amountMinor: p.amountMinor,
    currency: p.currency,
  };
  // "payout.succeeded" carrying status FAILED: in doubt, do not act; a poll asks Xendit directly.
  const conflict = !XENDIT_EVENT_STATUSES[parsed.type]!.includes(p.status);
  return { ...base, eventKey, news, ignored: conflict ? 'event_status_conflict' : null };
}

/** The relay's part: `POST /webhooks/xendit`, header `x-callback-token`, checked before the body. */
export const xenditWebhook: ProviderWebhook<'xendit'> = {
  path: '/webhooks/xendit',
  secret: 'xendit-callback-token',
  // The token is a header: checked before the body is read, so strangers cost nothing.
  refusal: async (delivery, token) =>
    verifyXenditCallbackToken(delivery.header('x-callback-token'), token)
      ? null
      : 'missing or wrong x-callback-token',
  parse: parseXenditEvent,
};
