/**
 * Payout history's "Export this grid", end to end: payouts filtered by status in the grid, exported,
 * and the CSV holds exactly the grid's rows (in its order), its visible columns with the currency
 * beside the amount, and the filter in its metadata line.
 */
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { expect, test, type Page, type Response } from '@playwright/test';
import { scenario, scenarioPart, screenshot, signIn } from './scenario.js';

test.describe.configure({ mode: 'serial' });

interface PayoutsExportScenario {
  url: string;
  paid: string;
}
interface PageAnswer {
  ok: boolean;
  value: {
    total: number;
    rows: {
      id: string;
      affiliateId: string;
      batchNumber: string;
      status: string;
      amountMinor: string;
      currency: string;
    }[];
  };
}

let page: Page;
const part = () => scenarioPart<PayoutsExportScenario>('pexport');
const grid = () => page.getByTestId('payouts-grid');

/** The next payouts.page answer whose request matches `test`. */
const nextPage = (test: (body: string) => boolean = () => true) =>
  page.waitForResponse(
    (r: Response) =>
      r.url().endsWith('/bridge/call') &&
      /"payouts.page"/.test(r.request().postData() ?? '') &&
      test(r.request().postData() ?? ''),
  );

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(part().url);
  await signIn(page, 'admin', scenario().password);
});
test.afterAll(async () => page?.close());

test('payouts filtered by status: the exported file holds exactly the grid rows, its columns and the filter', async () => {
  const first = nextPage();
  await page.getByTestId('nav-payouts').click();
  const all = ((await (await first).json()) as PageAnswer).value;

  const succeeded = nextPage((b) => b.includes('"SUCCEEDED"'));
  await page.getByTestId('payouts-status').selectOption('SUCCEEDED');
  const filtered = ((await (await succeeded).json()) as PageAnswer).value;
  expect(filtered.total).toBeGreaterThan(2);
  expect(filtered.total).toBeLessThan(all.total); // the filter leaves the unpaid batch out
  expect(filtered.rows.length).toBe(filtered.total); // one block: the grid holds them all
  await expect(page.getByTestId('payouts-total')).toHaveText(`${filtered.total} payouts`);
  // The grid shows exactly the answer's rows, in its order.
  const rowsShown = grid().locator('.ag-row[row-id]');
  await expect(rowsShown).toHaveCount(filtered.total);
  const shown = await rowsShown.evaluateAll((rows) =>
    rows
      .map((r) => ({ id: r.getAttribute('row-id')!, at: Number(r.getAttribute('row-index')) }))
      .sort((a, b) => a.at - b.at)
      .map((r) => r.id),
  );
  expect(shown).toEqual(filtered.rows.map((r) => r.id));

  const visible = await grid()
    .locator('.ag-header-row-column .ag-header-cell[col-id]')
    .evaluateAll((cells) => cells.map((c) => c.getAttribute('col-id')!));
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('payouts-export').click(),
  ]);
  let text = readFileSync((await file.path())!, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  expect(text.startsWith('# ')).toBe(true);
  const newline = text.indexOf('\r\n');
  const meta = JSON.parse(text.slice(2, newline)) as {
    grid: string;
    filters: { status: string | null; currency: string | null };
    sort: { field: string; dir: string } | null;
    columns: string[];
    rowCount: number;
    generatedBy: { username: string };
  };
  expect(meta.grid).toBe('payouts');
  expect(meta.filters).toMatchObject({ status: 'SUCCEEDED', currency: null });
  expect(meta.sort).toEqual({ field: 'createdAt', dir: 'desc' });
  expect(meta.generatedBy.username).toBe('admin');
  expect(meta.rowCount).toBe(filtered.total);

  const parsed = Papa.parse<Record<string, string>>(text.slice(newline + 2), {
    header: true,
    skipEmptyLines: true,
  });
  expect(parsed.errors).toEqual([]);
  // The grid's columns in their order (AG Grid leaves the headers scrolled out of view out of the
  // page, so those rendered are the start), then the currency the amounts are in.
  const columns = [
    'createdAt',
    'batchNumber',
    'affiliateId',
    'affiliateName',
    'amountMinor',
    'provider',
    'status',
    'providerReference',
    'attempts',
    'failureMessage',
    'updatedAt',
    'currency',
  ];
  expect(columns.slice(0, visible.length)).toEqual(visible);
  expect(parsed.meta.fields).toEqual(columns);
  expect(meta.columns).toEqual(columns);
  expect(parsed.data.map((d) => [d.batchNumber, d.affiliateId, d.status, d.currency])).toEqual(
    filtered.rows.map((r) => [r.batchNumber, r.affiliateId, r.status, r.currency]),
  );
  expect(parsed.data.every((d) => d.status === 'SUCCEEDED' && d.batchNumber === part().paid)).toBe(
    true,
  );
  await screenshot(page, 'payouts-export');
});
