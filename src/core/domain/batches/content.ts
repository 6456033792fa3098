/**
 * Reading a batch back from the central store: its row (locked when it is about to change), and its
 * content hash recomputed from what is actually stored — payouts, amounts, destinations, rates and
 * the commissions and adjustments behind each payout. Approvals compare against this, never against
 * a hash someone wrote down earlier.
 */
import { pgArray } from '../../platform/central/arrays.js';
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { batchContentHash, type HashedPayout } from './content-hash.js';
import type { BatchState } from '../../shared/batch-state.js';

export interface BatchRow {
  id: string;
  number: string;
  status: BatchState;
  contentHash: string | null;
  fxRates: Record<string, string>;
  requiredApprovals: number;
  highValue: boolean;
  createdBy: string;
  leaseOwner: string | null;
  leaseToken: bigint;
  leaseExpiresAt: Date | null;
}

/**
 * By id or by number (B-YYYYMMDD-NNN). `forUpdate` locks the row for the rest of the transaction.
 */
export async function loadBatch(
  tx: CentralTx,
  ref: string,
  options: { forUpdate?: boolean } = {},
): Promise<BatchRow> {
  const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
  const lock = options.forUpdate ? sql`FOR UPDATE` : sql``;
  const [b] = await rows<{
    id: string;
    number: string;
    status: BatchState;
    content_hash: string | null;
    fx_rates: Record<string, string>;
    required_approvals: number;
    high_value: boolean;
    created_by: string;
    lease_owner: string | null;
    lease_token: string;
    lease_expires_at: Date | string | null;
  }>(
    tx,
    sql`SELECT id, number, status, content_hash, fx_rates, required_approvals, high_value, created_by, lease_owner,
               lease_token::text AS lease_token, lease_expires_at
        FROM payout_batches WHERE ${byId ? sql`id = ${ref}::uuid` : sql`number = ${ref}`} ${lock}`,
  );
  if (!b) throw new TreasuryError('NOT_FOUND', `no batch ${ref}`);
  return {
    id: b.id,
    number: b.number,
    status: b.status,
    contentHash: b.content_hash,
    fxRates: b.fx_rates ?? {},
    requiredApprovals: Number(b.required_approvals),
    highValue: b.high_value,
    createdBy: b.created_by,
    leaseOwner: b.lease_owner,
    leaseToken: BigInt(b.lease_token),
    leaseExpiresAt: b.lease_expires_at ? new Date(b.lease_expires_at) : null,
  };
}

/**
 * The content hash of what the batch holds now (live items only: a cancelled payout pays nothing).
 */
export async function computeContentHash(
  tx: CentralTx,
  batch: { id: string; fxRates: Record<string, string> },
): Promise<string> {
  const payouts = await rows<{
    affiliate_id: string;
    amount_minor: string;
    currency: string;
    source_amount_minor: string;
    source_currency: string;
    fx_rate: string | null;
    provider: string;
    channel_code: string;
    account_number: string;
    account_holder_name: string;
    commission_ids: string | null;
    adjustment_ids: string | null;
    split_part: number;
    split_parts: number;
  }>(
    tx,
    sql`SELECT p.affiliate_id, p.amount_minor::text AS amount_minor, p.currency, p.source_amount_minor::text AS source_amount_minor,
               p.source_currency, p.fx_rate, p.provider, p.channel_code, p.account_number, p.account_holder_name, p.split_part, p.split_parts,
               (SELECT string_agg(i.commission_id::text, ',') FROM payout_items i WHERE i.payout_id = p.id AND i.commission_id IS NOT NULL AND i.live) AS commission_ids,
               (SELECT string_agg(i.adjustment_id, ',') FROM payout_items i WHERE i.payout_id = p.id AND i.adjustment_id IS NOT NULL AND i.live) AS adjustment_ids
        FROM payouts p WHERE p.batch_id = ${batch.id}::uuid AND p.status <> 'CANCELLED'`,
  );
  const hashed: HashedPayout[] = payouts.map((p) => ({
    affiliateId: p.affiliate_id,
    amountMinor: BigInt(p.amount_minor),
    currency: p.currency.trim(),
    sourceAmountMinor: BigInt(p.source_amount_minor),
    sourceCurrency: p.source_currency.trim(),
    fxRate: p.fx_rate,
    provider: p.provider,
    channelCode: p.channel_code,
    accountNumber: p.account_number,
    accountHolderName: p.account_holder_name,
    commissionIds: p.commission_ids ? p.commission_ids.split(',') : [],
    adjustmentIds: p.adjustment_ids ? p.adjustment_ids.split(',') : [],
    splitPart: Number(p.split_part),
    splitParts: Number(p.split_parts),
  }));
  return batchContentHash({ batchId: batch.id, payouts: hashed, fxRates: batch.fxRates });
}

/**
 * Invariant: every live payout's source amount equals the sum of its live items. Asserted after
 * every write that touches payouts or items; a violation aborts the transaction.
 */
export async function assertPayoutsBalance(
  tx: CentralTx,
  batchIds: readonly string[],
): Promise<void> {
  const bad = await rows<{ id: string; source_amount_minor: string; items: string }>(
    tx,
    sql`SELECT p.id, p.source_amount_minor::text AS source_amount_minor, coalesce(sum(i.amount_minor), 0)::text AS items
        FROM payouts p LEFT JOIN payout_items i ON i.payout_id = p.id AND i.live
        WHERE p.batch_id = ANY(${pgArray([...batchIds])}::uuid[]) AND p.status NOT IN ('CANCELLED', 'REVERSED')
        GROUP BY p.id, p.source_amount_minor
        HAVING p.source_amount_minor <> coalesce(sum(i.amount_minor), 0)
        LIMIT 5`,
  );
  if (bad.length > 0) {
    throw new TreasuryError(
      'CONFLICT',
      `payout amounts no longer match their commissions (${bad.map((b) => `payout ${b.id}: ${b.source_amount_minor} ≠ ${b.items}`).join('; ')}): commissions changed while the batch was written; nothing was saved, try again`,
    );
  }
}
