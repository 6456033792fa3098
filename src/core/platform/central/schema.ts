/**
 * The central store's schema (Postgres: a real server or embedded PGlite). Authoritative.
 *
 * Conventions:
 * - Money is always `<name>_minor bigint` (integer minor units) next to a `currency char(3)`
 *   column.
 * - Timestamps are timestamptz in UTC.
 * - External ids (affiliates, conversions) are the ids the merchant gave us (text); ids we mint are
 *   uuids or identities.
 * - Status columns are text with CHECK constraints, so a bad value fails at the database too.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  date,
  char,
  check,
  customType,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { PROVIDER_NAMES } from '../../shared/providers.js';

const money = (name: string) => bigint(name, { mode: 'bigint' });
const currency = (name = 'currency') => char(name, { length: 3 });
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();
const updatedAt = () => ts('updated_at').notNull().defaultNow();
/**
 * The payment providers' names as SQL literals, from the vocabulary the provider registry is
 * proven equal to (src/core/shared/providers.ts): a provider added there changes the CHECKs that
 * use this, `drizzle-kit generate` writes the migration, and test/domain/providers/registry.test.ts
 * compares the migrated database's constraint with the registry.
 */
const PROVIDER_LITERALS = sql.raw(PROVIDER_NAMES.map((n) => `'${n}'`).join(','));

// ---------------------------------------------------------------------------------------------
// Operators, roles, IP allowlists, sessions
// ---------------------------------------------------------------------------------------------

/**
 * The six hierarchical roles; `rank` orders them (a higher rank holds every lower rank's rights).
 */
export const roles = pgTable('roles', {
  name: text('name').primaryKey(),
  rank: integer('rank').notNull().unique(),
  description: text('description').notNull(),
});

export const operators = pgTable(
  'operators',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role')
      .notNull()
      .references(() => roles.name),
    passwordHash: text('password_hash').notNull(),
    status: text('status').notNull().default('active'),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    lockedUntil: ts('locked_until'),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('operators_username_key').on(sql`lower(${t.username})`),
    check('operators_status_check', sql`${t.status} in ('active','disabled','locked')`),
  ],
);

/** CIDR ranges an operator may work from; scoped to a role or to one operator. */
export const ipAllowlist = pgTable(
  'ip_allowlist',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    role: text('role').references(() => roles.name),
    operatorId: uuid('operator_id').references(() => operators.id),
    cidr: text('cidr').notNull(),
    note: text('note'),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
  },
  (t) => [
    check('ip_allowlist_scope_check', sql`(${t.role} is null) <> (${t.operatorId} is null)`),
    index('ip_allowlist_role_idx').on(t.role),
    index('ip_allowlist_operator_idx').on(t.operatorId),
  ],
);

/**
 * Signed-in sessions. Only a SHA-256 of the token is stored; the token itself lives in the
 * keychain.
 */
export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    operatorId: uuid('operator_id')
      .notNull()
      .references(() => operators.id),
    workstationId: text('workstation_id').notNull(),
    createdAt: createdAt(),
    lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
    endedAt: ts('ended_at'),
    /**
     * When the operator last confirmed their password in this session (step-up for approve,
     * execute, credentials).
     */
    steppedUpAt: ts('stepped_up_at'),
    /**
     * The address the session was opened from (the server's view on a real Postgres): new-address
     * detection.
     */
    address: text('address'),
  },
  (t) => [index('sessions_operator_idx').on(t.operatorId)],
);

// ---------------------------------------------------------------------------------------------
// Affiliates, conversions, rules, commissions, adjustments
// ---------------------------------------------------------------------------------------------

export const affiliates = pgTable(
  'affiliates',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    country: char('country', { length: 2 }).notNull(),
    status: text('status').notNull(),
    kycStatus: text('kyc_status').notNull().default('pending'),
    // Payout destination. All null when the affiliate has not given one yet.
    payoutProvider: text('payout_provider'),
    payoutChannelCode: text('payout_channel_code'),
    payoutAccountNumber: text('payout_account_number'),
    payoutAccountHolderName: text('payout_account_holder_name'),
    payoutCurrency: currency('payout_currency').notNull(),
    /** When the destination last changed: a change shortly before a payout is a fraud signal. */
    destinationChangedAt: ts('destination_changed_at'),
    /**
     * Payouts held by a person (fraud suspicion, a dispute, a payout in the exception queue): why,
     * who, when. Null: not held.
     */
    payoutHoldReason: text('payout_hold_reason'),
    payoutHoldBy: uuid('payout_hold_by'),
    payoutHoldAt: ts('payout_hold_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('affiliates_status_check', sql`${t.status} in ('active','suspended','closed')`),
    check('affiliates_kyc_check', sql`${t.kycStatus} in ('pending','approved','rejected')`),
    check(
      'affiliates_provider_check',
      sql`${t.payoutProvider} is null or ${t.payoutProvider} in (${PROVIDER_LITERALS})`,
    ),
    index('affiliates_status_idx').on(t.status),
    index('affiliates_destination_idx').on(t.payoutProvider, t.payoutAccountNumber),
  ],
);

export const conversions = pgTable(
  'conversions',
  {
    id: text('id').primaryKey(),
    affiliateId: text('affiliate_id')
      .notNull()
      .references(() => affiliates.id),
    occurredAt: ts('occurred_at').notNull(),
    product: text('product').notNull(),
    grossMinor: money('gross_minor').notNull(),
    discountMinor: money('discount_minor').notNull(),
    currency: currency().notNull(),
    status: text('status').notNull(),
    refundedAt: ts('refunded_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check(
      'conversions_status_check',
      sql`${t.status} in ('approved','pending','refunded','fraud')`,
    ),
    check(
      'conversions_amounts_check',
      sql`${t.grossMinor} >= 0 and ${t.discountMinor} >= 0 and ${t.discountMinor} <= ${t.grossMinor}`,
    ),
    index('conversions_affiliate_time_idx').on(t.affiliateId, t.occurredAt, t.id),
  ],
);

/**
 * Rule sets, versioned and effective-dated: a conversion uses the version in force when it
 * occurred.
 */
export const commissionRules = pgTable(
  'commission_rules',
  {
    version: integer('version').primaryKey(),
    effectiveFrom: ts('effective_from').notNull(),
    body: jsonb('body').notNull(),
    createdBy: uuid('created_by').references(() => operators.id),
    createdAt: createdAt(),
  },
  (t) => [index('commission_rules_effective_idx').on(t.effectiveFrom)],
);

/**
 * One commission per conversion. Rewritten by calc only while not locked in a payout.
 *
 * No foreign key to conversions, on purpose: a row-by-row foreign-key trigger made calc's bulk
 * writes 2.5× slower. The same guarantee holds set-based instead: calc inserts through a join on
 * conversions (id AND affiliate) and asserts that every row was written, and conversions can never
 * be deleted (trigger in migration 0001).
 */
export const commissions = pgTable(
  'commissions',
  {
    id: bigint('id', { mode: 'bigint' }).primaryKey().generatedAlwaysAsIdentity(),
    conversionId: text('conversion_id').notNull(),
    affiliateId: text('affiliate_id').notNull(),
    ruleVersion: integer('rule_version').notNull(),
    amountMinor: money('amount_minor').notNull(),
    currency: currency().notNull(),
    status: text('status').notNull(),
    reason: text('reason'),
    rateBps: integer('rate_bps').notNull(),
    capped: boolean('capped').notNull().default(false),
    period: text('period').notNull(),
    occurredAt: ts('occurred_at').notNull(),
    availableAt: ts('available_at').notNull(),
    calculatedAt: ts('calculated_at').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('commissions_conversion_key').on(t.conversionId),
    index('commissions_affiliate_status_idx').on(t.affiliateId, t.status, t.currency),
    check('commissions_status_check', sql`${t.status} in ('pending','payable','voided','paid')`),
    check('commissions_amount_check', sql`${t.amountMinor} >= 0`),
  ],
);

/**
 * Signed amounts owed to (positive) or by (negative: clawback) an affiliate, carried into the next
 * payout. Created by calc when a locked commission's computed amount changes, or by an operator.
 */
export const adjustments = pgTable(
  'adjustments',
  {
    id: text('id').primaryKey(),
    affiliateId: text('affiliate_id')
      .notNull()
      .references(() => affiliates.id),
    commissionId: bigint('commission_id', { mode: 'bigint' }).references(() => commissions.id),
    kind: text('kind').notNull(),
    amountMinor: money('amount_minor').notNull(),
    currency: currency().notNull(),
    reason: text('reason').notNull(),
    createdBy: uuid('created_by').references(() => operators.id),
    createdAt: createdAt(),
  },
  (t) => [
    check(
      'adjustments_kind_check',
      sql`${t.kind} in ('clawback','recalculation','manual','reversal','rounding','split')`,
    ),
    check('adjustments_nonzero_check', sql`${t.amountMinor} <> 0`),
    index('adjustments_affiliate_idx').on(t.affiliateId, t.currency),
    index('adjustments_commission_idx').on(t.commissionId),
  ],
);

/** One row per calc run: what it saw and what it changed. */
export const calcRuns = pgTable('calc_runs', {
  id: uuid('id').primaryKey().defaultRandom(),
  asOf: ts('as_of').notNull(),
  startedAt: ts('started_at').notNull(),
  finishedAt: ts('finished_at').notNull(),
  summary: jsonb('summary').notNull(),
  operatorId: uuid('operator_id').references(() => operators.id),
});

// ---------------------------------------------------------------------------------------------
// Batches, payouts, payout items
// ---------------------------------------------------------------------------------------------

export const payoutBatches = pgTable(
  'payout_batches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    number: text('number').notNull().unique(),
    status: text('status').notNull().default('DRAFT'),
    /**
     * The hash approvals bind to (see batches/content-hash.ts); recomputed on every content change.
     */
    contentHash: text('content_hash'),
    /** "FROM/TO" → rate text, snapshotted at creation: the rates every payout in the batch used. */
    fxRates: jsonb('fx_rates')
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** Batches split from one request (maximum size) share a group; part i of parts. */
    groupId: uuid('group_id'),
    part: integer('part').notNull().default(1),
    parts: integer('parts').notNull().default(1),
    /** Commissions that became payable after the cutoff were left out. */
    cutoff: ts('cutoff'),
    /** What was asked (filters) and what came out (counts, totals, exclusions with reasons). */
    request: jsonb('request')
      .notNull()
      .default(sql`'{}'::jsonb`),
    summary: jsonb('summary')
      .notNull()
      .default(sql`'{}'::jsonb`),
    /** 2 when any payout is at or above the high-value threshold, else 1. */
    requiredApprovals: integer('required_approvals').notNull().default(1),
    highValue: boolean('high_value').notNull().default(false),
    createdBy: uuid('created_by')
      .notNull()
      .references(() => operators.id),
    submittedBy: uuid('submitted_by').references(() => operators.id),
    submittedAt: ts('submitted_at'),
    /**
     * The eligible affiliates the maker left out, decided with the batch: each with its amount,
     * the maker's reason, who and when (`[{affiliateId, name, amountMinor, currency, reason, by,
     * at}]`), so the checker sees what is not paid and why.
     */
    leftOut: jsonb('left_out')
      .notNull()
      .default(sql`'[]'::jsonb`),
    /**
     * The last rejection while it stands: who, when, why. Cleared when the batch is submitted
     * again; the audit trail keeps it as history.
     */
    rejectedBy: uuid('rejected_by').references(() => operators.id),
    rejectedAt: ts('rejected_at'),
    rejectionReason: text('rejection_reason'),
    /**
     * Execution lease: one executor at a time. `lease_token` only ever grows (fencing token): a
     * stale executor's writes carry an old token and are refused.
     */
    leaseOwner: text('lease_owner'),
    leaseToken: bigint('lease_token', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    leaseExpiresAt: ts('lease_expires_at'),
    executionStartedAt: ts('execution_started_at'),
    completedAt: ts('completed_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check(
      'payout_batches_status_check',
      sql`${t.status} in ('DRAFT','SUBMITTED','APPROVED','EXECUTING','COMPLETED','COMPLETED_WITH_FAILURES','FAILED','CANCELLED')`,
    ),
    check('payout_batches_approvals_check', sql`${t.requiredApprovals} between 1 and 2`),
    index('payout_batches_status_idx').on(t.status),
    index('payout_batches_group_idx').on(t.groupId),
  ],
);

/**
 * Approvals, each bound to the content hash it was given for. A content change voids them
 * (voided_at); an operator holds at most one live approval per batch.
 */
export const batchApprovals = pgTable(
  'batch_approvals',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    batchId: uuid('batch_id')
      .notNull()
      .references(() => payoutBatches.id),
    operatorId: uuid('operator_id')
      .notNull()
      .references(() => operators.id),
    contentHash: text('content_hash').notNull(),
    highValue: boolean('high_value').notNull(),
    createdAt: createdAt(),
    voidedAt: ts('voided_at'),
    voidReason: text('void_reason'),
  },
  (t) => [
    uniqueIndex('batch_approvals_live_key')
      .on(t.batchId, t.operatorId)
      .where(sql`${t.voidedAt} is null`),
  ],
);

export const payouts = pgTable(
  'payouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    batchId: uuid('batch_id')
      .notNull()
      .references(() => payoutBatches.id),
    affiliateId: text('affiliate_id')
      .notNull()
      .references(() => affiliates.id),
    /** What the affiliate receives, in the payout currency. */
    amountMinor: money('amount_minor').notNull(),
    currency: currency().notNull(),
    /** What was owed in the commissions' currency, before FX (equal to amount when no FX). */
    sourceAmountMinor: money('source_amount_minor').notNull(),
    sourceCurrency: currency('source_currency').notNull(),
    fxRate: text('fx_rate'),
    provider: text('provider').notNull(),
    channelCode: text('channel_code').notNull(),
    accountNumber: text('account_number').notNull(),
    accountHolderName: text('account_holder_name').notNull(),
    /**
     * PENDING (nothing sent) → UNKNOWN (an attempt was persisted and may have reached the provider)
     * → ACCEPTED (the provider holds it, not final) → SUCCEEDED | FAILED; SUCCEEDED → REVERSED;
     * PENDING | FAILED → CANCELLED (commissions released). Never backwards otherwise.
     */
    status: text('status').notNull().default('PENDING'),
    /** The current attempt (0: none yet). Each attempt has its own idempotency key. */
    attempt: integer('attempt').notNull().default(0),
    providerPayoutId: text('provider_payout_id'),
    providerStatus: text('provider_status'),
    failureCode: text('failure_code'),
    /** Automatic retries of retryable failures so far, and when the next may start (backoff). */
    autoRetries: integer('auto_retries').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at'),
    settledAt: ts('settled_at'),
    /**
     * An exception (exceptions/queue.ts) a person has dealt with without changing the payout — a
     * reversal acknowledged (its adjustment already carries the amount into the next payout): who,
     * when and why. Null while the payout is in the queue.
     */
    exceptionClearedAt: ts('exception_cleared_at'),
    exceptionClearedBy: uuid('exception_cleared_by'),
    exceptionNote: text('exception_note'),
    /**
     * A payout above its channel's maximum is sent as parts (batches/create.ts): part k of n, each
     * a payout of its own (reference, idempotency keys), all in one batch. 1 of 1: not split.
     */
    splitPart: integer('split_part').notNull().default(1),
    splitParts: integer('split_parts').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check(
      'payouts_status_check',
      sql`${t.status} in ('PENDING','UNKNOWN','ACCEPTED','SUCCEEDED','FAILED','CANCELLED','REVERSED')`,
    ),
    // One payout per affiliate and batch — or its parts, when one is split across transfers.
    uniqueIndex('payouts_batch_affiliate_part_key').on(t.batchId, t.affiliateId, t.splitPart),
    index('payouts_affiliate_idx').on(t.affiliateId),
    index('payouts_status_idx').on(t.status),
    index('payouts_provider_payout_idx').on(t.provider, t.providerPayoutId),
    check('payouts_amount_check', sql`${t.amountMinor} > 0`),
  ],
);

/**
 * What a payout pays: commissions and adjustments. `live` is true until the payout is cancelled or
 * finally failed; the partial unique indexes make "at most one live payout per commission" (and per
 * adjustment) a database guarantee, not just an application rule.
 */
export const payoutItems = pgTable(
  'payout_items',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    payoutId: uuid('payout_id')
      .notNull()
      .references(() => payouts.id),
    commissionId: bigint('commission_id', { mode: 'bigint' }).references(() => commissions.id),
    adjustmentId: text('adjustment_id').references(() => adjustments.id),
    amountMinor: money('amount_minor').notNull(),
    currency: currency().notNull(),
    live: boolean('live').notNull().default(true),
  },
  (t) => [
    check(
      'payout_items_one_source_check',
      sql`(${t.commissionId} is null) <> (${t.adjustmentId} is null)`,
    ),
    uniqueIndex('payout_items_live_commission_key')
      .on(t.commissionId)
      .where(sql`${t.live} and ${t.commissionId} is not null`),
    uniqueIndex('payout_items_live_adjustment_key')
      .on(t.adjustmentId)
      .where(sql`${t.live} and ${t.adjustmentId} is not null`),
    index('payout_items_payout_idx').on(t.payoutId),
  ],
);

/**
 * Every attempt to pay a payout, persisted with its idempotency key and the exact request body
 * BEFORE the provider is called, so that after a crash or timeout the very same request can be
 * resent (the provider dedupes it) instead of a new one (which it would pay again).
 */
export const payoutAttempts = pgTable(
  'payout_attempts',
  {
    payoutId: uuid('payout_id')
      .notNull()
      .references(() => payouts.id),
    attempt: integer('attempt').notNull(),
    provider: text('provider').notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    requestBody: text('request_body').notNull(),
    /**
     * PREPARED (persisted, maybe sent) → ACCEPTED | SUCCEEDED | FAILED | REJECTED (never created) |
     * CANCELLED | REVERSED
     */
    state: text('state').notNull().default('PREPARED'),
    sends: integer('sends').notNull().default(0),
    providerPayoutId: text('provider_payout_id'),
    providerStatus: text('provider_status'),
    failureCode: text('failure_code'),
    lastError: text('last_error'),
    /**
     * Status lookups answered "still waiting", and when the next is due: waiting payouts are asked
     * less and less often (payouts/lookups.ts LOOKUP_BACKOFF).
     */
    lookups: integer('lookups').notNull().default(0),
    nextLookupAt: ts('next_lookup_at'),
    leaseToken: bigint('lease_token', { mode: 'bigint' }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.payoutId, t.attempt] }),
    check(
      'payout_attempts_state_check',
      sql`${t.state} in ('PREPARED','ACCEPTED','SUCCEEDED','FAILED','REJECTED','CANCELLED','REVERSED')`,
    ),
    index('payout_attempts_provider_idx').on(t.provider, t.providerPayoutId),
    // Attempts whose record is not final: polling asks about superseded ones still open (few,
    // always).
    index('payout_attempts_open_idx')
      .on(t.payoutId)
      .where(sql`${t.state} in ('PREPARED','ACCEPTED')`),
  ],
);

// ---------------------------------------------------------------------------------------------
// Providers, reconciliation
// ---------------------------------------------------------------------------------------------

export const providerEvents = pgTable(
  'provider_events',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    provider: text('provider').notNull(),
    eventKey: text('event_key').notNull(),
    payoutId: uuid('payout_id').references(() => payouts.id),
    providerPayoutId: text('provider_payout_id'),
    type: text('type').notNull(),
    status: text('status'),
    payload: jsonb('payload').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('provider_events_dedupe_key').on(t.provider, t.eventKey),
    index('provider_events_payout_idx').on(t.payoutId),
  ],
);

/**
 * One reconciliation run over a provider and a period; 'incomplete' when the provider could not
 * list everything.
 */
export const reconciliationRuns = pgTable(
  'reconciliation_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    provider: text('provider').notNull(),
    periodFrom: ts('period_from').notNull(),
    periodTo: ts('period_to').notNull(),
    status: text('status').notNull(),
    counts: jsonb('counts')
      .notNull()
      .default(sql`'{}'::jsonb`),
    problem: text('problem'),
    operatorId: uuid('operator_id').references(() => operators.id),
    createdAt: createdAt(),
  },
  (t) => [
    check('reconciliation_runs_status_check', sql`${t.status} in ('complete','incomplete')`),
    index('reconciliation_runs_created_idx').on(t.createdAt),
  ],
);

export const reconciliationResults = pgTable(
  'reconciliation_results',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    runId: uuid('run_id').notNull(),
    provider: text('provider').notNull(),
    payoutId: uuid('payout_id').references(() => payouts.id),
    providerPayoutId: text('provider_payout_id'),
    /** matched | amount_mismatch | status_mismatch | missing_at_provider | unknown_to_us */
    outcome: text('outcome').notNull(),
    ourStatus: text('our_status'),
    providerStatus: text('provider_status'),
    ourAmountMinor: money('our_amount_minor'),
    providerAmountMinor: money('provider_amount_minor'),
    currency: currency(),
    details: jsonb('details')
      .notNull()
      .default(sql`'{}'::jsonb`),
    createdAt: createdAt(),
  },
  (t) => [
    index('reconciliation_results_run_idx').on(t.runId),
    index('reconciliation_results_payout_idx').on(t.payoutId),
  ],
);

// ---------------------------------------------------------------------------------------------
// Commands, audit, security, settings
// ---------------------------------------------------------------------------------------------

/** Every applied command, by its client-chosen id: a replayed command returns its first result. */
export const appliedCommands = pgTable(
  'applied_commands',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    operatorId: uuid('operator_id'),
    result: jsonb('result').notNull(),
    appliedAt: ts('applied_at').notNull().defaultNow(),
  },
  (t) => [index('applied_commands_operator_idx').on(t.operatorId)],
);

/**
 * Append-only, hash-chained: each entry's hash covers its content and the previous entry's hash.
 * Writers serialise on the single `audit_head` row (SELECT … FOR UPDATE) so the chain has one
 * order.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'bigint' }).primaryKey(),
    at: ts('at').notNull(),
    operatorId: uuid('operator_id'),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: text('entity_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    commandId: uuid('command_id'),
    ip: text('ip'),
    workstationId: text('workstation_id'),
    decision: text('decision').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_entity_idx').on(t.entityType, t.entityId),
    index('audit_log_operator_idx').on(t.operatorId, t.at),
  ],
);

export const auditHead = pgTable(
  'audit_head',
  {
    id: integer('id').primaryKey().default(1),
    seq: bigint('seq', { mode: 'bigint' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [check('audit_head_single_row', sql`${t.id} = 1`)],
);

export const securityEvents = pgTable(
  'security_events',
  {
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    at: ts('at').notNull().defaultNow(),
    kind: text('kind').notNull(),
    risk: text('risk').notNull(),
    operatorId: uuid('operator_id').references(() => operators.id),
    ip: text('ip'),
    details: jsonb('details')
      .notNull()
      .default(sql`'{}'::jsonb`),
    acknowledgedBy: uuid('acknowledged_by').references(() => operators.id),
    acknowledgedAt: ts('acknowledged_at'),
  },
  (t) => [
    check('security_events_risk_check', sql`${t.risk} in ('low','medium','high')`),
    index('security_events_at_idx').on(t.at),
    index('security_events_open_idx')
      .on(t.risk)
      .where(sql`${t.acknowledgedAt} is null`),
  ],
);

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedBy: uuid('updated_by'),
  updatedAt: updatedAt(),
});

/**
 * The sandbox provider's own books: the payouts it "made", so that a demo executed in one process
 * (the console, a CLI command) is found again by the next one — its status poll, its
 * reconciliation — as a real provider's would be. Not ours: the sandbox writes it, nothing else
 * reads it, and it is not synced to caches.
 */
export const sandboxPayouts = pgTable(
  'sandbox_payouts',
  {
    providerId: text('provider_id').primaryKey(),
    idempotencyKey: text('idempotency_key').notNull(),
    fingerprint: text('fingerprint').notNull(),
    reference: text('reference').notNull(),
    amountMinor: money('amount_minor').notNull(),
    currency: currency().notNull(),
    status: text('status').notNull(),
    failureCode: text('failure_code'),
    /** Decided at creation from the seed, applied when the payout settles. */
    settlesAs: text('settles_as'),
    createdMs: bigint('created_ms', { mode: 'number' }).notNull(),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('sandbox_payouts_key').on(t.idempotencyKey),
    index('sandbox_payouts_reference').on(t.reference),
    index('sandbox_payouts_created').on(t.createdMs),
  ],
);

// ---------------------------------------------------------------------------------------------
// Sync: the change log the local caches pull from
// ---------------------------------------------------------------------------------------------

/** A 64-bit transaction id (Postgres 13+), as text on the wire. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * One row per row changed in a synced table (see src/core/local/sync/tables.ts), written set-based
 * by statement-level triggers with transition tables (migration 0004): `op` 'U' (inserted or
 * updated: the row at `row_key` now exists) or 'D' (deleted). `xid` is the writing transaction's
 * id, so a puller can read only what transactions older than its snapshot's xmin wrote — those can
 * no longer add rows — and never skip a transaction that commits after a younger one
 * (src/core/local/sync/pull.ts).
 */
export const changeLog = pgTable(
  'change_log',
  {
    id: bigserial('id', { mode: 'bigint' }).notNull(),
    xid: xid8('xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
    tbl: text('tbl').notNull(),
    rowKey: text('row_key').notNull(),
    op: char('op', { length: 1 }).notNull(),
  },
  // The pull's order is the primary key: one index to maintain on bulk writes, not two.
  (t) => [
    primaryKey({ columns: [t.xid, t.id] }),
    check('change_log_op_check', sql`${t.op} in ('U','D','A')`),
  ],
);

// ---------------------------------------------------------------------------------------------
// Report aggregates (src/core/domain/reports/aggregates.ts)
// ---------------------------------------------------------------------------------------------

/**
 * Money and counts per UTC day, currency, provider, fact and status: what the time series, the
 * trial balance and provider analysis sum instead of a million rows. Written only by the
 * statement-level triggers of migration 0012, as signed DELTAS (append-only: two writers never wait
 * on one hot row), and folded into one row per key by `compactReportAggregates`. A key's figure is
 * the sum of its rows. The facts and their meaning: migration 0012 and docs/reports.md.
 */
/**
 * A sum of minor units (or a count) that no bigint bounds: two legal bigint amounts can add up past
 * it, and a report must never make the write that feeds it fail.
 */
const sum = (name: string) => numeric(name, { precision: 38, scale: 0, mode: 'bigint' }).notNull();

export const reportDays = pgTable(
  'report_days',
  {
    day: date('day', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    /**
     * The payout's provider; for commissions and adjustments, the affiliate's payout provider (''
     * when none).
     */
    provider: text('provider').notNull(),
    fact: text('fact').notNull(),
    /**
     * The payout's status, an adjustment's sign ('+' or '-'), a failure code; '' when it does not
     * apply.
     */
    status: text('status').notNull(),
    n: sum('n'),
    amountMinor: sum('amount_minor'),
  },
  (t) => [index('report_days_fact_day_idx').on(t.fact, t.day)],
);

/**
 * All-time figures per affiliate and currency (affiliate performance), as deltas like report_days.
 */
export const reportAffiliates = pgTable(
  'report_affiliates',
  {
    affiliateId: text('affiliate_id').notNull(),
    currency: text('currency').notNull(),
    /** Commissions and clawbacks counted: a row with none is no row of the report. */
    entries: sum('entries'),
    conversions: sum('conversions'),
    revenueMinor: sum('revenue_minor'),
    commissionsMinor: sum('commissions_minor'),
    paidMinor: sum('paid_minor'),
    pendingMinor: sum('pending_minor'),
    payableMinor: sum('payable_minor'),
    clawedMinor: sum('clawed_minor'),
  },
  (t) => [index('report_affiliates_key_idx').on(t.affiliateId, t.currency)],
);

/**
 * The open commissions per affiliate and currency, kept by the writes (migration 0014) so payables
 * and the batch preview sum about one row per affiliate instead of every commission: those payable
 * and those pending, in no live payout (sum and count each), and those pending for their hold
 * period (a count, as the preview shows them). Signed deltas like the report aggregates, folded by
 * `compactReportAggregates`.
 *
 * `available_until` bounds from above when the key's payable commissions come out of their hold
 * (null: none counted). A payable commission is normally out of it already (calc makes it payable
 * only then); where the bound is still ahead of now, the preview reads that affiliate's
 * commissions.
 */
export const openCommissions = pgTable(
  'open_commissions',
  {
    affiliateId: text('affiliate_id').notNull(),
    currency: text('currency').notNull(),
    payableMinor: sum('payable_minor'),
    payableCount: sum('payable_count'),
    pendingMinor: sum('pending_minor'),
    pendingCount: sum('pending_count'),
    heldCount: sum('held_count'),
    availableUntil: timestamp('available_until', { withTimezone: true, mode: 'string' }),
  },
  (t) => [index('open_commissions_key_idx').on(t.affiliateId, t.currency)],
);
