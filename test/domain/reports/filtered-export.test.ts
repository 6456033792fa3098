/**
 * Every export honours the filters it is given (issue 22): on real PGlite with mixed currencies, an
 * export asked for one currency (and a period, or a status for the audit log) holds only matching
 * rows — fewer than the unfiltered file — and its metadata records the filters. Checked for every
 * export the reports page offers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateResult } from '../../../src/core/domain/batches/create.js';
import type { ExportResult } from '../../../src/core/domain/reports/export-file.js';
import { tempDir } from '../../support/central.js';
import { openScenario, type Scenario } from '../../support/payouts.js';

interface Doc {
  metadata: { filters: Record<string, unknown>; rowCount: number };
  rows: Record<string, string | null>[];
}

describe('filtered exports (pglite, mixed currencies)', () => {
  let s: Scenario;
  let tmp: { dir: string; remove: () => void } | undefined;
  let n = 0;
  const out = (name: string) => path.join(tmp!.dir, `${name}-${++n}.json`);
  const exportJson = async (name: string, filters: Record<string, unknown>): Promise<Doc> => {
    const file = out(name);
    const r = await s.tw.call<ExportResult>(name, { format: 'json', out: file, ...filters });
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Doc;
    expect(doc.rows).toHaveLength(r.rowCount);
    return doc;
  };

  beforeAll(async () => {
    s = await openScenario('pglite', { affiliates: 30, conversions: 600, seed: 5 });
    tmp = tempDir();
    // Pay one batch per currency the data has, so payouts and payout items are mixed too.
    const created = await s.tw.call<CreateResult>('batch.create', { provider: 'xendit' });
    for (const b of created.batches.slice(0, 2)) {
      await s.tw.call('batch.submit', { batch: b.number });
      await s.tw.call('batch.approve', { batch: b.number, contentHash: b.contentHash }, s.checker1);
      if (b.requiredApprovals > 1)
        await s.tw.call(
          'batch.approve',
          { batch: b.number, contentHash: b.contentHash },
          s.checker2,
        );
      await s.tw.call('batch.execute', { batch: b.number, waitMs: 30_000 });
    }
  }, 240_000);
  afterAll(async () => {
    tmp?.remove();
    await s?.cleanup();
  });

  for (const name of [
    'export.payouts',
    'export.journal',
    'export.commissions',
    'export.payoutItems',
  ])
    it(`${name}: one currency and a period → only those rows; metadata has the filters`, async () => {
      const all = await exportJson(name, {});
      const currencies = [...new Set(all.rows.map((r) => r.currency))].sort();
      expect(currencies.length, `${name} has several currencies`).toBeGreaterThan(1);
      const currency = currencies[0]!;
      const from = '2020-01-01T00:00:00.000Z';
      const to = '2100-01-01T00:00:00.000Z';
      const one = await exportJson(name, { currency, from, to });
      expect(one.rows.length).toBeGreaterThan(0);
      expect(one.rows.length).toBeLessThan(all.rows.length);
      expect(one.rows.every((r) => r.currency === currency)).toBe(true);
      expect(one.rows.length).toBe(all.rows.filter((r) => r.currency === currency).length);
      expect(one.metadata.filters).toMatchObject({ currency, from, to });
      expect(one.metadata.rowCount).toBe(one.rows.length);
    });

  it('export.auditLog: a decision and a period → only those entries; metadata has them', async () => {
    const all = await exportJson('export.auditLog', {});
    expect(new Set(all.rows.map((r) => r.decision)).size).toBeGreaterThanOrEqual(1);
    const one = await exportJson('export.auditLog', { status: 'allowed', from: '2020-01-01' });
    expect(one.rows.length).toBeGreaterThan(0);
    expect(one.rows.every((r) => r.decision === 'allowed')).toBe(true);
    expect(one.metadata.filters).toMatchObject({
      status: ['allowed'],
      from: '2020-01-01T00:00:00.000Z',
      currency: null,
    });
  });

  it('refuses a filter the report cannot honour, in words (never silently ignored)', async () => {
    await expect(
      s.tw.call('export.auditLog', { format: 'json', out: out('x'), currency: 'USD' }),
    ).rejects.toThrow(/cannot be filtered by currency/);
  });
});
