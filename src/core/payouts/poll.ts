/**
 * Polling: asks the providers about payouts they hold that are not final yet (ACCEPTED, with a
 * provider id) and applies whatever terminal news comes back through applyStatusUpdates, in one
 * transaction with its audit entries. The fallback for webhooks that never arrive (no relay, a relay
 * down for longer than the provider retries).
 *
 * UNKNOWN payouts are not polled: whether they exist at all is the executor's question (resend the
 * same request, then look up the reference), and answering it here could race the executor.
 *
 * With `includeSucceededSince`, SUCCEEDED payouts settled since then are asked too, to catch
 * reversals (the money came back: the liability is open again).
 */
import { sql } from 'drizzle-orm';
import { appendAudit, type AuditContext, type AuditEntry } from '../audit/chain.js';
import { loadBatch } from '../batches/content.js';
import { centralNow } from '../central/clock.js';
import { rows, type CentralStore } from '../central/store.js';
import type { ProviderResolver } from '../execution/executor.js';
import { mapLimit } from '../execution/pool.js';
import { TERMINAL_PROVIDER_STATUSES, type PayoutProvider, type ProviderName } from '../providers/provider.js';
import { applyStatusUpdates, type StatusUpdate } from './status.js';

export interface PollOptions {
  /** Only this batch (number or id). */
  batch?: string | undefined;
  /** At most this many payouts per run, least recently updated first (default 1000). */
  limit?: number | undefined;
  includeSucceededSince?: Date | undefined;
  /** Provider calls in flight at once (default 8). */
  concurrency?: number | undefined;
  /** Who polls, for the audit entries (default: the system poller). */
  audit?: Omit<AuditContext, 'decision' | 'at'> | undefined;
  now?: (() => Date) | undefined;
}

export interface PollResult {
  /** Payouts asked about. */
  checked: number;
  /** Status changes applied, by new status. */
  changed: Record<string, number>;
  /** The provider still has them in flight (or had nothing new). */
  unchanged: number;
  /** The provider does not know the id (reconciliation will show it as missing). */
  notFound: number;
  /** Calls that failed; the payouts are asked again next time. */
  errors: number;
  /** The first few failures, to show. */
  problems: { payoutId: string; message: string }[];
  /** UNKNOWN payouts left to the executor (`batch execute` resolves them). */
  unknownSkipped: number;
}

interface Candidate {
  id: string;
  provider: ProviderName;
  status: string;
  attempt: number;
  provider_payout_id: string;
}

const SYSTEM_POLLER = { operatorId: null, commandId: null, ip: null, workstationId: 'poller' };

export async function pollPayouts(store: CentralStore, providers: ProviderResolver, options: PollOptions = {}): Promise<PollResult> {
  const db = store.db;
  const limit = options.limit ?? 1000;
  const batchId = options.batch ? (await loadBatch(db, options.batch)).id : null;
  const since = options.includeSucceededSince?.toISOString() ?? null;
  // The current attempt's provider id: news about an older attempt would be ignored anyway.
  const candidates = await rows<Candidate>(
    db,
    sql`SELECT p.id, p.provider, p.status, p.attempt, coalesce(a.provider_payout_id, p.provider_payout_id) AS provider_payout_id
        FROM payouts p LEFT JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt
        WHERE coalesce(a.provider_payout_id, p.provider_payout_id) IS NOT NULL
          AND (p.status = 'ACCEPTED' OR (p.status = 'SUCCEEDED' AND p.settled_at >= ${since}::timestamptz))
          AND (${batchId}::uuid IS NULL OR p.batch_id = ${batchId}::uuid)
        ORDER BY p.status = 'ACCEPTED' DESC, p.updated_at, p.id
        LIMIT ${limit}`,
  );
  const [{ n: unknownSkipped } = { n: 0 }] = await rows<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM payouts WHERE status = 'UNKNOWN' AND (${batchId}::uuid IS NULL OR batch_id = ${batchId}::uuid)`,
  );

  const result: PollResult = { checked: candidates.length, changed: {}, unchanged: 0, notFound: 0, errors: 0, problems: [], unknownSkipped: Number(unknownSkipped) };
  const problem = (payoutId: string, message: string) => {
    result.errors++;
    if (result.problems.length < 20) result.problems.push({ payoutId, message });
  };
  const clients = new Map<ProviderName, Promise<PayoutProvider>>();
  const client = (name: ProviderName) => {
    let c = clients.get(name);
    if (!c) clients.set(name, (c = providers(name)));
    return c;
  };

  const answers = await mapLimit(candidates, options.concurrency ?? 8, async (p): Promise<StatusUpdate | null> => {
    try {
      const got = await (await client(p.provider)).get(p.provider_payout_id);
      if (!got) {
        result.notFound++;
        return null;
      }
      // Only final news is worth a write: ACCEPTED → ACCEPTED changes nothing.
      if (!TERMINAL_PROVIDER_STATUSES.has(got.status)) {
        result.unchanged++;
        return null;
      }
      return { payoutId: p.id, attempt: Number(p.attempt), providerPayoutId: got.providerId, status: got.status, rawStatus: got.rawStatus, failureCode: got.failureCode, source: 'poll' };
    } catch (error) {
      problem(p.id, (error as Error).message);
      return null;
    }
  });
  const updates = answers.filter((u): u is StatusUpdate => u !== null);
  if (updates.length > 0) {
    const applied = await db.transaction(async (tx) => {
      // The central clock (central/clock.ts): settlement times must not follow this workstation's clock.
      const now = options.now?.() ?? (await centralNow(tx));
      const entries: AuditEntry[] = [];
      const changed = await applyStatusUpdates(tx, updates, now, (e) => void entries.push(e));
      if (entries.length > 0) await appendAudit(tx, { ...(options.audit ?? SYSTEM_POLLER), decision: 'allowed', at: now }, entries);
      return changed;
    });
    for (const a of applied) result.changed[a.to] = (result.changed[a.to] ?? 0) + 1;
    // Terminal news that changed nothing (a webhook got there first, or it was already known).
    result.unchanged += updates.length - applied.length;
  }
  return result;
}
