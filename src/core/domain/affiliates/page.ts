/**
 * affiliate.detail: one affiliate's page — the record, what they are owed now (the payables rows,
 * decided as everywhere else), their newest commissions, their adjustments and their payouts.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { payableTotalsSql, type PayableTotals } from '../calculation/payables.js';
import { loadRuleVersions } from '../calculation/rules-store.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { defineQuery } from '../../platform/kernel/router.js';
import { ruleVersionAt } from '../../shared/commission/index.js';
import { maskAccount } from './mask.js';
import { failureMeaning, stateWords } from '../providers/states.js';
import { isoOf } from '../../platform/query/paging.js';
import { decidePageRows, type PayablesPageRow } from '../payables/payables.js';

/** Commissions and adjustments listed at most (newest first); `counts` says how many there are. */
export const DETAIL_LIMIT = 500;

type Ts = Date | string;

export interface AffiliateDetail {
  affiliate: {
    id: string;
    name: string;
    email: string;
    country: string;
    status: string;
    kycStatus: string;
    /** The payout currency. */
    currency: string;
    /**
     * The account number masked to its last four (affiliate.revealAccount shows it whole, audited).
     */
    provider: string | null;
    channelCode: string | null;
    accountNumber: string | null;
    accountHolderName: string | null;
    destinationChangedAt: string | null;
    createdAt: string;
    updatedAt: string;
    /** Payouts held by a person: why and since when; null when not held. */
    payoutHold: { reason: string; at: string | null } | null;
  };
  /** What is owed now, per commission currency, with the eligibility reasons (as payables.page). */
  payables: PayablesPageRow[];
  counts: { commissions: number; adjustments: number; payouts: number };
  commissions: {
    id: string;
    conversionId: string;
    amountMinor: string;
    currency: string;
    status: string;
    reason: string | null;
    ruleVersion: number;
    rateBps: number;
    capped: boolean;
    period: string;
    occurredAt: string;
    availableAt: string;
    calculatedAt: string;
    /** The live payout it is in, if any. */
    payoutId: string | null;
  }[];
  adjustments: {
    id: string;
    kind: string;
    amountMinor: string;
    currency: string;
    reason: string;
    commissionId: string | null;
    createdAt: string;
    payoutId: string | null;
  }[];
  payouts: {
    id: string;
    batchId: string;
    batchNumber: string;
    status: string;
    amountMinor: string;
    currency: string;
    sourceAmountMinor: string;
    sourceCurrency: string;
    fxRate: string | null;
    provider: string;
    channelCode: string;
    attempts: number;
    providerReference: string | null;
    failureCode: string | null;
    lastError: string | null;
    /** The provider's own state, and what it means in words (providers/states.ts). */
    providerStatus: string | null;
    providerState: string | null;
    /** Part k of n when the payout was split above its channel's maximum (1 of 1 otherwise). */
    part: number;
    parts: number;
    createdAt: string;
    updatedAt: string;
    settledAt: string | null;
  }[];
}

export const detail = defineQuery({
  name: 'affiliate.detail',
  permission: 'payables.view',
  input: z.strictObject({
    affiliateId: z
      .string()
      .min(1, 'name an affiliate by id')
      .max(64, 'an affiliate id has at most 64 characters'),
  }),
  async run(ctx, input): Promise<AffiliateDetail> {
    const id = input.affiliateId;
    const a = await affiliateRow(ctx.tx, id);
    const payables = await payablesNow(ctx.tx, id, ctx.now);
    const commissions = await newestCommissions(ctx.tx, id);
    const adjustments = await newestAdjustments(ctx.tx, id);
    const payouts = await newestPayouts(ctx.tx, id);
    return {
      affiliate: affiliateOf(a),
      payables,
      counts: {
        commissions: Number(a.commissions),
        adjustments: Number(a.adjustments),
        payouts: Number(a.payouts),
      },
      commissions,
      adjustments,
      payouts,
    };
  },
});

interface AffiliateRow {
  id: string;
  name: string;
  email: string;
  country: string;
  status: string;
  kyc_status: string;
  payout_currency: string;
  payout_provider: string | null;
  payout_channel_code: string | null;
  payout_account_number: string | null;
  payout_account_holder_name: string | null;
  destination_changed_at: Ts | null;
  created_at: Ts;
  updated_at: Ts;
  commissions: number;
  adjustments: number;
  payouts: number;
  payout_hold_reason: string | null;
  payout_hold_at: Ts | null;
}

/** The affiliate's record with how many commissions, adjustments and payouts it has. */
async function affiliateRow(tx: CentralTx, id: string): Promise<AffiliateRow> {
  const [a] = await rows<AffiliateRow>(
    tx,
    sql`SELECT a.*, (SELECT count(*)::int FROM commissions m WHERE m.affiliate_id = a.id) AS commissions,
               (SELECT count(*)::int FROM adjustments d WHERE d.affiliate_id = a.id) AS adjustments,
               (SELECT count(*)::int FROM payouts p WHERE p.affiliate_id = a.id) AS payouts
        FROM affiliates a WHERE a.id = ${id}`,
  );
  if (!a)
    throw new TreasuryError('NOT_FOUND', `no affiliate ${id}`, [
      { path: 'affiliateId', message: 'no such affiliate' },
    ]);
  return a;
}

/** The record as the page shows it: the account number masked to its last four. */
function affiliateOf(a: AffiliateRow): AffiliateDetail['affiliate'] {
  return {
    id: a.id,
    name: a.name,
    email: a.email,
    country: a.country,
    status: a.status,
    kycStatus: a.kyc_status,
    currency: a.payout_currency.trim(),
    provider: a.payout_provider,
    channelCode: a.payout_channel_code,
    accountNumber: maskAccount(a.payout_account_number),
    accountHolderName: a.payout_account_holder_name,
    destinationChangedAt: isoOf(a.destination_changed_at),
    createdAt: isoOf(a.created_at)!,
    updatedAt: isoOf(a.updated_at)!,
    payoutHold:
      a.payout_hold_reason === null
        ? null
        : { reason: a.payout_hold_reason, at: isoOf(a.payout_hold_at) },
  };
}

/**
 * What the affiliate is owed now, per commission currency, decided as payables.page decides it
 * (no rules yet: decided without them).
 */
async function payablesNow(tx: CentralTx, id: string, now: Date): Promise<PayablesPageRow[]> {
  const versions = await loadRuleVersions(tx).catch((e: unknown) =>
    e instanceof TreasuryError && e.code === 'NOT_FOUND' ? [] : Promise.reject(e),
  );
  const totals = await rows<PayableTotals>(
    tx,
    sql`SELECT t.affiliate_id, t.name, t.status, t.kyc_status, t.payout_provider, t.payout_hold, t.currency, t.payable::text AS payable, t.payable_count,
               t.pending::text AS pending, t.pending_count, t.adjustments::text AS adjustments
        FROM (${payableTotalsSql({ affiliates: sql`a.id = ${id}` })}) t ORDER BY t.currency`,
  );
  return decidePageRows(totals, ruleVersionAt(versions, now.getTime())?.rules, now);
}

/** The newest DETAIL_LIMIT commissions, each with the live payout it is in. */
async function newestCommissions(
  tx: CentralTx,
  id: string,
): Promise<AffiliateDetail['commissions']> {
  const list = await rows<{
    id: string;
    conversion_id: string;
    amount_minor: string;
    currency: string;
    status: string;
    reason: string | null;
    rule_version: number;
    rate_bps: number;
    capped: boolean;
    period: string;
    occurred_at: Ts;
    available_at: Ts;
    calculated_at: Ts;
    payout_id: string | null;
  }>(
    tx,
    sql`SELECT m.id::text AS id, m.conversion_id, m.amount_minor::text AS amount_minor, trim(m.currency) AS currency, m.status, m.reason, m.rule_version,
               m.rate_bps, m.capped, m.period, m.occurred_at, m.available_at, m.calculated_at, l.payout_id
        FROM commissions m LEFT JOIN payout_items l ON l.commission_id = m.id AND l.live
        WHERE m.affiliate_id = ${id} ORDER BY m.occurred_at DESC, m.id DESC LIMIT ${DETAIL_LIMIT}`,
  );
  return list.map((m) => ({
    id: m.id,
    conversionId: m.conversion_id,
    amountMinor: m.amount_minor,
    currency: m.currency,
    status: m.status,
    reason: m.reason,
    ruleVersion: Number(m.rule_version),
    rateBps: Number(m.rate_bps),
    capped: m.capped,
    period: m.period,
    occurredAt: isoOf(m.occurred_at)!,
    availableAt: isoOf(m.available_at)!,
    calculatedAt: isoOf(m.calculated_at)!,
    payoutId: m.payout_id,
  }));
}

/** The newest DETAIL_LIMIT adjustments, each with the live payout it is in. */
async function newestAdjustments(
  tx: CentralTx,
  id: string,
): Promise<AffiliateDetail['adjustments']> {
  const list = await rows<{
    id: string;
    kind: string;
    amount_minor: string;
    currency: string;
    reason: string;
    commission_id: string | null;
    created_at: Ts;
    payout_id: string | null;
  }>(
    tx,
    sql`SELECT d.id, d.kind, d.amount_minor::text AS amount_minor, trim(d.currency) AS currency, d.reason, d.commission_id::text AS commission_id, d.created_at, l.payout_id
        FROM adjustments d LEFT JOIN payout_items l ON l.adjustment_id = d.id AND l.live
        WHERE d.affiliate_id = ${id} ORDER BY d.created_at DESC, d.id DESC LIMIT ${DETAIL_LIMIT}`,
  );
  return list.map((d) => ({
    id: d.id,
    kind: d.kind,
    amountMinor: d.amount_minor,
    currency: d.currency,
    reason: d.reason,
    commissionId: d.commission_id,
    createdAt: isoOf(d.created_at)!,
    payoutId: d.payout_id,
  }));
}

interface PayoutRow {
  id: string;
  batch_id: string;
  number: string;
  status: string;
  amount_minor: string;
  currency: string;
  source_amount_minor: string;
  source_currency: string;
  fx_rate: string | null;
  provider: string;
  channel_code: string;
  attempt: number;
  provider_payout_id: string | null;
  failure_code: string | null;
  last_error: string | null;
  created_at: Ts;
  updated_at: Ts;
  settled_at: Ts | null;
  provider_status: string | null;
  split_part: number;
  split_parts: number;
}

/** The newest DETAIL_LIMIT payouts, with their batch and their current attempt's error. */
async function newestPayouts(tx: CentralTx, id: string): Promise<AffiliateDetail['payouts']> {
  const list = await rows<PayoutRow>(
    tx,
    sql`SELECT p.id, p.batch_id, b.number, p.status, p.amount_minor::text AS amount_minor, trim(p.currency) AS currency,
               p.source_amount_minor::text AS source_amount_minor, trim(p.source_currency) AS source_currency, p.fx_rate, p.provider, p.channel_code,
               p.attempt, p.provider_payout_id, p.provider_status, p.failure_code, t.last_error, p.split_part, p.split_parts, p.created_at, p.updated_at, p.settled_at
        FROM payouts p JOIN payout_batches b ON b.id = p.batch_id
        LEFT JOIN payout_attempts t ON t.payout_id = p.id AND t.attempt = p.attempt
        WHERE p.affiliate_id = ${id} ORDER BY p.created_at DESC, p.id DESC LIMIT ${DETAIL_LIMIT}`,
  );
  return list.map((p) => ({
    id: p.id,
    batchId: p.batch_id,
    batchNumber: p.number,
    status: p.status,
    amountMinor: p.amount_minor,
    currency: p.currency,
    sourceAmountMinor: p.source_amount_minor,
    sourceCurrency: p.source_currency,
    fxRate: p.fx_rate,
    provider: p.provider,
    channelCode: p.channel_code,
    attempts: Number(p.attempt),
    providerReference: p.provider_payout_id,
    failureCode: p.failure_code,
    // The provider's words: its own message, else what the failure code means.
    lastError: p.last_error ?? (p.failure_code === null ? null : failureMeaning(p.failure_code)),
    providerStatus: p.provider_status,
    providerState: stateWords(p.provider, p.provider_status),
    part: Number(p.split_part),
    parts: Number(p.split_parts),
    createdAt: isoOf(p.created_at)!,
    updatedAt: isoOf(p.updated_at)!,
    settledAt: isoOf(p.settled_at),
  }));
}
