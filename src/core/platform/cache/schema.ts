/**
 * The encrypted local cache's schema (SQLite). A disposable copy of what an operator needs from the
 * central store, plus the local outbox of commands not yet pushed. Deleting the file loses nothing
 * that the central store has; the outbox is the only local-only data, and sync pushes it before
 * anything may be discarded.
 *
 * Mirror tables: one per synced central table (src/core/local/sync/tables.ts), with the SAME table
 * name and the SAME column names, filled by pull (src/core/local/sync/pull.ts). Every central
 * column is here except `operators.password_hash`. Types:
 * - TEXT for text, uuid, char, jsonb and timestamptz. Timestamps are the exact text Postgres's COPY
 *   writes in UTC (`2026-11-21 09:00:00.123+00`), jsonb its canonical text.
 * - INTEGER for integer, bigint and boolean (0/1). Money stays integer minor units and reads back
 *   as
 *   bigint (the connection runs with safe integers).
 * Nullability and primary keys follow the central table; unique constraints do not (pull applies
 * changes key by key, so two rows may briefly hold one value while a swap is half-applied), and
 * secondary indexes are only the ones local reads need.
 */
import { customType, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** A 64-bit INTEGER column read and written as bigint, never a JS number (Postgres bigint). */
const int8 = customType<{ data: bigint; driverData: bigint | number }>({
  dataType: () => 'integer',
  toDriver: (value) => value,
  fromDriver: (value) => BigInt(value),
});
/** A 32-bit INTEGER column (Postgres integer): safe as a JS number. */
const int4 = customType<{ data: number; driverData: bigint | number }>({
  dataType: () => 'integer',
  toDriver: (value) => value,
  fromDriver: (value) => Number(value),
});
/** Postgres boolean: INTEGER 0/1. */
const bool = (name: string) => integer(name, { mode: 'boolean' });
/** Postgres timestamptz: COPY's text, in UTC. */
const ts = (name: string) => text(name);
/** Postgres jsonb: its canonical text. */
const json = (name: string) => text(name);
const epochMs = (name: string) => integer(name, { mode: 'number' });

export const cacheMeta = sqliteTable('cache_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Pull's own state: the change-log cursor, when the last pull succeeded
 * (src/core/local/sync/pull.ts).
 */
export const syncState = sqliteTable('sync_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * Mirror rows to read again from the central store at the next pull: those an outbox command had
 * changed optimistically. Settling the command (applied or rejected) puts the rows back as they
 * were when it was written; the central rows may have moved on since (another workstation, a pull
 * meanwhile), so pull re-reads these keys whatever the change log says
 * (src/core/local/sync/pull.ts).
 */
export const syncRefetch = sqliteTable(
  'sync_refetch',
  {
    tbl: text('tbl').notNull(),
    rowKey: text('row_key').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tbl, t.rowKey] })],
);

// ------------------------------------------------------------------------------- mirror tables

export const roles = sqliteTable('roles', {
  name: text('name').primaryKey(),
  rank: int4('rank').notNull(),
  description: text('description').notNull(),
});

/** Without password_hash: the hash never leaves the central store. */
export const operators = sqliteTable('operators', {
  id: text('id').primaryKey(),
  username: text('username').notNull(),
  displayName: text('display_name').notNull(),
  role: text('role').notNull(),
  status: text('status').notNull(),
  failedAttempts: int4('failed_attempts').notNull(),
  lockedUntil: ts('locked_until'),
  createdBy: text('created_by'),
  createdAt: ts('created_at').notNull(),
  updatedAt: ts('updated_at').notNull(),
});

/** IP ranges per role or operator: offline sign-in and offline calls are held to them too. */
export const ipAllowlist = sqliteTable('ip_allowlist', {
  id: text('id').primaryKey(),
  role: text('role'),
  operatorId: text('operator_id'),
  cidr: text('cidr').notNull(),
  note: text('note'),
  createdBy: text('created_by'),
  createdAt: ts('created_at').notNull(),
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
    destinationChangedAt: ts('destination_changed_at'),
    payoutHoldReason: text('payout_hold_reason'),
    payoutHoldBy: text('payout_hold_by'),
    payoutHoldAt: ts('payout_hold_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [index('affiliates_status_idx').on(t.status)],
);

export const commissionRules = sqliteTable('commission_rules', {
  version: int4('version').primaryKey(),
  effectiveFrom: ts('effective_from').notNull(),
  body: json('body').notNull(),
  createdBy: text('created_by'),
  createdAt: ts('created_at').notNull(),
});

export const commissions = sqliteTable(
  'commissions',
  {
    id: int8('id').primaryKey(),
    conversionId: text('conversion_id').notNull(),
    affiliateId: text('affiliate_id').notNull(),
    ruleVersion: int4('rule_version').notNull(),
    amountMinor: int8('amount_minor').notNull(),
    currency: text('currency').notNull(),
    status: text('status').notNull(),
    reason: text('reason'),
    rateBps: int4('rate_bps').notNull(),
    capped: bool('capped').notNull(),
    period: text('period').notNull(),
    occurredAt: ts('occurred_at').notNull(),
    availableAt: ts('available_at').notNull(),
    calculatedAt: ts('calculated_at').notNull(),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [index('commissions_affiliate_idx').on(t.affiliateId, t.status, t.currency)],
);

export const adjustments = sqliteTable(
  'adjustments',
  {
    id: text('id').primaryKey(),
    affiliateId: text('affiliate_id').notNull(),
    commissionId: int8('commission_id'),
    kind: text('kind').notNull(),
    amountMinor: int8('amount_minor').notNull(),
    currency: text('currency').notNull(),
    reason: text('reason').notNull(),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('adjustments_affiliate_idx').on(t.affiliateId, t.currency)],
);

export const payoutBatches = sqliteTable(
  'payout_batches',
  {
    id: text('id').primaryKey(),
    number: text('number').notNull(),
    status: text('status').notNull(),
    contentHash: text('content_hash'),
    fxRates: json('fx_rates').notNull(),
    groupId: text('group_id'),
    part: int4('part').notNull(),
    parts: int4('parts').notNull(),
    cutoff: ts('cutoff'),
    request: json('request').notNull(),
    summary: json('summary').notNull(),
    requiredApprovals: int4('required_approvals').notNull(),
    highValue: bool('high_value').notNull(),
    createdBy: text('created_by').notNull(),
    submittedBy: text('submitted_by'),
    submittedAt: ts('submitted_at'),
    leftOut: json('left_out').notNull().default('[]'),
    rejectedBy: text('rejected_by'),
    rejectedAt: ts('rejected_at'),
    rejectionReason: text('rejection_reason'),
    leaseOwner: text('lease_owner'),
    leaseToken: int8('lease_token').notNull(),
    leaseExpiresAt: ts('lease_expires_at'),
    executionStartedAt: ts('execution_started_at'),
    completedAt: ts('completed_at'),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [index('payout_batches_status_idx').on(t.status)],
);

export const batchApprovals = sqliteTable(
  'batch_approvals',
  {
    id: int8('id').primaryKey(),
    batchId: text('batch_id').notNull(),
    operatorId: text('operator_id').notNull(),
    contentHash: text('content_hash').notNull(),
    highValue: bool('high_value').notNull(),
    createdAt: ts('created_at').notNull(),
    voidedAt: ts('voided_at'),
    voidReason: text('void_reason'),
  },
  (t) => [index('batch_approvals_batch_idx').on(t.batchId)],
);

export const payouts = sqliteTable(
  'payouts',
  {
    id: text('id').primaryKey(),
    batchId: text('batch_id').notNull(),
    affiliateId: text('affiliate_id').notNull(),
    amountMinor: int8('amount_minor').notNull(),
    currency: text('currency').notNull(),
    sourceAmountMinor: int8('source_amount_minor').notNull(),
    sourceCurrency: text('source_currency').notNull(),
    fxRate: text('fx_rate'),
    provider: text('provider').notNull(),
    channelCode: text('channel_code').notNull(),
    accountNumber: text('account_number').notNull(),
    accountHolderName: text('account_holder_name').notNull(),
    status: text('status').notNull(),
    attempt: int4('attempt').notNull(),
    providerPayoutId: text('provider_payout_id'),
    providerStatus: text('provider_status'),
    failureCode: text('failure_code'),
    autoRetries: int4('auto_retries').notNull(),
    nextAttemptAt: ts('next_attempt_at'),
    settledAt: ts('settled_at'),
    exceptionClearedAt: ts('exception_cleared_at'),
    exceptionClearedBy: text('exception_cleared_by'),
    exceptionNote: text('exception_note'),
    splitPart: int4('split_part').notNull().default(1),
    splitParts: int4('split_parts').notNull().default(1),
    createdAt: ts('created_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    index('payouts_batch_idx').on(t.batchId),
    index('payouts_affiliate_idx').on(t.affiliateId),
  ],
);

export const payoutItems = sqliteTable(
  'payout_items',
  {
    id: int8('id').primaryKey(),
    payoutId: text('payout_id').notNull(),
    commissionId: int8('commission_id'),
    adjustmentId: text('adjustment_id'),
    amountMinor: int8('amount_minor').notNull(),
    currency: text('currency').notNull(),
    live: bool('live').notNull(),
  },
  // Offline payables ask "is this commission (adjustment) in a live payout?" per row: without these
  // indexes that is a scan of every item per commission (minutes at 100k commissions).
  (t) => [
    index('payout_items_payout_idx').on(t.payoutId),
    index('payout_items_commission_idx').on(t.commissionId),
    index('payout_items_adjustment_idx').on(t.adjustmentId),
  ],
);

export const reconciliationRuns = sqliteTable('reconciliation_runs', {
  id: text('id').primaryKey(),
  provider: text('provider').notNull(),
  periodFrom: ts('period_from').notNull(),
  periodTo: ts('period_to').notNull(),
  status: text('status').notNull(),
  counts: json('counts').notNull(),
  problem: text('problem'),
  operatorId: text('operator_id'),
  createdAt: ts('created_at').notNull(),
});

export const reconciliationResults = sqliteTable(
  'reconciliation_results',
  {
    id: int8('id').primaryKey(),
    runId: text('run_id').notNull(),
    provider: text('provider').notNull(),
    payoutId: text('payout_id'),
    providerPayoutId: text('provider_payout_id'),
    outcome: text('outcome').notNull(),
    ourStatus: text('our_status'),
    providerStatus: text('provider_status'),
    ourAmountMinor: int8('our_amount_minor'),
    providerAmountMinor: int8('provider_amount_minor'),
    currency: text('currency'),
    details: json('details').notNull(),
    createdAt: ts('created_at').notNull(),
  },
  (t) => [index('reconciliation_results_run_idx').on(t.runId)],
);

/** Webhook and polled events from the providers, as stored centrally (deduplicated there). */
export const providerEvents = sqliteTable(
  'provider_events',
  {
    id: int8('id').primaryKey(),
    provider: text('provider').notNull(),
    eventKey: text('event_key').notNull(),
    payoutId: text('payout_id'),
    providerPayoutId: text('provider_payout_id'),
    type: text('type').notNull(),
    status: text('status'),
    payload: json('payload').notNull(),
    receivedAt: ts('received_at').notNull(),
  },
  (t) => [index('provider_events_payout_idx').on(t.payoutId)],
);

/**
 * The recent tail of the central audit trail (sync/audit-tail.ts keeps the last entries), so an
 * operator can see who did what while offline. The chain itself is verified centrally.
 */
export const auditLog = sqliteTable('audit_log', {
  seq: int8('seq').primaryKey(),
  at: ts('at').notNull(),
  operatorId: text('operator_id'),
  action: text('action').notNull(),
  entityType: text('entity_type').notNull(),
  entityId: text('entity_id'),
  before: json('before'),
  after: json('after'),
  commandId: text('command_id'),
  ip: text('ip'),
  workstationId: text('workstation_id'),
  decision: text('decision').notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: json('value').notNull(),
  updatedBy: text('updated_by'),
  updatedAt: ts('updated_at').notNull(),
});

// ------------------------------------------------------------------------------------ local only

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

/**
 * Sessions this workstation knows, so that work goes on when the central store cannot be reached.
 * A session opened online (the central store checked the password) is remembered here by the
 * SHA-256 of its token, never the token; one opened offline (against `local_verifiers`) exists only
 * here. The operator's role and status are always read from the `operators` mirror as last synced.
 */
export const localSessions = sqliteTable('local_sessions', {
  tokenHash: text('token_hash').primaryKey(),
  operatorId: text('operator_id').notNull(),
  username: text('username').notNull(),
  /** 'central' (signed in online) or 'offline' (signed in against the cached verifier). */
  origin: text('origin').notNull(),
  createdAt: epochMs('created_at').notNull(),
  lastSeenAt: epochMs('last_seen_at').notNull(),
  endedAt: epochMs('ended_at'),
  /** When the password was last confirmed in this session offline (step-up). */
  steppedUpAt: epochMs('stepped_up_at'),
});

/**
 * The cached verifier for offline sign-in: a scrypt hash of the password made on this workstation
 * (its own salt) after the central store accepted that password. Refreshed on each online sign-in,
 * so a password changed centrally stops working offline at the next online sign-in.
 */
export const localVerifiers = sqliteTable('local_verifiers', {
  operatorId: text('operator_id').primaryKey(),
  username: text('username').notNull(),
  verifier: text('verifier').notNull(),
  verifiedAt: epochMs('verified_at').notNull(),
  /** Offline failures since the last success; locks offline sign-in as the central store would. */
  failedAttempts: integer('failed_attempts', { mode: 'number' }).notNull().default(0),
  lockedUntil: epochMs('locked_until'),
});

/**
 * What was asked of this workstation while it was offline: every command (allowed, denied or
 * failed) and every refusal, with the operator and the command id. The commands themselves reach
 * the central audit trail when pushed; this journal keeps the offline side of the story.
 */
export const localJournal = sqliteTable('local_journal', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  at: epochMs('at').notNull(),
  commandId: text('command_id').notNull(),
  name: text('name').notNull(),
  operatorId: text('operator_id'),
  username: text('username'),
  decision: text('decision').notNull(),
  reason: text('reason'),
});

/**
 * Saved views of the console's grids (filters, sort, columns), per operator and grid: this
 * workstation's own, not a mirror (views.* calls, local/views-calls.ts). `last_used_at` marks the
 * view a grid opens with again (null: never applied); a grid's "All rows" is no row at all.
 */
export const savedViews = sqliteTable(
  'saved_views',
  {
    operatorId: text('operator_id').notNull(),
    gridId: text('grid_id').notNull(),
    name: text('name').notNull(),
    /** The grid's state as JSON (filter model, sort, column order, widths, hidden columns). */
    state: text('state').notNull(),
    updatedAt: epochMs('updated_at').notNull(),
    lastUsedAt: epochMs('last_used_at'),
  },
  (t) => [primaryKey({ columns: [t.operatorId, t.gridId, t.name] })],
);
