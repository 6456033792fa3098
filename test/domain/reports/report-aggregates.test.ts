/**
 * The report aggregates (src/core/domain/reports/aggregates.ts, migration 0012) stay equal to the
 * ledger they summarise: after each of a seeded random run of the writes that change them — calc at
 * random dates, refunds and fraud, changed gross amounts, an affiliate's new payout provider,
 * manual adjustments and clawbacks, sandbox batches executed with failures, reversals — the
 * aggregates as maintained equal a recomputation from the tables, in every key, to the minor unit,
 * and so do the open commissions the batch preview sums (migration 0014), whose preview equals the
 * one read from the commissions. And every report answered from them equals the same report read
 * from the tables.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, type AuditEntry } from '../../../src/core/platform/kernel/audit-chain.js';
import { previewBatch } from '../../../src/core/domain/batches/preview.js';
import { payableTotalsSql } from '../../../src/core/domain/calculation/payables.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { applyStatusUpdates } from '../../../src/core/domain/payouts/status.js';
import {
  aggregatesCheck,
  compactReportAggregates,
} from '../../../src/core/domain/reports/aggregates.js';
import { drivers } from '../../support/pg.js';
import { random } from '../../support/random.js';
import {
  addOperator,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

describe.each(drivers())('report aggregates on %s', (driver) => {
  let t: TestWorkstation;
  let checker: string;
  let checker2: string;
  const db = () => t.ws.central.db;

  async function expectInStep(step: string): Promise<void> {
    const { maintained, recomputed } = await db().transaction((tx) => aggregatesCheck(tx));
    expect(Object.keys(recomputed).length, step).toBeGreaterThan(0);
    expect(maintained, step).toEqual(recomputed);
    // The batch preview from open_commissions equals the preview from the commissions themselves,
    // now and at a date before some hold periods end (keys whose bound is ahead read the table).
    const payables = (fromTables: boolean) =>
      rows(
        db(),
        sql`SELECT t.affiliate_id, t.currency, t.payable::text, t.payable_count, t.pending::text, t.pending_count, t.adjustments::text
                     FROM (${payableTotalsSql({ fromTables })}) t ORDER BY t.affiliate_id, t.currency`,
      );
    expect(await payables(false), `${step}: payables`).toEqual(await payables(true));
    for (const at of [new Date(), new Date('2026-08-15T00:00:00Z')]) {
      const fromOpen = await db().transaction((tx) => previewBatch(tx, {}, at));
      const fromTables = await db().transaction((tx) =>
        previewBatch(tx, {}, at, { fromTables: true }),
      );
      expect(fromOpen, `${step}: preview at ${at.toISOString()}`).toEqual(fromTables);
    }
  }

  beforeAll(async () => {
    t = await openTestWorkstation(driver);
    checker = await addOperator(t, 'checker1', 'manager');
    checker2 = await addOperator(t, 'checker2', 'manager');
    await t.call('demo.generate', {
      affiliates: 60,
      conversions: 1500,
      seed: 11,
      until: '2026-11-01',
    });
    // Most affiliates are paid through the sandbox, which fails some transfers: payouts take every
    // path.
    await db().execute(
      sql`UPDATE affiliates SET payout_provider = 'sandbox' WHERE payout_provider IS NOT NULL AND right(id, 1) <> '7'`,
    );
    await db()
      .execute(sql`INSERT INTO settings (key, value) VALUES ('providers', ${JSON.stringify({ sandbox: { seed: 3, failureRate: 0.5 } })}::jsonb)
                           ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('equal a recomputation from the tables after every one of a random run of writes', async () => {
    const rnd = random(20261206);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
    const conversions = await rows<{ id: string; affiliate_id: string }>(
      db(),
      sql`SELECT id, affiliate_id FROM conversions ORDER BY id`,
    );
    const affiliates = await rows<{ id: string }>(db(), sql`SELECT id FROM affiliates ORDER BY id`);
    const ops: Record<string, () => Promise<void>> = {
      calc: async () => {
        await t.call('commissions.calculate', {
          asOf: new Date(
            Date.parse('2026-06-01') + Math.floor(rnd() * 200) * 86_400_000,
          ).toISOString(),
        });
      },
      refund: async () => {
        const ids = Array.from({ length: 5 }, () => pick(conversions).id);
        await db()
          .execute(sql`UPDATE conversions SET status = ${pick(['refunded', 'fraud', 'approved'])}, refunded_at = now()
                               WHERE id IN (${sql.join(
                                 ids.map((id) => sql`${id}`),
                                 sql`, `,
                               )})`);
      },
      gross: async () => {
        await db().execute(
          sql`UPDATE conversions SET gross_minor = gross_minor + ${Math.floor(rnd() * 5000)} WHERE id = ${pick(conversions).id}`,
        );
      },
      provider: async () => {
        // Only to providers no test here pays through: the affiliate's next payouts stay unsent.
        await db().execute(
          sql`UPDATE affiliates SET payout_provider = ${pick(['xendit', 'rise'])} WHERE id = ${pick(affiliates).id}`,
        );
      },
      adjust: async () => {
        const a = pick(conversions);
        const [c] = await rows<{ currency: string }>(
          db(),
          sql`SELECT trim(currency) AS currency FROM commissions WHERE affiliate_id = ${a.affiliate_id} LIMIT 1`,
        );
        if (!c) return;
        const kind = pick(['clawback', 'manual']);
        const amount = (kind === 'clawback' ? -1 : 1) * (1 + Math.floor(rnd() * 90_000));
        await db()
          .execute(sql`INSERT INTO adjustments (id, affiliate_id, kind, amount_minor, currency, reason, created_at)
                               VALUES (${`adj-${randomUUID()}`}, ${a.affiliate_id}, ${kind}, ${amount}, ${c.currency}, 'random run', now() - ${`${Math.floor(rnd() * 90)} days`}::interval)`);
      },
      pay: async () => {
        const created = await t
          .call<{ batches: { id: string; requiredApprovals: number; contentHash: string }[] }>(
            'batch.create',
            { provider: 'sandbox', maxPayouts: 12 },
          )
          .catch(() => null);
        const batch = created?.batches[0];
        if (!batch) return; // nothing payable through the sandbox now
        await t.call('batch.submit', { batch: batch.id });
        await t.call('batch.approve', { batch: batch.id, contentHash: batch.contentHash }, checker);
        if (batch.requiredApprovals > 1)
          await t.call(
            'batch.approve',
            { batch: batch.id, contentHash: batch.contentHash },
            checker2,
          );
        await t.call('batch.execute', { batch: batch.id, waitMs: 30_000 }); // returns when all settle: a bound, not a wait
      },
      reverse: async () => {
        const paid = await rows<{ id: string; attempt: number; provider_payout_id: string | null }>(
          db(),
          sql`SELECT id, attempt, provider_payout_id FROM payouts WHERE status = 'SUCCEEDED' ORDER BY id`,
        );
        if (paid.length === 0) return;
        const p = pick(paid);
        await db().transaction(async (tx) => {
          const entries: AuditEntry[] = [];
          const [{ now }] = (await rows<{ now: Date }>(tx, sql`SELECT now() AS now`)) as [
            { now: Date },
          ];
          await applyStatusUpdates(
            tx,
            [
              {
                payoutId: p.id,
                attempt: Number(p.attempt),
                providerPayoutId: p.provider_payout_id,
                status: 'REVERSED',
                rawStatus: 'REVERSED',
                failureCode: null,
                source: 'webhook',
              },
            ],
            new Date(now),
            (e) => void entries.push(e),
          );
          if (entries.length > 0)
            await appendAudit(
              tx,
              {
                operatorId: null,
                ip: null,
                workstationId: 'test',
                commandId: null,
                decision: 'allowed',
                at: new Date(now),
              },
              entries,
            );
        });
      },
      compact: async () => {
        await db().transaction((tx) => compactReportAggregates(tx));
      },
    };
    await ops.calc!();
    await expectInStep('first calc');
    const names = Object.keys(ops);
    const done: string[] = [];
    for (let i = 0; i < 24; i++) {
      const name = i % 6 === 1 ? 'pay' : pick(names);
      await ops[name]!();
      done.push(name);
      await expectInStep(`after ${done.join(', ')}`);
    }
    await ops.reverse!(); // at least one reversal, whatever the draws
    await expectInStep('after a last reversal');
    // The run did reach the money paths.
    const [moved] = await rows<{
      paid: number;
      failed: number;
      reversed: number;
      adjusted: number;
    }>(
      db(),
      sql`SELECT (SELECT count(*) FROM payouts WHERE status IN ('SUCCEEDED', 'REVERSED'))::int AS paid, (SELECT count(*) FROM payouts WHERE status = 'FAILED')::int AS failed,
                 (SELECT count(*) FROM payouts WHERE status = 'REVERSED')::int AS reversed, (SELECT count(*) FROM adjustments)::int AS adjusted`,
    );
    const seen = JSON.stringify({ moved, done });
    expect(moved!.paid, seen).toBeGreaterThan(0);
    expect(moved!.failed, seen).toBeGreaterThan(0);
    expect(moved!.reversed, seen).toBeGreaterThan(0);
    expect(moved!.adjusted, seen).toBeGreaterThan(0);
  });

  it('every report answered from the aggregates equals the same report read from the tables', async () => {
    // A period that starts a millisecond into a day is read from the tables; the same ledger has
    // nothing in that millisecond, so both must say the same.
    const tables = { from: '2000-01-01T00:00:00.001Z' };
    const aggregates = { from: '2000-01-01' };
    const same = async (name: string, extra: Record<string, unknown> = {}) => {
      const a = await t.call<Record<string, unknown>>(name, { ...aggregates, ...extra });
      const b = await t.call<Record<string, unknown>>(name, { ...tables, ...extra });
      const { filters: _a, ...fromAggregates } = a;
      const { filters: _b, ...fromTables } = b;
      return { fromAggregates, fromTables };
    };
    for (const granularity of ['day', 'week', 'month']) {
      const { fromAggregates, fromTables } = await same('reports.timeSeries', { granularity });
      expect((fromTables as { points: unknown[] }).points.length).toBeGreaterThan(0);
      expect(fromAggregates, granularity).toEqual(fromTables);
    }
    for (const extra of [
      {},
      { currency: 'IDR' },
      { status: 'SUCCEEDED' },
      { provider: 'sandbox' },
    ]) {
      const { fromAggregates, fromTables } = await same('reports.timeSeries', {
        granularity: 'month',
        ...extra,
      });
      expect(fromAggregates, JSON.stringify(extra)).toEqual(fromTables);
    }
    for (const extra of [
      {},
      { currency: 'PHP' },
      { provider: 'sandbox' },
      { status: ['payout', 'reversal'] },
      { status: 'clawback' },
    ]) {
      const { fromAggregates, fromTables } = await same('reports.journal', extra);
      const tb = fromTables as { entries: number; unbalancedEntries: number };
      expect(tb.unbalancedEntries).toBe(0);
      expect(fromAggregates, JSON.stringify(extra)).toEqual(fromTables);
    }
    for (const extra of [{}, { status: 'FAILED' }, { currency: 'USD' }]) {
      const { fromAggregates, fromTables } = await same('reports.providerAnalysis', extra);
      expect(fromAggregates, JSON.stringify(extra)).toEqual(fromTables);
    }
    // Affiliate performance is all-time from the aggregates; any period reads the tables.
    const all = await t.call<{ total: number; rows: unknown[] }>('reports.affiliatePerformance', {
      offset: 0,
      limit: 500,
    });
    const read = await t.call<{ total: number; rows: unknown[] }>('reports.affiliatePerformance', {
      offset: 0,
      limit: 500,
      ...tables,
    });
    expect(all.total).toBeGreaterThan(0);
    expect(all.rows).toEqual(read.rows);
    const sorted = (extra: object) =>
      t.call<{ rows: unknown[] }>('reports.affiliatePerformance', {
        offset: 0,
        limit: 500,
        sort: { field: 'clawedBackMinor', dir: 'desc' },
        ...extra,
      });
    expect((await sorted({ currency: 'IDR' })).rows).toEqual(
      (await sorted({ currency: 'IDR', ...tables })).rows,
    );
  });
});
