/**
 * The calculation job: turns conversions into commissions with the pure engine, set-based.
 *
 * Affiliates are cut into chunks of at most CHUNK_CONVERSIONS conversions. Per chunk: one COPY
 * reads its conversions with their current commissions (an index range scan: a chunk is a
 * contiguous range of affiliate ids), two small queries read its locks and adjustments, the engine
 * computes in memory, one COPY stages the new and changed commissions, and one statement each
 * merges them and inserts adjustments. Round trips grow with chunks, never with rows.
 *
 * The merge of chunk N runs in the database while chunk N+1 is planned here, so both cores work.
 *
 * Where the time goes (1,000,000 conversions, PostgreSQL, 2 cores; see README "Benchmarks"): the
 * merges ≈ 8 s of database time (index upkeep for a million rows, like the floor's COPY in), the
 * chunk reads ≈ 3 s (scattered heap pages: conversions arrive in time order, not by affiliate), and
 * ≈ 10 s in this process (the engine, field parsing, garbage collection), of which only the part
 * planned while a merge runs is hidden. Next steps if it must go faster: plan in a worker thread,
 * and read with a second connection on an exported snapshot so reads overlap merges too.
 *
 * A commission that is locked (in a live payout, or paid) is never rewritten: when its computed
 * amount changes (refund, fraud, tier true-up) the difference becomes an adjustment carried into
 * the affiliate's next payout. The merge re-checks the lock in SQL, so a batch created concurrently
 * cannot have its commissions changed under it.
 *
 * Integrity without a foreign key to conversions (a per-row trigger would dominate the write):
 * every commission written here comes from a conversion read in this same transaction; conversions
 * cannot be deleted (trigger) nor moved to another affiliate (the import refuses it).
 */
import { sql } from 'drizzle-orm';
import { noteSlice } from '../../platform/central/chunks.js';
import {
  copyField,
  copyInto,
  copyLine,
  copyOutText,
  literal,
} from '../../platform/central/copy.js';
import type { Lanes } from '../../platform/central/lanes.js';
import { affected, rows, type CentralDb, type CentralTx } from '../../platform/central/store.js';
import { compactReportAggregates } from '../reports/aggregates.js';
import { TreasuryError } from '../../shared/errors.js';
import {
  computeAffiliateCommissions,
  lockedCommissionDelta,
  type AffiliateStatus,
  type CommissionError,
  type CommissionResult,
  type ConversionInput,
  type ConversionStatus,
  type RuleVersion,
} from '../../shared/commission/index.js';
import { loadRuleVersions } from './rules-store.js';

export const CHUNK_CONVERSIONS = 20_000;

export interface CalcSummary {
  asOf: string;
  conversions: number;
  affiliates: number;
  inserted: number;
  updated: number;
  unchanged: number;
  lockedUnchanged: number;
  adjustments: { created: number; byCurrency: Record<string, string> }; // minor units as strings
  errors: { total: number; first: CommissionError[] };
}

/**
 * One conversion with its current commission, as the raw fields of the chunk's COPY (text format;
 * `\N` is null). Kept as arrays: a million objects with named fields cost more than the arithmetic.
 */
type Row = string[];
const NULL = '\\N';
const [ID, AFFILIATE, OCCURRED_MS, PRODUCT, NET, CURRENCY, STATUS] = [0, 1, 2, 3, 4, 5, 6];
const [
  C_ID,
  C_AMOUNT,
  C_STATUS,
  C_REASON,
  C_RULE_VERSION,
  C_RATE_BPS,
  C_CAPPED,
  C_PERIOD,
  C_AVAILABLE_MS,
  C_CURRENCY,
] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

/** Everything the plan needs for one chunk of affiliates. */
interface ChunkData {
  rows: Row[];
  affiliateStatus: ReadonlyMap<string, string>;
  /** Commissions in a live payout that is not paid yet (paid ones are locked by their status). */
  inLivePayout: ReadonlySet<string>;
  /** Adjustments recorded against each commission: their sum and count. */
  adjusted: ReadonlyMap<string, { total: bigint; count: number }>;
}

interface PlannedAdjustment {
  id: string;
  affiliateId: string;
  commissionId: string;
  kind: 'clawback' | 'recalculation';
  amount: bigint;
  currency: string;
  reason: string;
}

export interface ChunkPlan {
  inserts: CommissionResult[];
  updates: CommissionResult[];
  adjustments: PlannedAdjustment[];
}

/**
 * Groups affiliates into chunks of at most `limit` conversions (an affiliate with more is its own
 * chunk).
 */
export function chunkAffiliates(
  counts: readonly { id: string; n: number }[],
  limit = CHUNK_CONVERSIONS,
): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const { id, n } of counts) {
    if (current.length > 0 && size + n > limit) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(id);
    size += n;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * What a calculation starts from: the rule versions, the affiliates with conversions and how many
 * each.
 */
async function calcStart(
  tx: CentralTx,
): Promise<{ versions: RuleVersion[]; counts: { id: string; n: number }[] }> {
  const versions = await loadRuleVersions(tx);
  // Sorted in the store's own collation, so each chunk is a contiguous BETWEEN range for the reads.
  const counts = await rows<{ id: string; n: number }>(
    tx,
    sql`SELECT affiliate_id AS id, count(*)::int AS n FROM conversions GROUP BY affiliate_id ORDER BY affiliate_id`,
  );
  return { versions, counts: counts.map((c) => ({ id: c.id, n: Number(c.n) })) };
}

function emptySummary(asOf: Date, affiliates: number): CalcSummary {
  return {
    asOf: asOf.toISOString(),
    conversions: 0,
    affiliates,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    lockedUnchanged: 0,
    adjustments: { created: 0, byCurrency: {} },
    errors: { total: 0, first: [] },
  };
}

/** Counts a planned chunk's adjustments into the summary and its per-currency totals. */
function countAdjustments(summary: CalcSummary, plan: ChunkPlan): void {
  summary.adjustments.created += plan.adjustments.length;
  const totals = new Map(
    Object.entries(summary.adjustments.byCurrency).map(([c, v]) => [c, BigInt(v)]),
  );
  for (const a of plan.adjustments)
    totals.set(a.currency, (totals.get(a.currency) ?? 0n) + a.amount);
  summary.adjustments.byCurrency = Object.fromEntries(
    [...totals].map(([c, v]) => [c, v.toString()]),
  );
}

/**
 * One calculation at a time (per central store): its plain inserts rely on nobody else inserting.
 */
async function lockCalculation(tx: CentralTx): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('treasury.commissions.calculate'))`);
}

const createStaging = (tx: CentralTx) =>
  tx.execute(sql`CREATE TEMP TABLE calc_staging (conversion_id text, affiliate_id text, rule_version int, amount_minor bigint,
    currency char(3), status text, reason text, rate_bps int, capped boolean, period text, occurred_ms bigint, available_ms bigint,
    is_update boolean) ON COMMIT DROP`);

/**
 * The whole calculation in one transaction (PostgreSQL, where readers never wait for a writer):
 * all of it or nothing, the merge of each chunk overlapping the planning of the next.
 */
export async function calculateCommissions(
  tx: CentralTx,
  asOf: Date,
  progress: (done: number, total: number) => void = () => {},
): Promise<CalcSummary> {
  await lockCalculation(tx);
  // Postgres would JIT-compile the bigger chunk statements: ~0.5 s each, for nothing on these
  // plans.
  await tx.execute(sql`SET LOCAL jit = off`);
  const { versions, counts } = await calcStart(tx);
  const total = counts.reduce((s, c) => s + c.n, 0);
  const summary = emptySummary(asOf, counts.length);
  await createStaging(tx);

  // COPY cannot share the connection with a statement in flight, so reads and staging are awaited;
  // only the merge (pure database work) runs while the next chunk is planned.
  let pending: ChunkPlan | null = null;
  for (const chunk of chunkAffiliates(counts)) {
    const data = await readChunk(tx, chunk);
    if (pending) await stage(tx, pending);
    const merge = pending ? mergeStaged(tx, pending, asOf) : Promise.resolve();
    merge.catch(() => {}); // awaited below; never an unhandled rejection while planning
    await sendPending();
    const plan = planChunk(data, versions, asOf.getTime(), summary);
    await merge;
    pending = plan;
    countAdjustments(summary, plan);
    summary.conversions += data.rows.length;
    progress(summary.conversions, total);
  }
  if (pending) {
    await stage(tx, pending);
    await mergeStaged(tx, pending, asOf);
  }
  // Each merged chunk appended its report deltas; fold them while the calc holds the ledger anyway.
  if (wrote(summary)) await compactReportAggregates(tx);
  return summary;
}

const wrote = (s: CalcSummary) => s.inserted + s.updated + s.adjustments.created > 0;

/**
 * Conversions per slice on the embedded store: one slice's transaction (read, plan, merge) holds
 * PGlite's only connection for about a fifth of a second on a 2-core machine, so an interactive
 * call waits at most that long behind a calculation.
 */
export const SLICE_CONVERSIONS = 4_000;

/** A sliced calculation stopped by its job's cancel after some slices were committed. */
export class CalcStopped extends Error {
  constructor(
    readonly summary: CalcSummary,
    readonly total: number,
    cause: unknown,
  ) {
    super('calculation stopped', { cause });
  }
}

/**
 * The embedded store (one connection, one transaction at a time): each slice of affiliates is its
 * own short transaction — locked, read, planned and merged together — and the connection is free
 * between slices for the console's calls. An affiliate is never split: each one's commissions are
 * wholly of this calculation or wholly of the last. A slice that fails rolls back alone; the
 * slices before it stay, and a calculation run again goes on from what they wrote (a commission
 * already right is "unchanged"). `progress` may throw (a job's cancel): the error comes back as
 * CalcStopped with what was committed.
 */
export async function calculateInSlices(
  db: CentralDb,
  asOf: Date,
  options: {
    progress?: (done: number, total: number) => void;
    lanes?: Lanes;
    sliceConversions?: number;
  } = {},
): Promise<CalcSummary> {
  const { progress = () => {}, lanes, sliceConversions = SLICE_CONVERSIONS } = options;
  if (lanes)
    return lanes.writing((committing) =>
      slices(db, asOf, progress, sliceConversions, lanes, committing),
    );
  return slices(db, asOf, progress, sliceConversions, undefined, () => {});
}

async function slices(
  db: CentralDb,
  asOf: Date,
  progress: (done: number, total: number) => void,
  sliceConversions: number,
  lanes: Lanes | undefined,
  committing: (xid: string) => void,
): Promise<CalcSummary> {
  const { counts } = await calcStart(db);
  const total = counts.reduce((s, c) => s + c.n, 0);
  const summary = emptySummary(asOf, counts.length);
  for (const chunk of chunkAffiliates(counts, sliceConversions)) {
    await lanes?.quiet(); // the console's calls first (central/lanes.ts)
    const slice = emptySummary(asOf, 0);
    const plan = await db.transaction(async (tx) => {
      await lockCalculation(tx);
      await createStaging(tx);
      // Read in the slice: a rule version set during a long calculation applies from the next
      // slice.
      const versions = await loadRuleVersions(tx);
      const data = await readChunk(tx, chunk);
      const planned = planChunk(data, versions, asOf.getTime(), slice);
      await stage(tx, planned);
      await mergeStaged(tx, planned, asOf);
      await noteSlice(tx, committing);
      slice.conversions = data.rows.length;
      return planned;
    });
    addSlice(summary, slice, plan);
    try {
      progress(summary.conversions, total);
    } catch (error) {
      throw new CalcStopped(summary, total, error);
    }
  }
  if (wrote(summary)) await db.transaction((tx) => compactReportAggregates(tx));
  return summary;
}

function addSlice(summary: CalcSummary, slice: CalcSummary, plan: ChunkPlan): void {
  summary.conversions += slice.conversions;
  summary.inserted += slice.inserted;
  summary.updated += slice.updated;
  summary.unchanged += slice.unchanged;
  summary.lockedUnchanged += slice.lockedUnchanged;
  summary.errors.total += slice.errors.total;
  summary.errors.first.push(...slice.errors.first.slice(0, 50 - summary.errors.first.length));
  countAdjustments(summary, plan);
}

/**
 * Yields to the event loop long enough for the driver to send what was queued: postgres.js flushes
 * small messages from a setImmediate of its own, scheduled after ours, so one turn is not enough.
 */
const sendPending = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

async function readChunk(tx: CentralTx, affiliateIds: readonly string[]): Promise<ChunkData> {
  const first = affiliateIds[0]!;
  const last = affiliateIds.at(-1)!;
  // Read with the chunk: an affiliate added in the range since the calculation began is computed
  // with its own status, never as an unknown (closed) one.
  const statuses = await rows<{ id: string; status: string }>(
    tx,
    sql`SELECT id, status FROM affiliates WHERE id BETWEEN ${first} AND ${last}`,
  );
  // The range on m.affiliate_id too, so commissions are read by index for this chunk only.
  const text = await copyOutText(
    tx,
    `SELECT c.id, c.affiliate_id, (extract(epoch FROM c.occurred_at) * 1000)::bigint, c.product, c.gross_minor - c.discount_minor,
            c.currency, c.status, m.id, m.amount_minor, m.status, m.reason, m.rule_version, m.rate_bps, m.capped, m.period,
            (extract(epoch FROM m.available_at) * 1000)::bigint, m.currency
     FROM conversions c
     LEFT JOIN commissions m ON m.conversion_id = c.id AND m.affiliate_id BETWEEN ${literal(first)} AND ${literal(last)}
     WHERE c.affiliate_id BETWEEN ${literal(first)} AND ${literal(last)}`,
  );
  const locked = await rows<{ id: string }>(
    tx,
    sql`SELECT m.id::text AS id FROM payout_items l JOIN commissions m ON m.id = l.commission_id
        WHERE l.live AND m.status <> 'paid' AND m.affiliate_id BETWEEN ${first} AND ${last}`,
  );
  const adjusted = await rows<{ id: string; total: string; n: number }>(
    tx,
    sql`SELECT commission_id::text AS id, sum(amount_minor)::text AS total, count(*)::int AS n FROM adjustments
        WHERE affiliate_id BETWEEN ${first} AND ${last} AND commission_id IS NOT NULL GROUP BY commission_id`,
  );
  const lines = text.length ? text.slice(0, -1).split('\n') : [];
  return {
    rows: lines.map((line) => line.split('\t')),
    affiliateStatus: new Map(statuses.map((a) => [a.id, a.status])),
    inLivePayout: new Set(locked.map((r) => r.id)),
    adjusted: new Map(adjusted.map((r) => [r.id, { total: BigInt(r.total), count: Number(r.n) }])),
  };
}

/** Pure: decides which commissions to write and which adjustments to create for one chunk. */
export function planChunk(
  data: ChunkData,
  versions: readonly RuleVersion[],
  asOf: number,
  summary: CalcSummary,
): ChunkPlan {
  const plan: ChunkPlan = { inserts: [], updates: [], adjustments: [] };
  const byConversion = new Map<string, Row>();
  const byAffiliate = new Map<string, ConversionInput[]>();
  for (const r of data.rows) {
    byConversion.set(r[ID]!, r);
    let list = byAffiliate.get(r[AFFILIATE]!);
    if (!list) byAffiliate.set(r[AFFILIATE]!, (list = []));
    list.push({
      id: r[ID]!,
      affiliateId: r[AFFILIATE]!,
      occurredAt: Number(r[OCCURRED_MS]),
      product: copyField(r[PRODUCT]!)!, // the one free-text field: may hold escaped characters
      netAmount: BigInt(r[NET]!),
      currency: r[CURRENCY]!,
      status: r[STATUS] as ConversionStatus,
    });
  }
  for (const [affiliateId, inputs] of byAffiliate) {
    const status = (data.affiliateStatus.get(affiliateId) ?? 'closed') as AffiliateStatus;
    const result = computeAffiliateCommissions({ id: affiliateId, status }, inputs, versions, asOf);
    for (const e of result.errors) {
      summary.errors.total++;
      if (summary.errors.first.length < 50) summary.errors.first.push(e);
    }
    for (const computed of result.commissions) {
      const existing = byConversion.get(computed.conversionId)!;
      const commissionId = existing[C_ID]!;
      if (commissionId === NULL) {
        plan.inserts.push(computed);
        summary.inserted++;
        continue;
      }
      // Invariant kept for every commission: its amount plus the adjustments recorded against it
      // equals what the rules compute now. Locked commissions reach it through a new adjustment;
      // unlocked ones (new, or released by a cancelled payout) through their own amount.
      const target = computed.status === 'voided' ? 0n : computed.amount;
      const prior = data.adjusted.get(commissionId) ?? { total: 0n, count: 0 };
      if (existing[C_STATUS] === 'paid' || data.inLivePayout.has(commissionId)) {
        const delta = lockedCommissionDelta(BigInt(existing[C_AMOUNT]!), prior.total, target);
        if (delta === 0n) summary.lockedUnchanged++;
        else plan.adjustments.push(adjustmentFor(existing, computed, delta, prior.count));
      } else {
        // Released with adjustments already recorded: the amount covers only what they do not.
        const own = target - prior.total;
        const c = prior.total === 0n ? computed : { ...computed, amount: own < 0n ? 0n : own };
        if (own < 0n) plan.adjustments.push(adjustmentFor(existing, computed, own, prior.count));
        if (differs(existing, c)) {
          plan.updates.push(c);
          summary.updated++;
        } else summary.unchanged++;
      }
    }
  }
  return plan;
}

function adjustmentFor(
  existing: Row,
  computed: CommissionResult,
  amount: bigint,
  priorCount: number,
): PlannedAdjustment {
  return {
    id: `adj:${existing[C_ID]}:${priorCount + 1}`,
    affiliateId: existing[AFFILIATE]!,
    commissionId: existing[C_ID]!,
    kind: computed.status === 'voided' || amount < 0n ? 'clawback' : 'recalculation',
    amount,
    currency: existing[C_CURRENCY]!,
    reason:
      computed.status === 'voided'
        ? `conversion ${computed.conversionId} ${computed.reason} after its commission was paid or batched`
        : `commission for conversion ${computed.conversionId} recalculated (rule version ${computed.ruleVersion}) after it was paid or batched`,
  };
}

function differs(e: Row, c: CommissionResult): boolean {
  return (
    e[C_AMOUNT] !== c.amount.toString() ||
    e[C_STATUS] !== c.status ||
    (e[C_REASON] === NULL ? null : e[C_REASON]) !== c.reason ||
    Number(e[C_RULE_VERSION]) !== c.ruleVersion ||
    Number(e[C_RATE_BPS]) !== c.rateBps ||
    (e[C_CAPPED] === 't') !== c.capped ||
    e[C_PERIOD] !== c.period ||
    e[C_AVAILABLE_MS] !== String(c.availableAt) ||
    e[C_CURRENCY] !== c.currency
  );
}

/** COPYs a chunk's new and changed commissions into the staging table. */
async function stage(tx: CentralTx, plan: ChunkPlan): Promise<void> {
  const line = (c: CommissionResult, isUpdate: boolean) =>
    copyLine([
      c.conversionId,
      c.affiliateId,
      c.ruleVersion,
      c.amount,
      c.currency,
      c.status,
      c.reason,
      c.rateBps,
      c.capped,
      c.period,
      c.occurredAt,
      c.availableAt,
      isUpdate,
    ]);
  await copyInto(tx, 'calc_staging', [
    ...plan.inserts.map((c) => line(c, false)),
    ...plan.updates.map((c) => line(c, true)),
  ]);
}

/**
 * Merges the staged chunk. New commissions are plain inserts (the calc lock guarantees nobody else
 * inserts them meanwhile); changed ones are upserts whose WHERE repeats the lock rule in SQL: a
 * paid or live-batched commission is never rewritten, even if a batch took it after this job read
 * it — the count check then refuses the whole calculation rather than half-apply it.
 */
async function mergeStaged(tx: CentralTx, plan: ChunkPlan, asOf: Date): Promise<void> {
  const columns = sql`(conversion_id, affiliate_id, rule_version, amount_minor, currency, status, reason, rate_bps, capped, period,
                       occurred_at, available_at, calculated_at)`;
  const values = sql`SELECT conversion_id, affiliate_id, rule_version, amount_minor, currency, status, reason, rate_bps, capped, period,
                            'epoch'::timestamptz + occurred_ms * interval '1 millisecond', 'epoch'::timestamptz + available_ms * interval '1 millisecond',
                            ${asOf.toISOString()}::timestamptz
                     FROM calc_staging`;
  const inserted = plan.inserts.length
    ? await affected(tx, sql`INSERT INTO commissions ${columns} ${values} WHERE NOT is_update`)
    : 0;
  const updated = plan.updates.length
    ? await affected(
        tx,
        sql`INSERT INTO commissions AS m ${columns} ${values} WHERE is_update
        ON CONFLICT (conversion_id) DO UPDATE SET
          affiliate_id = excluded.affiliate_id, rule_version = excluded.rule_version, amount_minor = excluded.amount_minor,
          currency = excluded.currency, status = excluded.status, reason = excluded.reason, rate_bps = excluded.rate_bps,
          capped = excluded.capped, period = excluded.period, occurred_at = excluded.occurred_at, available_at = excluded.available_at,
          calculated_at = excluded.calculated_at, updated_at = now()
        WHERE m.status <> 'paid' AND NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.commission_id = m.id AND l.live)`,
      )
    : 0;
  if (plan.inserts.length || plan.updates.length) await tx.execute(sql`TRUNCATE calc_staging`);
  if (inserted !== plan.inserts.length || updated !== plan.updates.length) {
    throw new TreasuryError(
      'CONFLICT',
      `calc wrote ${inserted + updated} of ${plan.inserts.length + plan.updates.length} commissions: some were locked into a batch while it ran; nothing was changed, run calc again`,
    );
  }
  if (plan.adjustments.length === 0) return;
  const json = JSON.stringify(
    plan.adjustments.map((a) => [
      a.id,
      a.affiliateId,
      a.commissionId,
      a.kind,
      a.amount.toString(),
      a.currency,
      a.reason,
    ]),
  );
  await tx.execute(sql`
    INSERT INTO adjustments (id, affiliate_id, commission_id, kind, amount_minor, currency, reason)
    SELECT e->>0, e->>1, (e->>2)::bigint, e->>3, (e->>4)::bigint, e->>5, e->>6 FROM json_array_elements(${json}::json) AS e
    ON CONFLICT (id) DO NOTHING`);
}
