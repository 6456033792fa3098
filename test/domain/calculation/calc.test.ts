/**
 * The calculation job end to end on a real central store (PGlite and Postgres), with hand-checked
 * numbers: voiding before payout, clawback after payout carried into the next payout, a negative
 * balance carried forward, locked commissions never rewritten, and idempotent recalculation.
 *
 * Rules: USD, 10 % of net revenue, 10-day hold, minimum payout 50.00 USD.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalcSummary } from '../../../src/core/domain/calculation/run.js';
import type { PayableRow } from '../../../src/core/domain/calculation/payables.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { pgAvailable } from '../../support/pg.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';
import type { Driver } from '../../support/central.js';

const drivers: Driver[] = pgAvailable ? ['pglite', 'postgres'] : ['pglite'];

const RULES = {
  currencies: ['USD'],
  holdDays: 10,
  percentBps: 1000,
  minimumPayout: { USD: '50.00' },
  payoutSchedule: { frequency: 'monthly', day: 15 },
};
const AFFILIATES = `id,name,email,country,currency,provider,channel_code,account_number,account_holder_name,status,kyc_status
a1,Alice,alice@x.example,US,USD,rise,RISE_USD,us-alice001,ALICE,active,approved
a2,Bob,bob@x.example,US,USD,rise,RISE_USD,us-bob00001,BOB,suspended,approved
`;
const HEADER =
  'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at';
const CONVERSIONS = [
  'c1,a1,2026-01-05T10:00:00Z,pro,300.00,0.00,USD,approved,', // net 300.00 → 30.00
  'c2,a1,2026-01-06T10:00:00Z,pro,250.00,50.00,USD,approved,', // net 200.00 → 20.00
  'c3,a1,2026-01-07T10:00:00Z,pro,99.99,0.00,USD,refunded,2026-01-08T00:00:00Z', // voided before payout
  'c4,a1,2026-01-25T10:00:00Z,pro,150.00,0.00,USD,approved,', // available 2026-02-04 → pending at 01-30
  'c5,a1,2026-01-09T10:00:00Z,pro,500.00,0.00,USD,fraud,', // voided
  'b1,a2,2026-01-05T10:00:00Z,pro,100.00,0.00,USD,approved,', // affiliate suspended → pending
];

describe.each(drivers)('calculation on %s', (driver) => {
  let t: TestWorkstation;
  let dir: string;
  const file = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const commissions = async () =>
    Object.fromEntries(
      (
        await rows<{
          conversion_id: string;
          amount: string;
          status: string;
          reason: string | null;
        }>(
          t.ws.central.db,
          sql`SELECT conversion_id, amount_minor::text AS amount, status, reason FROM commissions ORDER BY conversion_id`,
        )
      ).map((r) => [r.conversion_id, `${r.amount} ${r.status}${r.reason ? ' ' + r.reason : ''}`]),
    );
  const adjustments = async () =>
    rows<{ id: string; kind: string; amount: string }>(
      t.ws.central.db,
      sql`SELECT id, kind, amount_minor::text AS amount FROM adjustments ORDER BY id`,
    );
  const payable = async (affiliate: string) =>
    (await t.call<PayableRow[]>('payables.list', { currency: 'USD' })).find(
      (p) => p.affiliateId === affiliate,
    )!;
  const calc = (asOf: string) => t.call<CalcSummary>('commissions.calculate', { asOf });
  const convert = (lines: string[]) =>
    t.call('conversions.import', {
      file: file(`conv-${Math.random()}.csv`, [HEADER, ...lines].join('\n') + '\n'),
    });

  beforeAll(async () => {
    t = await openTestWorkstation(driver);
    dir = t.ws.dataDir;
    await t.call('rules.set', { body: RULES });
    await t.call('affiliates.import', { file: file('affiliates.csv', AFFILIATES) });
    await convert(CONVERSIONS);
  });
  afterAll(() => t.cleanup());

  it('computes commissions and statuses (refund and fraud void before payout; hold; inactive affiliate)', async () => {
    const s = await calc('2026-01-30T00:00:00Z');
    expect(s).toMatchObject({ conversions: 6, inserted: 6, updated: 0, errors: { total: 0 } });
    expect(await commissions()).toEqual({
      b1: '1000 pending affiliate_inactive',
      c1: '3000 payable',
      c2: '2000 payable',
      c3: '0 voided refunded',
      c4: '1500 pending hold_period',
      c5: '0 voided fraud',
    });
    // 30.00 + 20.00 = 50.00 payable, exactly the minimum → eligible; 15.00 pending.
    expect(await payable('a1')).toMatchObject({
      payable: '50.00',
      commissionCount: 2,
      pending: '15.00',
      eligible: true,
      reasons: [],
      nextPayoutDate: expect.any(String),
    });
    expect(await payable('a2')).toMatchObject({
      payable: '0.00',
      pending: '10.00',
      eligible: false,
      reasons: ['affiliate_inactive', 'nothing_payable'],
    });
  });

  it('recalculating is idempotent', async () => {
    const before = await commissions();
    const s = await calc('2026-01-30T00:00:00Z');
    expect(s).toMatchObject({ inserted: 0, updated: 0, unchanged: 6, adjustments: { created: 0 } });
    expect(await commissions()).toEqual(before);
  });

  it('after payout: a refund becomes a clawback, a change becomes a recalculation adjustment; locked commissions are never rewritten', async () => {
    // Pay c1 (paid) and put c2 in a live, not yet paid payout: both are now locked.
    const db = t.ws.central.db;
    const [op] = await rows<{ id: string }>(db, sql`SELECT id FROM operators LIMIT 1`);
    await db.execute(
      sql`INSERT INTO payout_batches (id, number, created_by, status) VALUES ('30000000-0000-4000-8000-000000000001', 'B-1', ${op!.id}, 'EXECUTING')`,
    );
    await db.execute(sql`INSERT INTO payouts (id, batch_id, affiliate_id, amount_minor, currency, source_amount_minor, source_currency, provider, channel_code, account_number, account_holder_name)
      VALUES ('40000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', 'a1', 5000, 'USD', 5000, 'USD', 'rise', 'RISE_USD', 'us-alice001', 'ALICE')`);
    await db.execute(sql`INSERT INTO payout_items (payout_id, commission_id, amount_minor, currency)
      SELECT '40000000-0000-4000-8000-000000000001', id, amount_minor, currency FROM commissions WHERE conversion_id IN ('c1', 'c2')`);
    await db.execute(sql`UPDATE commissions SET status = 'paid' WHERE conversion_id = 'c1'`);
    expect(await payable('a1')).toMatchObject({
      payable: '0.00',
      commissionCount: 0,
      pending: '15.00',
    });

    // c1 is refunded after it was paid; c2's discount is corrected to 0 (net 250.00 → 25.00).
    await convert([
      'c1,a1,2026-01-05T10:00:00Z,pro,300.00,0.00,USD,refunded,2026-02-08T00:00:00Z',
      'c2,a1,2026-01-06T10:00:00Z,pro,250.00,0.00,USD,approved,',
    ]);
    const s = await calc('2026-02-10T00:00:00Z');
    expect(s.adjustments).toEqual({ created: 2, byCurrency: { USD: '-2500' } }); // −30.00 + 5.00
    const c = await commissions();
    expect(c.c1).toBe('3000 paid'); // never rewritten
    expect(c.c2).toBe('2000 payable'); // still the batched amount
    expect(c.c4).toBe('1500 payable'); // hold period over
    const adj = await adjustments();
    expect(adj.map((a) => [a.kind, a.amount])).toEqual([
      ['clawback', '-3000'],
      ['recalculation', '500'],
    ]);
    // 15.00 (c4) − 30.00 + 5.00 = −10.00: nothing is paid, the negative balance carries forward.
    expect(await payable('a1')).toMatchObject({
      payable: '0.00',
      carriedForward: '-10.00',
      commissions: '15.00',
      adjustments: '-25.00',
      eligible: false,
      reasons: ['negative_balance'],
    });
  });

  it('recalculating after adjustments creates no more of them', async () => {
    const s = await calc('2026-02-10T00:00:00Z');
    expect(s).toMatchObject({ inserted: 0, updated: 0, adjustments: { created: 0 } });
    expect(await adjustments()).toHaveLength(2);
  });

  it('the carried-forward balance is netted against new commissions: below, then at the minimum', async () => {
    await convert(['c6,a1,2026-02-01T10:00:00Z,pro,450.00,0.00,USD,approved,']); // → 45.00
    await calc('2026-02-20T00:00:00Z');
    // 15.00 + 45.00 − 25.00 = 35.00 < 50.00
    expect(await payable('a1')).toMatchObject({
      payable: '35.00',
      carriedForward: '0.00',
      eligible: false,
      reasons: ['below_minimum'],
    });
    await convert(['c7,a1,2026-02-02T10:00:00Z,pro,150.00,0.00,USD,approved,']); // → 15.00
    await calc('2026-02-20T00:00:00Z');
    expect(await payable('a1')).toMatchObject({
      payable: '50.00',
      commissionCount: 3,
      eligible: true,
    });
  });

  it('a cancelled payout releases its commissions; amount + adjustments still equals the computed commission', async () => {
    await t.ws.central.db
      .execute(sql`UPDATE payout_items SET live = false WHERE payout_id = '40000000-0000-4000-8000-000000000001'
      AND commission_id = (SELECT id FROM commissions WHERE conversion_id = 'c2')`);
    // c2 (20.00, plus its +5.00 recalculation adjustment which was never in a payout) is payable
    // again.
    expect(await payable('a1')).toMatchObject({ payable: '70.00', commissionCount: 4 });
    const s = await calc('2026-02-20T00:00:00Z');
    // Released, c2 is recalculated — but its +5.00 adjustment already covers part of the 25.00, so
    // the commission stays 20.00 and nothing is owed twice.
    expect(s).toMatchObject({ updated: 0, adjustments: { created: 0 } });
    expect((await commissions()).c2).toBe('2000 payable');
    expect(await payable('a1')).toMatchObject({ payable: '70.00' });
  });

  it('invariant: for every commission, amount + its adjustments = the computed commission', async () => {
    const broken = await rows<{ conversion_id: string }>(
      t.ws.central.db,
      sql`SELECT m.conversion_id FROM commissions m
          LEFT JOIN (SELECT commission_id, sum(amount_minor) AS s FROM adjustments GROUP BY 1) d ON d.commission_id = m.id
          JOIN conversions c ON c.id = m.conversion_id
          WHERE m.amount_minor + coalesce(d.s, 0) <>
                CASE WHEN c.status IN ('refunded', 'fraud') THEN 0 ELSE (c.gross_minor - c.discount_minor) / 10 END`, // 10 %, exact here
    );
    expect(broken).toEqual([]);
  });
});
