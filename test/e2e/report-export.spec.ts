/**
 * A report's export honours the page's filters (issue 22; scenario test/e2e/scenarios/bulk.ts, a
 * journal of several currencies): with USD chosen, the journal export holds only USD lines and its
 * metadata records the currency and the period; the button follows the job while it runs.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import type { BulkScenario } from './scenarios/bulk.js';
import { scenario, scenarioPart, signIn } from './scenario.js';

test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(scenarioPart<BulkScenario>('bulk').reportsUrl);
  await signIn(page, 'checker', scenario().password);
});
test.afterAll(async () => {
  await page?.close();
});

interface Doc {
  metadata: { filters: Record<string, unknown>; rowCount: number; report: string };
  rows: Record<string, string | null>[];
}

async function exportJournal(): Promise<Doc> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.getByTestId('report-export').click(),
  ]);
  return JSON.parse(readFileSync((await download.path())!, 'utf8')) as Doc;
}

test('the journal export with one currency chosen holds only that currency, and says so', async () => {
  await page.getByTestId('nav-reports').click();
  await page.getByTestId('report-export-which').selectOption('export.journal');
  await page.getByTestId('report-export-format').selectOption('json');
  await page.getByTestId('report-from').fill('2020-01-01');

  await page.getByTestId('report-currency').selectOption('USD');
  await expect(page.getByTestId('report-export-filters')).toContainText('USD only');
  const usd = await exportJournal();
  expect(usd.metadata.report).toBe('journal');
  expect(usd.metadata.filters).toMatchObject({
    currency: 'USD',
    from: '2020-01-01T00:00:00.000Z',
  });
  expect(usd.rows.length).toBeGreaterThan(0);
  expect(usd.rows.every((r) => r.currency === 'USD')).toBe(true);
  expect(usd.metadata.rowCount).toBe(usd.rows.length);
  // The jobs panel opened and follows the export.
  await expect(page.getByTestId('jobs-panel')).toBeVisible();

  await page.getByTestId('report-currency').selectOption('IDR');
  await expect(page.getByTestId('report-export')).toBeEnabled({ timeout: 60_000 });
  const idr = await exportJournal();
  expect(idr.metadata.filters).toMatchObject({ currency: 'IDR' });
  expect(idr.rows.length).toBeGreaterThan(0);
  expect(idr.rows.every((r) => r.currency === 'IDR')).toBe(true);
});

test('the audit log has no currency: its export says all currencies and still takes the period', async () => {
  await page.getByTestId('report-export-which').selectOption('export.auditLog');
  await expect(page.getByTestId('report-export-filters')).toContainText('all currencies');
  await expect(page.getByTestId('report-export')).toBeEnabled({ timeout: 60_000 });
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 120_000 }),
    page.getByTestId('report-export').click(),
  ]);
  const doc = JSON.parse(readFileSync((await download.path())!, 'utf8')) as Doc;
  expect(doc.metadata.filters).toMatchObject({ currency: null, from: '2020-01-01T00:00:00.000Z' });
});
