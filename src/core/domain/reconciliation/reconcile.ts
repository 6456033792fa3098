/**
 * Reconciliation: our payouts against the provider's own records for one provider and period.
 *
 * Ours: every attempt sent to the provider that was created in [from, to). Theirs:
 * `provider.list(from, to)`. A provider payout is matched to our attempt by the provider id the
 * attempt recorded, else by its reference (our payout id) to an attempt that recorded no id yet.
 * Each pair, and each one left over, gets one outcome:
 *
 *   matched              same amount and currency, statuses agree
 *   amount_mismatch      amount or currency differ (whatever the statuses say)
 *   status_mismatch      statuses disagree; `details.hint` says what to do (e.g. ours ACCEPTED,
 *                        theirs final: run payouts.poll)
 *   missing_at_provider  we hold a provider id, or an ACCEPTED/SUCCEEDED/REVERSED payout, that the
 *                        provider does not list — and a direct `get` does not find either (a payout
 *                        created just across the period boundary is listed in the neighbouring
 *                        period, and `get` still finds it: it is compared, not reported missing)
 *   unknown_to_us        they list a payout whose reference is not ours, or that is under our
 *                        reference but was never recorded by any of our attempts (a possible double
 *                        payment: `details.reason` says which)
 *
 * When the provider cannot list everything (`complete: false`), the run is stored as 'incomplete'
 * with the provider's problem, and missing_at_provider is not asserted at all: absence from a
 * partial list proves nothing. The count left unasserted is stored in the run's counts and problem
 * text.
 *
 * Reconciliation only reports; it changes no payout. The run, all its results and one audit entry
 * are written in one transaction, the results with one INSERT … SELECT from JSON.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { appendAudit, canonicalJson, type JsonValue } from '../../platform/kernel/audit-chain.js';
import { pgArray } from '../../platform/central/arrays.js';
import { rows, type CentralStore } from '../../platform/central/store.js';
import { assert } from '../../shared/assert.js';
import { TreasuryError } from '../../shared/errors.js';
import { mapLimit } from '../../platform/payments/pool.js';
import {
  ProviderError,
  type PayoutProvider,
  type ProviderName,
  type ProviderPayout,
  type ProviderStatus,
  type ProviderResolver,
} from '../../platform/payments/provider.js';

import { RECONCILE_OUTCOMES, type ReconcileOutcome } from '../../shared/vocabulary.js';
export { RECONCILE_OUTCOMES, type ReconcileOutcome };

export interface ReconcileOptions {
  provider: ProviderName;
  from: Date;
  to: Date;
  operatorId: string | null;
  /** The rest of the audit context (the router's call); defaults to none. */
  audit?: { commandId: string | null; ip: string | null; workstationId: string | null } | undefined;
  /**
   * At most this many direct lookups of payouts the list left out (default 500); beyond, reported
   * missing unconfirmed.
   */
  maxConfirmations?: number | undefined;
  concurrency?: number | undefined;
  now?: (() => Date) | undefined;
}

export type ReconcileCounts = Record<ReconcileOutcome, number> & {
  /** Provider payouts listed, and our attempts in the period. */
  listed: number;
  ours: number;
  /** Ours the list left out, not asserted missing because the list was incomplete. */
  missingNotAsserted: number;
};

export interface ReconcileResult {
  runId: string;
  status: 'complete' | 'incomplete';
  problem: string | null;
  counts: ReconcileCounts;
}

interface OurAttempt {
  payout_id: string;
  attempt: number;
  provider_payout_id: string | null;
  state: string;
  payout_status: string;
  current_attempt: number;
  amount_minor: string;
  currency: string;
  batch_number: string;
  in_period: boolean;
}

interface Result {
  payout_id: string | null;
  provider_payout_id: string | null;
  outcome: ReconcileOutcome;
  our_status: string | null;
  provider_status: string | null;
  our_amount_minor: string | null;
  provider_amount_minor: string | null;
  currency: string | null;
  details: Record<string, JsonValue>;
}

/**
 * The currency column is char(3): a provider's non-ISO symbol (e.g. a token) stays in the details.
 */
const iso = (c: string): string | null => (/^[A-Z]{3}$/.test(c) ? c : null);

type Side = 'unknown' | 'open' | 'paid' | 'failed' | 'reversed';

/**
 * Where our side stands: the payout's status for its current attempt, the attempt's own record for
 * older ones.
 */
function ourSide(a: OurAttempt): { side: Side; status: string } {
  const current = Number(a.attempt) === Number(a.current_attempt);
  const byState: Record<string, Side> = {
    PREPARED: 'unknown',
    ACCEPTED: 'open',
    SUCCEEDED: 'paid',
    FAILED: 'failed',
    REJECTED: 'failed',
    CANCELLED: 'failed',
    REVERSED: 'reversed',
  };
  if (!current || a.payout_status === 'PENDING') {
    // PENDING on a sent attempt: it failed and a new attempt is queued.
    return {
      side: byState[a.state] ?? 'unknown',
      status: current ? `PENDING (attempt ${a.attempt} ${a.state})` : a.state,
    };
  }
  const byStatus: Record<string, Side> = {
    UNKNOWN: 'unknown',
    ACCEPTED: 'open',
    SUCCEEDED: 'paid',
    FAILED: 'failed',
    CANCELLED: 'failed',
    REVERSED: 'reversed',
  };
  return { side: byStatus[a.payout_status] ?? 'unknown', status: a.payout_status };
}

function theirSide(s: ProviderStatus): Side {
  switch (s) {
    case 'SUCCEEDED':
      return 'paid';
    case 'FAILED':
    case 'CANCELLED':
      return 'failed';
    case 'REVERSED':
      return 'reversed';
    default:
      return 'open';
  }
}

/**
 * The action that clears a break: a command that brings our record to the provider's word, or
 * `investigate` where no command may (a person decides: money may have moved in a way we did not
 * cause). Every result that is not `matched` names one in `details.action`.
 */
export type ClearingAction =
  'batch.execute' | 'payouts.poll' | 'payouts.poll --include-succeeded-since' | 'investigate';

/** What to do about a disagreement; null when the sides agree. */
function statusHint(ours: Side, theirs: Side): { hint: string; action: ClearingAction } | null {
  if (ours === theirs) return null;
  if (ours === 'unknown')
    return {
      action: 'batch.execute',
      hint: 'we have not resolved this attempt yet: resume the batch (batch.execute), which resends the same request and looks the reference up',
    };
  if (ours === 'open')
    return {
      action: 'payouts.poll',
      hint: 'the provider has a final status we have not applied yet: run payouts.poll (it asks superseded attempts too)',
    };
  if (ours === 'paid' && theirs === 'reversed')
    return {
      action: 'payouts.poll --include-succeeded-since',
      hint: 'the provider reversed a payout we hold as paid: run payouts.poll with includeSucceededSince to re-open what is owed',
    };
  if (ours === 'failed' && theirs === 'paid')
    return {
      action: 'investigate',
      hint: 'the provider paid a payout we hold as failed: do not retry or cancel it (a retry would pay twice); investigate',
    };
  if (ours === 'paid' && theirs === 'failed')
    return {
      action: 'investigate',
      hint: 'we hold as paid a payout the provider failed: the affiliate was not paid; investigate before anything else',
    };
  if (theirs === 'open')
    return {
      action: 'investigate',
      hint: 'the provider has not finished a payout we hold as final: investigate',
    };
  return { action: 'investigate', hint: 'our record and the provider disagree: investigate' };
}

export async function reconcile(
  store: CentralStore,
  providers: ProviderResolver,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const { from, to } = options;
  checkPeriod(from, to);
  const provider = await providers(options.provider);
  const listed = await listTheirs(provider, options);
  const theirs = [...new Map(listed.payouts.map((p) => [p.providerId, p])).values()];
  const ours = new OurAttempts(await loadOurs(store.db, options, theirs));
  const results: Result[] = [];
  for (const p of theirs) results.push(matchListed(p, ours));
  const unlisted = unlistedOurs(ours);
  const missingNotAsserted = listed.complete ? 0 : unlisted.length;
  if (listed.complete)
    for (const r of await confirmUnlisted(provider, unlisted, options)) results.push(r);

  const status = listed.complete ? 'complete' : 'incomplete';
  const problem = listed.complete
    ? null
    : `${listed.problem ?? 'the provider could not list every payout of the period'}; missing_at_provider was not asserted for this run (${missingNotAsserted} of our payouts not in the partial list)`;
  if (!listed.complete) for (const r of results) r.details.listComplete = false;

  const counts = {
    listed: theirs.length,
    ours: ours.all.filter((a) => a.in_period).length,
    missingNotAsserted,
  } as ReconcileCounts;
  for (const o of RECONCILE_OUTCOMES) counts[o] = 0;
  for (const r of results) counts[r.outcome]++;

  const run: RunRecord = {
    runId: randomUUID(),
    now: (options.now ?? (() => new Date()))(),
    status,
    problem,
    counts,
  };
  await recordRun(store.db, options, run, results);
  return { runId: run.runId, status, problem, counts };
}

function checkPeriod(from: Date, to: Date): void {
  if (!(from.getTime() < to.getTime())) {
    throw new TreasuryError(
      'VALIDATION',
      `the period must start before it ends (from ${from.toISOString()}, to ${to.toISOString()})`,
      [{ field: 'from', message: 'not before to' }],
    );
  }
}

type Listing = Awaited<ReturnType<PayoutProvider['list']>>;

/** Their side: the provider's own list of the period. Unreachable, nothing is recorded. */
async function listTheirs(provider: PayoutProvider, options: ReconcileOptions): Promise<Listing> {
  try {
    return await provider.list(options.from, options.to);
  } catch (error) {
    if (error instanceof ProviderError)
      throw new TreasuryError(
        'PROVIDER_UNAVAILABLE',
        `reconciliation with ${options.provider} could not list its payouts: ${error.message}; nothing was recorded`,
        [],
        { cause: error },
      );
    throw error;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Our attempts in the period, plus any outside it that a listed payout names (by id or reference),
 * so a payout created across the period boundary is still recognised as ours.
 */
async function loadOurs(
  db: CentralStore['db'],
  { provider, from, to }: ReconcileOptions,
  theirs: readonly ProviderPayout[],
): Promise<OurAttempt[]> {
  const ids = theirs.map((p) => p.providerId);
  const refs = [...new Set(theirs.map((p) => p.reference).filter((r) => UUID.test(r)))];
  return rows<OurAttempt>(
    db,
    sql`SELECT a.payout_id, a.attempt, a.provider_payout_id, a.state, p.status AS payout_status, p.attempt AS current_attempt,
               p.amount_minor::text AS amount_minor, trim(p.currency) AS currency, b.number AS batch_number,
               (a.created_at >= ${from.toISOString()}::timestamptz AND a.created_at < ${to.toISOString()}::timestamptz) AS in_period
        FROM payout_attempts a JOIN payouts p ON p.id = a.payout_id JOIN payout_batches b ON b.id = p.batch_id
        WHERE a.provider = ${provider}
          AND ((a.created_at >= ${from.toISOString()}::timestamptz AND a.created_at < ${to.toISOString()}::timestamptz)
               OR a.provider_payout_id = ANY(${pgArray(ids)}::text[])
               OR a.payout_id = ANY(${pgArray(refs)}::uuid[]))
        ORDER BY a.payout_id, a.attempt`,
  );
}

/** Our attempts, found by the provider id each recorded or by payout; `used` once matched. */
class OurAttempts {
  readonly byProviderId = new Map<string, OurAttempt>();
  /** Each payout's attempts, in attempt order. */
  readonly byPayout = new Map<string, OurAttempt[]>();
  readonly used = new Set<OurAttempt>();
  constructor(readonly all: readonly OurAttempt[]) {
    for (const a of all) {
      if (a.provider_payout_id) this.byProviderId.set(a.provider_payout_id, a);
      const list = this.byPayout.get(a.payout_id) ?? [];
      list.push(a);
      this.byPayout.set(a.payout_id, list);
    }
  }
}

/**
 * A listed payout's outcome: matched to the attempt that recorded its id, else to the latest
 * attempt under its reference still waiting for an id; otherwise unknown to us.
 */
function matchListed(p: ProviderPayout, ours: OurAttempts): Result {
  let a = ours.byProviderId.get(p.providerId);
  if (!a) {
    const attempts = ours.byPayout.get(p.reference);
    if (attempts) {
      // Under our reference but no attempt recorded this id: the attempt still waiting for its id
      // (the latest such), else an attempt we never recorded — which may mean a second payment.
      a = attempts.filter((x) => x.provider_payout_id === null && !ours.used.has(x)).at(-1);
      if (!a) return unrecordedAttempt(p, attempts);
    }
  }
  if (a) {
    ours.used.add(a);
    return compare(a, p, { listed: true });
  }
  return {
    payout_id: null,
    provider_payout_id: p.providerId,
    outcome: 'unknown_to_us',
    our_status: null,
    provider_status: p.rawStatus,
    our_amount_minor: null,
    provider_amount_minor: p.amountMinor.toString(),
    currency: iso(p.currency),
    details: {
      reason: p.reference ? 'reference_not_ours' : 'no_reference',
      reference: p.reference,
      providerCurrency: p.currency,
      createdAt: p.createdAt,
      action: 'investigate',
    },
  };
}

/** The provider holds a payout under our reference that none of our attempts recorded. */
function unrecordedAttempt(p: ProviderPayout, attempts: readonly OurAttempt[]): Result {
  const latest = attempts.at(-1);
  assert(latest, 'a payout is indexed by its attempts only when it has one');
  return {
    payout_id: latest.payout_id,
    provider_payout_id: p.providerId,
    outcome: 'unknown_to_us',
    our_status: ourSide(latest).status,
    provider_status: p.rawStatus,
    our_amount_minor: latest.amount_minor,
    provider_amount_minor: p.amountMinor.toString(),
    currency: iso(p.currency),
    details: {
      providerCurrency: p.currency,
      reason: 'unrecorded_attempt',
      reference: p.reference,
      batch: latest.batch_number,
      hint: `the provider holds ${p.providerId} under our payout's reference, but none of our attempts recorded it: check for a double payment`,
      action: 'investigate',
    },
  };
}

/** One of ours and the provider's payout for it: amounts first, then statuses. */
function compare(a: OurAttempt, p: ProviderPayout, extra: Record<string, JsonValue>): Result {
  const o = ourSide(a);
  const base = {
    payout_id: a.payout_id,
    provider_payout_id: p.providerId,
    our_status: o.status,
    provider_status: p.rawStatus,
    our_amount_minor: a.amount_minor,
    provider_amount_minor: p.amountMinor.toString(),
    currency: a.currency,
  };
  const details: Record<string, JsonValue> = {
    attempt: Number(a.attempt),
    currentAttempt: Number(a.current_attempt),
    batch: a.batch_number,
    reference: p.reference,
    ...extra,
  };
  if (p.amountMinor !== BigInt(a.amount_minor) || p.currency !== a.currency) {
    const action: ClearingAction = 'investigate';
    return {
      ...base,
      outcome: 'amount_mismatch',
      details: {
        ...details,
        providerCurrency: p.currency,
        statusesAgree: statusHint(o.side, theirSide(p.status)) === null,
        action,
      },
    };
  }
  const hint = statusHint(o.side, theirSide(p.status));
  return hint === null
    ? { ...base, outcome: 'matched', details }
    : { ...base, outcome: 'status_mismatch', details: { ...details, ...hint } };
}

/**
 * Ours the list left out. Only those the provider must know: an attempt holding a provider id, or
 * the current attempt of a payout we hold as with the provider or paid. A REJECTED attempt or an
 * UNKNOWN one without an id may never have reached the provider.
 */
function unlistedOurs(ours: OurAttempts): OurAttempt[] {
  return ours.all.filter((a) => {
    if (!a.in_period || ours.used.has(a) || a.state === 'REJECTED') return false;
    const current = Number(a.attempt) === Number(a.current_attempt);
    return (
      a.provider_payout_id !== null ||
      (current && ['ACCEPTED', 'SUCCEEDED', 'REVERSED'].includes(a.payout_status))
    );
  });
}

type Lookup = ProviderPayout | null | { error: string };

/**
 * Only after a complete list: each of ours it left out is looked up directly (within a budget)
 * before it is reported missing at the provider.
 */
async function confirmUnlisted(
  provider: PayoutProvider,
  unlisted: readonly OurAttempt[],
  options: ReconcileOptions,
): Promise<Result[]> {
  const budget = options.maxConfirmations ?? 500;
  const confirmable = unlisted.filter((a) => a.provider_payout_id !== null).slice(0, budget);
  const found = new Map<OurAttempt, Lookup>();
  await mapLimit(confirmable, options.concurrency ?? 8, async (a) => {
    try {
      found.set(a, await provider.get(a.provider_payout_id!));
    } catch (error) {
      found.set(a, { error: (error as Error).message });
    }
  });
  return unlisted.map((a) => {
    const got = found.get(a);
    // The provider knows it; its list did not include it (created across the period boundary).
    if (got && !('error' in got))
      return compare(a, got, { listed: false, foundByGet: true, providerCreatedAt: got.createdAt });
    return missingAtProvider(a, got);
  });
}

/** `got`: what the direct lookup said (undefined: not looked up, null: not found). */
function missingAtProvider(a: OurAttempt, got: { error: string } | null | undefined): Result {
  const o = ourSide(a);
  return {
    payout_id: a.payout_id,
    provider_payout_id: a.provider_payout_id,
    outcome: 'missing_at_provider',
    our_status: o.status,
    provider_status: null,
    our_amount_minor: a.amount_minor,
    provider_amount_minor: null,
    currency: a.currency,
    details: {
      attempt: Number(a.attempt),
      currentAttempt: Number(a.current_attempt),
      batch: a.batch_number,
      confirmation:
        a.provider_payout_id === null
          ? 'no provider id recorded'
          : got === undefined
            ? 'not looked up (lookup budget spent)'
            : got === null
              ? 'get: not found'
              : `get failed: ${got.error}`,
      // Without a provider id the attempt may still be unresolved: resuming looks the reference
      // up.
      action: o.side === 'unknown' ? 'batch.execute' : 'investigate',
    },
  };
}

interface RunRecord {
  runId: string;
  now: Date;
  status: ReconcileResult['status'];
  problem: string | null;
  counts: ReconcileCounts;
}

/** The run, all its results and its one audit entry: one transaction. */
async function recordRun(
  db: CentralStore['db'],
  options: ReconcileOptions,
  run: RunRecord,
  results: readonly Result[],
): Promise<void> {
  const { runId, now, status, problem, counts } = run;
  const { provider, from, to } = options;
  await db.transaction(async (tx) => {
    await tx.execute(sql`INSERT INTO reconciliation_runs (id, provider, period_from, period_to, status, counts, problem, operator_id, created_at)
      VALUES (${runId}::uuid, ${provider}, ${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz, ${status},
              ${canonicalJson(counts)}::jsonb, ${problem}, ${options.operatorId}::uuid, ${now.toISOString()}::timestamptz)`);
    // One statement per 10,000 results: one for any ordinary run, bounded parameter size for huge
    // ones.
    for (let i = 0; i < results.length; i += 10_000) {
      await tx.execute(sql`INSERT INTO reconciliation_results (run_id, provider, payout_id, provider_payout_id, outcome, our_status, provider_status,
                                                             our_amount_minor, provider_amount_minor, currency, details, created_at)
        SELECT ${runId}::uuid, ${provider}, r.payout_id, r.provider_payout_id, r.outcome, r.our_status, r.provider_status,
               r.our_amount_minor, r.provider_amount_minor, r.currency, coalesce(r.details, '{}'::jsonb), ${now.toISOString()}::timestamptz
        FROM json_to_recordset(${canonicalJson(results.slice(i, i + 10_000))}::json)
             AS r(payout_id uuid, provider_payout_id text, outcome text, our_status text, provider_status text,
                  our_amount_minor bigint, provider_amount_minor bigint, currency text, details jsonb)`);
    }
    await appendAudit(
      tx,
      {
        operatorId: options.operatorId,
        commandId: options.audit?.commandId ?? null,
        ip: options.audit?.ip ?? null,
        workstationId: options.audit?.workstationId ?? null,
        decision: 'allowed',
        at: now,
      },
      [
        {
          action: 'reconciliation.run',
          entityType: 'reconciliation_run',
          entityId: runId,
          after: {
            provider,
            from: from.toISOString(),
            to: to.toISOString(),
            status,
            problem,
            counts: { ...counts },
          },
        },
      ],
    );
  });
}
