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

export const CHUNK_CONVERSIONS = 50_000;

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

interface Row {
  id: string;
  affiliate_id: string;
  occurred_ms: string;
  product: string;
  net: string;
  currency: string;
  status: string;
  affiliate_status: string;
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
  locked: boolean;
  adjusted: string;
  adjustment_count: number;
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
  const versions = await loadRuleVersions(tx);
  const counts = await rows<{ id: string; n: number }>(
    tx,
    sql`SELECT affiliate_id AS id, count(*)::int AS n FROM conversions GROUP BY affiliate_id ORDER BY affiliate_id`,
  );
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
  // Pipelined: the next chunk's read is queued on the connection before this chunk is planned, and
  // a chunk's write runs while the next one is planned, so the database and this process work at
  // the same time (two cores). Chunks hold disjoint affiliates, so their order does not matter;
  // writes stay one at a time because they share the staging table.
  const chunks = chunkAffiliates(counts.map((c) => ({ id: c.id, n: Number(c.n) })));
  const settled = <T>(p: Promise<T>): Promise<T> => (p.catch(() => {}), p); // awaited later; never unhandled
  let nextRead = chunks.length > 0 ? settled(readChunk(tx, chunks[0]!)) : null;
  let write: Promise<void> = Promise.resolve();
  for (let i = 0; i < chunks.length; i++) {
    const data = await nextRead!;
    nextRead = i + 1 < chunks.length ? settled(readChunk(tx, chunks[i + 1]!)) : null;
    const plan = planChunk(data, versions, asOf.getTime(), summary);
    await write;
    write = settled(writePlan(tx, chunks[i]!, plan, asOf));
    summary.adjustments.created += plan.adjustments.length;
    for (const a of plan.adjustments) adjustmentTotals.set(a.currency, (adjustmentTotals.get(a.currency) ?? 0n) + a.amount);
    summary.conversions += data.length;
    progress(summary.conversions, total);
  }
  await write;
  summary.adjustments.byCurrency = Object.fromEntries([...adjustmentTotals].map(([c, v]) => [c, v.toString()]));
  return summary;
}

async function writePlan(tx: CentralTx, affiliateIds: readonly string[], plan: ReturnType<typeof planChunk>, asOf: Date): Promise<void> {
  await writeCommissions(tx, affiliateIds, plan.inserts, asOf, 'insert');
  await writeCommissions(tx, affiliateIds, plan.updates, asOf, 'update');
  await writeAdjustments(tx, plan.adjustments);
}

async function readChunk(tx: CentralTx, affiliateIds: string[]): Promise<Row[]> {
  const ids = JSON.stringify(affiliateIds);
  return rows<Row>(
    tx,
    sql`WITH ids AS (SELECT json_array_elements_text(${ids}::json) AS id),
        adj AS (
          SELECT d.commission_id, sum(d.amount_minor) AS total, count(*)::int AS n
          FROM adjustments d WHERE d.affiliate_id IN (SELECT id FROM ids) AND d.commission_id IS NOT NULL
          GROUP BY d.commission_id)
        SELECT c.id, c.affiliate_id, (extract(epoch FROM c.occurred_at) * 1000)::bigint::text AS occurred_ms, c.product,
               (c.gross_minor - c.discount_minor)::text AS net, c.currency, c.status, a.status AS affiliate_status,
               m.id::text AS commission_id, m.amount_minor::text AS amount, m.status AS c_status, m.reason, m.rule_version, m.rate_bps,
               m.capped, m.period, (extract(epoch FROM m.available_at) * 1000)::bigint::text AS available_ms, m.currency AS c_currency,
               (m.status = 'paid' OR EXISTS (SELECT 1 FROM payout_items l WHERE l.commission_id = m.id AND l.live)) IS TRUE AS locked,
               coalesce(adj.total, 0)::text AS adjusted, coalesce(adj.n, 0) AS adjustment_count
        FROM conversions c
        JOIN affiliates a ON a.id = c.affiliate_id
        LEFT JOIN commissions m ON m.conversion_id = c.id
        LEFT JOIN adj ON adj.commission_id = m.id
        WHERE c.affiliate_id IN (SELECT id FROM ids)
        ORDER BY c.affiliate_id`,
  );
}

/** A computed commission with what the write needs beyond the engine's result. */
type PlannedCommission = CommissionResult & { occurredAt: number };

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
  data: readonly Row[],
  versions: readonly RuleVersion[],
  asOf: number,
  summary: CalcSummary,
): { inserts: PlannedCommission[]; updates: PlannedCommission[]; adjustments: PlannedAdjustment[] } {
  const inserts: PlannedCommission[] = [];
  const updates: PlannedCommission[] = [];
  const adjustments: PlannedAdjustment[] = [];
  const byConversion = new Map<string, Row>();
  let start = 0;
  while (start < data.length) {
    const affiliateId = data[start]!.affiliate_id;
    let end = start;
    const inputs: ConversionInput[] = [];
    while (end < data.length && data[end]!.affiliate_id === affiliateId) {
      const r = data[end]!;
      byConversion.set(r.id, r);
      inputs.push({
        id: r.id,
        affiliateId,
        occurredAt: Number(r.occurred_ms),
        product: r.product,
        netAmount: BigInt(r.net),
        currency: r.currency,
        status: r.status as ConversionStatus,
      });
      end++;
    }
    const result = computeAffiliateCommissions({ id: affiliateId, status: data[start]!.affiliate_status as AffiliateStatus }, inputs, versions, asOf);
    for (const e of result.errors) {
      summary.errors.total++;
      if (summary.errors.first.length < 50) summary.errors.first.push(e);
    }
    for (const computed of result.commissions) {
      const existing = byConversion.get(computed.conversionId)!;
      // Invariant kept for every commission: its amount plus the adjustments recorded against it
      // equals what the rules compute now. Locked commissions reach it through a new adjustment;
      // unlocked ones (new, or released by a cancelled payout) through their own amount.
      const target = computed.status === 'voided' ? 0n : computed.amount;
      const adjusted = BigInt(existing.adjusted);
      const adjust = (amount: bigint) =>
        adjustments.push({
          id: `adj:${existing.commission_id}:${existing.adjustment_count + 1}`,
          affiliateId,
          commissionId: existing.commission_id!,
          kind: computed.status === 'voided' || amount < 0n ? 'clawback' : 'recalculation',
          amount,
          currency: existing.c_currency!,
          reason:
            computed.status === 'voided'
              ? `conversion ${computed.conversionId} ${computed.reason} after its commission was paid or batched`
              : `commission for conversion ${computed.conversionId} recalculated (rule version ${computed.ruleVersion}) after it was paid or batched`,
        });
      const occurredAt = Number(existing.occurred_ms);
      if (existing.commission_id === null) {
        inserts.push({ ...computed, occurredAt });
        summary.inserted++;
      } else if (existing.locked) {
        const delta = lockedCommissionDelta(BigInt(existing.amount!), adjusted, target);
        if (delta === 0n) summary.lockedUnchanged++;
        else adjust(delta);
      } else {
        // Released with adjustments already recorded: the amount covers only what they do not.
        const own = target - adjusted;
        const c = { ...computed, occurredAt, amount: adjusted === 0n ? computed.amount : own < 0n ? 0n : own };
        if (own < 0n) adjust(own);
        if (differs(existing, c)) {
          updates.push(c);
          summary.updated++;
        } else summary.unchanged++;
      }
    }
    start = end;
  }
  return { inserts, updates, adjustments };
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
  for (let i = 0; i < list.length; i += STATEMENT_ROWS) {
    const part = list.slice(i, i + STATEMENT_ROWS);
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
             'epoch'::timestamptz + u.occurred_ms * interval '1 millisecond', 'epoch'::timestamptz + u.available_ms * interval '1 millisecond',
             ${asOf.toISOString()}::timestamptz
      FROM unnest(${col((c) => c.conversionId)}::text[], ${col((c) => c.affiliateId)}::text[], ${col((c) => c.ruleVersion)}::int[],
                  ${col((c) => c.amount)}::bigint[], ${col((c) => c.currency)}::text[], ${col((c) => c.status)}::text[],
                  ${col((c) => c.reason)}::text[], ${col((c) => c.rateBps)}::int[], ${col((c) => c.capped)}::boolean[],
                  ${col((c) => c.period)}::text[], ${col((c) => c.occurredAt)}::bigint[], ${col((c) => c.availableAt)}::bigint[])
           AS u(conversion_id, affiliate_id, rule_version, amount_minor, currency, status, reason, rate_bps, capped, period, occurred_ms, available_ms)
      -- Stands in for a foreign key, set-based: the conversion exists and belongs to this affiliate.
      -- (The affiliate list lets Postgres read only this chunk's conversions, by index.)
      JOIN conversions c ON c.id = u.conversion_id AND c.affiliate_id = u.affiliate_id AND c.affiliate_id = ANY(${pgArray(affiliateIds)}::text[])
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
