/**
 * The execution lease: one executor per batch at a time. Taking the lease bumps `lease_token`
 * (a fencing token that only grows); every write the executor makes first checks that the batch
 * still carries its token, so an executor that lost its lease (paused, partitioned, presumed dead)
 * cannot write after another took over. Expiry uses the central store's clock, not the
 * workstation's, so clock skew between workstations cannot let two executors hold it.
 */
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';

export interface Lease {
  batchId: string;
  owner: string;
  token: bigint;
  /** The previous holder when this lease was taken over from an expired one. */
  takenOverFrom: string | null;
}

export class LeaseLostError extends Error {
  readonly code = 'LEASE_HELD';
  constructor(batch: string, token: bigint) {
    super(
      `the execution lease on batch ${batch} (token ${token}) was taken over by another executor: this one stops`,
    );
    this.name = 'LeaseLostError';
  }
}

/** Takes the lease when free, expired, or already ours; otherwise LEASE_HELD naming the holder. */
export async function acquireLease(
  tx: CentralTx,
  batchId: string,
  owner: string,
  ttlMs: number,
): Promise<Lease> {
  const [before] = await rows<{
    lease_owner: string | null;
    lease_expires_at: Date | string | null;
    expired: boolean;
    number: string;
  }>(
    tx,
    sql`SELECT lease_owner, lease_expires_at, number, coalesce(lease_expires_at < clock_timestamp(), true) AS expired
        FROM payout_batches WHERE id = ${batchId}::uuid FOR UPDATE`,
  );
  if (!before) throw new TreasuryError('NOT_FOUND', `no batch ${batchId}`);
  if (before.lease_owner && before.lease_owner !== owner && !before.expired) {
    throw new TreasuryError(
      'LEASE_HELD',
      `batch ${before.number} is being executed by ${before.lease_owner} (lease until ${new Date(before.lease_expires_at!).toISOString()}): wait for it, or for the lease to expire if that executor died`,
    );
  }
  const [taken] = await rows<{ lease_token: string }>(
    tx,
    sql`UPDATE payout_batches SET lease_owner = ${owner}, lease_token = lease_token + 1,
               lease_expires_at = clock_timestamp() + ${ttlMs} * interval '1 millisecond'
        WHERE id = ${batchId}::uuid RETURNING lease_token::text AS lease_token`,
  );
  return {
    batchId,
    owner,
    token: BigInt(taken!.lease_token),
    takenOverFrom: before.lease_owner && before.lease_owner !== owner ? before.lease_owner : null,
  };
}

/** Extends the lease; false when it is not ours any more. */
export async function renewLease(tx: CentralTx, lease: Lease, ttlMs: number): Promise<boolean> {
  const renewed = await rows<{ id: string }>(
    tx,
    sql`UPDATE payout_batches SET lease_expires_at = clock_timestamp() + ${ttlMs} * interval '1 millisecond'
        WHERE id = ${lease.batchId}::uuid AND lease_token = ${lease.token.toString()}::bigint RETURNING id`,
  );
  return renewed.length === 1;
}

/** Fencing check at the start of every executor write transaction (locks the batch row). */
export async function assertLease(tx: CentralTx, lease: Lease, batchNumber: string): Promise<void> {
  const held = await rows<{ id: string }>(
    tx,
    sql`SELECT id FROM payout_batches WHERE id = ${lease.batchId}::uuid AND lease_token = ${lease.token.toString()}::bigint FOR UPDATE`,
  );
  if (held.length !== 1) throw new LeaseLostError(batchNumber, lease.token);
}

export async function releaseLease(tx: CentralTx, lease: Lease): Promise<void> {
  await tx.execute(sql`UPDATE payout_batches SET lease_owner = NULL, lease_expires_at = NULL
                       WHERE id = ${lease.batchId}::uuid AND lease_token = ${lease.token.toString()}::bigint`);
}
