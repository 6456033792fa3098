/**
 * Polling: asks the providers about payouts they hold that are not final yet (ACCEPTED, with a
 * provider id) and applies what comes back through applyStatusUpdates, in one transaction with its
 * audit entries: final news, and a waiting payout's new provider state (LOCKED, a compliance
 * review), which is recorded and shown. The fallback for webhooks that never arrive (no relay, a
 * relay down for longer than the provider retries).
 *
 * Superseded attempts are asked too while their own record is not final: a payout on its second
 * attempt whose first attempt's record still says ACCEPTED is a break reconciliation reports, and
 * polling is the action that clears it (the provider's word lands on that attempt's record only).
 *
 * A person's poll asks every payout it names (or all): they asked for an answer now. Each answer
 * "still waiting" advances the payout's lookup schedule (payouts/lookups.ts), which the executor's
 * rounds follow — and so does a poll with `dueOnly` (an automatic poller): many held payouts must
 * not run into the provider's rate limit. Skipped ones are counted as `notDue`.
 *
 * UNKNOWN payouts are not polled: whether they exist at all is the executor's question (resend the
 * same request, then look up the reference), and answering it here could race the executor.
 *
 * With `includeSucceededSince`, SUCCEEDED payouts settled since then are asked too, to catch
 * reversals (the money came back: the liability is open again).
 */
import { sql } from 'drizzle-orm';
import {
  appendAudit,
  type AuditContext,
  type AuditEntry,
} from '../../platform/kernel/audit-chain.js';
import { loadBatch } from '../batches/content.js';
import { centralNow } from '../../platform/central/clock.js';
import { pgArray } from '../../platform/central/arrays.js';
import { rows, type CentralStore } from '../../platform/central/store.js';
import { mapLimit } from '../../platform/payments/pool.js';
import {
  TERMINAL_PROVIDER_STATUSES,
  type PayoutProvider,
  type ProviderName,
  type ProviderResolver,
} from '../../platform/payments/provider.js';
import { LOOKUP_DUE, noteStillWaiting } from './lookups.js';
import { applyStatusUpdates, type Applied, type StatusUpdate } from './status.js';

export interface PollOptions {
  /** Only this batch (number or id). */
  batch?: string | undefined;
  /** Only these payouts (an operator's "look now" from the exception queue). */
  payoutIds?: readonly string[] | undefined;
  /** Only payouts whose lookup is due (for automatic pollers); default: every payout asked. */
  dueOnly?: boolean | undefined;
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
  /** Payouts still waiting at the provider, by the provider's own state (LOCKED, REQUESTED, …). */
  waiting: Record<string, number>;
  /** Superseded attempts asked about (their records, not their payouts, take the answer). */
  superseded: number;
  /**
   * With `dueOnly`: waiting payouts not asked this time (looked up recently, the next lookup not
   * due yet).
   */
  notDue: number;
}

interface Candidate {
  id: string;
  provider: ProviderName;
  status: string;
  attempt: number;
  current: boolean;
  provider_payout_id: string;
}

const SYSTEM_POLLER = { operatorId: null, commandId: null, ip: null, workstationId: 'poller' };

export async function pollPayouts(
  store: CentralStore,
  providers: ProviderResolver,
  options: PollOptions = {},
): Promise<PollResult> {
  const batchId = options.batch ? (await loadBatch(store.db, options.batch)).id : null;
  const dueOnly = options.dueOnly === true;
  const candidates = await pollCandidates(store, {
    batchId,
    since: options.includeSucceededSince?.toISOString() ?? null,
    limit: options.limit ?? 1000,
    payoutIds: options.payoutIds ?? null,
    dueOnly,
  });
  const skipped = await notAsked(store, batchId, dueOnly);
  const client = clientsOf(providers);
  const answers = await mapLimit(candidates, options.concurrency ?? 8, (p) => ask(client, p));
  const result = tally(candidates, answers, skipped);
  const updates = answers.flatMap((a) => (a.kind === 'news' ? [a.update] : []));
  if (updates.length > 0) {
    const applied = await applyNews(store, updates, options);
    for (const a of applied) result.changed[a.to] = (result.changed[a.to] ?? 0) + 1;
    // Terminal news that changed nothing (a webhook got there first, or it was already known).
    result.unchanged += updates.length - applied.length;
  }
  return result;
}

/**
 * The payouts not asked this time, counted for the result: UNKNOWN ones (the executor's to
 * resolve) and, with `dueOnly`, waiting ones whose next lookup is not due yet.
 */
async function notAsked(
  store: CentralStore,
  batchId: string | null,
  dueOnly: boolean,
): Promise<{ unknownSkipped: number; notDue: number }> {
  const [{ n, not_due } = { n: 0, not_due: 0 }] = await rows<{ n: number; not_due: number }>(
    store.db,
    sql`SELECT count(*) FILTER (WHERE p.status = 'UNKNOWN')::int AS n,
               count(*) FILTER (WHERE ${dueOnly} AND p.status = 'ACCEPTED' AND NOT ${LOOKUP_DUE})::int AS not_due
        FROM payouts p LEFT JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt
        WHERE p.status IN ('UNKNOWN', 'ACCEPTED') AND (${batchId}::uuid IS NULL OR p.batch_id = ${batchId}::uuid)`,
  );
  return { unknownSkipped: Number(n), notDue: Number(not_due) };
}

/** One provider client per provider for the whole poll, built on first use. */
function clientsOf(providers: ProviderResolver): (name: ProviderName) => Promise<PayoutProvider> {
  const clients = new Map<ProviderName, Promise<PayoutProvider>>();
  return (name) => {
    let c = clients.get(name);
    if (!c) clients.set(name, (c = providers(name)));
    return c;
  };
}

/** What asking the provider about one candidate gave. */
type Answer =
  | { kind: 'news'; update: StatusUpdate; waitingAs: string | null }
  | { kind: 'notFound' }
  | { kind: 'error'; message: string };

/**
 * Asks the provider about one candidate. A failed call is an answer too (asked again next time);
 * `waitingAs`: the provider's own state of a current attempt still in flight there.
 */
async function ask(
  client: (name: ProviderName) => Promise<PayoutProvider>,
  p: Candidate,
): Promise<Answer> {
  try {
    const got = await (await client(p.provider)).get(p.provider_payout_id);
    if (!got) return { kind: 'notFound' };
    const update: StatusUpdate = {
      payoutId: p.id,
      attempt: Number(p.attempt),
      providerPayoutId: got.providerId,
      status: got.status,
      rawStatus: got.rawStatus,
      failureCode: got.failureCode,
      source: 'poll',
    };
    const waiting = !TERMINAL_PROVIDER_STATUSES.has(got.status) && p.current;
    return { kind: 'news', update, waitingAs: waiting ? got.rawStatus : null };
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
}

/** The result before any news is applied: what was asked, and what the answers say. */
function tally(
  candidates: readonly Candidate[],
  answers: readonly Answer[],
  skipped: { unknownSkipped: number; notDue: number },
): PollResult {
  const result: PollResult = {
    checked: candidates.length,
    changed: {},
    unchanged: 0,
    notFound: 0,
    errors: 0,
    problems: [],
    unknownSkipped: skipped.unknownSkipped,
    waiting: {},
    superseded: candidates.filter((c) => !c.current).length,
    notDue: skipped.notDue,
  };
  answers.forEach((a, i) => {
    if (a.kind === 'notFound') result.notFound++;
    else if (a.kind === 'error') {
      result.errors++;
      // The first few, to show.
      if (result.problems.length < 20)
        result.problems.push({ payoutId: candidates[i]!.id, message: a.message });
    } else if (a.waitingAs !== null)
      result.waiting[a.waitingAs] = (result.waiting[a.waitingAs] ?? 0) + 1;
  });
  return result;
}

/**
 * The news applied in one transaction with its audit entries: status changes, provider states,
 * and the lookup schedule of payouts still waiting.
 */
async function applyNews(
  store: CentralStore,
  updates: readonly StatusUpdate[],
  options: PollOptions,
): Promise<Applied[]> {
  return store.db.transaction(async (tx) => {
    // The central clock (central/clock.ts): settlement times must not follow this workstation's
    // clock.
    const now = options.now?.() ?? (await centralNow(tx));
    const entries: AuditEntry[] = [];
    const changed = await applyStatusUpdates(tx, updates, now, (e) => void entries.push(e));
    await noteStillWaiting(
      tx,
      updates.filter((u) => !TERMINAL_PROVIDER_STATUSES.has(u.status)),
      now,
    );
    if (entries.length > 0)
      await appendAudit(
        tx,
        { ...(options.audit ?? SYSTEM_POLLER), decision: 'allowed', at: now },
        entries,
      );
    return changed;
  });
}

/**
 * What to ask, waiting payouts first, least recently updated first: the current attempt of payouts
 * with the provider (when its lookup is due), superseded attempts whose record is not final yet,
 * and with `since` the succeeded ones settled since then (reversals).
 */
async function pollCandidates(
  store: CentralStore,
  {
    batchId,
    since,
    limit,
    payoutIds,
    dueOnly,
  }: {
    batchId: string | null;
    since: string | null;
    limit: number;
    payoutIds: readonly string[] | null;
    dueOnly: boolean;
  },
): Promise<Candidate[]> {
  const named = payoutIds === null ? null : pgArray(payoutIds);
  const inBatch = sql`(${batchId}::uuid IS NULL OR p.batch_id = ${batchId}::uuid) AND (${named}::uuid[] IS NULL OR p.id = ANY(${named}::uuid[]))`;
  const due = dueOnly ? LOOKUP_DUE : sql`true`;
  return rows<Candidate>(
    store.db,
    sql`SELECT * FROM (
          SELECT p.id, p.provider, p.status, p.attempt, true AS current, coalesce(a.provider_payout_id, p.provider_payout_id) AS provider_payout_id, 0 AS rank, p.updated_at
          FROM payouts p LEFT JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt
          WHERE p.status = 'ACCEPTED' AND ${due} AND ${inBatch}
          UNION ALL
          SELECT p.id, p.provider, p.status, a.attempt, false, a.provider_payout_id, 1, a.updated_at
          FROM payout_attempts a JOIN payouts p ON p.id = a.payout_id
          WHERE a.state IN ('PREPARED', 'ACCEPTED') AND a.attempt < p.attempt AND a.provider_payout_id IS NOT NULL AND ${due} AND ${inBatch}
          UNION ALL
          SELECT p.id, p.provider, p.status, p.attempt, true, coalesce(a.provider_payout_id, p.provider_payout_id), 2, p.updated_at
          FROM payouts p LEFT JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt
          WHERE p.status = 'SUCCEEDED' AND p.settled_at >= ${since}::timestamptz AND ${inBatch}
        ) c WHERE c.provider_payout_id IS NOT NULL
        ORDER BY c.rank, c.updated_at, c.id LIMIT ${limit}`,
  );
}
