/**
 * Acting on one affiliate from the console: hold and release their payouts, set their KYC status,
 * change their payout destination, and reveal their account number. Each is its own permission,
 * audited with before and after; the changes reach every workstation's cache through the affiliates
 * mirror (sync), and show as reasons wherever eligibility is decided (payables, preview: a hold is
 * `payouts_held`, KYC not approved `kyc_not_approved`).
 *
 * A destination change stamps `destination_changed_at`: the security rule `destination_changed`
 * (security/rules.ts) then holds the approval of any batch paying this affiliate within the
 * configured days, exactly as a change by import does.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { defineCommand, operatorIdOf } from '../../platform/kernel/router.js';
import { knownChannelLimits } from '../providers/channels.js';
import { PROVIDER_NAMES } from '../../platform/payments/provider.js';
import { maskAccount } from './mask.js';

const affiliateId = z.string().min(1, 'name an affiliate by id').max(64);
const reason = z.string().trim().min(3, 'say why in a few words (at least 3 characters)').max(500);

interface AffiliateRow {
  id: string;
  status: string;
  kyc_status: string;
  payout_currency: string;
  payout_provider: string | null;
  payout_channel_code: string | null;
  payout_account_number: string | null;
  payout_account_holder_name: string | null;
  payout_hold_reason: string | null;
}

async function lockAffiliate(tx: CentralTx, id: string): Promise<AffiliateRow> {
  const [a] = await rows<AffiliateRow>(
    tx,
    sql`SELECT id, status, kyc_status, trim(payout_currency) AS payout_currency, payout_provider, payout_channel_code, payout_account_number,
               payout_account_holder_name, payout_hold_reason FROM affiliates WHERE id = ${id} FOR UPDATE`,
  );
  if (!a)
    throw new TreasuryError('NOT_FOUND', `no affiliate ${id}`, [
      { path: 'affiliateId', message: 'no such affiliate' },
    ]);
  return a;
}

export const hold = defineCommand({
  name: 'affiliate.hold',
  permission: 'batches.cancel',
  input: z.strictObject({ affiliateId, reason }),
  async run(ctx, input) {
    const a = await lockAffiliate(ctx.tx, input.affiliateId);
    if (a.payout_hold_reason !== null)
      throw new TreasuryError(
        'CONFLICT',
        `affiliate ${a.id}'s payouts are already held (${a.payout_hold_reason})`,
      );
    await writeHolds(ctx, [a.id], input.reason);
    return { affiliateId: a.id, held: true, reason: input.reason };
  },
});

export const release = defineCommand({
  name: 'affiliate.release',
  permission: 'batches.cancel',
  input: z.strictObject({ affiliateId, reason }),
  async run(ctx, input) {
    const a = await lockAffiliate(ctx.tx, input.affiliateId);
    if (a.payout_hold_reason === null)
      throw new TreasuryError('CONFLICT', `affiliate ${a.id}'s payouts are not held`);
    await writeReleases(ctx, [a], input.reason);
    return { affiliateId: a.id, held: false };
  },
});

/**
 * Holding or releasing many affiliates at once (the payables grid's selection): one transaction,
 * one UPDATE for the set and an audit entry per affiliate, as `affiliate.hold`/`release` write
 * them. Affiliates already in the asked state are left as they are and named in the answer, so a
 * selection that mixes held and free rows does what the operator meant for the others.
 */
const affiliateIds = z
  .array(affiliateId)
  .min(1, 'select at least one affiliate')
  .max(1000, 'at most 1,000 affiliates at once')
  .refine((ids) => new Set(ids).size === ids.length, 'an affiliate is named twice');

export interface BulkHoldResult {
  changed: string[];
  /** Already held (hold) or not held (release): left as they were. */
  unchanged: string[];
}

async function lockAffiliates(
  tx: CentralTx,
  ids: readonly string[],
): Promise<{ id: string; payout_hold_reason: string | null }[]> {
  const found = await rows<{ id: string; payout_hold_reason: string | null }>(
    tx,
    sql`SELECT id, payout_hold_reason FROM affiliates WHERE id IN (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )}) ORDER BY id FOR UPDATE`,
  );
  const known = new Set(found.map((a) => a.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0)
    throw new TreasuryError(
      'NOT_FOUND',
      `no affiliate ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`,
      [{ path: 'affiliateIds', message: 'no such affiliate' }],
    );
  return found;
}

export const holdMany = defineCommand({
  name: 'affiliate.holdMany',
  permission: 'batches.cancel',
  input: z.strictObject({ affiliateIds, reason }),
  async run(ctx, input): Promise<BulkHoldResult> {
    const found = await lockAffiliates(ctx.tx, input.affiliateIds);
    const changed = found.filter((a) => a.payout_hold_reason === null).map((a) => a.id);
    const unchanged = found.filter((a) => a.payout_hold_reason !== null).map((a) => a.id);
    await writeHolds(ctx, changed, input.reason);
    return { changed, unchanged };
  },
});

export const releaseMany = defineCommand({
  name: 'affiliate.releaseMany',
  permission: 'batches.cancel',
  input: z.strictObject({ affiliateIds, reason }),
  async run(ctx, input): Promise<BulkHoldResult> {
    const found = await lockAffiliates(ctx.tx, input.affiliateIds);
    const held = found.filter((a) => a.payout_hold_reason !== null);
    const unchanged = found.filter((a) => a.payout_hold_reason === null).map((a) => a.id);
    await writeReleases(ctx, held, input.reason);
    return { changed: held.map((a) => a.id), unchanged };
  },
});

export const KYC_STATUSES = ['pending', 'approved', 'rejected'] as const;

export const setKyc = defineCommand({
  name: 'affiliate.setKyc',
  permission: 'admin.manage',
  input: z.strictObject({
    affiliateId,
    status: z.enum(KYC_STATUSES, { error: `must be one of ${KYC_STATUSES.join(', ')}` }),
    reason,
  }),
  async run(ctx, input) {
    const a = await lockAffiliate(ctx.tx, input.affiliateId);
    if (a.kyc_status === input.status)
      return { affiliateId: a.id, kycStatus: a.kyc_status, changed: false };
    await ctx.tx.execute(
      sql`UPDATE affiliates SET kyc_status = ${input.status}, updated_at = ${ctx.now.toISOString()}::timestamptz WHERE id = ${a.id}`,
    );
    ctx.audit({
      action: 'affiliate.setKyc',
      entityType: 'affiliate',
      entityId: a.id,
      before: { kycStatus: a.kyc_status },
      after: { kycStatus: input.status, reason: input.reason },
    });
    return { affiliateId: a.id, kycStatus: input.status, changed: true };
  },
});

export const setDestination = defineCommand({
  name: 'affiliate.setDestination',
  permission: 'admin.manage',
  stepUp: true,
  input: z.strictObject({
    affiliateId,
    provider: z.enum(PROVIDER_NAMES, { error: `must be one of ${PROVIDER_NAMES.join(', ')}` }),
    channelCode: z
      .string()
      .trim()
      .min(2)
      .max(64)
      .regex(/^[A-Z0-9_]+$/, 'a channel code is capitals, digits and underscores (e.g. ID_BCA)'),
    accountNumber: z
      .string()
      .trim()
      .min(3)
      .max(64)
      .regex(/^[A-Za-z0-9-]+$/, 'an account number is letters, digits and dashes'),
    accountHolderName: z.string().trim().min(2).max(200),
    reason,
  }),
  async run(ctx, input) {
    const a = await lockAffiliate(ctx.tx, input.affiliateId);
    if (!knownChannelLimits(input.provider, input.channelCode, a.payout_currency)) {
      throw new TreasuryError(
        'VALIDATION',
        `${input.provider} does not pay ${a.payout_currency}, the affiliate's payout currency`,
        [{ path: 'provider', message: `does not pay ${a.payout_currency}` }],
      );
    }
    const before = {
      provider: a.payout_provider,
      channelCode: a.payout_channel_code,
      account: maskAccount(a.payout_account_number),
      accountHolderName: a.payout_account_holder_name,
    };
    await ctx.tx
      .execute(sql`UPDATE affiliates SET payout_provider = ${input.provider}, payout_channel_code = ${input.channelCode},
                             payout_account_number = ${input.accountNumber}, payout_account_holder_name = ${input.accountHolderName},
                             destination_changed_at = ${ctx.now.toISOString()}::timestamptz, updated_at = ${ctx.now.toISOString()}::timestamptz WHERE id = ${a.id}`);
    // The audit trail keeps the masked account: it is read by more people than may see the number.
    ctx.audit({
      action: 'affiliate.setDestination',
      entityType: 'affiliate',
      entityId: a.id,
      before,
      after: {
        provider: input.provider,
        channelCode: input.channelCode,
        account: maskAccount(input.accountNumber),
        accountHolderName: input.accountHolderName,
        reason: input.reason,
      },
    });
    return {
      affiliateId: a.id,
      provider: input.provider,
      channelCode: input.channelCode,
      account: maskAccount(input.accountNumber),
      destinationChangedAt: ctx.now.toISOString(),
    };
  },
});

/**
 * The full account number, for a person checking a destination: every reveal is in the audit trail.
 */
export const revealAccount = defineCommand({
  name: 'affiliate.revealAccount',
  permission: 'batches.approve',
  input: z.strictObject({ affiliateId }),
  async run(ctx, input) {
    const a = await lockAffiliate(ctx.tx, input.affiliateId);
    ctx.audit({
      action: 'affiliate.revealAccount',
      entityType: 'affiliate',
      entityId: a.id,
      after: { account: maskAccount(a.payout_account_number) },
    });
    return { affiliateId: a.id, accountNumber: a.payout_account_number };
  },
});

type HoldContext = Parameters<(typeof hold)['run']>[0];

/** Holds the affiliates' payouts (one UPDATE for the set) with an audit entry each. */
async function writeHolds(ctx: HoldContext, ids: readonly string[], reason: string) {
  if (ids.length === 0) return;
  const at = ctx.now.toISOString();
  await ctx.tx
    .execute(sql`UPDATE affiliates SET payout_hold_reason = ${reason}, payout_hold_by = ${operatorIdOf(ctx)}::uuid,
                             payout_hold_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
                             WHERE id IN (${sql.join(
                               ids.map((id) => sql`${id}`),
                               sql`, `,
                             )})`);
  for (const id of ids)
    ctx.audit({
      action: 'affiliate.hold',
      entityType: 'affiliate',
      entityId: id,
      before: { held: false },
      after: { held: true, reason },
    });
}

/** Releases held affiliates (one UPDATE for the set) with an audit entry each, saying the old hold. */
async function writeReleases(
  ctx: HoldContext,
  held: readonly { id: string; payout_hold_reason: string | null }[],
  reason: string,
) {
  if (held.length === 0) return;
  await ctx.tx
    .execute(sql`UPDATE affiliates SET payout_hold_reason = NULL, payout_hold_by = NULL, payout_hold_at = NULL,
                             updated_at = ${ctx.now.toISOString()}::timestamptz
                             WHERE id IN (${sql.join(
                               held.map((a) => sql`${a.id}`),
                               sql`, `,
                             )})`);
  for (const a of held)
    ctx.audit({
      action: 'affiliate.release',
      entityType: 'affiliate',
      entityId: a.id,
      before: { held: true, reason: a.payout_hold_reason },
      after: { held: false, reason },
    });
}
