/**
 * The operator's grids, end to end on payables: column filters (currency, amount range typed as
 * displayed, reason) change the rows the server sends; a saved view is applied again after
 * navigating away and back, and after the console is restarted; two selected rows are held in one
 * go and then show as held; "export this grid" writes exactly the filtered rows and the visible
 * columns, with the filters in its metadata line.
 */
import { readFileSync } from 'node:fs';
import Papa from 'papaparse';
import { expect, test, type Page, type Response } from '@playwright/test';
import { scenario, scenarioPart, screenshot, signIn } from './scenario.js';

test.describe.configure({ mode: 'serial' });

interface GridsScenario {
  url: string;
  control: string;
}
interface PageAnswer {
  ok: boolean;
  value: {
    total: number;
    rows: { affiliateId: string; currency: string; payableMinor: string; reasons: string[] }[];
  };
}

let page: Page;
const part = () => scenarioPart<GridsScenario>('grids');
const grid = () => page.getByTestId('payables-grid');

/** The next payables.page answer whose request matches `test`. */
const nextPage = (test: (body: string) => boolean = () => true) =>
  page.waitForResponse(
    (r: Response) =>
      r.url().endsWith('/bridge/call') &&
      /"payables.page"/.test(r.request().postData() ?? '') &&
      test(r.request().postData() ?? ''),
  );

async function openFilter(colId: string): Promise<void> {
  await grid().locator(`.ag-header-cell[col-id="${colId}"] .ag-header-cell-filter-button`).click();
  await expect(page.getByTestId(`filter-${colId}`)).toBeVisible();
}

let filtered: PageAnswer['value'];
/** The reason filtered by: the most frequent one in the first block (the demo decides which). */
let REASON = '';

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(part().url);
  await signIn(page, 'admin', scenario().password);
});
test.afterAll(async () => page?.close());

test('column filters: currency, an amount range typed as displayed, and a reason change the rows', async () => {
  const first = nextPage();
  await page.getByTestId('nav-payables').click();
  const all = ((await (await first).json()) as PageAnswer).value;
  expect(all.total).toBeGreaterThan(10);
  const seen = new Map<string, number>();
  for (const row of all.rows) for (const x of row.reasons) seen.set(x, (seen.get(x) ?? 0) + 1);
  REASON = [...seen].sort((a, b) => b[1] - a[1])[0]![0];
  const candidates = all.rows.filter((r) => r.reasons.includes(REASON));
  expect(candidates.length).toBeGreaterThan(0);
  const currency = candidates[0]!.currency;

  const byCurrency = nextPage((b) => b.includes(`"currency":["${currency}"]`));
  await openFilter('currency');
  await page.getByTestId('filter-currency').locator(`input[data-value="${currency}"]`).check();
  const c = ((await byCurrency.then((r) => r.json())) as PageAnswer).value;
  expect(c.rows.every((r) => r.currency === currency)).toBe(true);
  expect(c.total).toBeLessThan(all.total);
  await page.keyboard.press('Escape');

  // The range as the page shows amounts: thousands separators.
  const byRange = nextPage((b) => b.includes('"payable":{"min":"0","max":"15,000,000"}'));
  await openFilter('payableMinor');
  await page.getByTestId('filter-payableMinor-min').fill('0');
  await page.getByTestId('filter-payableMinor-max').fill('15,000,000');
  await page.getByTestId('filter-payableMinor-apply').click();
  const r = ((await byRange.then((x) => x.json())) as PageAnswer).value;
  expect(r.total).toBeLessThanOrEqual(c.total);
  await page.keyboard.press('Escape');

  const byReason = nextPage((b) => b.includes(`"reason":["${REASON}"]`));
  await openFilter('reason');
  await page.getByTestId('filter-reason').locator(`input[data-value="${REASON}"]`).check();
  filtered = ((await byReason.then((x) => x.json())) as PageAnswer).value;
  await page.keyboard.press('Escape');
  expect(filtered.total).toBeLessThanOrEqual(r.total);
  expect(filtered.rows.every((x) => x.currency === currency && x.reasons.includes(REASON))).toBe(
    true,
  );
  await expect(page.getByTestId('payables-total')).toHaveText(String(filtered.total));
  // The whole reason text on hover.
  if (filtered.total > 0) {
    await grid().locator('.ag-row [col-id="reason"]').first().hover();
    await expect(page.locator('.ag-tooltip')).toBeVisible();
  }
  await screenshot(page, 'payables-filters');
});

test('a saved view comes back after navigating away and after a restart', async () => {
  await page.getByTestId('payables-views-save').click();
  await page.getByTestId('payables-views-name').fill('Small ones');
  await page.getByTestId('payables-views-save-confirm').click();
  await expect(page.getByTestId('payables-views-select')).toHaveValue('Small ones');

  const back = nextPage((b) => b.includes(`"reason":["${REASON}"]`));
  await page.getByTestId('nav-dashboard').click();
  await page.getByTestId('nav-payables').click();
  expect(((await (await back).json()) as PageAnswer).value.total).toBe(filtered.total);
  await expect(page.getByTestId('payables-views-select')).toHaveValue('Small ones');

  // The console relaunched on the same data dir: a new link, a new sign-in.
  const restarted = (await (
    await fetch(`${part().control}/restart`, { method: 'POST' })
  ).json()) as {
    url: string;
  };
  await page.goto(restarted.url);
  await signIn(page, 'admin', scenario().password);
  const again = nextPage((b) => b.includes(`"reason":["${REASON}"]`));
  await page.getByTestId('nav-payables').click();
  expect(((await (await again).json()) as PageAnswer).value.total).toBe(filtered.total);
  await expect(page.getByTestId('payables-views-select')).toHaveValue('Small ones');
});

test('"export this grid" writes exactly the filtered rows and the visible columns, with the filters', async () => {
  const visible = await grid()
    .locator('.ag-header-row-column .ag-header-cell[col-id]')
    .evaluateAll((cells) => cells.map((c) => c.getAttribute('col-id')!));
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('payables-export').click(),
  ]);
  let text = readFileSync((await file.path())!, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const newline = text.indexOf('\r\n');
  const meta = JSON.parse(text.slice(2, newline)) as {
    filters: { reason?: string[]; currency?: string[]; payable?: { min?: string; max?: string } };
    columns: string[];
    rowCount: number;
    generatedBy: { username: string };
  };
  expect(text.startsWith('# ')).toBe(true);
  expect(meta.filters.reason).toEqual([REASON]);
  expect(meta.filters.payable).toEqual({ min: '0', max: '15,000,000' });
  expect(meta.generatedBy.username).toBe('admin');
  const parsed = Papa.parse<Record<string, string>>(text.slice(newline + 2), {
    header: true,
    skipEmptyLines: true,
  });
  expect(parsed.errors).toEqual([]);
  const exportable = visible.filter((c) => c !== 'ag-Grid-SelectionColumn');
  expect(parsed.meta.fields).toEqual(exportable);
  expect(meta.columns).toEqual(exportable);
  expect(parsed.data.length).toBe(filtered.total);
  expect(meta.rowCount).toBe(filtered.total);
  expect(parsed.data.map((d) => d.affiliateId)).toEqual(filtered.rows.map((r) => r.affiliateId));
});

test('two selected rows are held in one go, and then show as held', async () => {
  // All rows again: the view menu's "All rows".
  const all = nextPage((b) => !b.includes('"filters"'));
  await page.getByTestId('payables-views-select').selectOption('');
  const rows = ((await (await all).json()) as PageAnswer).value.rows
    .filter((r) => !r.reasons.includes('payouts_held'))
    .slice(0, 2);
  expect(rows).toHaveLength(2);
  for (const r of rows) {
    const box = grid()
      .locator(`.ag-row[row-id="${r.affiliateId}|${r.currency}"] .ag-selection-checkbox input`)
      .first();
    await box.click();
    await expect(box).toBeChecked();
  }
  await expect(page.getByTestId('payables-selected')).toHaveText('2 affiliates selected');
  await page.getByTestId('payables-hold-selected').click();
  await page.getByTestId('bulk-hold-dialog-text').fill('Bank details under review');
  const reread = nextPage();
  await page.getByTestId('bulk-hold-dialog-confirm').click();
  await reread;
  for (const r of rows)
    await expect(
      grid().locator(`.ag-row[row-id="${r.affiliateId}|${r.currency}"] [col-id="reason"]`),
    ).toContainText('payouts held');
  await screenshot(page, 'payables-bulk-hold');
});
