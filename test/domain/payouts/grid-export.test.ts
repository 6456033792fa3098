/**
 * "Export this grid" on payout history, on real PGlite over payouts made by the product's own flow
 * (demo data → calc → a batch approved and executed against the fake Xendit, some payouts failing):
 * the file holds exactly the rows `payouts.page` pages through for the same filters and sort, the
 * columns in the order asked (the currency beside the amount), the filters in its metadata line;
 * a bad filter is refused in words and writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateResult } from '../../../src/core/domain/batches/create.js';
import type { PayoutsPage } from '../../../src/core/domain/payouts/page.js';
import type { GridExportResult } from '../../../src/core/domain/reports/grid-export.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { parseAmount } from '../../../src/core/shared/money/index.js';
import { TreasuryError } from '../../../src/core/shared/errors.js';
import { openScenario, type Scenario } from '../../support/payouts.js';

async function refusal(p: Promise<unknown>): Promise<TreasuryError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(TreasuryError);
    return error as TreasuryError;
  }
  throw new Error('expected a refusal');
}

/** The metadata line and the records of a grid export. */
function readExport(file: string) {
  const [metaLine, ...rest] = readFileSync(file, 'utf8').split('\r\n');
  expect(metaLine!.startsWith('# ')).toBe(true);
  const parsed = Papa.parse<Record<string, string>>(rest.join('\r\n'), {
    header: true,
    skipEmptyLines: true,
  });
  return {
    meta: JSON.parse(metaLine!.slice(2)) as Record<string, unknown>,
    fields: parsed.meta.fields,
    data: parsed.data,
  };
}

describe('export.payoutsGrid (PGlite)', () => {
  let s: Scenario;
  const call = <T>(name: string, payload: unknown = {}) => s.tw.call<T>(name, payload);
  const out = () => path.join(s.tw.ws.dataDir, `payouts-${randomUUID()}.csv`);

  beforeAll(async () => {
    s = await openScenario('pglite', {
      affiliates: 60,
      conversions: 3000,
      seed: 7,
      fake: { failureRate: 0.3, failureCodes: ['INVALID_DESTINATION'] },
    });
    const created = await call<CreateResult>('batch.create', {
      provider: 'xendit',
      currency: 'PHP',
    });
    const b = created.batches[0]!;
    await call('batch.submit', { batch: b.number });
    await s.tw.call('batch.approve', { batch: b.number, contentHash: b.contentHash }, s.checker1);
    if (b.requiredApprovals > 1)
      await s.tw.call('batch.approve', { batch: b.number, contentHash: b.contentHash }, s.checker2);
    await call('batch.execute', { batch: b.number, waitMs: 30_000 });
  }, 60_000);
  afterAll(() => s?.cleanup());

  it("writes exactly the page's rows for a status and a currency, in its sort, the columns in the order shown", async () => {
    const filter = { status: 'FAILED', currency: 'PHP' } as const;
    const sort = { field: 'amountMinor', dir: 'desc' } as const;
    const expected = await call<PayoutsPage>('payouts.page', { ...filter, sort, limit: 1000 });
    expect(expected.total).toBeGreaterThan(0);
    const all = await call<PayoutsPage>('payouts.page', { limit: 1 });
    expect(all.total).toBeGreaterThan(expected.total); // the filter leaves rows out

    const file = out();
    const r = await call<GridExportResult>('export.payoutsGrid', {
      ...filter,
      sort,
      columns: ['status', 'amountMinor', 'affiliateId', 'batchNumber', 'failureMessage'],
      out: file,
    });
    expect(r.rowCount).toBe(expected.total);
    // The currency column goes with the amount, after the columns shown.
    const columns = [
      'status',
      'amountMinor',
      'affiliateId',
      'batchNumber',
      'failureMessage',
      'currency',
    ];
    expect(r.columns).toEqual(columns);

    const { meta, fields, data } = readExport(file);
    expect(meta).toMatchObject({
      grid: 'payouts',
      filters: { status: 'FAILED', currency: 'PHP', provider: null, search: null },
      sort,
      columns,
      rowCount: expected.total,
      generatedBy: { username: 'admin' },
    });
    expect(fields).toEqual(columns);
    expect(data.map((d) => [d.affiliateId, d.batchNumber, d.status, d.currency])).toEqual(
      expected.rows.map((p) => [p.affiliateId, p.batchNumber, p.status, p.currency]),
    );
    // Amounts are exact decimals of the row's currency: parsed back, the minor units are the page's.
    expect(data.map((d) => parseAmount(d.amountMinor!, d.currency!).toString())).toEqual(
      expected.rows.map((p) => p.amountMinor),
    );
    expect(data.every((d) => d.failureMessage !== '')).toBe(true);
    const sum = expected.rows.reduce((t, p) => t + BigInt(p.amountMinor), 0n);
    expect(r.totals).toEqual([
      expect.objectContaining({ column: 'amountMinor', currency: 'PHP', rows: expected.total }),
    ]);
    expect(parseAmount(r.totals[0]!.amount, 'PHP')).toBe(sum);

    const audited = await rows<{ n: number }>(
      s.tw.ws.central.db,
      sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'export.payoutsGrid' AND entity_type = 'export' AND entity_id = ${r.file}`,
    );
    expect(audited[0]!.n).toBe(1);
  });

  it('writes every matching payout, not only a page, in the default order without a sort', async () => {
    const expected = await call<PayoutsPage>('payouts.page', { currency: 'PHP', limit: 1000 });
    const file = out();
    const r = await call<GridExportResult>('export.payoutsGrid', {
      currency: 'PHP',
      columns: ['id', 'createdAt'],
      out: file,
    });
    expect(r.rowCount).toBe(expected.total);
    const { meta, fields, data } = readExport(file);
    expect(fields).toEqual(['id', 'createdAt']); // no amount shown: no currency column added
    expect(meta).toMatchObject({ sort: null, filters: { currency: 'PHP', status: null } });
    expect(data.map((d) => d.id)).toEqual(expected.rows.map((p) => p.id));
  });

  it('refuses a bad filter or column in words, and writes nothing', async () => {
    const file = out();
    const bad = await refusal(
      call('export.payoutsGrid', { status: 'LOST', columns: ['status'], out: file }),
    );
    expect(bad.code).toBe('VALIDATION');
    expect(bad.message).toMatch(/status.*must be one of/);
    const currency = await refusal(
      call('export.payoutsGrid', { currency: 'XXQ', columns: ['status'], out: file }),
    );
    expect(currency.message).toMatch(/not an ISO 4217 currency code/);
    const column = await refusal(call('export.payoutsGrid', { columns: ['secret'], out: file }));
    expect(column.message).toMatch(/must be one of/);
    const none = await refusal(call('export.payoutsGrid', { columns: [], out: file }));
    expect(none.message).toMatch(/show at least one column/);
    // The page window is not part of an export: the file holds every matching row.
    const paged = await refusal(
      call('export.payoutsGrid', { limit: 10, columns: ['status'], out: file }),
    );
    expect(paged.code).toBe('VALIDATION');
    expect(existsSync(file)).toBe(false);
  });
});
