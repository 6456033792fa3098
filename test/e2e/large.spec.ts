/**
 * Over 100,000 affiliates in the payables grid: the grid fetches blocks through the bridge as it
 * scrolls (the page never holds them all), and the quick filter narrows it on the server. First, on
 * the same host, a viewer: what they may not do is disabled with the reason.
 */
import { expect, test, type Page } from '@playwright/test';
import { scenario, screenshot, signIn, signOut } from './scenario.js';

test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(scenario().large.url);
});
test.afterAll(async () => page?.close());

test('a viewer sees the create action disabled, with the missing permission as the reason', async () => {
  await signIn(page, 'viewer', scenario().password);
  await page.getByTestId('nav-builder').click();
  await expect(page.getByTestId('builder-calc')).toBeDisabled();
  await expect(page.getByTestId('builder-calc-reason')).toContainText('commissions.calculate');
  // A viewer may preview (payables.view), not create.
  await page.getByTestId('builder-affiliates').fill('aff-000001 aff-000002 aff-000003');
  await page.getByTestId('builder-preview').click();
  await expect(page.getByTestId('builder-preview-grid').locator('.ag-row').first()).toBeVisible();
  await expect(page.getByTestId('builder-create')).toBeDisabled();
  await expect(page.getByTestId('builder-create-reason')).toContainText('batches.create');
  await screenshot(page, 'builder-viewer');
  // Deny by default: the router refuses the call even if the page sends it.
  const refused = await page.evaluate(() => window.treasury.call('batch.create', { provider: 'xendit' } as never));
  expect(refused.ok).toBe(false);
  expect(!refused.ok && refused.error.code).toBe('FORBIDDEN');
  await signOut(page);
});

test('the payables grid scrolls through more than 100,000 rows and filters them', async () => {
  await signIn(page, 'admin', scenario().password);
  const calls: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/bridge/call') && r.postData()?.includes('payables.page')) calls.push(r.postData()!);
  });
  await page.getByTestId('nav-payables').click();
  const grid = page.getByTestId('payables-grid');
  await expect(grid.locator('.ag-row').first()).toBeVisible();
  await expect(page.getByTestId('payables-total')).toHaveText(/^\d{3},\d{3}$/);
  const total = Number((await page.getByTestId('payables-total').textContent())!.replace(/,/g, ''));
  expect(total).toBeGreaterThanOrEqual(100_000);
  // Scroll far down: the rows there arrive in later blocks.
  await grid.locator('.ag-body-vertical-scroll-viewport').evaluate((el) => (el.scrollTop = el.scrollHeight * 0.6));
  const deepest = () => grid.locator('.ag-row[row-index]').evaluateAll((rows) => Math.max(...rows.map((r) => Number(r.getAttribute('row-index')))));
  await expect.poll(deepest, { timeout: 30_000 }).toBeGreaterThan(50_000);
  // The block down there arrives: its rows show affiliates, not loading placeholders.
  const deep = await deepest();
  await expect(grid.locator(`.ag-row[row-index="${deep}"]`).first()).toContainText(/aff-\d{6}/, { timeout: 30_000 });
  // Pages, not the whole set: no request asked for more than 1,000 rows.
  expect(calls.length).toBeGreaterThan(1);
  for (const body of calls) expect((JSON.parse(body) as { payload: { limit: number } }).payload.limit).toBeLessThanOrEqual(1000);
  // The quick filter goes to the server.
  await page.getByTestId('payables-search').fill('aff-000123');
  await expect(page.getByTestId('payables-total')).toHaveText('1');
  await expect(grid.locator('.ag-row').first()).toContainText('aff-000123');
});
