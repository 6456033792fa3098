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
import { sql } from 'drizzle-orm';
import { appendAudit, type AuditEntry } from '../../platform/kernel/audit-chain.js';
import { centralNow } from '../../platform/central/clock.js';
import { rows, type CentralStore, type CentralTx } from '../../platform/central/store.js';
import type { ParsedEvent } from '../../platform/payments/webhook.js';
import { applyStatusUpdates, type Applied } from '../payouts/status.js';

/**
 * Each provider parses its own bodies into a ParsedEvent (its descriptor's `webhook.parse`, in its
 * folder: providers/xendit/webhook.ts, providers/rise/webhook.ts); this stores and applies them.
 */
export type { ParsedEvent, PayoutNews } from '../../platform/payments/webhook.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** Ours by reference (the payout id we sent) or by the provider id one of our attempts recorded. */
async function candidatesOf(tx: CentralTx, event: ParsedEvent): Promise<Candidate[]> {
  const news = event.news;
  if (!news) return [];
  const reference = news.reference && UUID.test(news.reference) ? news.reference : null;
  return rows<Candidate>(
    tx,
    sql`SELECT p.id, p.attempt, p.amount_minor::text AS amount_minor, trim(p.currency) AS currency,
               (SELECT max(a.attempt) FROM payout_attempts a WHERE a.payout_id = p.id AND a.provider_payout_id = ${news.providerPayoutId}) AS matched_attempt,
               cur.provider_payout_id AS current_provider_payout_id
        FROM payouts p LEFT JOIN payout_attempts cur ON cur.payout_id = p.id AND cur.attempt = p.attempt
        WHERE p.provider = ${event.provider}
          AND (p.id = ${reference}::uuid
               OR p.id IN (SELECT payout_id FROM payout_attempts WHERE provider = ${event.provider} AND provider_payout_id = ${news.providerPayoutId}))`,
  );
}

/** The event's row, once: its id, or null when the provider's key is already stored. */
async function storeEvent(
  tx: CentralTx,
  event: ParsedEvent,
  payout: Candidate | null,
  now: Date,
): Promise<string | null> {
  const news = event.news;
  const [inserted] = await rows<{ id: string }>(
    tx,
    sql`INSERT INTO provider_events (provider, event_key, payout_id, provider_payout_id, type, status, payload, received_at)
        VALUES (${event.provider}, ${event.eventKey}, ${payout?.id ?? null}::uuid, ${news?.providerPayoutId ?? null}, ${event.type},
                ${news?.status ?? null}, ${event.body}::jsonb, ${now.toISOString()}::timestamptz)
        ON CONFLICT (provider, event_key) DO NOTHING
        RETURNING id::text AS id`,
  );
  return inserted?.id ?? null;
}

/**
 * What the news does to our payout: applied through the status rules (their audit entries go to
 * `entries`), or why it is only stored.
 */
async function applyNews(
  tx: CentralTx,
  event: ParsedEvent,
  candidates: readonly Candidate[],
  now: Date,
  entries: AuditEntry[],
): Promise<{ outcome: IngestOutcome; applied: Applied[] }> {
  const news = event.news;
  const payout = candidates.length === 1 ? candidates[0]! : null;
  const only = (outcome: IngestOutcome) => ({ outcome, applied: [] });
  if (event.ignored) return only(event.ignored);
  if (!news) return only('unknown_event');
  if (candidates.length > 1) return only('payout_conflict');
  if (!payout) return only('unknown_payout');
  if (BigInt(payout.amount_minor) !== news.amountMinor || payout.currency !== news.currency)
    return only('amount_mismatch');
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
  if (attempt === null) return only('attempt_unmatched');
  const applied = await applyStatusUpdates(
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
  return { outcome: applied.length > 0 ? 'applied' : 'no_change', applied };
}

/** The audit entry of a received event: what it said and what became of it. */
function receivedEntry(
  event: ParsedEvent,
  eventId: string,
  payout: Candidate | null,
  outcome: IngestOutcome,
): AuditEntry {
  const news = event.news;
  return {
    action: 'provider_event.received',
    entityType: 'provider_event',
    entityId: eventId,
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
  };
}

/** Stores the event (once) and applies its news, in one transaction with the audit entries. */
export async function ingestEvent(
  store: CentralStore,
  event: ParsedEvent,
  ctx: IngestContext,
): Promise<IngestResult> {
  return store.db.transaction(async (tx) => {
    const now = ctx.now ?? (await centralNow(tx));
    const candidates = await candidatesOf(tx, event);
    const payout = candidates.length === 1 ? candidates[0]! : null;
    const eventId = await storeEvent(tx, event, payout, now);
    if (eventId === null)
      return {
        duplicate: true,
        eventId: null,
        payoutId: payout?.id ?? null,
        outcome: 'duplicate' as const,
        applied: [],
      };
    const entries: AuditEntry[] = [];
    const { outcome, applied } = await applyNews(tx, event, candidates, now, entries);
    entries.unshift(receivedEntry(event, eventId, payout, outcome));
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
    return { duplicate: false, eventId, payoutId: payout?.id ?? null, outcome, applied };
  });
}
