/**
 * bulk: embedded PGlite, a small demo with payables in several currencies (amount sorting), and a
 * batch of IDR payouts through the sandbox provider set to fail about half of them, executed while
 * seeding until it ends with failures — failed payouts to retry or cancel in bulk, from the batch's
 * payout grid and from the exception queue. The journal holds lines of several currencies (the
 * filtered report export). Specs: test/e2e/bulk.spec.ts, test/e2e/report-export.spec.ts.
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rows } from '../../../src/core/platform/central/store.js';
import { approvedBatch, host, seed } from '../kit.js';

export interface BulkScenario {
  /** bulk.spec.ts's sign-in link (each link opens the console once). */
  url: string;
  /** report-export.spec.ts's. */
  reportsUrl: string;
  /** The executed batch's number: COMPLETED_WITH_FAILURES. */
  batch: string;
}

export async function build(root: string): Promise<BulkScenario> {
  const dir = path.join(root, 'bulk');
  let batch = '';
  await seed(dir, undefined, async (call, ws) => {
    await ws.central.db.execute(
      sql`INSERT INTO settings (key, value) VALUES ('providers', ${JSON.stringify({ sandbox: { seed: 3, failureRate: 0.5 } })}::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    );
    await call('demo.generate', {
      // Some sixty IDR payouts through the sandbox (as in the exceptions scenario): enough final
      // failures for every bulk test whatever the run's idempotency keys draw (eight were not:
      // the automatic retries turned most failures into successes).
      affiliates: 1500,
      conversions: 30_000,
      seed: 7,
      until: '2026-11-01',
    });
    await call('commissions.calculate', {});
    batch = await approvedBatch(call, ws, { provider: 'sandbox', currency: 'IDR' });
    await call('batch.execute', { batch, waitMs: 60_000 });
    // The sandbox settles a second after it accepts: ask until the batch has ended.
    for (let i = 0; i < 60; i++) {
      const [b] = await rows<{ status: string }>(
        ws.central.db,
        sql`SELECT status FROM payout_batches WHERE number = ${batch}`,
      );
      if (b?.status !== 'EXECUTING') break;
      await new Promise((r) => setTimeout(r, 1000));
      await call('payouts.poll', { batch });
    }
  });
  const { host: h } = await host(dir);
  return { url: h.url, reportsUrl: h.newLink(), batch };
}
