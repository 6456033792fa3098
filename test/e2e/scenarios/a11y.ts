/**
 * a11y (a11y.spec.ts): a console with something on every view for the accessibility audit — the
 * small demo of the flow scenario, calculated, with one approved Xendit batch waiting (batches,
 * batch detail, approvals) — behind its own browser host, so the audit signs in with a link no
 * other spec uses.
 */
import path from 'node:path';
import { approvedBatch, host, seed } from '../kit.js';

export interface A11yScenario {
  url: string;
  batch: string;
}

export async function build(root: string): Promise<A11yScenario> {
  const dir = path.join(root, 'a11y');
  let batch = '';
  await seed(dir, undefined, async (call, ws) => {
    await call('demo.generate', {
      affiliates: 60,
      conversions: 4000,
      seed: 7,
      until: '2026-11-01',
    });
    await call('commissions.calculate', {});
    batch = await approvedBatch(call, ws, { provider: 'xendit', currency: 'IDR' });
  });
  const { host: h } = await host(dir);
  return { url: h.url, batch };
}
