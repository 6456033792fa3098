/**
 * Creating batches from the preview: one payout per eligible affiliate, its commissions and
 * adjustments locked to it (payout_items; the partial unique indexes refuse a second live payout
 * for any of them), destination and FX rate snapshotted, split into parts of at most `maxPayouts`.
 *
 * Set-based: a handful of statements whatever the size (batches, payouts, commission items,
 * adjustment items, the balance check, hashes). The preview and the item inserts use the same
 * eligibility SQL, and the balance check proves each payout equals the sum of what it locked.
 */
import { pgArray } from '../../platform/central/arrays.js';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { canonicalJson, type AuditEntry } from '../../platform/kernel/audit-chain.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError, type Problem } from '../../shared/errors.js';
import { assertPayoutsBalance, computeContentHash } from './content.js';
import { payoutIdFor } from './ids.js';
import { ratesUsed } from './rates-used.js';
import { batchNumber } from './number.js';
import { leftOutRecords, type LeftOut, type LeftOutChoice } from './left-out.js';
import {
  eligibleAdjustmentsSql,
  eligibleCommissionsSql,
  previewBatch,
  type Preview,
  type PreviewFilters,
  type PreviewRow,
} from './preview.js';

export const DEFAULT_MAX_PAYOUTS = 1000;

export interface CreatedBatch {
  id: string;
  number: string;
  part: number;
  parts: number;
  payouts: number;
  highValue: boolean;
  requiredApprovals: number;
  contentHash: string;
  totals: { currency: string; provider: string; payouts: number; amountMinor: string }[];
}

/**
 * What an operator prepared offline and wants created exactly as seen: per affiliate the amount,
 * destination and the very commissions and adjustments. The central store re-validates all of it
 * when the command arrives; any difference is a conflict that says what changed.
 */
export interface ExpectedPayout {
  affiliateId: string;
  amountMinor: string;
  currency: string;
  provider: string;
  channelCode: string;
  accountNumber: string;
  commissionIds: readonly string[];
  adjustmentIds: readonly string[];
}

export interface CreateResult {
  groupId: string;
  batches: CreatedBatch[];
  excluded: { affiliateId: string; reasons: string[] }[];
  excludedByReason: Record<string, number>;
  /** The eligible affiliates the maker left out, with their reasons (kept with every part). */
  leftOut: LeftOut[];
}

export async function createBatches(
  tx: CentralTx,
  input: PreviewFilters & {
    maxPayouts?: number | undefined;
    note?: string | undefined;
    batchId?: string | undefined;
    expected?: readonly ExpectedPayout[] | undefined;
    leftOut?: readonly LeftOutChoice[] | undefined;
  },
  actor: { operatorId: string; username: string },
  now: Date,
  audit: (entry: AuditEntry) => void,
): Promise<CreateResult> {
  // Serialise creators: two batches must never be built from the same preview at once (the unique
  // indexes would refuse the second anyway; the lock turns that into a wait, not an error).
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('treasury.batch.create'))`);
  const preview = await previewBatch(tx, input, now);
  // The operator's own exclusions (unticked in the preview) are left out, and recorded with the
  // batch: amount, reason, who, when.
  const leftOut = new Set((input.leftOut ?? []).map((c) => c.affiliateId));
  const leftOutRecorded = leftOutRecords(preview.rows, input.leftOut, actor.username, now);
  let eligible = preview.rows.filter((r) => r.eligible && !leftOut.has(r.affiliateId));
  const excluded = preview.rows
    .filter((r) => !r.eligible)
    .map((r) => ({ affiliateId: r.affiliateId, reasons: r.reasons as string[] }));
  if (input.expected) {
    await assertExpected(tx, input.expected, preview.rows, now, input.cutoff);
    const wanted = new Set(input.expected.map((e) => e.affiliateId));
    eligible = eligible.filter((r) => wanted.has(r.affiliateId));
  }
  assertSomethingToPay(eligible, preview, excluded.length);
  const max = input.maxPayouts ?? DEFAULT_MAX_PAYOUTS;
  await assertChosenIdFree(tx, input.batchId, eligible.length, max);
  const numberedToday = await batchesNumberedOn(tx, now);
  const groupId = randomUUID();
  const fxRates = ratesUsed(input.fxRates, eligible);
  const request = batchRequest(input, max, leftOut);
  const batches = planBatches(eligible, max, input.batchId, now, numberedToday);
  await insertBatches(
    tx,
    batches,
    { groupId, fxRates, cutoff: input.cutoff, request, leftOut: leftOutRecorded },
    actor,
    now,
  );
  const payoutRows = batches.flatMap((b) =>
    b.rows.flatMap((r) => payoutRowsOf(b.id, r, input.batchId !== undefined)),
  );
  await insertPayouts(tx, payoutRows, now);
  const batchIds = batches.map((b) => b.id);
  await lockOwedItems(tx, batchIds, now, input.cutoff);
  await insertRoundingAdjustments(tx, payoutRows, actor, now);
  await insertSplitAdjustments(tx, payoutRows, actor, now);
  await assertPayoutsBalance(tx, batchIds);

  const made = {
    groupId,
    fxRates,
    request,
    excludedByReason: preview.excluded,
    excluded,
    leftOut: leftOutRecorded,
  };
  const created: CreatedBatch[] = [];
  // One batch at a time: the statements share the transaction's one connection.
  for (const b of batches) created.push(await sealBatch(tx, b, made, audit));
  return {
    groupId,
    batches: created,
    excluded,
    excludedByReason: preview.excluded as Record<string, number>,
    leftOut: leftOutRecorded,
  };
}

/** Refuses a batch with no payout, saying why each affiliate was left out. */
function assertSomethingToPay(
  eligible: readonly PreviewRow[],
  preview: Preview,
  excludedCount: number,
): void {
  if (eligible.length > 0) return;
  throw new TreasuryError(
    'VALIDATION',
    `nothing to pay: no affiliate is eligible with these filters (${preview.rows.length} considered, ${excludedCount} excluded)`,
    [
      {
        message:
          Object.entries(preview.excluded)
            .map(([r, n]) => `${r}: ${n}`)
            .join(', ') || 'no payable commissions',
      },
    ],
  );
}

/**
 * A batch with a chosen id (an offline-prepared one) is made whole under that id: refused when it
 * would need splitting, or when the id is already used.
 */
async function assertChosenIdFree(
  tx: CentralTx,
  batchId: string | undefined,
  payouts: number,
  max: number,
): Promise<void> {
  if (batchId && payouts > max) {
    throw new TreasuryError(
      'VALIDATION',
      `a batch with a chosen id cannot be split: ${payouts} payouts exceed --max-payouts ${max}`,
    );
  }
  if (batchId) {
    const [taken] = await rows<{ id: string }>(
      tx,
      sql`SELECT id FROM payout_batches WHERE id = ${batchId}::uuid`,
    );
    if (taken) throw new TreasuryError('CONFLICT', `batch id ${batchId} is already used`);
  }
}

/** How many batches were numbered on `now`'s day already: the next numbers follow them. */
async function batchesNumberedOn(tx: CentralTx, now: Date): Promise<number> {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  const [{ n } = { n: 0 }] = await rows<{ n: number }>(
    tx,
    sql`SELECT count(*)::int AS n FROM payout_batches WHERE number LIKE ${`B-${day}-%`}`,
  );
  return Number(n);
}

/** What was asked, as every part records it (and its audit entry). */
function batchRequest(
  input: PreviewFilters & { note?: string | undefined },
  maxPayouts: number,
  leftOut: ReadonlySet<string>,
) {
  return {
    affiliateIds: input.affiliateIds ? [...input.affiliateIds] : null,
    provider: input.provider ?? null,
    currency: input.currency ?? null,
    cutoff: input.cutoff?.toISOString() ?? null,
    fxRates: { ...(input.fxRates ?? {}) },
    maxPayouts,
    note: input.note ?? null,
    ...(leftOut.size > 0 ? { leftOut: [...leftOut].sort() } : {}),
  };
}

type BatchRequest = ReturnType<typeof batchRequest>;

interface PlannedBatch {
  id: string;
  number: string;
  part: number;
  parts: number;
  rows: PreviewRow[];
  highValue: boolean;
  requiredApprovals: number;
}

/**
 * The eligible rows cut into parts of at most `max`, numbered after the day's earlier batches; a
 * part with a high-value payout needs two approvals.
 */
function planBatches(
  eligible: readonly PreviewRow[],
  max: number,
  chosenId: string | undefined,
  now: Date,
  numberedBefore: number,
): PlannedBatch[] {
  const parts: PreviewRow[][] = [];
  for (let i = 0; i < eligible.length; i += max) parts.push(eligible.slice(i, i + max));
  return parts.map((rowsOfPart, i) => {
    const highValue = rowsOfPart.some((r) => r.highValue);
    return {
      id: chosenId ?? randomUUID(),
      number: batchNumber(now, numberedBefore + i + 1),
      part: i + 1,
      parts: parts.length,
      rows: rowsOfPart,
      highValue,
      requiredApprovals: highValue ? 2 : 1,
    };
  });
}

/** The batches' rows, DRAFT, in one statement. */
async function insertBatches(
  tx: CentralTx,
  batches: readonly PlannedBatch[],
  group: {
    groupId: string;
    fxRates: Record<string, string>;
    cutoff: Date | undefined;
    request: BatchRequest;
    leftOut: readonly LeftOut[];
  },
  actor: { operatorId: string },
  now: Date,
): Promise<void> {
  const { groupId, fxRates, cutoff, request, leftOut } = group;
  await tx.execute(sql`
    INSERT INTO payout_batches (id, number, status, fx_rates, group_id, part, parts, cutoff, request, left_out, required_approvals, high_value, created_by, created_at, updated_at)
    SELECT b.id, b.number, 'DRAFT', ${JSON.stringify(fxRates)}::jsonb, ${groupId}::uuid, b.part, b.parts, ${cutoff?.toISOString() ?? null}::timestamptz,
           ${canonicalJson(request)}::jsonb, ${canonicalJson(leftOut)}::jsonb, b.required_approvals, b.high_value, ${actor.operatorId}::uuid, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
    FROM json_to_recordset(${JSON.stringify(batches.map((b) => ({ id: b.id, number: b.number, part: b.part, parts: b.parts, required_approvals: b.requiredApprovals, high_value: b.highValue })))}::json)
         AS b(id uuid, number text, part int, parts int, required_approvals int, high_value boolean)`);
}

/** Every payout of every part, destination and FX rate snapshotted, in one statement. */
async function insertPayouts(
  tx: CentralTx,
  payoutRows: readonly PayoutInsert[],
  now: Date,
): Promise<void> {
  await tx.execute(sql`
    INSERT INTO payouts (id, batch_id, affiliate_id, amount_minor, currency, source_amount_minor, source_currency, fx_rate, provider, channel_code, account_number,
                         account_holder_name, split_part, split_parts, created_at, updated_at)
    SELECT p.id, p.batch_id, p.affiliate_id, p.amount_minor::bigint, p.currency, p.source_amount_minor::bigint, p.source_currency, p.fx_rate, p.provider,
           p.channel_code, p.account_number, p.account_holder_name, p.split_part, p.split_parts, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
    FROM json_to_recordset(${JSON.stringify(payoutRows)}::json)
         AS p(id uuid, batch_id uuid, affiliate_id text, amount_minor text, currency text, source_amount_minor text, source_currency text, fx_rate text,
              provider text, channel_code text, account_number text, account_holder_name text, split_part int, split_parts int)`);
}

/**
 * Locks what each payout pays to it: the eligible commissions and adjustments become the items of
 * each affiliate's first part (the same eligibility SQL as the preview), one statement each.
 */
async function lockOwedItems(
  tx: CentralTx,
  batchIds: readonly string[],
  now: Date,
  cutoff: Date | undefined,
): Promise<void> {
  await tx.execute(sql`
    INSERT INTO payout_items (payout_id, commission_id, amount_minor, currency)
    SELECT p.id, m.id, m.amount_minor, m.currency
    FROM payouts p JOIN commissions m ON m.affiliate_id = p.affiliate_id AND m.currency = p.source_currency
    WHERE p.batch_id = ANY(${pgArray(batchIds)}::uuid[]) AND p.split_part = 1 AND ${eligibleCommissionsSql(now, cutoff)}`);
  await tx.execute(sql`
    INSERT INTO payout_items (payout_id, adjustment_id, amount_minor, currency)
    SELECT p.id, d.id, d.amount_minor, d.currency
    FROM payouts p JOIN adjustments d ON d.affiliate_id = p.affiliate_id AND d.currency = p.source_currency
    WHERE p.batch_id = ANY(${pgArray(batchIds)}::uuid[]) AND p.split_part = 1 AND ${eligibleAdjustmentsSql(cutoff)}`);
}

/**
 * Channel increments (whole rupiah): the held-back fraction leaves this payout through a negative
 * rounding adjustment and stays owed through a positive one, so items still sum to the payout.
 */
async function insertRoundingAdjustments(
  tx: CentralTx,
  payoutRows: readonly PayoutInsert[],
  actor: { operatorId: string },
  now: Date,
): Promise<void> {
  const rounding = payoutRows.filter((p) => BigInt(p.carried_minor) > 0n);
  if (rounding.length === 0) return;
  const adjustmentRows = rounding.flatMap((p) => [
    {
      id: `round:${p.id}:out`,
      payout_id: p.id,
      affiliate_id: p.affiliate_id,
      amount: (-BigInt(p.carried_minor)).toString(),
      currency: p.source_currency,
    },
    {
      id: `round:${p.id}:carry`,
      payout_id: null,
      affiliate_id: p.affiliate_id,
      amount: p.carried_minor,
      currency: p.source_currency,
    },
  ]);
  await tx.execute(sql`
    INSERT INTO adjustments (id, affiliate_id, kind, amount_minor, currency, reason, created_by, created_at)
    SELECT a.id, a.affiliate_id, 'rounding', a.amount::bigint, a.currency,
           'channel pays whole units only: fraction carried to the next payout', ${actor.operatorId}::uuid, ${now.toISOString()}::timestamptz
    FROM json_to_recordset(${JSON.stringify(adjustmentRows)}::json) AS a(id text, payout_id uuid, affiliate_id text, amount text, currency text)`);
  await tx.execute(sql`
    INSERT INTO payout_items (payout_id, adjustment_id, amount_minor, currency)
    SELECT a.payout_id, a.id, a.amount::bigint, a.currency
    FROM json_to_recordset(${JSON.stringify(adjustmentRows.filter((a) => a.payout_id))}::json) AS a(id text, payout_id uuid, amount text, currency text)`);
}

/**
 * A created batch finished: its content hash and summary written, and its `batch.create` audit
 * entry pushed (written by the caller in this same transaction).
 */
async function sealBatch(
  tx: CentralTx,
  b: PlannedBatch,
  made: {
    groupId: string;
    fxRates: Record<string, string>;
    request: BatchRequest;
    excludedByReason: Preview['excluded'];
    excluded: CreateResult['excluded'];
    leftOut: readonly LeftOut[];
  },
  audit: (entry: AuditEntry) => void,
): Promise<CreatedBatch> {
  const contentHash = await computeContentHash(tx, { id: b.id, fxRates: made.fxRates });
  const totals = totalsOf(b.rows);
  const payouts = payoutCount(b.rows);
  const summary = {
    payouts,
    totals,
    highValuePayouts: b.rows.filter((r) => r.highValue).length,
    commissions: b.rows.reduce((s, r) => s + r.commissionCount, 0),
    adjustments: b.rows.reduce((s, r) => s + r.adjustmentCount, 0),
    // Exclusions belong to the request, so every part carries them.
    excludedByReason: made.excludedByReason,
    excluded: made.excluded,
  };
  await tx.execute(
    sql`UPDATE payout_batches SET content_hash = ${contentHash}, summary = ${canonicalJson(summary)}::jsonb WHERE id = ${b.id}::uuid`,
  );
  audit({
    action: 'batch.create',
    entityType: 'payout_batch',
    entityId: b.id,
    after: {
      number: b.number,
      status: 'DRAFT',
      part: b.part,
      parts: b.parts,
      groupId: made.groupId,
      payouts,
      totals,
      contentHash,
      requiredApprovals: b.requiredApprovals,
      request: made.request,
      ...(made.leftOut.length > 0 ? { leftOut: [...made.leftOut] } : {}),
    },
  });
  return {
    id: b.id,
    number: b.number,
    part: b.part,
    parts: b.parts,
    payouts,
    highValue: b.highValue,
    requiredApprovals: b.requiredApprovals,
    contentHash,
    totals,
  };
}

/** Payouts a batch's rows make: a split row is one payout per part. */
const payoutCount = (list: readonly PreviewRow[]) =>
  list.reduce((n, r) => n + (r.parts?.length ?? 1), 0);

interface PayoutInsert {
  id: string;
  batch_id: string;
  affiliate_id: string;
  amount_minor: string;
  currency: string;
  source_amount_minor: string;
  source_currency: string;
  fx_rate: string | null;
  provider: string | null;
  channel_code: string | null;
  account_number: string | null;
  account_holder_name: string | null;
  carried_minor: string;
  split_part: number;
  split_parts: number;
}

/**
 * The payouts of one row: one, or one per part when the row is split. Part 1 takes every
 * commission and adjustment (its items); each later part's only item is a `split` adjustment of its
 * amount, and part 1 gives the same total back through a negative one — so every part's amount is
 * the sum of its items, no commission is in two payouts, and a part released later makes exactly
 * its own amount owed again. Splits are same-currency only (preview.ts), so source = payout
 * amounts.
 */
function payoutRowsOf(batchId: string, r: PreviewRow, chosenIds: boolean): PayoutInsert[] {
  const parts = r.parts ?? [r.amountMinor];
  return parts.map((amount, i) => ({
    id: chosenIds
      ? payoutIdFor(batchId, i === 0 ? r.affiliateId : `${r.affiliateId}#${i + 1}`)
      : randomUUID(),
    batch_id: batchId,
    affiliate_id: r.affiliateId,
    amount_minor: amount,
    currency: r.currency,
    source_amount_minor: r.parts ? amount : r.sourceAmountMinor,
    source_currency: r.sourceCurrency,
    fx_rate: r.fxRate,
    provider: r.provider,
    channel_code: r.channelCode,
    account_number: r.accountNumber,
    account_holder_name: r.accountHolderName,
    carried_minor: i === 0 ? r.carriedMinor : '0',
    split_part: i + 1,
    split_parts: parts.length,
  }));
}

/** The `split` adjustments that move each later part's amount out of part 1 (see payoutRowsOf). */
async function insertSplitAdjustments(
  tx: CentralTx,
  payoutRows: readonly PayoutInsert[],
  actor: { operatorId: string },
  now: Date,
): Promise<void> {
  const firsts = new Map(
    payoutRows
      .filter((p) => p.split_parts > 1 && p.split_part === 1)
      .map((p) => [`${p.batch_id}|${p.affiliate_id}`, p]),
  );
  if (firsts.size === 0) return;
  const adjustments: {
    id: string;
    payout_id: string;
    affiliate_id: string;
    amount: string;
    currency: string;
  }[] = [];
  for (const p of payoutRows.filter((x) => x.split_part > 1)) {
    const first = firsts.get(`${p.batch_id}|${p.affiliate_id}`)!;
    adjustments.push({
      id: `split:${first.id}:${p.split_part}`,
      payout_id: p.id,
      affiliate_id: p.affiliate_id,
      amount: p.source_amount_minor,
      currency: p.source_currency,
    });
    adjustments.push({
      id: `split:${first.id}:${p.split_part}:out`,
      payout_id: first.id,
      affiliate_id: p.affiliate_id,
      amount: (-BigInt(p.source_amount_minor)).toString(),
      currency: p.source_currency,
    });
  }
  await tx.execute(sql`
    INSERT INTO adjustments (id, affiliate_id, kind, amount_minor, currency, reason, created_by, created_at)
    SELECT a.id, a.affiliate_id, 'split', a.amount::bigint, a.currency, 'above the channel maximum: paid in parts', ${actor.operatorId}::uuid, ${now.toISOString()}::timestamptz
    FROM json_to_recordset(${JSON.stringify(adjustments)}::json) AS a(id text, affiliate_id text, amount text, currency text)`);
  await tx.execute(sql`
    INSERT INTO payout_items (payout_id, adjustment_id, amount_minor, currency)
    SELECT a.payout_id, a.id, a.amount::bigint, a.currency
    FROM json_to_recordset(${JSON.stringify(adjustments)}::json) AS a(id text, payout_id uuid, amount text, currency text)`);
}

function totalsOf(list: readonly PreviewRow[]) {
  const m = new Map<
    string,
    { currency: string; provider: string; payouts: number; amount: bigint }
  >();
  for (const r of list) {
    const key = `${r.currency}|${r.provider}`;
    const t = m.get(key) ?? { currency: r.currency, provider: r.provider!, payouts: 0, amount: 0n };
    t.payouts += r.parts?.length ?? 1;
    t.amount += BigInt(r.amountMinor);
    m.set(key, t);
  }
  return [...m.values()].map((t) => ({
    currency: t.currency,
    provider: t.provider,
    payouts: t.payouts,
    amountMinor: t.amount.toString(),
  }));
}

/**
 * Re-validation of an offline-prepared batch: every named commission still payable and in no other
 * live payout (the conflict lists those already taken, and by which batch), every affiliate still
 * eligible with the same destination, and the amounts recomputed now equal to what was prepared.
 */
async function assertExpected(
  tx: CentralTx,
  expected: readonly ExpectedPayout[],
  preview: readonly PreviewRow[],
  now: Date,
  cutoff: Date | undefined,
): Promise<void> {
  const commissionIds = expected.flatMap((e) => e.commissionIds);
  const { problems, taken } = await commissionProblems(tx, commissionIds);
  const rowsByAffiliate = new Map(preview.map((r) => [r.affiliateId, r]));
  const items = await owedNow(
    tx,
    expected.map((e) => e.affiliateId),
    now,
    cutoff,
  );
  for (const e of expected) {
    problems.push(
      ...payoutProblems(e, rowsByAffiliate.get(e.affiliateId), items.get(e.affiliateId)),
    );
  }
  if (problems.length > 0) {
    const lead =
      taken.length > 0
        ? `${taken.length} commission(s) are already in another batch: ${taken.slice(0, 20).join(', ')}${taken.length > 20 ? ', …' : ''}`
        : `${problems.length} difference(s) with the central store`;
    throw new TreasuryError(
      'CONFLICT',
      `the prepared batch conflicts with the central store: ${lead}`,
      problems,
    );
  }
}

/**
 * Each named commission that cannot be paid any more: gone, taken by a live payout (listed in
 * `taken`, with the batch in the problem), or no longer payable. One statement for all of them.
 */
async function commissionProblems(
  tx: CentralTx,
  commissionIds: readonly string[],
): Promise<{ problems: Problem[]; taken: string[] }> {
  const state = await rows<{ id: string; status: string; batch: string | null }>(
    tx,
    sql`SELECT m.id::text AS id, m.status,
               (SELECT b.number FROM payout_items l JOIN payouts p ON p.id = l.payout_id JOIN payout_batches b ON b.id = p.batch_id
                WHERE l.commission_id = m.id AND l.live LIMIT 1) AS batch
        FROM commissions m WHERE m.id = ANY(${pgArray(commissionIds)}::bigint[])`,
  );
  const byId = new Map(state.map((c) => [c.id, c]));
  const problems: Problem[] = [];
  const taken: string[] = [];
  for (const id of commissionIds) {
    const c = byId.get(id);
    if (!c) problems.push({ field: `commission ${id}`, message: 'does not exist' });
    else if (c.batch) {
      taken.push(id);
      problems.push({ field: `commission ${id}`, message: `already taken by batch ${c.batch}` });
    } else if (c.status !== 'payable')
      problems.push({ field: `commission ${id}`, message: `is ${c.status}, not payable` });
  }
  return { problems, taken };
}

interface OwedNow {
  affiliate_id: string;
  commission_ids: string | null;
  adjustment_ids: string | null;
}

/** Per affiliate, the ids of what a batch would take now (the eligibility SQL), in one statement. */
async function owedNow(
  tx: CentralTx,
  affiliateIds: readonly string[],
  now: Date,
  cutoff: Date | undefined,
): Promise<Map<string, OwedNow>> {
  const current = await rows<OwedNow>(
    tx,
    sql`SELECT a.id AS affiliate_id,
               (SELECT string_agg(m.id::text, ',') FROM commissions m WHERE m.affiliate_id = a.id AND ${eligibleCommissionsSql(now, cutoff)}) AS commission_ids,
               (SELECT string_agg(d.id, ',') FROM adjustments d WHERE d.affiliate_id = a.id AND ${eligibleAdjustmentsSql(cutoff)}) AS adjustment_ids
        FROM affiliates a WHERE a.id = ANY(${pgArray(affiliateIds)}::text[])`,
  );
  return new Map(current.map((c) => [c.affiliate_id, c]));
}

/** The same ids, in any order (`listed`: comma-separated, as string_agg gives them). */
function sameIds(prepared: readonly string[], listed: string | null): boolean {
  const x = [...prepared].sort();
  const y = (listed ? listed.split(',') : []).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * How one prepared payout differs from what the central store would pay now: eligibility,
 * destination, amount, and the very commissions and adjustments.
 */
function payoutProblems(
  e: ExpectedPayout,
  r: PreviewRow | undefined,
  c: OwedNow | undefined,
): Problem[] {
  const where = `affiliate ${e.affiliateId}`;
  if (!r) return [{ field: where, message: 'has nothing payable any more' }];
  const problems: Problem[] = [];
  if (!r.eligible)
    problems.push({ field: where, message: `is no longer eligible (${r.reasons.join(', ')})` });
  if (
    r.provider !== e.provider ||
    r.channelCode !== e.channelCode ||
    r.accountNumber !== e.accountNumber
  ) {
    problems.push({
      field: where,
      message: 'payout destination changed since the batch was prepared',
    });
  }
  if (r.currency !== e.currency || r.amountMinor !== e.amountMinor) {
    problems.push({
      field: where,
      message: `amount is now ${r.amountMinor} ${r.currency}, prepared ${e.amountMinor} ${e.currency}`,
    });
  }
  if (
    !c ||
    !sameIds(e.commissionIds, c.commission_ids) ||
    !sameIds(e.adjustmentIds, c.adjustment_ids)
  ) {
    problems.push({
      field: where,
      message: 'its payable commissions or adjustments changed since the batch was prepared',
    });
  }
  return problems;
}
