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
import { toTreasuryError, type ErrorCode } from '../../shared/errors.js';
import type { Router } from '../../platform/kernel/router.js';
import { listOutbox, settle } from '../../platform/cache/outbox.js';

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

export async function push(
  router: Router,
  cache: LocalCache,
  options: {
    workstationId: string;
    ip?: string | null;
    sessionFor: (operator: string) => string | null;
  },
): Promise<PushResult> {
  const result: PushResult = { applied: 0, rejected: [], pending: 0, stoppedBecause: null };
  const pending = listOutbox(cache, 'pending');
  // Batches whose creation was refused: later commands about them are refused with it, unsent.
  const refused = new Map(
    listOutbox(cache, 'rejected')
      .filter((e) => e.name === 'batch.create')
      .map((e) => [(e.input as { batchId?: string }).batchId, e.seq]),
  );
  const done = new Set<number>();
  for (const [i, entry] of pending.entries()) {
    if (done.has(entry.seq)) continue;
    const about = (entry.input as { batch?: string }).batch;
    if (about && refused.has(about)) {
      const rejection = {
        code: 'DEPENDS_ON_REJECTED',
        message: `batch ${about} was never created (outbox command ${refused.get(about)} was rejected)`,
      };
      settle(cache, entry.seq, rejection);
      result.rejected.push({
        seq: entry.seq,
        commandId: entry.commandId,
        name: entry.name,
        ...rejection,
      });
      continue;
    }
    const session = options.sessionFor(entry.operator);
    if (!session) {
      result.stoppedBecause = `${entry.operator} must sign in online to push their commands (command ${entry.seq}, ${entry.name})`;
      result.pending = pending.slice(i).filter((p) => !done.has(p.seq)).length;
      break;
    }
    try {
      await router.call({
        name: entry.name,
        payload: entry.input,
        id: entry.commandId,
        session,
        workstationId: options.workstationId,
        ip: options.ip ?? null,
      });
      settle(cache, entry.seq, null);
      result.applied++;
    } catch (error) {
      const e = toTreasuryError(error);
      if (NOT_A_VERDICT.has(e.code)) {
        result.stoppedBecause = `${e.code}: ${e.message}`;
        result.pending = pending.slice(i).filter((p) => !done.has(p.seq)).length;
        break;
      }
      if (entry.name === 'batch.create') {
        // Later commands about the refused batch were applied on top of its creation: undo them
        // first, newest first, so every undo restores the image it saw.
        const batchId = (entry.input as { batchId?: string }).batchId;
        const dependants = pending
          .slice(i + 1)
          .filter((d) => (d.input as { batch?: string }).batch === batchId);
        for (const d of [...dependants].reverse()) {
          const rejection = {
            code: 'DEPENDS_ON_REJECTED',
            message: `batch ${batchId} was never created (outbox command ${entry.seq} was rejected)`,
          };
          settle(cache, d.seq, rejection);
          result.rejected.push({ seq: d.seq, commandId: d.commandId, name: d.name, ...rejection });
          done.add(d.seq);
        }
        refused.set(batchId, entry.seq);
      }
      settle(cache, entry.seq, { code: e.code, message: e.message, problems: e.problems });
      result.rejected.push({
        seq: entry.seq,
        commandId: entry.commandId,
        name: entry.name,
        code: e.code,
        message: e.message,
      });
    }
  }
  return result;
}
