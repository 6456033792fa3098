/**
 * reports: the small demo (as flow), its commissions calculated, and one IDR batch through the
 * sandbox executed at setup with the sandbox failing a share of payouts (seeded), so the Reports
 * view has accruals over months, payouts paid and failed in the current (running) week, a trial
 * balance of several accounts, and a success rate below 100 %. Spec: test/e2e/reports.spec.ts.
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import { E2E_PASSWORD, host, seed } from '../kit.js';

export interface ReportsScenario {
  url: string;
  batch: string;
}

export async function build(root: string): Promise<ReportsScenario> {
  const dir = path.join(root, 'reports');
  let number = '';
  await seed(dir, undefined, async (call, ws) => {
    await ws.central.db.execute(
      sql`INSERT INTO settings (key, value) VALUES ('providers', ${JSON.stringify({ sandbox: { seed: 5, failureRate: 0.35 } })}::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    );
    await call('demo.generate', {
      affiliates: 60,
      conversions: 4000,
      seed: 7,
      until: '2026-11-01',
    });
    await call('commissions.calculate', {});
    const created = (await call('batch.create', { provider: 'sandbox', currency: 'IDR' })) as {
      batches: { id: string; number: string; contentHash: string }[];
    };
    const batch = created.batches[0]!;
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
  return { url: h.url, batch: number };
}
