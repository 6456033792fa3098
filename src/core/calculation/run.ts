/**
 * The calculation job: turns conversions into commissions with the pure engine, set-based.
 *
 * Per chunk of affiliates (≤ CHUNK_CONVERSIONS conversions): one query reads their conversions with
 * the current commission state, the engine computes in memory, and one statement each writes the
 * changed commissions and the new adjustments. Round trips grow with chunks, never with rows.
 *
 * A commission that is locked (in a live payout, or paid) is never rewritten: when its computed
 * amount changes (refund, fraud, tier true-up) the difference becomes an adjustment carried into the
 * affiliate's next payout. The write itself re-checks the lock in SQL, so a batch created
 * concurrently cannot have its commissions changed under it.
 */
import { sql } from 'drizzle-orm';
import { pgArray, type ArrayElement } from '../central/arrays.js';
import { copyOutText, copyRows, literal } from '../central/copy-out.js';
import { affected, rows, type CentralTx } from '../central/store.js';
import { TreasuryError } from '../commands/errors.js';
import {
  computeAffiliateCommissions,
  lockedCommissionDelta,
  type AffiliateStatus,
  type CommissionError,
  type CommissionResult,
  type ConversionInput,
  type ConversionStatus,
  type RuleVersion,
} from '../commission/index.js';
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

/** One conversion with its current commission (if any), as read for a chunk. */
interface Row {
  id: string;
  affiliate_id: string;
  occurred_ms: string;
  product: string;
  net: string;
  currency: string;
  status: string;
  commission_id: string | null;
  amount: string | null;
  c_status: string | null;
  reason: string | null;
  rule_version: number | null;
  rate_bps: number | null;
  capped: boolean | null;
  period: string | null;
  available_ms: string | null;
  c_currency: string | null;
}

/** Everything the plan needs for one chunk of affiliates. */
interface ChunkData {
  rows: Row[];
  affiliateStatus: ReadonlyMap<string, string>;
  /** Commissions in a live payout that is not paid yet (paid ones are locked by their status). */
  inLivePayout: ReadonlySet<string>;
  /** Adjustments recorded against each commission: their sum and count. */
  adjusted: ReadonlyMap<string, { total: bigint; count: number }>;
}

/** Groups affiliates into chunks of at most `limit` conversions (an affiliate with more is its own chunk). */
export function chunkAffiliates(counts: readonly { id: string; n: number }[], limit = CHUNK_CONVERSIONS): string[][] {
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

export async function calculateCommissions(
  tx: CentralTx,
  asOf: Date,
  progress: (done: number, total: number) => void = () => {},
): Promise<CalcSummary> {
  // One calculation at a time (per central store): its plain inserts rely on nobody else inserting.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('treasury.commissions.calculate'))`);
  // The chunk statements are big enough for Postgres to JIT-compile them, which costs ~0.5 s each and
  // buys nothing for these simple plans.
  await tx.execute(sql`SET LOCAL jit = off`);
  const versions = await loadRuleVersions(tx);
  const counts = await rows<{ id: string; status: string; n: number }>(
    tx,
    sql`SELECT c.affiliate_id AS id, a.status, count(*)::int AS n FROM conversions c JOIN affiliates a ON a.id = c.affiliate_id
        GROUP BY c.affiliate_id, a.status ORDER BY c.affiliate_id`,
  );
  const affiliateStatus = new Map(counts.map((c) => [c.id, c.status]));
  const total = counts.reduce((s, c) => s + Number(c.n), 0);
  const summary: CalcSummary = {
    asOf: asOf.toISOString(),
    conversions: 0,
    affiliates: counts.length,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    lockedUnchanged: 0,
    adjustments: { created: 0, byCurrency: {} },
    errors: { total: 0, first: [] },
  };
  const adjustmentTotals = new Map<string, bigint>();
  // Overlapped: a chunk's write is sent before the next chunk is planned, so the database inserts
  // while this process computes (two cores busy instead of one). Chunks hold disjoint affiliates, so
  // their order does not matter. Reads are not overlapped: a result must be consumed as it streams.
  const chunks = chunkAffiliates(counts.map((c) => ({ id: c.id, n: Number(c.n) })));
  let pending: { affiliates: string[]; plan: ReturnType<typeof planChunk> } | null = null;
  for (const chunk of chunks) {
    const data = await readChunk(tx, chunk, affiliateStatus);
    const write = pending ? writePlan(tx, pending.affiliates, pending.plan, asOf) : Promise.resolve();
    write.catch(() => {}); // awaited below; never an unhandled rejection while planning
    await new Promise((resolve) => setImmediate(resolve)); // let the driver put the write on the wire
    const plan = planChunk(data, versions, asOf.getTime(), summary);
    await write;
    pending = { affiliates: chunk, plan };
    summary.adjustments.created += plan.adjustments.length;
    for (const a of plan.adjustments) adjustmentTotals.set(a.currency, (adjustmentTotals.get(a.currency) ?? 0n) + a.amount);
    summary.conversions += data.rows.length;
    progress(summary.conversions, total);
  }
  if (pending) await writePlan(tx, pending.affiliates, pending.plan, asOf);
  summary.adjustments.byCurrency = Object.fromEntries([...adjustmentTotals].map(([c, v]) => [c, v.toString()]));
  return summary;
}

/** Sends every statement of a chunk's write at once (they are independent); resolves when all are done. */
async function writePlan(tx: CentralTx, affiliateIds: readonly string[], plan: ReturnType<typeof planChunk>, asOf: Date): Promise<void> {
  await Promise.all([
    writeCommissions(tx, affiliateIds, plan.inserts, asOf, 'insert'),
    writeCommissions(tx, affiliateIds, plan.updates, asOf, 'update'),
    writeAdjustments(tx, plan.adjustments),
  ]);
}

/**
 * Reads a chunk: its affiliates are a contiguous range in the store's own ordering (the counts query
 * sorted them), so conversions and commissions come from index range scans, not whole-table scans.
 * The big read is a plain two-table join read with COPY (a fraction of the driver's per-row cost);
 * locks and adjustments, few by nature, come from two small queries.
 */
async function readChunk(tx: CentralTx, affiliateIds: readonly string[], statuses: ReadonlyMap<string, string>): Promise<ChunkData> {
  const first = affiliateIds[0]!;
  const last = affiliateIds.at(-1)!;
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
  return {
    rows: copyRows(text).map((f) => ({
      id: f[0]!,
      affiliate_id: f[1]!,
      occurred_ms: f[2]!,
      product: f[3]!,
      net: f[4]!,
      currency: f[5]!,
      status: f[6]!,
      commission_id: f[7]!,
      amount: f[8]!,
      c_status: f[9]!,
      reason: f[10]!,
      rule_version: f[11] === null ? null : Number(f[11]),
      rate_bps: f[12] === null ? null : Number(f[12]),
      capped: f[13] === null ? null : f[13] === 't',
      period: f[14]!,
      available_ms: f[15]!,
      c_currency: f[16]!,
    })),
    affiliateStatus: statuses,
    inLivePayout: new Set(locked.map((r) => r.id)),
    adjusted: new Map(adjusted.map((r) => [r.id, { total: BigInt(r.total), count: Number(r.n) }])),
  };
}

type PlannedCommission = CommissionResult;

interface PlannedAdjustment {
  id: string;
  affiliateId: string;
  commissionId: string;
  kind: 'clawback' | 'recalculation';
  amount: bigint;
  currency: string;
  reason: string;
}

/** Pure: decides which commissions to write and which adjustments to create for one chunk. */
export function planChunk(
  data: ChunkData,
  versions: readonly RuleVersion[],
  asOf: number,
  summary: CalcSummary,
): { inserts: PlannedCommission[]; updates: PlannedCommission[]; adjustments: PlannedAdjustment[] } {
  const inserts: PlannedCommission[] = [];
  const updates: PlannedCommission[] = [];
  const adjustments: PlannedAdjustment[] = [];
  const byConversion = new Map<string, Row>();
  const byAffiliate = new Map<string, ConversionInput[]>();
  for (const r of data.rows) {
    byConversion.set(r.id, r);
    let list = byAffiliate.get(r.affiliate_id);
    if (!list) byAffiliate.set(r.affiliate_id, (list = []));
    list.push({
      id: r.id,
      affiliateId: r.affiliate_id,
      occurredAt: Number(r.occurred_ms),
      product: r.product,
      netAmount: BigInt(r.net),
      currency: r.currency,
      status: r.status as ConversionStatus,
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
      if (existing.commission_id === null) {
        inserts.push(computed);
        summary.inserted++;
        continue;
      }
      // Invariant kept for every commission: its amount plus the adjustments recorded against it
      // equals what the rules compute now. Locked commissions reach it through a new adjustment;
      // unlocked ones (new, or released by a cancelled payout) through their own amount.
      const target = computed.status === 'voided' ? 0n : computed.amount;
      const prior = data.adjusted.get(existing.commission_id) ?? { total: 0n, count: 0 };
      if (existing.c_status === 'paid' || data.inLivePayout.has(existing.commission_id)) {
        const delta = lockedCommissionDelta(BigInt(existing.amount!), prior.total, target);
        if (delta === 0n) summary.lockedUnchanged++;
        else adjustments.push(adjustmentFor(existing, computed, delta, prior.count));
      } else {
        // Released with adjustments already recorded: the amount covers only what they do not.
        const own = target - prior.total;
        const c = prior.total === 0n ? computed : { ...computed, amount: own < 0n ? 0n : own };
        if (own < 0n) adjustments.push(adjustmentFor(existing, computed, own, prior.count));
        if (differs(existing, c)) {
          updates.push(c);
          summary.updated++;
        } else summary.unchanged++;
      }
    }
  }
  return { inserts, updates, adjustments };
}

function adjustmentFor(existing: Row, computed: CommissionResult, amount: bigint, priorCount: number): PlannedAdjustment {
  return {
    id: `adj:${existing.commission_id}:${priorCount + 1}`,
    affiliateId: existing.affiliate_id,
    commissionId: existing.commission_id!,
    kind: computed.status === 'voided' || amount < 0n ? 'clawback' : 'recalculation',
    amount,
    currency: existing.c_currency!,
    reason:
      computed.status === 'voided'
        ? `conversion ${computed.conversionId} ${computed.reason} after its commission was paid or batched`
        : `commission for conversion ${computed.conversionId} recalculated (rule version ${computed.ruleVersion}) after it was paid or batched`,
  };
}

function differs(e: Row, c: CommissionResult): boolean {
  return (
    e.amount !== c.amount.toString() ||
    e.c_status !== c.status ||
    (e.reason ?? null) !== (c.reason ?? null) ||
    Number(e.rule_version) !== c.ruleVersion ||
    Number(e.rate_bps) !== c.rateBps ||
    Boolean(e.capped) !== c.capped ||
    e.period !== c.period ||
    e.available_ms !== String(c.availableAt) ||
    e.c_currency !== c.currency
  );
}

/**
 * New commissions are plain inserts (the calc lock guarantees nobody else inserts them meanwhile);
 * changed ones are upserts whose WHERE repeats the lock rule in SQL: a paid or live-batched commission
 * is never rewritten, even if a batch took it after this job read it. Rows travel as one array per
 * column (unnest), not COPY: COPY cannot share the connection with the pipelined reads.
 */
async function writeCommissions(
  tx: CentralTx,
  affiliateIds: readonly string[],
  list: readonly PlannedCommission[],
  asOf: Date,
  mode: 'insert' | 'update',
): Promise<void> {
  const STATEMENT_ROWS = 25_000;
  const statements: Promise<void>[] = [];
  for (let i = 0; i < list.length; i += STATEMENT_ROWS) statements.push(writePart(list.slice(i, i + STATEMENT_ROWS)));
  await Promise.all(statements);

  async function writePart(part: readonly PlannedCommission[]): Promise<void> {
    const col = (f: (c: PlannedCommission) => ArrayElement) => pgArray(part.map(f));
    const upsert = sql`
      ON CONFLICT (conversion_id) DO UPDATE SET
        affiliate_id = excluded.affiliate_id, rule_version = excluded.rule_version, amount_minor = excluded.amount_minor,
        currency = excluded.currency, status = excluded.status, reason = excluded.reason, rate_bps = excluded.rate_bps,
        capped = excluded.capped, period = excluded.period, occurred_at = excluded.occurred_at, available_at = excluded.available_at,
        calculated_at = excluded.calculated_at, updated_at = now()
      WHERE m.status <> 'paid' AND NOT EXISTS (SELECT 1 FROM payout_items l WHERE l.commission_id = m.id AND l.live)`;
    const written = await affected(tx, sql`
      INSERT INTO commissions AS m (conversion_id, affiliate_id, rule_version, amount_minor, currency, status, reason, rate_bps, capped,
                                    period, occurred_at, available_at, calculated_at)
      SELECT u.conversion_id, u.affiliate_id, u.rule_version, u.amount_minor, u.currency, u.status, u.reason, u.rate_bps, u.capped, u.period,
             c.occurred_at, 'epoch'::timestamptz + u.available_ms * interval '1 millisecond',
             ${asOf.toISOString()}::timestamptz
      FROM unnest(${col((c) => c.conversionId)}::text[], ${col((c) => c.affiliateId)}::text[], ${col((c) => c.ruleVersion)}::int[],
                  ${col((c) => c.amount)}::bigint[], ${col((c) => c.currency)}::text[], ${col((c) => c.status)}::text[],
                  ${col((c) => c.reason)}::text[], ${col((c) => c.rateBps)}::int[], ${col((c) => c.capped)}::boolean[],
                  ${col((c) => c.period)}::text[], ${col((c) => c.availableAt)}::bigint[])
           AS u(conversion_id, affiliate_id, rule_version, amount_minor, currency, status, reason, rate_bps, capped, period, available_ms)
      -- Stands in for a foreign key, set-based: the conversion exists and belongs to this affiliate.
      -- (The affiliate list lets Postgres read only this chunk's conversions, by index.)
      JOIN conversions c ON c.id = u.conversion_id AND c.affiliate_id = u.affiliate_id
                         AND c.affiliate_id BETWEEN ${affiliateIds[0]!} AND ${affiliateIds.at(-1)!}
      ${mode === 'update' ? upsert : sql``}`);
    if (written !== part.length) {
      // Either a conversion vanished or moved (impossible by construction), or a batch locked a
      // commission after this job read it: refuse the whole calculation rather than half-apply it.
      throw new TreasuryError(
        'CONFLICT',
        `calc wrote ${written} of ${part.length} commissions: some were locked into a batch (or their conversion changed) while it ran; nothing was changed, run calc again`,
      );
    }
  }
}

async function writeAdjustments(tx: CentralTx, list: readonly PlannedAdjustment[]): Promise<void> {
  if (list.length === 0) return;
  const json = JSON.stringify(list.map((a) => [a.id, a.affiliateId, a.commissionId, a.kind, a.amount.toString(), a.currency, a.reason]));
  await tx.execute(sql`
    INSERT INTO adjustments (id, affiliate_id, commission_id, kind, amount_minor, currency, reason)
    SELECT e->>0, e->>1, (e->>2)::bigint, e->>3, (e->>4)::bigint, e->>5, e->>6 FROM json_array_elements(${json}::json) AS e
    ON CONFLICT (id) DO NOTHING`);
}
