/**
 * The encrypted local cache's schema (SQLite). A disposable copy of what an operator needs from the
 * central store, plus the local outbox of commands not yet pushed. Deleting the file loses nothing
 * that the central store has; the outbox is the only local-only data, and sync (a later issue) pushes
 * it before anything may be discarded.
 *
 * Money: integer minor units read back as bigint (the connection runs with safe integers).
 */
import { customType, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** A 64-bit INTEGER column read and written as bigint, never a JS number. */
const minor = customType<{ data: bigint; driverData: bigint | number }>({
  dataType: () => 'integer',
  toDriver: (value) => value,
  fromDriver: (value) => BigInt(value),
});
const epochMs = (name: string) => integer(name, { mode: 'number' });

export const cacheMeta = sqliteTable('cache_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const affiliates = sqliteTable(
  'affiliates',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    country: text('country').notNull(),
    status: text('status').notNull(),
    kycStatus: text('kyc_status').notNull(),
    payoutProvider: text('payout_provider'),
    payoutChannelCode: text('payout_channel_code'),
    payoutAccountNumber: text('payout_account_number'),
    payoutAccountHolderName: text('payout_account_holder_name'),
    payoutCurrency: text('payout_currency').notNull(),
    updatedAt: epochMs('updated_at').notNull(),
  },
  (t) => [index('affiliates_status_idx').on(t.status)],
);

export const commissions = sqliteTable(
  'commissions',
  {
    id: text('id').primaryKey(),
    conversionId: text('conversion_id').notNull(),
    affiliateId: text('affiliate_id').notNull(),
    amountMinor: minor('amount_minor').notNull(),
    currency: text('currency').notNull(),
    status: text('status').notNull(),
    reason: text('reason'),
    availableAt: epochMs('available_at').notNull(),
    updatedAt: epochMs('updated_at').notNull(),
  },
  (t) => [index('commissions_affiliate_idx').on(t.affiliateId, t.status, t.currency)],
);

export const adjustments = sqliteTable(
  'adjustments',
  {
    id: text('id').primaryKey(),
    affiliateId: text('affiliate_id').notNull(),
    kind: text('kind').notNull(),
    amountMinor: minor('amount_minor').notNull(),
    currency: text('currency').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [index('adjustments_affiliate_idx').on(t.affiliateId, t.currency)],
);

export const commissionRules = sqliteTable('commission_rules', {
  version: integer('version').primaryKey(),
  effectiveFrom: epochMs('effective_from').notNull(),
  body: text('body').notNull(),
});

/** Commands written offline, pushed in `seq` order. */
export const outbox = sqliteTable('outbox', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  commandId: text('command_id').notNull().unique(),
  name: text('name').notNull(),
  payload: text('payload').notNull(),
  status: text('status').notNull().default('pending'),
  rejection: text('rejection'),
  createdAt: epochMs('created_at').notNull(),
});
