/**
 * Push: the outbox's pending commands, in sequence order, through the central router — each with
 * its own command id (a replay after a lost answer returns the first result and changes nothing)
 * and the session of the operator who issued it, so the central store re-checks that operator's
 * permission, maker-checker and every business rule in one transaction.
 *
 * A rejected command's optimistic changes are undone in the cache (its rows never existed) and it
 * stays in the outbox with the reason; an accepted one's stay until the pull that follows replaces
 * them with the central store's own rows (outbox.ts, settle). Anything that is not a verdict on the
 * command itself (central unreachable, session expired, an internal error) stops the push; it
 * resumes later.
 */
import type { LocalCache } from '../../platform/cache/cache.js';
import { toTreasuryError, type ErrorCode, type TreasuryError } from '../../shared/errors.js';
import type { Router } from '../../platform/kernel/router.js';
import { listOutbox, settle, type OutboxEntry } from '../../platform/cache/outbox.js';

export interface PushResult {
  applied: number;
  rejected: { seq: number; commandId: string; name: string; code: string; message: string }[];
  pending: number;
  stoppedBecause: string | null;
}

/** Errors that say nothing about the command: stop and try again later. */
const NOT_A_VERDICT = new Set<ErrorCode>([
  'CENTRAL_UNAVAILABLE',
  'STORE_BUSY',
  'UNAUTHENTICATED',
  'STEP_UP_REQUIRED',
  'INTERNAL',
  'CREDENTIAL_STORE_UNAVAILABLE',
]);

interface PushOptions {
  workstationId: string;
  ip?: string | null;
  sessionFor: (operator: string) => string | null;
  /**
   * Sync by itself (router.ts Call.background): delivering what was prepared earlier is not the
   * operator's activity now, so it leaves the sessions' idle clocks alone.
   */
  background?: boolean;
}

interface Rejection {
  code: string;
  message: string;
}

const dependsOnRejected = (batchId: string | undefined, seq: number | undefined): Rejection => ({
  code: 'DEPENDS_ON_REJECTED',
  message: `batch ${batchId} was never created (outbox command ${seq} was rejected)`,
});

/** Batches whose creation was refused (batch id → the refused command's seq). */
function refusedBatches(cache: LocalCache): Map<string | undefined, number> {
  return new Map(
    listOutbox(cache, 'rejected')
      .filter((e) => e.name === 'batch.create')
      .map((e) => [(e.input as { batchId?: string }).batchId, e.seq]),
  );
}

/** Settles a command as rejected without sending it (what it depends on was refused). */
function rejectUnsent(cache: LocalCache, result: PushResult, entry: OutboxEntry, r: Rejection) {
  settle(cache, entry.seq, r);
  result.rejected.push({ seq: entry.seq, commandId: entry.commandId, name: entry.name, ...r });
}

/** The push stops here: why, and how many commands it leaves pending. */
function stopPush(
  result: PushResult,
  why: string,
  pending: readonly OutboxEntry[],
  i: number,
  done: ReadonlySet<number>,
): void {
  result.stoppedBecause = why;
  result.pending = pending.slice(i).filter((p) => !done.has(p.seq)).length;
}

/**
 * Sends one command as its operator, with its own command id, and settles it as applied; returns
 * the error instead when the central store did not apply it (settling included: its failure too).
 */
async function deliver(
  router: Router,
  cache: LocalCache,
  options: PushOptions,
  result: PushResult,
  entry: OutboxEntry,
  session: string,
): Promise<TreasuryError | null> {
  try {
    await router.call({
      name: entry.name,
      payload: entry.input,
      id: entry.commandId,
      session,
      workstationId: options.workstationId,
      ip: options.ip ?? null,
      background: options.background === true,
    });
    settle(cache, entry.seq, null);
    result.applied++;
    return null;
  } catch (error) {
    return toTreasuryError(error);
  }
}

/**
 * A refused batch creation: later commands about the refused batch were applied on top of its
 * creation, so they are undone first, newest first, so every undo restores the image it saw.
 */
function rejectDependants(
  cache: LocalCache,
  result: PushResult,
  pending: readonly OutboxEntry[],
  i: number,
  entry: OutboxEntry,
  done: Set<number>,
): string | undefined {
  const batchId = (entry.input as { batchId?: string }).batchId;
  const dependants = pending
    .slice(i + 1)
    .filter((d) => (d.input as { batch?: string }).batch === batchId);
  for (const d of [...dependants].reverse()) {
    rejectUnsent(cache, result, d, dependsOnRejected(batchId, entry.seq));
    done.add(d.seq);
  }
  return batchId;
}

/** The central store's verdict against a command: settled as rejected, with the reason. */
function rejectSent(cache: LocalCache, result: PushResult, entry: OutboxEntry, e: TreasuryError) {
  settle(cache, entry.seq, { code: e.code, message: e.message, problems: e.problems });
  result.rejected.push({
    seq: entry.seq,
    commandId: entry.commandId,
    name: entry.name,
    code: e.code,
    message: e.message,
  });
}

export async function push(
  router: Router,
  cache: LocalCache,
  options: PushOptions,
): Promise<PushResult> {
  const result: PushResult = { applied: 0, rejected: [], pending: 0, stoppedBecause: null };
  const pending = listOutbox(cache, 'pending');
  // Batches whose creation was refused: later commands about them are refused with it, unsent.
  const refused = refusedBatches(cache);
  const done = new Set<number>();
  for (const [i, entry] of pending.entries()) {
    if (done.has(entry.seq)) continue;
    const about = (entry.input as { batch?: string }).batch;
    if (about && refused.has(about)) {
      rejectUnsent(cache, result, entry, dependsOnRejected(about, refused.get(about)));
      continue;
    }
    const session = options.sessionFor(entry.operator);
    if (!session) {
      const why = `${entry.operator} must sign in online to push their commands (command ${entry.seq}, ${entry.name})`;
      stopPush(result, why, pending, i, done);
      break;
    }
    const e = await deliver(router, cache, options, result, entry, session);
    if (!e) continue;
    if (NOT_A_VERDICT.has(e.code)) {
      stopPush(result, `${e.code}: ${e.message}`, pending, i, done);
      break;
    }
    if (entry.name === 'batch.create')
      refused.set(rejectDependants(cache, result, pending, i, entry, done), entry.seq);
    rejectSent(cache, result, entry, e);
  }
  return result;
}
