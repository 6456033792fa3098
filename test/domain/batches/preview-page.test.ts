/**
 * The batch preview paged at the source (batch.previewPage): the whole selection's totals and
 * exclusion counts with every page, rows a page at a time in the order asked (amounts within their
 * currency, exactly), filtered by eligibility and search; the kept preview follows the ledger; and
 * the affiliates the operator left out are left out of the batch create makes — on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Preview, PreviewRow } from '../../../src/core/domain/batches/preview.js';
import type { PreviewPage } from '../../../src/core/domain/batches/preview-page.js';
import { drivers } from '../../support/pg.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';

interface Created {
  batches: { id: string; number: string; payouts: number }[];
}

describe.each(drivers())('batch preview paged at the source (%s)', (driver) => {
  let tw: TestWorkstation;
  let whole: Preview;
  const page = (payload: Record<string, unknown>) =>
    tw.call<PreviewPage>('batch.previewPage', payload);

  beforeAll(async () => {
    tw = await openTestWorkstation(driver);
    await tw.call('demo.generate', {
      affiliates: 300,
      conversions: 6_000,
      seed: 21,
      until: '2026-06-01T00:00:00Z',
    });
    await tw.call('commissions.calculate', {});
    whole = await tw.call<Preview>('batch.preview', { provider: 'xendit' });
  });
  afterAll(async () => {
    await tw?.cleanup();
  });

  it('answers the whole selection’s totals and exclusion counts with any page, even an empty one', async () => {
    const summary = await page({ provider: 'xendit', offset: 0, limit: 0 });
    expect(summary.rows).toEqual([]);
    expect(summary.considered).toBe(whole.rows.length);
    expect(summary.eligibleCount).toBe(whole.eligibleCount);
    expect(summary.totals).toEqual(whole.totals);
    expect(summary.excluded).toEqual(whole.excluded);
    expect(summary.total).toBe(whole.rows.length);
    expect(whole.eligibleCount).toBeGreaterThan(20);
    expect(whole.rows.length).toBeGreaterThan(whole.eligibleCount);
  });

  it('pages through the rows in the order asked: by amount within each currency, exactly, ties by affiliate', async () => {
    const seen: PreviewRow[] = [];
    for (let offset = 0; ; offset += 37) {
      const p = await page({
        provider: 'xendit',
        offset,
        limit: 37,
        sort: { field: 'amountMinor', dir: 'desc' },
      });
      seen.push(...p.rows);
      if (p.rows.length < 37) break;
    }
    expect(seen.map((r) => r.affiliateId).sort()).toEqual(
      whole.rows.map((r) => r.affiliateId).sort(),
    );
    const expected = [...whole.rows].sort((a, b) => {
      if (a.currency !== b.currency) return b.currency.localeCompare(a.currency);
      const d = BigInt(b.amountMinor) - BigInt(a.amountMinor);
      return d > 0n ? 1 : d < 0n ? -1 : b.affiliateId.localeCompare(a.affiliateId);
    });
    expect(seen.map((r) => r.affiliateId)).toEqual(expected.map((r) => r.affiliateId));
  });

  it('filters at the source: only the excluded rows, or a search by id', async () => {
    const excluded = await page({ provider: 'xendit', offset: 0, limit: 1000, show: 'excluded' });
    expect(excluded.total).toBe(whole.rows.length - whole.eligibleCount);
    expect(excluded.rows.every((r) => !r.eligible && r.reasons.length > 0)).toBe(true);
    const one = whole.rows[3]!;
    const found = await page({
      provider: 'xendit',
      offset: 0,
      limit: 10,
      search: one.affiliateId.toUpperCase(),
    });
    expect(found.rows.map((r) => r.affiliateId)).toContain(one.affiliateId);
    expect(found.totals).toEqual(whole.totals); // the totals stay the whole selection's
  });

  it('create leaves out the affiliates the operator unticked; the next preview shows the ledger after it', async () => {
    const eligible = whole.rows.filter((r) => r.eligible);
    const leftOut = [eligible[0]!.affiliateId, eligible[5]!.affiliateId];
    const created = await tw.call<Created>('batch.create', {
      provider: 'xendit',
      leftOut: leftOut.map((affiliateId) => ({ affiliateId, reason: 'paid by hand this month' })),
    });
    // One payout per affiliate kept, or one per part where a payout is split (above its channel's
    // maximum).
    const expected = eligible
      .filter((r) => !leftOut.includes(r.affiliateId))
      .reduce((n, r) => n + (r.parts?.length ?? 1), 0);
    expect(created.batches.reduce((n, b) => n + b.payouts, 0)).toBe(expected);
    // The kept preview was built before the create: the change log makes the next page build it
    // again.
    const after = await page({ provider: 'xendit', offset: 0, limit: 1000, show: 'eligible' });
    expect(after.rows.map((r) => r.affiliateId).sort()).toEqual([...leftOut].sort());
  });
});
