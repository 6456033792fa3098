/**
 * Offline: with the central store stopped, the console says so, and execution — online-only — is
 * disabled with the reason, while the approved batch is still shown from the encrypted cache.
 */
import { expect, test, type Page } from '@playwright/test';
import { scenario, screenshot, signIn } from './scenario.js';

test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(scenario().offline.url);
});
test.afterAll(async () => {
  await fetch(`${scenario().offline.control}/offline/start`, { method: 'POST' });
  await page?.close();
});

test('central stopped: execute is disabled with the reason', async () => {
  const s = scenario();
  await signIn(page, 'checker', s.password);
  // Online first: sync fills the cache, and the approved batch can be executed.
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('last-sync')).not.toContainText('never');
  await page.getByTestId('nav-batches').click();
  await page.getByTestId('batches-grid').getByText(s.offline.approvedBatch).click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'APPROVED');
  await expect(page.getByTestId('batch-execute')).toBeEnabled();

  await fetch(`${s.offline.control}/offline/stop`, { method: 'POST' });
  await expect(page.getByTestId('connectivity')).toHaveText('Offline', { timeout: 30_000 });
  await expect(page.getByTestId('batch-execute')).toBeDisabled();
  await expect(page.getByTestId('batch-execute-reason')).toContainText(/offline/i);
  // Opened again while offline, the batch comes from the encrypted cache, and still may not be
  // executed.
  await page.getByTestId('nav-batches').click();
  await page.getByTestId('batches-grid').getByText(s.offline.approvedBatch).click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'APPROVED');
  await expect(page.getByTestId('content-hash')).toHaveText(/[0-9a-f]{64}/);
  await expect(page.getByTestId('batch-execute')).toBeDisabled();
  await expect(page.getByTestId('batch-execute-reason')).toContainText(/offline/i);
  await screenshot(page, 'offline-batch');
});
