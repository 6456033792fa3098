/**
 * Server-side amount sorts on real PGlite with mixed currencies (issue 22): payables.page and
 * reports.affiliatePerformance order an amount within each currency — currencies ascending in both
 * directions, amounts in the direction asked — never raw minor units across currencies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PayablesPage } from '../../../src/core/domain/payables/payables.js';
import type { PerformanceRow } from '../../../src/core/domain/reports/affiliate-performance.js';
import { openScenario, type Scenario } from '../../support/payouts.js';

function expectWithinCurrency(
  rows: readonly { currency: string; amount: string }[],
  dir: 'asc' | 'desc',
): void {
  expect(new Set(rows.map((r) => r.currency)).size).toBeGreaterThan(1);
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1]!, rows[i]!];
    if (a.currency !== b.currency) {
      expect(a.currency < b.currency, `${a.currency} before ${b.currency}`).toBe(true);
      continue;
    }
    const [x, y] = [BigInt(a.amount), BigInt(b.amount)];
    expect(dir === 'asc' ? x <= y : x >= y, `${a.currency} ${a.amount} then ${b.amount}`).toBe(
      true,
    );
  }
}

describe('amount sorts within each currency (pglite)', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await openScenario('pglite', { affiliates: 40, conversions: 800, seed: 11 });
  }, 60_000);
  afterAll(() => s?.cleanup());

  it('payables.page: Payable and Pending, both directions', async () => {
    for (const field of ['payableMinor', 'pendingMinor'] as const)
      for (const dir of ['asc', 'desc'] as const) {
        const page = await s.tw.call<PayablesPage>('payables.page', {
          sort: { field, dir },
          limit: 1000,
        });
        expectWithinCurrency(
          page.rows.map((r) => ({ currency: r.currency, amount: r[field] })),
          dir,
        );
      }
  });

  it('reports.affiliatePerformance: Earned, both directions', async () => {
    for (const dir of ['asc', 'desc'] as const) {
      const page = await s.tw.call<{ rows: PerformanceRow[] }>('reports.affiliatePerformance', {
        sort: { field: 'commissionsMinor', dir },
        limit: 1000,
      });
      expectWithinCurrency(
        page.rows.map((r) => ({ currency: r.currency, amount: r.commissionsMinor })),
        dir,
      );
    }
  });
});
