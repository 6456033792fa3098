/**
 * Before the first round (executor.ts, rules 1 and 2): the approvals must still cover the batch as
 * stored, then the run takes the lease and keeps it alive while it works. The pre-flight, between
 * the two, is preflight.ts.
 */
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { assert } from '../../shared/assert.js';
import { transition } from '../../shared/batch-state.js';
import { TreasuryError } from '../../shared/errors.js';
import { computeContentHash, loadBatch, type BatchRow } from '../batches/content.js';
import { moveBatch, voidStaleApprovals } from '../batches/lifecycle.js';
import { acquireLease, renewLease, type Lease } from './lease.js';
import type { ExecutionRun } from './run.js';

/**
 * Only an APPROVED or EXECUTING batch executes. An APPROVED one whose approvals no longer cover its
 * content is not executed: its approvals are voided and it goes back to SUBMITTED (APPROVAL_VOID).
 */
export async function checkApprovals(run: ExecutionRun): Promise<void> {
  const first = run.batch;
  if (first.status !== 'APPROVED' && first.status !== 'EXECUTING')
    transition(first.number, first.status, 'execute');
  if (first.status !== 'APPROVED') return;
  const problem = await approvalProblem(run.db, first);
  if (!problem) return;
  await run.write(async (w) => {
    const batch = await loadBatch(w.tx, first.id, { forUpdate: true });
    if (batch.status !== 'APPROVED') return;
    const hash = await computeContentHash(w.tx, batch);
    const voided = await voidStaleApprovals(w.tx, batch.id, hash, w.now, problem);
    await w.tx.execute(
      sql`UPDATE payout_batches SET content_hash = ${hash} WHERE id = ${batch.id}::uuid`,
    );
    await moveBatch(w, batch, 'invalidate', { reason: problem, approvalsVoided: voided });
  });
  throw new TreasuryError(
    'APPROVAL_VOID',
    `batch ${first.number} was not executed: ${problem}. Its approvals are void; it is SUBMITTED again and needs fresh approval`,
  );
}

/** Why the approvals do not cover the batch as stored, or null when they do. */
async function approvalProblem(db: CentralTx, batch: BatchRow): Promise<string | null> {
  const hash = await computeContentHash(db, batch);
  if (batch.contentHash !== hash)
    return 'the batch content changed after approval (stored payouts no longer match the approved content hash)';
  const approvals = await rows<{ operator_id: string }>(
    db,
    sql`SELECT operator_id FROM batch_approvals WHERE batch_id = ${batch.id}::uuid AND voided_at IS NULL AND content_hash = ${hash}`,
  );
  const distinct = new Set(
    approvals.map((a) => a.operator_id).filter((o) => o !== batch.createdBy),
  );
  if (distinct.size < batch.requiredApprovals)
    return `it holds ${distinct.size} valid approval(s) for its current content; ${batch.requiredApprovals} are required`;
  return null;
}

/**
 * Takes the execution lease (rule 1): an APPROVED batch moves to EXECUTING; an EXECUTING one is
 * resumed, or taken over from an executor whose lease expired. Every later write is fenced by it.
 */
export async function takeLease(run: ExecutionRun): Promise<Lease> {
  assert(run.lease === null, 'a run takes the execution lease once');
  const lease = await run.write(async (w) => {
    const batch = await loadBatch(w.tx, run.batch.id, { forUpdate: true });
    if (batch.status !== 'APPROVED' && batch.status !== 'EXECUTING')
      transition(batch.number, batch.status, 'execute');
    const l = await acquireLease(w.tx, batch.id, run.owner, run.ttl);
    const holder = { leaseOwner: run.owner, leaseToken: l.token.toString() };
    if (batch.status === 'APPROVED') {
      await w.tx.execute(
        sql`UPDATE payout_batches SET execution_started_at = now() WHERE id = ${batch.id}::uuid`,
      );
      await moveBatch(w, batch, 'execute', holder);
    } else {
      w.audit({
        action: l.takenOverFrom ? 'batch.lease_takeover' : 'batch.resume',
        entityType: 'payout_batch',
        entityId: batch.id,
        after: { ...holder, takenOverFrom: l.takenOverFrom },
      });
    }
    return l;
  });
  run.lease = lease;
  return lease;
}

/**
 * Renews the lease every third of its time to live while the run works; returns the function that
 * stops it. A renewal refused means another executor took over: the run notes it and stops.
 */
export function keepLease(run: ExecutionRun): () => void {
  const lease = run.heldLease;
  const heartbeat = setInterval(
    () => {
      renewLease(run.db, lease, run.ttl).then(
        (ok) => {
          if (!ok)
            run.lost ??= new TreasuryError(
              'LEASE_HELD',
              `lost the execution lease on batch ${run.batch.number}: another executor took over`,
            );
        },
        () => {
          /* a missed heartbeat is not a lost lease; the fence decides at the next write */
        },
      );
    },
    Math.max(50, Math.floor(run.ttl / 3)),
  );
  heartbeat.unref?.();
  return () => clearInterval(heartbeat);
}
