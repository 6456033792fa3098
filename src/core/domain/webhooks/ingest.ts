/**
 * Turning a verified provider webhook into stored facts: the event itself (deduplicated on the
 * provider's key by the unique index on provider_events), and — when it is news about one of our
 * payouts — the status change through applyStatusUpdates, with their audit entries, all in one
 * transaction. A duplicate delivery inserts nothing and so changes nothing.
 *
 * What is never applied, only stored (the event row says why, and reconciliation or a poll sorts it
 * out with the provider's own record): events we do not know, events about payouts that are not
 * ours, events whose amount or currency differ from our payout, and events whose status contradicts
 * their own name. Acting on any of those could mark commissions paid for money that did not move.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { parse as parseLossless } from 'lossless-json';
import { appendAudit, type AuditEntry } from '../../platform/kernel/audit-chain.js';
import { centralNow } from '../../platform/central/clock.js';
import { rows, type CentralStore } from '../../platform/central/store.js';
import { applyStatusUpdates, type Applied } from '../payouts/status.js';
import type { ProviderStatus } from '../../platform/payments/provider.js';
import { parseRiseWebhook, type RiseWebhookEvent } from '../providers/rise/rise.js';
import { parseXenditWebhook } from '../providers/xendit/xendit.js';

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
  provider: 'xendit' | 'rise';
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Syntax first, so "not JSON" is told apart from "JSON but not an event". Lossless: no amount
 * passes through a float.
 */
function parseJsonBody(body: string): unknown {
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

const bodyKey = (body: string) =>
  `body-sha256:${createHash('sha256').update(body, 'utf8').digest('hex')}`;

/** Statuses a documented Xendit event may carry; anything else contradicts the event's own name. */
const XENDIT_EVENT_STATUSES: Record<string, readonly ProviderStatus[]> = {
  'payout.succeeded': ['SUCCEEDED'],
  'payout.failed': ['FAILED', 'CANCELLED'],
  'payout.reversed': ['REVERSED'],
};

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
  const eventKey = `${p?.providerId ?? bodyKey(body)}:${parsed.type}`;
  if (!parsed.known || !p)
    return {
      provider: 'xendit',
      eventKey,
      type: parsed.type,
      body,
      news: null,
      ignored: 'unknown_event',
    };
  const news: PayoutNews = {
    providerPayoutId: p.providerId,
    reference: p.reference || null,
    status: p.status,
    rawStatus: p.rawStatus,
    failureCode: p.failureCode,
    amountMinor: p.amountMinor,
    currency: p.currency,
  };
  if (!XENDIT_EVENT_STATUSES[parsed.type]!.includes(p.status)) {
    // "payout.succeeded" carrying status FAILED: in doubt, do not act; a poll asks Xendit directly.
    return {
      provider: 'xendit',
      eventKey,
      type: parsed.type,
      body,
      news,
      ignored: 'event_status_conflict',
    };
  }
  return { provider: 'xendit', eventKey, type: parsed.type, body, news, ignored: null };
}

/**
 * Rise events that mean the money was sent. `payment.sent` is documented; `payment.completed` is
 * accepted with the same payload shape in case Rise names it so (the public docs leave event names
 * open). Every other event is stored without a status change.
 */
export const RISE_PAID_EVENTS: readonly string[] = ['payment.sent', 'payment.completed'];

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
    throw new WebhookBodyError(`not a Rise event: ${describe(error)}`);
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

function describe(error: unknown): string {
  const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
  if (Array.isArray(issues))
    return issues
      .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
      .join('; ');
  return (error as Error).message;
}

export type IngestOutcome =
  /** The status changed (see `applied`). */
  | 'applied'
  /** News about our payout that changed nothing (older, or already known). */
  | 'no_change'
  | 'unknown_event'
  | 'event_status_conflict'
  /** Neither the reference nor the provider id belongs to one of our payouts with this provider. */
  | 'unknown_payout'
  /** The reference and the provider id point at two different payouts of ours. */
  | 'payout_conflict'
  | 'amount_mismatch'
  /** The provider id is not one our attempts hold, and the current attempt holds another. */
  | 'attempt_unmatched';

export interface IngestResult {
  duplicate: boolean;
  eventId: string | null;
  payoutId: string | null;
  outcome: IngestOutcome | 'duplicate';
  applied: Applied[];
}

export interface IngestContext {
  /**
   * When it was received. Absent: the central store's clock, read in the transaction — the relay
   * runs on some workstation, whose clock may be hours off, and what it dates (received_at, a
   * settlement, a reversal, the audit entry) is measured against what other machines write.
   */
  now?: Date;
  /** Who delivered it (the relay's peer address), for the audit trail. */
  ip: string | null;
  workstationId: string;
}

interface Candidate {
  id: string;
  attempt: number;
  amount_minor: string;
  currency: string;
  matched_attempt: number | null;
  current_provider_payout_id: string | null;
}

/** Stores the event (once) and applies its news, in one transaction with the audit entries. */
export async function ingestEvent(
  store: CentralStore,
  event: ParsedEvent,
  ctx: IngestContext,
): Promise<IngestResult> {
  const news = event.news;
  const reference = news?.reference && UUID.test(news.reference) ? news.reference : null;
  return store.db.transaction(async (tx) => {
    const now = ctx.now ?? (await centralNow(tx));
    // Ours by reference (the payout id we sent) or by the provider id one of our attempts recorded.
    const candidates = news
      ? await rows<Candidate>(
          tx,
          sql`SELECT p.id, p.attempt, p.amount_minor::text AS amount_minor, trim(p.currency) AS currency,
                     (SELECT max(a.attempt) FROM payout_attempts a WHERE a.payout_id = p.id AND a.provider_payout_id = ${news.providerPayoutId}) AS matched_attempt,
                     cur.provider_payout_id AS current_provider_payout_id
              FROM payouts p LEFT JOIN payout_attempts cur ON cur.payout_id = p.id AND cur.attempt = p.attempt
              WHERE p.provider = ${event.provider}
                AND (p.id = ${reference}::uuid
                     OR p.id IN (SELECT payout_id FROM payout_attempts WHERE provider = ${event.provider} AND provider_payout_id = ${news.providerPayoutId}))`,
        )
      : [];
    const payout = candidates.length === 1 ? candidates[0]! : null;
    const [inserted] = await rows<{ id: string }>(
      tx,
      sql`INSERT INTO provider_events (provider, event_key, payout_id, provider_payout_id, type, status, payload, received_at)
          VALUES (${event.provider}, ${event.eventKey}, ${payout?.id ?? null}::uuid, ${news?.providerPayoutId ?? null}, ${event.type},
                  ${news?.status ?? null}, ${event.body}::jsonb, ${now.toISOString()}::timestamptz)
          ON CONFLICT (provider, event_key) DO NOTHING
          RETURNING id::text AS id`,
    );
    if (!inserted)
      return {
        duplicate: true,
        eventId: null,
        payoutId: payout?.id ?? null,
        outcome: 'duplicate' as const,
        applied: [],
      };

    const entries: AuditEntry[] = [];
    let outcome: IngestOutcome;
    let applied: Applied[] = [];
    if (event.ignored) outcome = event.ignored;
    else if (!news) outcome = 'unknown_event';
    else if (candidates.length > 1) outcome = 'payout_conflict';
    else if (!payout) outcome = 'unknown_payout';
    else if (BigInt(payout.amount_minor) !== news.amountMinor || payout.currency !== news.currency)
      outcome = 'amount_mismatch';
    else {
      // The attempt that holds this provider id; else the current one while it holds none yet (the
      // webhook can beat the create response home); else the news is about an attempt we never
      // recorded.
      const attempt =
        payout.matched_attempt !== null
          ? Number(payout.matched_attempt)
          : payout.current_provider_payout_id === null ||
              payout.current_provider_payout_id === news.providerPayoutId
            ? Number(payout.attempt)
            : null;
      if (attempt === null) outcome = 'attempt_unmatched';
      else {
        applied = await applyStatusUpdates(
          tx,
          [
            {
              payoutId: payout.id,
              attempt,
              providerPayoutId: news.providerPayoutId,
              status: news.status,
              rawStatus: news.rawStatus,
              failureCode: news.failureCode,
              source: 'webhook',
            },
          ],
          now,
          (e) => void entries.push(e),
        );
        outcome = applied.length > 0 ? 'applied' : 'no_change';
      }
    }
    entries.unshift({
      action: 'provider_event.received',
      entityType: 'provider_event',
      entityId: inserted.id,
      after: {
        provider: event.provider,
        eventKey: event.eventKey,
        type: event.type,
        status: news?.status ?? null,
        payoutId: payout?.id ?? null,
        providerPayoutId: news?.providerPayoutId ?? null,
        outcome,
        ...(outcome === 'amount_mismatch' && news && payout
          ? {
              ours: { amountMinor: payout.amount_minor, currency: payout.currency },
              theirs: { amountMinor: news.amountMinor.toString(), currency: news.currency },
            }
          : {}),
      },
    });
    await appendAudit(
      tx,
      {
        operatorId: null,
        commandId: null,
        ip: ctx.ip,
        workstationId: ctx.workstationId,
        decision: 'allowed',
        at: now,
      },
      entries,
    );
    return {
      duplicate: false,
      eventId: inserted.id,
      payoutId: payout?.id ?? null,
      outcome,
      applied,
    };
  });
}
