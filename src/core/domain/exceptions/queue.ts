/**
 * The exception queue: every payout that needs a person, in one list, each with what happened (the
 * provider's words, not just its code), its attempts, and the actions that fit. Nothing here
 * changes a payout by itself — a payout stuck UNKNOWN for a day is an alert, never an automatic
 * failure: only the provider's word (or a person) may end it, or it could be paid twice.
 *
 * Kinds:
 *   failed                 FAILED for good (a final code, or automatic retries spent)
 *   cancelled_by_provider  the provider cancelled the attempt (Xendit CANCELLED, Rise `removed`)
 *   reversed               paid, then returned: the amount is owed again (an adjustment carries it)
 *   unknown_stuck          sent, and still UNKNOWN past `unknownAfterMinutes`: nobody resolved it
 *   waiting_stuck          with the provider, not final, past `waitingAfterHours`
 *   held                   waiting in a provider state that needs attention (compliance, LOCKED…)
 *   unknown_state          in a provider state this console does not know
 *
 * A payout leaves the queue when it changes (retried, released, paid, cancelled) or when a person
 * acknowledges it (`exception_cleared_at`).
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { pgArray } from '../../platform/central/arrays.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { MAX_AUTO_RETRIES } from '../execution/backoff.js';
import { RETRYABLE_CODES } from '../execution/failures.js';
import type { ProviderName } from '../../platform/payments/provider.js';
import { failureMeaning, stateMeaning, waitingStates } from '../providers/states.js';

export const EXCEPTION_KINDS = [
  'failed',
  'cancelled_by_provider',
  'reversed',
  'unknown_stuck',
  'waiting_stuck',
  'held',
  'unknown_state',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

/**
 * What an operator may do about an exception (each is a command of its own, with its own
 * permission).
 */
export const EXCEPTION_ACTIONS = [
  'retry',
  'release',
  'resume',
  'poll',
  'cancel_at_provider',
  'acknowledge',
  'hold_affiliate',
] as const;
export type ExceptionAction = (typeof EXCEPTION_ACTIONS)[number];

const ACTIONS: Record<ExceptionKind, readonly ExceptionAction[]> = {
  failed: ['retry', 'release'],
  cancelled_by_provider: ['retry', 'release'],
  reversed: ['acknowledge'],
  unknown_stuck: ['resume'],
  waiting_stuck: ['poll', 'cancel_at_provider'],
  held: ['poll', 'cancel_at_provider', 'acknowledge'],
  unknown_state: ['poll', 'cancel_at_provider', 'acknowledge'],
};

export const EXCEPTIONS_SETTING = 'exceptions';
export const exceptionsSettingSchema = z.strictObject({
  /**
   * A sent payout still UNKNOWN after this long needs a person (the executor could not resolve it).
   */
  unknownAfterMinutes: z.number().int().min(1).max(10_080).default(60),
  /** A payout waiting at the provider (not in a held state) for longer than this needs a person. */
  waitingAfterHours: z.number().int().min(1).max(720).default(24),
});
export type ExceptionsSetting = z.infer<typeof exceptionsSettingSchema>;

export async function loadExceptionsSetting(tx: CentralTx): Promise<ExceptionsSetting> {
  const [row] = await rows<{ value: unknown }>(
    tx,
    sql`SELECT value FROM settings WHERE key = ${EXCEPTIONS_SETTING}`,
  );
  const parsed = exceptionsSettingSchema.safeParse(
    typeof row?.value === 'string' ? JSON.parse(row.value) : (row?.value ?? {}),
  );
  if (!parsed.success)
    throw new TreasuryError(
      'VALIDATION',
      `the stored exceptions setting is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export interface ExceptionAttempt {
  attempt: number;
  state: string;
  providerStatus: string | null;
  failureCode: string | null;
  /** The provider's or the network's own words, when it gave any. */
  error: string | null;
  sentAt: string;
}

export interface ExceptionRow {
  payoutId: string;
  kind: ExceptionKind;
  /** Since when the payout has been in this situation (ISO), and for how many whole minutes. */
  since: string;
  ageMinutes: number;
  affiliateId: string;
  affiliateName: string;
  /** The affiliate's payouts are held by a person (the reason), or null. */
  affiliateHold: string | null;
  batchId: string;
  batchNumber: string;
  amountMinor: string;
  currency: string;
  provider: string;
  status: string;
  providerStatus: string | null;
  failureCode: string | null;
  /**
   * What happened, in words: the provider state's or failure code's meaning, and the provider's own
   * message.
   */
  message: string;
  attempts: ExceptionAttempt[];
  actions: readonly ExceptionAction[];
}

export interface ExceptionsPage {
  total: number;
  byKind: Record<ExceptionKind, number>;
  /** The newest exception's start: the console raises an alert when it moves. */
  newest: string | null;
  rows: ExceptionRow[];
}

interface Candidate {
  id: string;
  status: string;
  provider: ProviderName;
  provider_status: string | null;
  failure_code: string | null;
  amount_minor: string;
  currency: string;
  affiliate_id: string;
  affiliate_name: string;
  hold: string | null;
  batch_id: string;
  batch_number: string;
  attempt_state: string | null;
  last_error: string | null;
  since: Date | string;
}

/** The kind of a candidate row, or null when it is not an exception after all (a normal wait). */
function kindOf(c: Candidate, now: Date, setting: ExceptionsSetting): ExceptionKind | null {
  if (c.status === 'FAILED')
    return c.attempt_state === 'CANCELLED' ? 'cancelled_by_provider' : 'failed';
  if (c.status === 'REVERSED') return 'reversed';
  const age = now.getTime() - new Date(c.since).getTime();
  if (c.status === 'UNKNOWN')
    return age >= setting.unknownAfterMinutes * 60_000 ? 'unknown_stuck' : null;
  const meaning = stateMeaning(c.provider, c.provider_status ?? 'ACCEPTED');
  if (!meaning.known) return 'unknown_state';
  if (meaning.attention) return 'held';
  return age >= setting.waitingAfterHours * 3_600_000 ? 'waiting_stuck' : null;
}

function messageOf(c: Candidate, kind: ExceptionKind): string {
  const parts: string[] = [];
  if (kind === 'failed') parts.push(failureMeaning(c.failure_code));
  // Rise's `removed` is a cancel or a failure (Rise does not say which): its own words say so.
  else if (kind === 'cancelled_by_provider')
    parts.push(stateMeaning(c.provider, c.provider_status ?? 'CANCELLED').words);
  else if (kind === 'reversed') parts.push(stateMeaning(c.provider, 'REVERSED').words);
  else if (kind === 'unknown_stuck')
    parts.push(
      'sent, but whether the provider holds it is not known yet: resuming the batch resends the same request and looks it up',
    );
  else parts.push(stateMeaning(c.provider, c.provider_status ?? 'ACCEPTED').words);
  if (c.last_error && !parts[0]!.includes(c.last_error))
    parts.push(`provider said: ${c.last_error}`);
  return parts.join('; ');
}

/**
 * Every candidate row, kinds decided here (the provider states' meanings live in code, not SQL).
 * Bounded by what needs a person: failed, reversed and unresolved payouts, never the paid ones.
 */
async function candidates(
  tx: CentralTx,
  setting: ExceptionsSetting,
  now: Date,
): Promise<Candidate[]> {
  const unknownBefore = new Date(
    now.getTime() - setting.unknownAfterMinutes * 60_000,
  ).toISOString();
  const retryable = pgArray(RETRYABLE_CODES);
  return rows<Candidate>(
    tx,
    sql`SELECT p.id, p.status, p.provider, p.provider_status, p.failure_code, p.amount_minor::text AS amount_minor, trim(p.currency) AS currency,
               p.affiliate_id, af.name AS affiliate_name, af.payout_hold_reason AS hold, p.batch_id, b.number AS batch_number,
               a.state AS attempt_state, a.last_error,
               CASE WHEN p.status IN ('FAILED', 'REVERSED') THEN coalesce(p.settled_at, p.updated_at) ELSE coalesce(a.created_at, p.updated_at) END AS since
        FROM payouts p JOIN affiliates af ON af.id = p.affiliate_id JOIN payout_batches b ON b.id = p.batch_id
             LEFT JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt
        WHERE p.exception_cleared_at IS NULL AND (
              (p.status = 'FAILED' AND NOT (p.failure_code = ANY(${retryable}::text[]) AND p.auto_retries < ${MAX_AUTO_RETRIES}))
           OR p.status = 'REVERSED'
           OR (p.status = 'UNKNOWN' AND a.created_at < ${unknownBefore}::timestamptz)
           OR (p.status = 'ACCEPTED' AND (coalesce(p.provider_status, 'ACCEPTED') <> ALL(${pgArray(waitingStates())}::text[])
                                         OR a.created_at < ${new Date(now.getTime() - setting.waitingAfterHours * 3_600_000).toISOString()}::timestamptz)))`,
  );
}

export interface ExceptionsQuery {
  kind?: ExceptionKind | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

/**
 * The queue, oldest first (what has waited longest is dealt with first), with each page's attempts.
 */
export async function listExceptions(
  tx: CentralTx,
  query: ExceptionsQuery,
  now: Date,
): Promise<ExceptionsPage> {
  const setting = await loadExceptionsSetting(tx);
  const all: (Candidate & { kind: ExceptionKind })[] = [];
  for (const c of await candidates(tx, setting, now)) {
    const kind = kindOf(c, now, setting);
    if (kind) all.push({ ...c, kind });
  }
  const byKind = Object.fromEntries(EXCEPTION_KINDS.map((k) => [k, 0])) as Record<
    ExceptionKind,
    number
  >;
  let newest: number | null = null;
  for (const c of all) {
    byKind[c.kind]++;
    newest = Math.max(newest ?? 0, new Date(c.since).getTime());
  }
  const chosen = all
    .filter((c) => !query.kind || c.kind === query.kind)
    .sort(
      (a, b) =>
        new Date(a.since).getTime() - new Date(b.since).getTime() || a.id.localeCompare(b.id),
    );
  const offset = query.offset ?? 0;
  const page = chosen.slice(offset, offset + (query.limit ?? 100));
  const attempts = await attemptsOf(
    tx,
    page.map((c) => c.id),
  );
  return {
    total: chosen.length,
    byKind,
    newest: newest === null ? null : new Date(newest).toISOString(),
    rows: page.map((c) => ({
      payoutId: c.id,
      kind: c.kind,
      since: new Date(c.since).toISOString(),
      ageMinutes: Math.max(0, Math.floor((now.getTime() - new Date(c.since).getTime()) / 60_000)),
      affiliateId: c.affiliate_id,
      affiliateName: c.affiliate_name,
      affiliateHold: c.hold,
      batchId: c.batch_id,
      batchNumber: c.batch_number,
      amountMinor: c.amount_minor,
      currency: c.currency,
      provider: c.provider,
      status: c.status,
      providerStatus: c.provider_status,
      failureCode: c.failure_code,
      message: messageOf(c, c.kind),
      attempts: attempts.get(c.id) ?? [],
      // Holding the affiliate fits every kind (a suspicion, a dispute), unless they are held
      // already.
      actions: c.hold === null ? [...ACTIONS[c.kind], 'hold_affiliate'] : ACTIONS[c.kind],
    })),
  };
}

async function attemptsOf(
  tx: CentralTx,
  ids: readonly string[],
): Promise<Map<string, ExceptionAttempt[]>> {
  const out = new Map<string, ExceptionAttempt[]>();
  if (ids.length === 0) return out;
  const list = await rows<{
    payout_id: string;
    attempt: number;
    state: string;
    provider_status: string | null;
    failure_code: string | null;
    last_error: string | null;
    created_at: Date | string;
  }>(
    tx,
    sql`SELECT payout_id, attempt, state, provider_status, failure_code, last_error, created_at FROM payout_attempts
        WHERE payout_id = ANY(${pgArray(ids)}::uuid[]) ORDER BY payout_id, attempt`,
  );
  for (const a of list) {
    const entry: ExceptionAttempt = {
      attempt: Number(a.attempt),
      state: a.state,
      providerStatus: a.provider_status,
      failureCode: a.failure_code,
      error: a.last_error,
      sentAt: new Date(a.created_at).toISOString(),
    };
    out.set(a.payout_id, [...(out.get(a.payout_id) ?? []), entry]);
  }
  return out;
}
