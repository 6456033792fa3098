/**
 * payouts.page: the payout history grid across batches, and a batch's own payouts grid (the batch
 * filter). Filtered, sorted and paged in SQL: one count and one page statement, whatever the number
 * of payouts. Each row carries the provider's state and failure code with their meanings in words
 * (providers/states.ts): an operator reads "held for a compliance review", not "LOCKED".
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { batchRef } from '../batches/commands.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { defineQuery } from '../../platform/kernel/router.js';
import type { LocalCache } from '../../platform/cache/cache.js';
import { isoText, mirrorInstant } from '../../platform/cache/mirror-text.js';
import { toDate } from '../../platform/kernel/inputs.js';
import { PAYOUT_STATUSES } from './status.js';
import { PROVIDER_NAMES } from '../../platform/payments/provider.js';
import { failureMeaning, stateWords } from '../providers/states.js';
import {
  currencyInput,
  dateInput,
  isoOf,
  likePattern,
  matchesAny,
  orderBy,
  pageFields,
  pageOf,
  type Sort,
} from '../../platform/query/paging.js';

export const PAYOUTS_SORT = [
  'createdAt',
  'updatedAt',
  'amountMinor',
  'currency',
  'status',
  'provider',
  'affiliateId',
  'affiliateName',
  'batchNumber',
  'attempts',
  'failureCode',
] as const;
export type PayoutsSortField = (typeof PAYOUTS_SORT)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const payoutsPageInput = z.strictObject({
  status: z
    .enum(PAYOUT_STATUSES, { error: `must be one of ${PAYOUT_STATUSES.join(', ')}` })
    .optional(),
  provider: z
    .enum(PROVIDER_NAMES, { error: `must be one of ${PROVIDER_NAMES.join(', ')}` })
    .optional(),
  currency: currencyInput.optional(),
  batch: batchRef.optional(),
  affiliateId: z.string().min(1, 'name an affiliate by id').max(64).optional(),
  /**
   * Payouts whose last failure code is exactly this one (the provider's code, e.g.
   * INVALID_DESTINATION).
   */
  failureCode: z.string().trim().min(1, 'name a failure code').max(64).optional(),
  /** Payouts created at or after `from` and before `to`. */
  from: dateInput.optional(),
  to: dateInput.optional(),
  ...pageFields(PAYOUTS_SORT),
});
export type PayoutsPageInput = z.infer<typeof payoutsPageInput>;

export interface PayoutRow {
  id: string;
  batchId: string;
  batchNumber: string;
  affiliateId: string;
  affiliateName: string;
  amountMinor: string;
  currency: string;
  /** Before FX: what was owed in the commissions' currency (equal to the amount without FX). */
  sourceAmountMinor: string;
  sourceCurrency: string;
  fxRate: string | null;
  provider: string;
  channelCode: string;
  status: string;
  /** The provider's id of the current attempt's payout. */
  providerReference: string | null;
  /**
   * The provider's own state as last heard (e.g. LOCKED), and what it means in words; null before
   * any answer.
   */
  providerStatus: string | null;
  providerStateMeaning: string | null;
  /** Attempts so far (the current attempt's number; 0 when nothing was sent). */
  attempts: number;
  failureCode: string | null;
  /** The failure code in words, with what to do about it; null when the payout never failed. */
  failureMessage: string | null;
  /** What went wrong last: the current attempt's error, else the failure code. */
  lastError: string | null;
  /** Part k of n of a payout split above its channel's maximum (1 of 1: not split). */
  part: number;
  parts: number;
  createdAt: string;
  updatedAt: string;
}

export interface PayoutsPage {
  total: number;
  rows: PayoutRow[];
}

export const PAYOUTS_DEFAULT_SORT: Sort<PayoutsSortField> = { field: 'createdAt', dir: 'desc' };

/**
 * Amounts of different currencies do not compare: sorting by amount groups by currency first
 * (always ascending) and orders the amounts within each currency the way asked.
 */
const COLUMNS = {
  createdAt: sql`p.created_at`,
  updatedAt: sql`p.updated_at`,
  amountMinor: sql`p.currency ASC, p.amount_minor`,
  currency: sql`p.currency`,
  status: sql`p.status`,
  provider: sql`p.provider`,
  affiliateId: sql`p.affiliate_id`,
  affiliateName: sql`a.name`,
  batchNumber: sql`b.number`,
  attempts: sql`p.attempt`,
  failureCode: sql`p.failure_code`,
} satisfies Record<PayoutsSortField, SQL>;

/** The filters as one WHERE condition over payouts p, their batch b and affiliate a. */
export function payoutFilters(input: Omit<PayoutsPageInput, 'sort' | 'offset' | 'limit'>): SQL {
  const conditions: SQL[] = [sql`true`];
  if (input.status) conditions.push(sql`p.status = ${input.status}`);
  if (input.provider) conditions.push(sql`p.provider = ${input.provider}`);
  if (input.currency) conditions.push(sql`p.currency = ${input.currency}`);
  if (input.batch)
    conditions.push(
      UUID.test(input.batch)
        ? sql`p.batch_id = ${input.batch}::uuid`
        : sql`b.number = ${input.batch}`,
    );
  if (input.affiliateId) conditions.push(sql`p.affiliate_id = ${input.affiliateId}`);
  if (input.failureCode) conditions.push(sql`p.failure_code = ${input.failureCode}`);
  if (input.from)
    conditions.push(sql`p.created_at >= ${toDate(input.from).toISOString()}::timestamptz`);
  if (input.to) conditions.push(sql`p.created_at < ${toDate(input.to).toISOString()}::timestamptz`);
  const pattern = likePattern(input.search);
  if (pattern)
    conditions.push(
      matchesAny(pattern, [
        sql`p.id::text`,
        sql`p.affiliate_id`,
        sql`a.name`,
        sql`b.number`,
        sql`coalesce(p.provider_payout_id, '')`,
      ]),
    );
  return sql.join(conditions, sql` AND `);
}

/** A payout as both stores return it (the cache gives integers where Postgres gives text). */
export interface RawPayout {
  id: string;
  batch_id: string;
  number: string;
  affiliate_id: string;
  name: string;
  amount_minor: string | bigint;
  currency: string;
  source_amount_minor: string | bigint;
  source_currency: string;
  fx_rate: string | null;
  provider: string;
  channel_code: string;
  status: string;
  provider_payout_id: string | null;
  provider_status: string | null;
  attempt: number | bigint;
  failure_code: string | null;
  last_error: string | null;
  split_part: number | bigint;
  split_parts: number | bigint;
}

/**
 * One grid row from either store (timestamps converted by the caller: the stores keep them
 * differently).
 */
function rowOf(p: RawPayout, createdAt: string, updatedAt: string): PayoutRow {
  return {
    id: p.id,
    batchId: p.batch_id,
    batchNumber: p.number,
    affiliateId: p.affiliate_id,
    affiliateName: p.name,
    amountMinor: String(p.amount_minor),
    currency: p.currency,
    sourceAmountMinor: String(p.source_amount_minor),
    sourceCurrency: p.source_currency.trim(),
    fxRate: p.fx_rate,
    provider: p.provider,
    channelCode: p.channel_code,
    status: p.status,
    providerReference: p.provider_payout_id,
    providerStatus: p.provider_status,
    providerStateMeaning: stateWords(p.provider, p.provider_status),
    attempts: Number(p.attempt),
    failureCode: p.failure_code,
    failureMessage: p.failure_code === null ? null : failureMeaning(p.failure_code),
    lastError: p.last_error ?? p.failure_code,
    part: Number(p.split_part),
    parts: Number(p.split_parts),
    createdAt,
    updatedAt,
  };
}

const PAYOUTS_FROM = sql`payouts p JOIN payout_batches b ON b.id = p.batch_id JOIN affiliates a ON a.id = p.affiliate_id`;

/** The payouts matching the filters. */
export async function countPayouts(
  tx: CentralTx,
  input: Omit<PayoutsPageInput, 'sort' | 'offset' | 'limit'>,
): Promise<number> {
  const [{ n } = { n: 0 }] = await rows<{ n: number }>(
    tx,
    sql`SELECT count(*)::int AS n FROM ${PAYOUTS_FROM} WHERE ${payoutFilters(input)}`,
  );
  return Number(n);
}

/**
 * Every payout matching the filters in the grid's order (the id breaks ties, so the order is
 * total): the page reads a LIMIT/OFFSET of it, the grid's export (export-grid.ts) reads it whole
 * through a cursor.
 */
export function payoutsQuery(input: Omit<PayoutsPageInput, 'offset' | 'limit'>): SQL {
  return sql`SELECT p.id, p.batch_id, b.number, p.affiliate_id, a.name, p.amount_minor::text AS amount_minor, trim(p.currency) AS currency,
               p.source_amount_minor::text AS source_amount_minor, p.source_currency, p.fx_rate, p.provider, p.channel_code, p.status,
               p.provider_payout_id, p.provider_status, p.attempt, p.failure_code, t.last_error, p.split_part, p.split_parts, p.created_at, p.updated_at
        FROM ${PAYOUTS_FROM} LEFT JOIN payout_attempts t ON t.payout_id = p.id AND t.attempt = p.attempt
        WHERE ${payoutFilters(input)}
        ORDER BY ${orderBy(COLUMNS, input.sort, PAYOUTS_DEFAULT_SORT, [sql`p.id`])}`;
}

/** A row of payoutsQuery as the grid shows it. */
export type PayoutQueryRow = RawPayout & { created_at: Date | string; updated_at: Date | string };
export const payoutRowOf = (p: PayoutQueryRow): PayoutRow =>
  rowOf(p, isoOf(p.created_at)!, isoOf(p.updated_at)!);

export async function payoutsPage(tx: CentralTx, input: PayoutsPageInput): Promise<PayoutsPage> {
  const total = await countPayouts(tx, input);
  const { offset, limit } = pageOf(input);
  const list = await rows<PayoutQueryRow>(
    tx,
    sql`${payoutsQuery(input)} LIMIT ${limit} OFFSET ${offset}`,
  );
  return { total, rows: list.map(payoutRowOf) };
}

/**
 * Sort fields → SQLite expressions (fixed text, never from the request). Amounts: within currency,
 * as online.
 */
const PAYOUT_COLUMNS: Record<PayoutsSortField, string> = {
  createdAt: mirrorInstant('p.created_at'),
  updatedAt: mirrorInstant('p.updated_at'),
  amountMinor: 'trim(p.currency) ASC, p.amount_minor',
  currency: 'trim(p.currency)',
  status: 'p.status',
  provider: 'p.provider',
  affiliateId: 'p.affiliate_id',
  affiliateName: 'a.name',
  batchNumber: 'b.number',
  attempts: 'p.attempt',
  failureCode: 'p.failure_code',
};

/**
 * The payouts grid offline: the same inputs and shape over the cache's mirrors as last pulled. The
 * payouts mirror holds the provider state and the failure code, so every filter (the failure code
 * too) and every sort answers as online. Provider error texts (payout attempts) are not mirrored:
 * `lastError` is the failure code offline.
 */
export function payoutsPageOffline(
  cache: LocalCache,
  input: PayoutsPageInput,
): PayoutsPage & { offline: true } {
  const where: string[] = ['1'];
  const params: (string | number)[] = [];
  const add = (condition: string, ...values: (string | number)[]) => {
    where.push(condition);
    params.push(...values);
  };
  if (input.status) add('p.status = ?', input.status);
  if (input.provider) add('p.provider = ?', input.provider);
  if (input.currency) add('trim(p.currency) = ?', input.currency);
  if (input.batch) add(UUID.test(input.batch) ? 'p.batch_id = ?' : 'b.number = ?', input.batch);
  if (input.affiliateId) add('p.affiliate_id = ?', input.affiliateId);
  if (input.failureCode) add('p.failure_code = ?', input.failureCode);
  if (input.from) add(`${mirrorInstant('p.created_at')} >= ?`, toDate(input.from).getTime() / 1000);
  if (input.to) add(`${mirrorInstant('p.created_at')} < ?`, toDate(input.to).getTime() / 1000);
  const pattern = likePattern(input.search);
  if (pattern) {
    add(
      "(p.id LIKE ? ESCAPE '\\' OR p.affiliate_id LIKE ? ESCAPE '\\' OR a.name LIKE ? ESCAPE '\\' OR b.number LIKE ? ESCAPE '\\' OR coalesce(p.provider_payout_id, '') LIKE ? ESCAPE '\\')",
      pattern,
      pattern,
      pattern,
      pattern,
      pattern,
    );
  }
  const from =
    'payouts p JOIN payout_batches b ON b.id = p.batch_id JOIN affiliates a ON a.id = p.affiliate_id';
  const condition = where.join(' AND ');
  const n = cache.sqlite
    .prepare(`SELECT count(*) AS n FROM ${from} WHERE ${condition}`)
    .get(...params) as { n: bigint };
  const sort = input.sort ?? PAYOUTS_DEFAULT_SORT;
  const { offset, limit } = pageOf(input);
  const list = cache.sqlite
    .prepare(
      `SELECT p.id, p.batch_id, b.number, p.affiliate_id, a.name, p.amount_minor, trim(p.currency) AS currency, p.source_amount_minor, p.source_currency, p.fx_rate,
              p.provider, p.channel_code, p.status, p.provider_payout_id, p.provider_status, p.attempt, p.failure_code, NULL AS last_error, p.split_part, p.split_parts,
              p.created_at, p.updated_at
       FROM ${from} WHERE ${condition}
       ORDER BY ${PAYOUT_COLUMNS[sort.field]} ${sort.dir === 'desc' ? 'DESC' : 'ASC'} NULLS LAST, p.id ASC
       LIMIT ? OFFSET ?`,
    )
    .all(...params, limit, offset) as (RawPayout & { created_at: string; updated_at: string })[];
  return {
    total: Number(n.n),
    rows: list.map((p) => rowOf(p, isoText(p.created_at), isoText(p.updated_at))),
    offline: true,
  };
}

export const page = defineQuery({
  name: 'payouts.page',
  permission: 'payables.view',
  input: payoutsPageInput,
  run: (ctx, input): Promise<PayoutsPage> => payoutsPage(ctx.tx, input),
  offline: (ctx, input) => payoutsPageOffline(ctx.cache, input),
});
