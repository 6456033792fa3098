/**
 * Offline batch preparation on the local cache: preview, create, submit and approve without the
 * central store. Each action checks what it can locally (eligibility, maker-checker, the operator's
 * role as last synced), applies its effect to the cache optimistically, and is queued in the outbox
 * as the very router command the central store will re-validate on push.
 *
 * The preview runs the same deciding code as the central one (batches/preview.ts) over the cache's
 * mirror tables, and the batch's content hash is computed the same way, so an approval given
 * offline binds to exactly the content the central store will build — or the push is refused.
 */
import { randomUUID } from 'node:crypto';
import { roleHas, type Permission, type Role } from '../../shared/permissions.js';
import { batchContentHash, type HashedPayout } from './content-hash.js';
import type { ExpectedPayout } from './create.js';
import { payoutIdFor } from './ids.js';
import { leftOutRecords, type LeftOut, type LeftOutChoice } from './left-out.js';
import { ratesUsed } from './rates-used.js';
import { assert } from '../../shared/assert.js';
import {
  decideRows,
  summarise,
  type Preview,
  type PreviewFilters,
  type PreviewRow,
  type Raw,
} from './preview.js';
import {
  DEFAULT_HIGH_VALUE_THRESHOLDS,
  parseThresholds,
  SETTING_KEY,
  thresholdsSchema,
} from './thresholds.js';
import { transition, type BatchState } from '../../shared/batch-state.js';
import type { LocalCache } from '../../platform/cache/cache.js';
import { timestampMs } from '../../platform/cache/mirror-text.js';
import { TreasuryError } from '../../shared/errors.js';
import { parseRuleSet, ruleVersionAt, type RuleVersion } from '../../shared/commission/index.js';
import { enqueue, type CacheChange, type CacheRow } from '../../platform/cache/outbox.js';

export interface OfflineOperator {
  id: string;
  username: string;
  role: Role;
}

/** The operator as last synced into the cache; refused when unknown or not active. */
export function offlineOperator(cache: LocalCache, username: string): OfflineOperator {
  const row = cache.sqlite
    .prepare('SELECT id, username, role, status FROM operators WHERE lower(username) = lower(?)')
    .get(username) as { id: string; username: string; role: Role; status: string } | undefined;
  if (!row)
    throw new TreasuryError(
      'UNAUTHENTICATED',
      `operator ${username} is not in this workstation's cache: sync while online first`,
    );
  if (row.status !== 'active')
    throw new TreasuryError('UNAUTHENTICATED', `operator ${username} is ${row.status}`);
  return { id: row.id, username: row.username, role: row.role };
}

function require(operator: OfflineOperator, permission: Permission): void {
  if (!roleHas(operator.role, permission))
    throw new TreasuryError(
      'FORBIDDEN',
      `${operator.username} (${operator.role}) lacks the permission ${permission}`,
    );
}

function ruleVersions(cache: LocalCache): RuleVersion[] {
  const list = cache.sqlite
    .prepare('SELECT version, effective_from, body FROM commission_rules ORDER BY version')
    .all() as { version: bigint; effective_from: string; body: string }[];
  return list.map((r) => ({
    version: Number(r.version),
    effectiveFrom: timestampMs(r.effective_from),
    rules: parseRuleSet(JSON.parse(r.body)),
  }));
}

function thresholds(cache: LocalCache) {
  const row = cache.sqlite.prepare('SELECT value FROM settings WHERE key = ?').get(SETTING_KEY) as
    { value: string } | undefined;
  return parseThresholds({
    ...DEFAULT_HIGH_VALUE_THRESHOLDS,
    ...(row ? thresholdsSchema.parse(JSON.parse(row.value)) : {}),
  });
}

interface Owed {
  commissionIds: string[];
  adjustmentIds: string[];
  /** Minor units of each commission and adjustment above, by id. */
  amounts: Map<string, bigint>;
}

type Aggregate = Raw & Owed;

/** The aggregates of (affiliate, commission currency), keyed by aggregateKey. */
type Aggregates = Map<string, Aggregate>;

const aggregateKey = (affiliate: string, currency: string) => `${affiliate}\u0000${currency}`;

/** The aggregate of an affiliate in a currency, made empty on first use. */
function aggregateOf(agg: Aggregates, affiliate: string, currency: string): Aggregate {
  let r = agg.get(aggregateKey(affiliate, currency));
  if (!r) {
    r = {
      affiliate_id: affiliate,
      name: '',
      status: '',
      kyc_status: '',
      payout_provider: null,
      payout_channel_code: null,
      payout_account_number: null,
      payout_account_holder_name: null,
      payout_hold: null,
      payout_currency: '',
      currency,
      commissions: '0',
      commission_count: 0,
      held_count: 0,
      adjustments: '0',
      adjustment_count: 0,
      commissionIds: [],
      adjustmentIds: [],
      amounts: new Map(),
    };
    agg.set(aggregateKey(affiliate, currency), r);
  }
  return r;
}

/**
 * Counts the open commissions into their aggregates: payable ones out of their hold and before the
 * cutoff are owed (as eligibleCommissionsSql), those still in their hold are counted as held.
 */
function addCommissions(
  cache: LocalCache,
  agg: Aggregates,
  ids: ReadonlySet<string> | null,
  nowMs: number,
  cutoffMs: number | null,
): void {
  const commissions = cache.sqlite
    .prepare(
      `SELECT m.id, m.affiliate_id, m.currency, m.amount_minor, m.status, m.reason, m.available_at, m.occurred_at FROM commissions m
              WHERE m.status IN ('payable', 'pending') AND NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.commission_id = m.id AND l.live = 1)`,
    )
    .all() as {
    id: bigint;
    affiliate_id: string;
    currency: string;
    amount_minor: bigint;
    status: string;
    reason: string | null;
    available_at: string;
    occurred_at: string;
  }[];
  for (const m of commissions) {
    if (ids && !ids.has(m.affiliate_id)) continue;
    const available = timestampMs(m.available_at);
    const r = aggregateOf(agg, m.affiliate_id, m.currency.trim());
    if (
      m.status === 'payable' &&
      available <= nowMs &&
      (cutoffMs === null || timestampMs(m.occurred_at) <= cutoffMs)
    ) {
      r.commissions = (BigInt(r.commissions) + BigInt(m.amount_minor)).toString();
      r.commission_count++;
      r.commissionIds.push(String(m.id));
      r.amounts.set(String(m.id), BigInt(m.amount_minor));
    } else if (
      (m.status === 'pending' && m.reason === 'hold_period') ||
      (m.status === 'payable' && available > nowMs)
    ) {
      r.held_count++;
    }
  }
}

/** Counts the adjustments in no live payout and made by the cutoff into their aggregates. */
function addAdjustments(
  cache: LocalCache,
  agg: Aggregates,
  ids: ReadonlySet<string> | null,
  cutoffMs: number | null,
): void {
  const adjustments = cache.sqlite
    .prepare(
      `SELECT d.id, d.affiliate_id, d.currency, d.amount_minor, d.created_at FROM adjustments d
              WHERE NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.adjustment_id = d.id AND l.live = 1)`,
    )
    .all() as {
    id: string;
    affiliate_id: string;
    currency: string;
    amount_minor: bigint;
    created_at: string;
  }[];
  for (const d of adjustments) {
    if (ids && !ids.has(d.affiliate_id)) continue;
    if (cutoffMs !== null && timestampMs(d.created_at) > cutoffMs) continue;
    const r = aggregateOf(agg, d.affiliate_id, d.currency.trim());
    r.adjustments = (BigInt(r.adjustments) + BigInt(d.amount_minor)).toString();
    r.adjustment_count++;
    r.adjustmentIds.push(d.id);
    r.amounts.set(d.id, BigInt(d.amount_minor));
  }
}

/**
 * The aggregates with something in them, completed with their affiliate's record and filtered by
 * provider and payout currency, in the central query's order (so batches split the same way).
 */
function withAffiliates(cache: LocalCache, agg: Aggregates, filters: PreviewFilters): Aggregate[] {
  const affiliates = new Map(
    (cache.sqlite.prepare('SELECT * FROM affiliates').all() as Record<string, string | null>[]).map(
      (a) => [a.id as string, a],
    ),
  );
  const raw: Aggregate[] = [];
  for (const r of agg.values()) {
    if (r.commission_count === 0 && r.held_count === 0 && r.adjustment_count === 0) continue;
    const a = affiliates.get(r.affiliate_id);
    if (!a) continue;
    if (filters.provider && a.payout_provider !== filters.provider) continue;
    if (filters.currency && (a.payout_currency ?? '').trim() !== filters.currency) continue;
    raw.push({
      ...r,
      name: a.name ?? '',
      status: a.status ?? '',
      kyc_status: a.kyc_status ?? '',
      payout_provider: a.payout_provider ?? null,
      payout_channel_code: a.payout_channel_code ?? null,
      payout_account_number: a.payout_account_number ?? null,
      payout_account_holder_name: a.payout_account_holder_name ?? null,
      payout_hold: a.payout_hold_reason ?? null,
      payout_currency: (a.payout_currency ?? '').trim(),
    });
  }
  return raw.sort(
    (x, y) =>
      cmp(x.payout_currency, y.payout_currency) ||
      cmp(x.payout_provider ?? '\uffff', y.payout_provider ?? '\uffff') ||
      cmp(x.affiliate_id, y.affiliate_id) ||
      cmp(x.currency, y.currency),
  );
}

/** What each decided row takes: the aggregate of its affiliate in its source currency. */
function owedByAffiliate(
  rows: readonly PreviewRow[],
  raw: readonly Aggregate[],
): Map<string, Owed> {
  const byKey = new Map(raw.map((r) => [aggregateKey(r.affiliate_id, r.currency), r]));
  const owed = new Map<string, Owed>();
  for (const row of rows) {
    const r = byKey.get(aggregateKey(row.affiliateId, row.sourceCurrency));
    if (r)
      owed.set(row.affiliateId, {
        commissionIds: r.commissionIds,
        adjustmentIds: r.adjustmentIds,
        amounts: r.amounts,
      });
  }
  return owed;
}

/**
 * The offline preview: the central preview's decisions over the cache. Also returns, per
 * affiliate, the commissions and adjustments a batch would take.
 */
export function previewOffline(
  cache: LocalCache,
  filters: PreviewFilters,
  now: Date,
): { preview: Preview; owed: Map<string, Owed> } {
  const nowMs = now.getTime();
  const cutoffMs = filters.cutoff?.getTime() ?? null;
  const ids =
    filters.affiliateIds && filters.affiliateIds.length > 0 ? new Set(filters.affiliateIds) : null;
  const agg: Aggregates = new Map();
  addCommissions(cache, agg, ids, nowMs, cutoffMs);
  addAdjustments(cache, agg, ids, cutoffMs);
  const raw = withAffiliates(cache, agg, filters);
  const versions = ruleVersions(cache);
  // Split above the channel's maximum as the central preview does: deferring such a payout offline
  // left the affiliate out of every offline batch without a word, while the central store pays it
  // in parts (createOffline prepares the parts exactly as create.ts makes them).
  const rows = decideRows(raw, {
    rules: ruleVersionAt(versions, nowMs)?.rules,
    thresholds: thresholds(cache),
    fxRates: filters.fxRates,
  });
  return { preview: summarise(rows, now, filters.cutoff), owed: owedByAffiliate(rows, raw) };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const ts = (d: Date) => d.toISOString();

/**
 * The key of a row that exists only in this cache until it is pushed (an item or an approval
 * prepared offline): below every key the table holds. Central keys are positive; local ones count
 * down from -1 and are never handed out twice while their rows are there. (They came from the
 * clock: two batches prepared in the same millisecond, or after the clock was set back, got the
 * same keys, and the second overwrote the first one's items.)
 */
function belowLocalKeys(cache: LocalCache, table: 'payout_items' | 'batch_approvals'): bigint {
  const { low } = cache.sqlite.prepare(`SELECT min(id) AS low FROM ${table}`).get() as {
    low: bigint | number | null;
  };
  const lowest = low === null ? 0n : BigInt(low);
  return (lowest < 0n ? lowest : 0n) - 1n;
}

/**
 * Creates a batch offline: the cache gets the batch, its payouts and items (so a second offline
 * batch cannot take the same commissions), the outbox gets `batch.create` with the expected
 * content.
 */
export function createOffline(
  cache: LocalCache,
  operator: OfflineOperator,
  filters: PreviewFilters & { note?: string; leftOut?: readonly LeftOutChoice[] | undefined },
  now: Date,
): {
  batchId: string;
  payouts: number;
  contentHash: string;
  requiredApprovals: number;
  commandId: string;
  leftOut: LeftOut[];
} {
  require(operator, 'batches.create');
  const { preview, owed } = previewOffline(cache, filters, now);
  const leftOut = leftOutRecords(preview.rows, filters.leftOut, operator.username, now);
  const eligible = chosenRows(
    preview,
    (filters.leftOut ?? []).map((c) => c.affiliateId),
  );
  const batchId = randomUUID();
  const fxRates = ratesUsed(filters.fxRates, eligible);
  const highValue = eligible.some((r) => r.highValue);
  const expected = expectedPayouts(eligible, owed);
  const hashed: HashedPayout[] = eligible.flatMap((r) =>
    hashedPayouts(r, batchId, owedOf(owed, r.affiliateId)),
  );
  // A payout split above its channel's maximum is sent as several (as create.ts counts them).
  const payouts = eligible.reduce((n, r) => n + (r.parts?.length ?? 1), 0);
  const contentHash = batchContentHash({ batchId, payouts: hashed, fxRates });
  const batch = {
    id: batchId,
    contentHash,
    fxRates,
    highValue,
    cutoff: filters.cutoff,
    note: filters.note,
    leftOut,
  };
  const summary = { payouts, totals: preview.totals };
  const changes: CacheChange[] = [localBatchChange(batch, summary, operator, now)];
  let itemKey = belowLocalKeys(cache, 'payout_items');
  for (const r of eligible) {
    const made = payoutChanges(r, batchId, owedOf(owed, r.affiliateId), itemKey, operator, now);
    for (const c of made.changes) changes.push(c);
    itemKey = made.nextItemKey;
  }
  const commandId = enqueue(cache, {
    name: 'batch.create',
    operator: operator.username,
    input: createInput(filters, eligible, batchId, expected),
    changes,
  });
  return {
    batchId,
    payouts,
    contentHash,
    requiredApprovals: highValue ? 2 : 1,
    commandId,
    leftOut,
  };
}

/**
 * The rows the batch pays: eligible and not unticked by the operator (as online, batches/create.ts);
 * refused when none is left.
 */
function chosenRows(preview: Preview, leftOutIds: readonly string[] | undefined): PreviewRow[] {
  const leftOut = new Set(leftOutIds ?? []);
  const eligible = preview.rows.filter((r) => r.eligible && !leftOut.has(r.affiliateId));
  if (eligible.length === 0)
    throw new TreasuryError(
      'VALIDATION',
      'nothing to pay: no affiliate is eligible with these filters (offline preview)',
    );
  return eligible;
}

function owedOf(owed: ReadonlyMap<string, Owed>, affiliateId: string): Owed {
  const o = owed.get(affiliateId);
  assert(o, 'every row the offline preview decided has what it takes (previewOffline)');
  return o;
}

/** What the central store re-validates on push: per affiliate the amount, destination and items. */
function expectedPayouts(
  eligible: readonly PreviewRow[],
  owed: ReadonlyMap<string, Owed>,
): ExpectedPayout[] {
  return eligible.map((r) => ({
    affiliateId: r.affiliateId,
    amountMinor: r.amountMinor,
    currency: r.currency,
    provider: r.provider!,
    channelCode: r.channelCode!,
    accountNumber: r.accountNumber!,
    commissionIds: owedOf(owed, r.affiliateId).commissionIds,
    adjustmentIds: owedOf(owed, r.affiliateId).adjustmentIds,
  }));
}

/** The batch's row in the cache: DRAFT, one part, numbered LOCAL- until the push numbers it. */
function localBatchChange(
  batch: {
    id: string;
    contentHash: string;
    fxRates: Record<string, string>;
    highValue: boolean;
    cutoff: Date | undefined;
    note: string | undefined;
    leftOut: readonly LeftOut[];
  },
  summary: { payouts: number; totals: Preview['totals'] },
  operator: OfflineOperator,
  now: Date,
): CacheChange {
  return {
    table: 'payout_batches',
    keyColumn: 'id',
    key: batch.id,
    row: {
      id: batch.id,
      number: `LOCAL-${batch.id.slice(0, 8)}`,
      status: 'DRAFT',
      content_hash: batch.contentHash,
      fx_rates: JSON.stringify(batch.fxRates),
      part: 1n,
      parts: 1n,
      cutoff: batch.cutoff ? ts(batch.cutoff) : null,
      request: JSON.stringify({ note: batch.note ?? null }),
      left_out: JSON.stringify(batch.leftOut),
      summary: JSON.stringify({ payouts: summary.payouts, totals: summary.totals, offline: true }),
      required_approvals: batch.highValue ? 2n : 1n,
      high_value: batch.highValue ? 1n : 0n,
      created_by: operator.id,
      lease_token: 0n,
      created_at: ts(now),
      updated_at: ts(now),
    },
  };
}

/**
 * The `batch.create` the outbox pushes: the filters, the one batch whole under its chosen id, what
 * it must contain, and what the maker left out (those affiliates are named too, so the central
 * preview holds them and records each exclusion with its amount).
 */
function createInput(
  filters: PreviewFilters & { note?: string; leftOut?: readonly LeftOutChoice[] | undefined },
  eligible: readonly PreviewRow[],
  batchId: string,
  expected: ExpectedPayout[],
) {
  const leftOut = filters.leftOut ?? [];
  return {
    affiliateIds: [...eligible.map((r) => r.affiliateId), ...leftOut.map((c) => c.affiliateId)],
    ...(leftOut.length > 0 ? { leftOut: leftOut.map((c) => ({ ...c })) } : {}),
    provider: filters.provider,
    currency: filters.currency,
    cutoff: filters.cutoff ? ts(filters.cutoff) : undefined,
    fxRates: filters.fxRates ? { ...filters.fxRates } : undefined,
    note: filters.note,
    maxPayouts: eligible.length,
    batchId,
    expected,
  };
}

interface ItemOf {
  commissionId: string | null;
  adjustmentId: string | null;
  amount: bigint;
}

/** One payout a row makes: the whole row, or one part of a row split above its channel's maximum. */
interface PayoutPart {
  id: string;
  part: number;
  parts: number;
  amount: bigint;
  sourceAmount: bigint;
}

/**
 * The payouts of a row as create.ts's payoutRowsOf makes them under a chosen batch id: one, or one
 * per part (part 1 keeps the affiliate's payout id, part k is `affiliate#k`). Splits are
 * same-currency only, so a part's source amount is its amount.
 */
function payoutPartsOf(r: PreviewRow, batchId: string): PayoutPart[] {
  const amounts = r.parts ?? [r.amountMinor];
  return amounts.map((amount, i) => ({
    id: payoutIdFor(batchId, i === 0 ? r.affiliateId : `${r.affiliateId}#${i + 1}`),
    part: i + 1,
    parts: amounts.length,
    amount: BigInt(amount),
    sourceAmount: r.parts ? BigInt(amount) : BigInt(r.sourceAmountMinor),
  }));
}

interface MadeAdjustment {
  id: string;
  amount: bigint;
  /** The payout whose item it is; null: owed, in no payout (a carried fraction). */
  payoutId: string | null;
  kind: 'rounding' | 'split';
}

/**
 * The adjustments create.ts writes for a row, as (id, amount, the payout whose item it is; null:
 * owed, in no payout): a whole-unit channel's fraction out of part 1 and carried to the next
 * payout, and per later part a `split` adjustment paying it with its negative out of part 1.
 */
function madeAdjustments(r: PreviewRow, parts: readonly PayoutPart[]): MadeAdjustment[] {
  const first = parts[0]!;
  const carried = BigInt(r.carriedMinor);
  const rounding: MadeAdjustment[] =
    carried > 0n
      ? [
          { id: `round:${first.id}:out`, amount: -carried, payoutId: first.id, kind: 'rounding' },
          { id: `round:${first.id}:carry`, amount: carried, payoutId: null, kind: 'rounding' },
        ]
      : [];
  const split = parts.slice(1).flatMap((p): MadeAdjustment[] => [
    { id: `split:${first.id}:${p.part}`, amount: p.amount, payoutId: p.id, kind: 'split' },
    { id: `split:${first.id}:${p.part}:out`, amount: -p.amount, payoutId: first.id, kind: 'split' },
  ]);
  return [...rounding, ...split];
}

/**
 * One row's changes: its payouts (one, or its parts), their items as the central store will write
 * them (with their amounts, so the cache keeps "payout = sum of its items" while the command waits
 * to be pushed), and the rounding and split adjustments. Items take keys down from `firstItemKey`.
 */
function payoutChanges(
  r: PreviewRow,
  batchId: string,
  o: Owed,
  firstItemKey: bigint,
  operator: OfflineOperator,
  now: Date,
): { changes: CacheChange[]; nextItemKey: bigint } {
  const parts = payoutPartsOf(r, batchId);
  const first = parts[0]!;
  const made = madeAdjustments(r, parts);
  const owedItems = [
    ...o.commissionIds.map((id) => ({
      commissionId: id,
      adjustmentId: null,
      amount: o.amounts.get(id)!,
    })),
    ...o.adjustmentIds.map((id) => ({
      commissionId: null,
      adjustmentId: id,
      amount: o.amounts.get(id)!,
    })),
  ].map((item): { payoutId: string; item: ItemOf } => ({ payoutId: first.id, item }));
  const madeItems = made.flatMap((a) =>
    a.payoutId === null
      ? []
      : [
          {
            payoutId: a.payoutId,
            item: { commissionId: null, adjustmentId: a.id, amount: a.amount },
          },
        ],
  );
  const items = [...owedItems, ...madeItems].map((x, i) =>
    itemChange(firstItemKey - BigInt(i), x.payoutId, r.sourceCurrency, x.item),
  );
  return {
    changes: [
      ...parts.map((p) => localPayoutChange(r, p, batchId, now)),
      ...items.slice(0, owedItems.length),
      ...made.map((a) => adjustmentChange(a, r, operator, now)),
      ...items.slice(owedItems.length),
    ],
    nextItemKey: firstItemKey - BigInt(items.length),
  };
}

function localPayoutChange(r: PreviewRow, p: PayoutPart, batchId: string, now: Date): CacheChange {
  return {
    table: 'payouts',
    keyColumn: 'id',
    key: p.id,
    row: {
      id: p.id,
      batch_id: batchId,
      affiliate_id: r.affiliateId,
      amount_minor: p.amount,
      currency: r.currency,
      source_amount_minor: p.sourceAmount,
      source_currency: r.sourceCurrency,
      fx_rate: r.fxRate,
      provider: r.provider,
      channel_code: r.channelCode,
      account_number: r.accountNumber,
      account_holder_name: r.accountHolderName,
      status: 'PENDING',
      attempt: 0n,
      auto_retries: 0n,
      split_part: BigInt(p.part),
      split_parts: BigInt(p.parts),
      created_at: ts(now),
      updated_at: ts(now),
    },
  };
}

function itemChange(key: bigint, payoutId: string, currency: string, item: ItemOf): CacheChange {
  return {
    table: 'payout_items',
    keyColumn: 'id',
    key,
    row: {
      id: key,
      payout_id: payoutId,
      commission_id: item.commissionId === null ? null : BigInt(item.commissionId),
      adjustment_id: item.adjustmentId,
      amount_minor: item.amount,
      currency,
      live: 1n,
    },
  };
}

const ADJUSTMENT_REASONS = {
  rounding: 'channel pays whole units only: fraction carried to the next payout',
  split: 'above the channel maximum: paid in parts',
} as const;

/** A rounding or split adjustment as create.ts writes it. */
function adjustmentChange(
  a: { id: string; amount: bigint; kind: keyof typeof ADJUSTMENT_REASONS },
  r: PreviewRow,
  operator: OfflineOperator,
  now: Date,
): CacheChange {
  return {
    table: 'adjustments',
    keyColumn: 'id',
    key: a.id,
    row: {
      id: a.id,
      affiliate_id: r.affiliateId,
      commission_id: null,
      kind: a.kind,
      amount_minor: a.amount,
      currency: r.sourceCurrency,
      reason: ADJUSTMENT_REASONS[a.kind],
      created_by: operator.id,
      created_at: ts(now),
    },
  };
}

/**
 * The hashed form of a row's payouts exactly as the central store will store them (rounding and
 * split adjustments included; a split payout's parts each with its part number).
 */
function hashedPayouts(r: PreviewRow, batchId: string, o: Owed): HashedPayout[] {
  const parts = payoutPartsOf(r, batchId);
  const made = madeAdjustments(r, parts);
  return parts.map((p) => ({
    affiliateId: r.affiliateId,
    amountMinor: p.amount,
    currency: r.currency,
    sourceAmountMinor: p.sourceAmount,
    sourceCurrency: r.sourceCurrency,
    fxRate: r.fxRate,
    provider: r.provider!,
    channelCode: r.channelCode!,
    accountNumber: r.accountNumber!,
    accountHolderName: r.accountHolderName!,
    commissionIds: p.part === 1 ? o.commissionIds : [],
    adjustmentIds: [
      ...(p.part === 1 ? o.adjustmentIds : []),
      ...made.filter((a) => a.payoutId === p.id).map((a) => a.id),
    ],
    splitPart: p.part,
    splitParts: p.parts,
  }));
}

function localBatch(
  cache: LocalCache,
  batchId: string,
): CacheRow & {
  id: string;
  status: BatchState;
  created_by: string;
  content_hash: string;
  required_approvals: bigint;
  high_value: bigint;
  number: string;
} {
  const row = cache.sqlite
    .prepare('SELECT * FROM payout_batches WHERE id = ? OR number = ?')
    // better-sqlite3 returns unknown rows; the mirror table's columns are this function's type.
    .get(batchId, batchId) as never;
  if (!row) throw new TreasuryError('NOT_FOUND', `no batch ${batchId} in this workstation's cache`);
  return row;
}

export function submitOffline(
  cache: LocalCache,
  operator: OfflineOperator,
  ref: string,
  now: Date,
): { batchId: string; status: BatchState; commandId: string } {
  require(operator, 'batches.submit');
  const b = localBatch(cache, ref);
  const status = transition(b.number, b.status, 'submit');
  const commandId = enqueue(cache, {
    name: 'batch.submit',
    operator: operator.username,
    input: { batch: b.id },
    changes: [
      {
        table: 'payout_batches',
        keyColumn: 'id',
        key: b.id,
        row: {
          ...b,
          status,
          submitted_by: operator.id,
          submitted_at: ts(now),
          rejected_by: null,
          rejected_at: null,
          rejection_reason: null,
          updated_at: ts(now),
        },
      },
    ],
  });
  return { batchId: b.id, status, commandId };
}

/** Approval offline: maker-checker and permissions checked here, and again centrally on push. */
export function approveOffline(
  cache: LocalCache,
  operator: OfflineOperator,
  ref: string,
  now: Date,
): { batchId: string; status: BatchState; approvals: number; commandId: string } {
  const b = localBatch(cache, ref);
  transition(b.number, b.status, 'approve');
  require(operator, b.high_value ? 'batches.approve_high_value' : 'batches.approve');
  if (b.created_by === operator.id)
    throw new TreasuryError(
      'MAKER_CHECKER',
      `${operator.username} created batch ${b.number} and cannot approve it: another operator must`,
    );
  const live = cache.sqlite
    .prepare(
      'SELECT operator_id FROM batch_approvals WHERE batch_id = ? AND voided_at IS NULL AND content_hash = ?',
    )
    .all(b.id, b.content_hash) as { operator_id: string }[];
  if (live.some((a) => a.operator_id === operator.id))
    throw new TreasuryError(
      'MAKER_CHECKER',
      `${operator.username} already approved batch ${b.number}`,
    );
  const approvals = live.length + 1;
  const status: BatchState = approvals >= Number(b.required_approvals) ? 'APPROVED' : b.status;
  const approvalKey = belowLocalKeys(cache, 'batch_approvals');
  const commandId = enqueue(cache, {
    name: 'batch.approve',
    operator: operator.username,
    input: { batch: b.id, contentHash: b.content_hash },
    changes: [
      {
        table: 'batch_approvals',
        keyColumn: 'id',
        key: approvalKey,
        row: {
          id: approvalKey,
          batch_id: b.id,
          operator_id: operator.id,
          content_hash: b.content_hash,
          high_value: b.high_value,
          created_at: ts(now),
        },
      },
      {
        table: 'payout_batches',
        keyColumn: 'id',
        key: b.id,
        row: { ...b, status, updated_at: ts(now) },
      },
    ],
  });
  return { batchId: b.id, status, approvals, commandId };
}

/** The approvals of a batch that are still live, as cache changes voiding them. */
function voidApprovals(
  cache: LocalCache,
  batchId: string,
  now: Date,
  reason: string,
  keepHash?: string,
): CacheChange[] {
  const live = cache.sqlite
    .prepare('SELECT * FROM batch_approvals WHERE batch_id = ? AND voided_at IS NULL')
    .all(batchId) as (CacheRow & { id: bigint; content_hash: string })[];
  return live
    .filter((a) => keepHash === undefined || a.content_hash !== keepHash)
    .map((a) => ({
      table: 'batch_approvals',
      keyColumn: 'id',
      key: a.id,
      row: { ...a, voided_at: ts(now), void_reason: reason },
    }));
}

/**
 * Pending payouts of a batch cancelled, their live items released (as lifecycle.ts's
 * releasePayouts).
 */
function releasePayoutsOffline(
  cache: LocalCache,
  batchId: string,
  affiliateIds: readonly string[] | null,
  now: Date,
): CacheChange[] {
  const payouts = (
    cache.sqlite
      .prepare("SELECT * FROM payouts WHERE batch_id = ? AND status = 'PENDING'")
      .all(batchId) as (CacheRow & { id: string; affiliate_id: string })[]
  ).filter((p) => affiliateIds === null || affiliateIds.includes(p.affiliate_id));
  const changes: CacheChange[] = [];
  const items = cache.sqlite.prepare('SELECT * FROM payout_items WHERE payout_id = ? AND live = 1');
  for (const p of payouts) {
    changes.push({
      table: 'payouts',
      keyColumn: 'id',
      key: p.id,
      row: { ...p, status: 'CANCELLED', updated_at: ts(now) },
    });
    for (const i of items.all(p.id) as (CacheRow & { id: bigint })[])
      changes.push({ table: 'payout_items', keyColumn: 'id', key: i.id, row: { ...i, live: 0n } });
  }
  return changes;
}

export function rejectOffline(
  cache: LocalCache,
  operator: OfflineOperator,
  ref: string,
  reason: string,
  now: Date,
) {
  require(operator, 'batches.approve');
  const b = localBatch(cache, ref);
  const status = transition(b.number, b.status, 'reject');
  if (b.created_by === operator.id)
    throw new TreasuryError(
      'MAKER_CHECKER',
      `${operator.username} created batch ${b.number}: a checker rejects it, not its maker (cancel it instead)`,
    );
  const changes = [
    ...voidApprovals(cache, b.id, now, `rejected: ${reason}`),
    {
      table: 'payout_batches',
      keyColumn: 'id',
      key: b.id,
      row: {
        ...b,
        status,
        rejected_by: operator.id,
        rejected_at: ts(now),
        rejection_reason: reason,
        updated_at: ts(now),
      },
    },
  ];
  const commandId = enqueue(cache, {
    name: 'batch.reject',
    operator: operator.username,
    input: { batch: b.id, reason },
    changes,
  });
  return { id: b.id, number: b.number, status, commandId };
}

export function cancelOffline(
  cache: LocalCache,
  operator: OfflineOperator,
  ref: string,
  reason: string,
  now: Date,
) {
  require(operator, 'batches.cancel');
  const b = localBatch(cache, ref);
  const status = transition(b.number, b.status, 'cancel');
  const released = releasePayoutsOffline(cache, b.id, null, now);
  const changes = [
    ...released,
    ...voidApprovals(cache, b.id, now, `cancelled: ${reason}`),
    {
      table: 'payout_batches',
      keyColumn: 'id',
      key: b.id,
      row: { ...b, status, updated_at: ts(now) },
    },
  ];
  const commandId = enqueue(cache, {
    name: 'batch.cancel',
    operator: operator.username,
    input: { batch: b.id, reason },
    changes,
  });
  return {
    id: b.id,
    number: b.number,
    status,
    payoutsReleased: released.filter((c) => c.table === 'payouts').length,
    commandId,
  };
}

/**
 * The content hash of a batch as the cache holds it after `changes` (content.ts's
 * computeContentHash over SQLite): live items only, cancelled payouts left out.
 */
function localContentHash(
  cache: LocalCache,
  batchId: string,
  fxRates: Record<string, string>,
  changes: readonly CacheChange[],
): string {
  const changed = new Map(changes.map((c) => [`${c.table}:${String(c.key)}`, c.row]));
  const current = <T extends CacheRow>(
    table: string,
    row: T & { id: string | bigint },
  ): T | null =>
    changed.has(`${table}:${String(row.id)}`)
      ? (changed.get(`${table}:${String(row.id)}`) as T | null)
      : row;
  const payouts = cache.sqlite
    .prepare('SELECT * FROM payouts WHERE batch_id = ?')
    .all(batchId) as (CacheRow & { id: string })[];
  const items = cache.sqlite.prepare('SELECT * FROM payout_items WHERE payout_id = ? ORDER BY id');
  const hashed: HashedPayout[] = [];
  for (const original of payouts) {
    const p = current('payouts', original);
    if (!p || p.status === 'CANCELLED') continue;
    const live = (items.all(p.id) as (CacheRow & { id: bigint })[])
      .map((i) => current('payout_items', i))
      .filter((i) => i !== null && Number(i.live) === 1) as CacheRow[];
    hashed.push({
      affiliateId: String(p.affiliate_id),
      amountMinor: BigInt(p.amount_minor as bigint),
      currency: String(p.currency).trim(),
      sourceAmountMinor: BigInt(p.source_amount_minor as bigint),
      sourceCurrency: String(p.source_currency).trim(),
      fxRate: (p.fx_rate as string | null) ?? null,
      provider: String(p.provider),
      channelCode: String(p.channel_code),
      accountNumber: String(p.account_number),
      accountHolderName: String(p.account_holder_name),
      commissionIds: live
        .filter((i) => i.commission_id !== null)
        .map((i) => String(i.commission_id)),
      adjustmentIds: live
        .filter((i) => i.adjustment_id !== null)
        .map((i) => String(i.adjustment_id)),
      // A split payout's parts (made centrally, mirrored here) are hashed as the central store
      // does.
      splitPart: Number(p.split_part ?? 1),
      splitParts: Number(p.split_parts ?? 1),
    });
  }
  return batchContentHash({ batchId, payouts: hashed, fxRates });
}

/**
 * Takes affiliates out of a batch before execution (lifecycle.ts's removePayouts, on the cache).
 */
export function removeOffline(
  cache: LocalCache,
  operator: OfflineOperator,
  ref: string,
  affiliateIds: readonly string[],
  now: Date,
) {
  require(operator, 'batches.create');
  const b = localBatch(cache, ref);
  if (b.status !== 'DRAFT' && b.status !== 'SUBMITTED' && b.status !== 'APPROVED') {
    throw new TreasuryError(
      'ILLEGAL_TRANSITION',
      `batch ${b.number} is ${b.status}: payouts can only be removed before execution`,
    );
  }
  const changes = releasePayoutsOffline(cache, b.id, affiliateIds, now);
  const released = changes.filter((c) => c.table === 'payouts').length;
  if (released === 0)
    throw new TreasuryError(
      'NOT_FOUND',
      `batch ${b.number} holds no pending payout for ${affiliateIds.join(', ')}`,
    );
  const hash = localContentHash(
    cache,
    b.id,
    JSON.parse(String(b.fx_rates ?? '{}')) as Record<string, string>,
    changes,
  );
  const voided =
    hash === b.content_hash ? [] : voidApprovals(cache, b.id, now, 'payouts removed', hash);
  const status: BatchState =
    hash !== b.content_hash && b.status === 'APPROVED' ? 'SUBMITTED' : b.status;
  changes.push(...voided, {
    table: 'payout_batches',
    keyColumn: 'id',
    key: b.id,
    row: { ...b, status, content_hash: hash, updated_at: ts(now) },
  });
  const commandId = enqueue(cache, {
    name: 'batch.removePayouts',
    operator: operator.username,
    input: { batch: b.id, affiliateIds: [...affiliateIds] },
    changes,
  });
  return {
    id: b.id,
    number: b.number,
    status,
    released,
    contentHash: hash,
    approvalsVoided: voided.length,
    commandId,
  };
}
