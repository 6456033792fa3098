/**
 * The central store on both drivers (embedded PGlite and a real Postgres server): the same
 * migrations, exact bigint money, and the constraints that protect money at the database level.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  migrateCentral,
  rows,
  type CentralStore,
} from '../../../src/core/platform/central/store.js';
import { openTestCentral, type Driver } from '../../support/central.js';
import { pgAvailable } from '../../support/pg.js';

/**
 * The database's own message (drizzle wraps driver errors in "Failed query: …" with the cause
 * inside).
 */
async function dbError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    const cause = (
      error as { cause?: { message?: string; constraint?: string; constraint_name?: string } }
    ).cause;
    return [cause?.message, cause?.constraint, cause?.constraint_name, (error as Error).message]
      .filter(Boolean)
      .join(' | ');
  }
  return 'no error';
}

const drivers: Driver[] = pgAvailable ? ['pglite', 'postgres'] : ['pglite'];

describe.each(drivers)('central store on %s', (driver) => {
  let store: CentralStore;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await openTestCentral(driver));
    await store.db
      .execute(sql`INSERT INTO operators (id, username, display_name, role, password_hash)
      VALUES ('00000000-0000-4000-8000-000000000001', 'maker', 'Maker', 'operator', 'x')`);
    await store.db
      .execute(sql`INSERT INTO affiliates (id, name, email, country, status, kyc_status, payout_currency)
      VALUES ('a1', 'A One', 'a1@x.example', 'US', 'active', 'approved', 'USD')`);
    await store.db
      .execute(sql`INSERT INTO conversions (id, affiliate_id, occurred_at, product, gross_minor, discount_minor, currency, status)
      VALUES ('c1', 'a1', '2026-01-01T00:00:00Z', 'p', 9223372036854775807, 0, 'USD', 'approved'),
             ('c2', 'a1', '2026-01-02T00:00:00Z', 'p', 1000, 0, 'USD', 'approved')`);
    await store.db
      .execute(sql`INSERT INTO commissions (conversion_id, affiliate_id, rule_version, amount_minor, currency, status, rate_bps, period, occurred_at, available_at, calculated_at)
      VALUES ('c1', 'a1', 1, 100, 'USD', 'payable', 1000, '2026-01', now(), now(), now()),
             ('c2', 'a1', 1, 100, 'USD', 'payable', 1000, '2026-01', now(), now(), now())`);
  });
  afterAll(() => cleanup());

  it('migrations are idempotent and seed the six roles and the audit genesis', async () => {
    await migrateCentral(store);
    const roles = await rows<{ name: string }>(store.db, sql`SELECT name FROM roles ORDER BY rank`);
    expect(roles.map((r) => r.name)).toEqual([
      'viewer',
      'operator',
      'processor',
      'manager',
      'admin',
      'super_admin',
    ]);
    const [head] = await rows<{ seq: string; hash: string }>(
      store.db,
      sql`SELECT seq::text AS seq, hash FROM audit_head`,
    );
    expect(head).toEqual({ seq: '0', hash: '0'.repeat(64) });
  });

  it('money columns are bigint: the largest value round-trips exactly', async () => {
    const [r] = await rows<{ g: string }>(
      store.db,
      sql`SELECT gross_minor::text AS g FROM conversions WHERE id = 'c1'`,
    );
    expect(r!.g).toBe('9223372036854775807');
    const types = await rows<{ column_name: string; data_type: string }>(
      store.db,
      sql`SELECT table_name || '.' || column_name AS column_name, data_type FROM information_schema.columns
          WHERE table_schema = current_schema() AND column_name LIKE '%minor'`,
    );
    expect(types.length).toBeGreaterThanOrEqual(9);
    // Amounts are bigint; the aggregates (reports', open commissions') hold SUMS of them, which no
    // bigint bounds (exact numeric).
    const sums = (column: string) =>
      column.startsWith('report_') || column.startsWith('open_commissions.');
    for (const t of types)
      expect(t.data_type, t.column_name).toBe(sums(t.column_name) ? 'numeric' : 'bigint');
    expect(types.filter((t) => t.data_type === 'bigint').length).toBeGreaterThanOrEqual(9);
  });

  it('a commission can be in at most one live payout (database constraint)', async () => {
    await store.db.execute(sql`INSERT INTO payout_batches (id, number, created_by) VALUES
      ('10000000-0000-4000-8000-000000000001', 'B-TEST-1', '00000000-0000-4000-8000-000000000001'),
      ('10000000-0000-4000-8000-000000000002', 'B-TEST-2', '00000000-0000-4000-8000-000000000001')`);
    for (const [p, b] of [
      ['1', '1'],
      ['2', '2'],
    ]) {
      await store.db
        .execute(sql`INSERT INTO payouts (id, batch_id, affiliate_id, amount_minor, currency, source_amount_minor, source_currency, provider, channel_code, account_number, account_holder_name)
        VALUES (${`20000000-0000-4000-8000-00000000000${p}`}, ${`10000000-0000-4000-8000-00000000000${b}`}, 'a1', 100, 'USD', 100, 'USD', 'sandbox', 'SANDBOX', '1', 'A ONE')`);
    }
    const [c] = await rows<{ id: string }>(
      store.db,
      sql`SELECT id::text FROM commissions WHERE conversion_id = 'c2'`,
    );
    await store.db.execute(
      sql`INSERT INTO payout_items (payout_id, commission_id, amount_minor, currency) VALUES ('20000000-0000-4000-8000-000000000001', ${c!.id}::bigint, 100, 'USD')`,
    );
    expect(
      await dbError(
        store.db.execute(
          sql`INSERT INTO payout_items (payout_id, commission_id, amount_minor, currency) VALUES ('20000000-0000-4000-8000-000000000002', ${c!.id}::bigint, 100, 'USD')`,
        ),
      ),
    ).toMatch(/payout_items_live_commission_key|duplicate key/);
    // Once the first payout is no longer live (cancelled or finally failed), the commission is free
    // again.
    await store.db.execute(
      sql`UPDATE payout_items SET live = false WHERE payout_id = '20000000-0000-4000-8000-000000000001'`,
    );
    await store.db.execute(
      sql`INSERT INTO payout_items (payout_id, commission_id, amount_minor, currency) VALUES ('20000000-0000-4000-8000-000000000002', ${c!.id}::bigint, 100, 'USD')`,
    );
    const [n] = await rows<{ n: number }>(
      store.db,
      sql`SELECT count(*)::int AS n FROM payout_items WHERE commission_id = ${c!.id}::bigint AND live`,
    );
    expect(Number(n!.n)).toBe(1);
  });

  it('check constraints refuse impossible data', async () => {
    expect(
      await dbError(
        store.db.execute(
          sql`UPDATE conversions SET discount_minor = gross_minor + 1 WHERE id = 'c2'`,
        ),
      ),
    ).toMatch(/conversions_amounts_check/);
    expect(
      await dbError(
        store.db.execute(sql`UPDATE commissions SET amount_minor = -1 WHERE conversion_id = 'c2'`),
      ),
    ).toMatch(/commissions_amount_check/);
    expect(
      await dbError(
        store.db.execute(sql`UPDATE affiliates SET status = 'deleted' WHERE id = 'a1'`),
      ),
    ).toMatch(/affiliates_status_check/);
    expect(
      await dbError(
        store.db.execute(sql`UPDATE payout_batches SET status = 'PAID' WHERE number = 'B-TEST-1'`),
      ),
    ).toMatch(/payout_batches_status_check/);
    expect(
      await dbError(
        store.db.execute(
          sql`INSERT INTO payout_items (payout_id, amount_minor, currency) VALUES ('20000000-0000-4000-8000-000000000001', 1, 'USD')`,
        ),
      ),
    ).toMatch(/payout_items_one_source_check/);
  });
});
