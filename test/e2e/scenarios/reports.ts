/**
 * reports: a demo of 300 affiliates, its commissions calculated, and one batch through the sandbox
 * (IDR when the sandbox pays some there) executed at setup with the sandbox failing a share of
 * payouts (seeded), so the Reports view has accruals over months, payouts paid and failed in the
 * current (running) week, a trial balance of several accounts, and a success rate below 100 %.
 * Spec: test/e2e/reports.spec.ts.
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import { E2E_PASSWORD, host, seed } from '../kit.js';

export interface ReportsScenario {
  url: string;
  batch: string;
  /** The executed batch's currency (the reports are looked at in it). */
  currency: string;
}

export async function build(root: string): Promise<ReportsScenario> {
  const dir = path.join(root, 'reports');
  let number = '';
  let currency = '';
  await seed(dir, undefined, async (call, ws) => {
    await ws.central.db.execute(
      sql`INSERT INTO settings (key, value) VALUES ('providers', ${JSON.stringify({ sandbox: { seed: 5, failureRate: 0.35 } })}::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    );
    // Enough affiliates for the sandbox's share of every market (a tenth) to hold some.
    await call('demo.generate', {
      affiliates: 300,
      conversions: 8000,
      seed: 7,
      until: '2026-11-01',
    });
    await call('commissions.calculate', {});
    let batch: { id: string; number: string; contentHash: string } | undefined;
    for (const c of ['IDR', 'PHP', 'USD']) {
      try {
        const created = (await call('batch.create', { provider: 'sandbox', currency: c })) as {
          batches: { id: string; number: string; contentHash: string }[];
        };
        batch = created.batches[0]!;
        currency = c;
        break;
      } catch (e) {
        // Nothing to pay through the sandbox in this currency: the next one.
        if (!/nothing to pay/.test(String(e))) throw e;
      }
    }
    if (!batch) throw new Error('reports scenario: nothing to pay through the sandbox');
    number = batch.number;
    await call('batch.submit', { batch: batch.id });
    const checker = (await ws.call({
      name: 'session.signIn',
      payload: { username: 'checker', password: E2E_PASSWORD },
      workstationId: ws.id,
    })) as SignInResult;
    if (!checker.ok) throw new Error('reports scenario: checker sign-in failed');
    const asChecker = (name: string, payload: unknown) =>
      ws.call({ name, payload, session: checker.token, workstationId: ws.id });
    await asChecker('batch.approve', { batch: batch.id, contentHash: batch.contentHash });
    // Executed to its end here (the executor waits for the sandbox's settlements).
    await asChecker('batch.execute', { batch: batch.id, waitMs: 20_000 });
  });
  const { host: h } = await host(dir);
  return { url: h.url, batch: number, currency };
}
