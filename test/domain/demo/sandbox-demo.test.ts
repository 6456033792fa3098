/**
 * A demo you can execute with no credentials: the demo pays a share of every currency through the
 * sandbox, and preview → create → submit → approve → execute → reconcile works through the default
 * provider registry — on both central stores. The sandbox keeps its books in the central store,
 * so a second workstation process (a new sandbox instance) polls and reconciles what the first
 * paid.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import {
  demoAffiliates,
  paidThroughSandbox,
  SANDBOX_SHARE,
} from '../../../src/core/domain/demo/generate.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import { openWorkstation } from '../../../src/core/host/workstation/workstation.js';
import { tempDir } from '../../support/central.js';
import { createTestDatabase, drivers } from '../../support/pg.js';
import {
  addOperator,
  ADMIN_PASSWORD,
  memoryCredentials,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

describe('the demo data pays a share of every currency through the sandbox', () => {
  it('about one in ten per currency, decided by (seed, index) so nothing else about the demo moves', () => {
    const options = {
      affiliates: 20_000,
      conversions: 0,
      seed: 7,
      until: new Date('2026-11-01T00:00:00Z'),
    };
    const { rows: affiliates } = demoAffiliates(options);
    for (const currency of ['IDR', 'PHP', 'USD']) {
      const paid = affiliates.filter((a) => a.currency === currency && a.provider !== null);
      const share = paid.filter((a) => a.provider === 'sandbox').length / paid.length;
      expect(share, currency).toBeGreaterThan(SANDBOX_SHARE * 0.8);
      expect(share, currency).toBeLessThan(SANDBOX_SHARE * 1.2);
    }
    // The rest of each affiliate is what the same seed always gave: only the provider differs.
    const i = affiliates.findIndex((a) => a.provider === 'sandbox');
    expect(paidThroughSandbox(7, i)).toBe(true);
    expect(affiliates[i]).toMatchObject({
      id: `aff-${String(i + 1).padStart(6, '0')}`,
      channelCode: expect.any(String),
      accountNumber: expect.any(String),
    });
    expect(demoAffiliates(options).rows).toEqual(affiliates);
  });
});

for (const driver of drivers()) {
  describe(`executing the sandbox demo end to end (${driver})`, () => {
    let t: TestWorkstation;
    let checker1: string;
    let checker2: string;
    let db: { url: string; drop(): Promise<void> } | null = null;
    const second = tempDir('treasury-sandbox-second-');
    beforeAll(async () => {
      db = driver === 'postgres' ? await createTestDatabase() : null;
      // The default provider registry: the sandbox from its setting, its books in the central
      // store.
      t = await openTestWorkstation(driver, db ? { url: db.url } : {});
      checker1 = await addOperator(t, 'checker1', 'manager');
      checker2 = await addOperator(t, 'checker2', 'manager');
      await t.call('demo.generate', {
        affiliates: 200,
        conversions: 6000,
        seed: 7,
        until: '2026-11-01',
      });
      await t.call('commissions.calculate', {});
    });
    afterAll(async () => {
      await t?.cleanup();
      await db?.drop();
      second.remove();
    });

    it('preview → create → submit → approve → execute → reconcile, with no credentials; a second process reconciles the same books', async () => {
      const preview = await t.call<{
        eligibleCount: number;
        totals: { currency: string; provider: string }[];
      }>('batch.preview', { provider: 'sandbox' });
      expect(preview.eligibleCount).toBeGreaterThan(3);
      expect(new Set(preview.totals.map((x) => x.currency))).toEqual(
        new Set(['IDR', 'PHP', 'USD']),
      );
      const created = await t.call<{
        batches: { id: string; requiredApprovals: number; payouts: number }[];
      }>('batch.create', { provider: 'sandbox' });
      const batch = created.batches[0]!;
      await t.call('batch.submit', { batch: batch.id });
      await t.call('batch.approve', { batch: batch.id }, checker1);
      if (batch.requiredApprovals === 2)
        await t.call('batch.approve', { batch: batch.id }, checker2);
      const executed = await t.call<{ status: string; payouts: Record<string, number> }>(
        'batch.execute',
        { batch: batch.id, waitMs: 20_000 },
      );
      expect(executed.status).toMatch(/^COMPLETED/);
      expect(executed.payouts.total).toBe(batch.payouts);
      expect((executed.payouts.succeeded ?? 0) + (executed.payouts.failed ?? 0)).toBe(
        batch.payouts,
      );
      // The sandbox's books hold one payout per attempt sent (a transient failure is retried with a
      // new one).
      const [books] = await rows<{ n: number }>(
        t.ws.central.db,
        sql`SELECT count(*)::int AS n FROM sandbox_payouts`,
      );
      const [sent] = await rows<{ n: number }>(
        t.ws.central.db,
        sql`SELECT count(*)::int AS n FROM payout_attempts WHERE provider_payout_id IS NOT NULL`,
      );
      expect(Number(books!.n)).toBe(Number(sent!.n));
      expect(Number(books!.n)).toBeGreaterThanOrEqual(batch.payouts);

      // Another process: a new workstation with a new sandbox instance, on the same central store
      // (the embedded one is single-process: the first closes it).
      if (!db) await t.ws.close();
      const again = await openWorkstation({
        dataDir: db ? second.dir : t.ws.dataDir,
        centralUrl: db?.url,
        credentials: memoryCredentials(),
      });
      try {
        const call = <T>(name: string, payload: unknown, session: string | null) =>
          again.router.call<T>({
            name,
            payload,
            session,
            workstationId: again.id,
            id: randomUUID(),
          });
        const signed = await call<SignInResult>(
          'session.signIn',
          { username: 'admin', password: ADMIN_PASSWORD },
          null,
        );
        if (!signed.ok) throw new Error(signed.reason);
        const run = await call<{ status: string; counts: Record<string, number> }>(
          'reconcile.run',
          { provider: 'sandbox', from: '2020-01-01', to: '2100-01-01' },
          signed.token,
        );
        expect(run.status).toBe('complete');
        expect(run.counts).toMatchObject({
          listed: Number(books!.n),
          matched: Number(books!.n),
          missing_at_provider: 0,
          unknown_to_us: 0,
          status_mismatch: 0,
          amount_mismatch: 0,
        });
      } finally {
        await again.close();
        if (!db) t = await reopenedForCleanup(t);
      }
    });
  });
}

/**
 * The first workstation was closed to let the second open the embedded store: cleanup only removes
 * its files.
 */
async function reopenedForCleanup(t: TestWorkstation): Promise<TestWorkstation> {
  return { ...t, cleanup: async () => rmSync(t.ws.dataDir, { recursive: true, force: true }) };
}
