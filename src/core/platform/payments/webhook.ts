/**
 * What a provider's webhook becomes once verified: one normalised event the relay stores and the
 * status rules apply (src/core/domain/webhooks/ingest.ts). Each provider parses its own bodies into
 * this shape (its descriptor's `webhook.parse`); nothing above this floor reads a provider's wire
 * format.
 */
import { createHash } from 'node:crypto';
import { parse as parseLossless } from 'lossless-json';
import type { ProviderName, ProviderStatus } from './provider.js';

/** What a webhook says about one provider payout, normalised. */
export interface PayoutNews {
  providerPayoutId: string;
  /**
   * Our payout id as the provider echoes it (Xendit reference_id, Rise `[ref:…]`); null when
   * absent.
   */
  reference: string | null;
  status: ProviderStatus;
  rawStatus: string;
  failureCode: string | null;
  amountMinor: bigint;
  currency: string;
}

export interface ParsedEvent {
  provider: ProviderName;
  /** The dedupe key: Xendit `<payout id>:<event>`, Rise the delivery's idempotency_key. */
  eventKey: string;
  type: string;
  /** The body as received (stored as jsonb: numbers keep every digit). */
  body: string;
  /** null: nothing to apply (an unknown event, or one that contradicts itself: see `ignored`). */
  news: PayoutNews | null;
  ignored: 'unknown_event' | 'event_status_conflict' | null;
}

/** A body the relay must refuse with 400: the message says what is wrong (never echoes secrets). */
export class WebhookBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookBodyError';
  }
}

/**
 * Syntax first, so "not JSON" is told apart from "JSON but not an event". Lossless: no amount
 * passes through a float.
 */
export function parseJsonBody(body: string): unknown {
  // jsonb cannot hold U+0000; such a body could never be stored, so refuse it up front.
  if (body.includes('\\u0000'))
    throw new WebhookBodyError(
      'the body contains a NUL character (\\u0000), which cannot be stored',
    );
  try {
    return parseLossless(body);
  } catch (error) {
    throw new WebhookBodyError(`the body is not JSON (${(error as Error).message})`);
  }
}

/** A dedupe key for a body that names nothing better: its hash. */
export const bodyKey = (body: string) =>
  `body-sha256:${createHash('sha256').update(body, 'utf8').digest('hex')}`;

/** A parser's error in words: each zod issue with its path, or the error's message. */
export function describeParseError(error: unknown): string {
  const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
  if (Array.isArray(issues))
    return issues
      .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
      .join('; ');
  return (error as Error).message;
}
