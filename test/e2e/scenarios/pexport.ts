/**
 * pexport: payout history's "Export this grid" (payouts-export.spec.ts). Embedded PGlite, a small
 * demo; one IDR batch paid through the sandbox set never to fail, polled until it has ended (every
 * payout SUCCEEDED: final, so the rows a status filter shows cannot change under the spec), and one
 * PHP batch through Xendit submitted and not executed (payouts in another status and currency, for
 * the filter to leave out). Its own data dir and link: no other spec's state moves here.
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { rows } from '../../../src/core/platform/central/store.js';
import { approvedBatch, host, seed } from '../kit.js';

export interface PayoutsExportScenario {
  url: string;
  /** The paid batch's number (COMPLETED). */
  paid: string;
}

export async function build(root: string): Promise<PayoutsExportScenario> {
  const dir = path.join(root, 'pexport');
  let paid = '';
  await seed(dir, undefined, async (call, ws) => {
    await ws.central.db.execute(
      sql`INSERT INTO settings (key, value) VALUES ('providers', ${JSON.stringify({ sandbox: { seed: 3, failureRate: 0 } })}::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    );
    await call('demo.generate', {
      affiliates: 300,
      conversions: 8000,
      seed: 7,
      until: '2026-11-01',
    });
    await call('commissions.calculate', {});
    paid = await approvedBatch(call, ws, { provider: 'sandbox', currency: 'IDR' });
    await call('batch.execute', { batch: paid, waitMs: 60_000 });
    // The sandbox settles a second after it accepts: ask until the batch has ended.
    for (let i = 0; i < 60; i++) {
      const [b] = await rows<{ status: string }>(
        ws.central.db,
        sql`SELECT status FROM payout_batches WHERE number = ${paid}`,
      );
      if (b?.status !== 'EXECUTING') break;
      await new Promise((r) => setTimeout(r, 1000));
      await call('payouts.poll', { batch: paid });
    }
    const other = (await call('batch.create', { provider: 'xendit', currency: 'PHP' })) as {
      batches: { id: string }[];
    };
    await call('batch.submit', { batch: other.batches[0]!.id });
    const [n] = await rows<{ ok: number; rest: number }>(
      ws.central.db,
      sql`SELECT count(*) FILTER (WHERE status = 'SUCCEEDED')::int AS ok, count(*) FILTER (WHERE status <> 'SUCCEEDED')::int AS rest FROM payouts`,
    );
    if (!n || n.ok < 3 || n.rest < 1)
      throw new Error(`pexport scenario: ${n?.ok} paid and ${n?.rest} other payouts, too few`);
  });
  const { host: h } = await host(dir);
  return { url: h.url, paid };
}
