/**
 * The outbox and sync by itself (scenario: test/e2e/scenarios/outbox.ts). Signed in, the console
 * syncs without being asked; cut off from the central store, a maker prepares three batches in the
 * builder and sees them wait in the Outbox; meanwhile another workstation takes one affiliate of
 * two of them; back online, the outbox is pushed by itself — no "Sync now" — the first batch goes
 * through, the other two are refused with the central store's reason; one is discarded, the other
 * prepared again from current data, and that new command syncs by itself too.
 */
import { expect, test, type Page } from '@playwright/test';
import type { OutboxScenario } from './scenarios/outbox.js';
import { scenario, scenarioPart, screenshot, signIn } from './scenario.js';

test.describe.configure({ mode: 'serial' });

let page: Page;
const part = () => scenarioPart<OutboxScenario>('outbox');
const post = (url: string) => fetch(url, { method: 'POST' });
/** The outbox's rows in one state, in the order they were written. */
const row = (state: string) =>
  page.locator(`[data-testid^="outbox-entry-"][data-status="${state}"]`);

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(part().url);
});
/** Whether the relay is cut now (started again only then: starting it twice is an error). */
let cut = false;
test.afterAll(async () => {
  if (cut) await post(`${part().control}/offline/start`);
  await page?.close();
});

/** A batch prepared in the builder for these affiliates (offline: queued in the outbox). */
async function prepare(affiliates: string[]): Promise<void> {
  await page.getByTestId('nav-builder').click();
  await page.getByTestId('builder-provider').selectOption('xendit');
  await page.getByTestId('builder-currency').selectOption(part().currency);
  await page.getByTestId('builder-affiliates').fill(affiliates.join(' '));
  await page.getByTestId('builder-preview').click();
  await expect(page.getByTestId('builder-preview-grid').locator('.ag-row')).toHaveCount(
    affiliates.length,
  );
  await page.getByTestId('builder-create').click();
  await expect(page.getByTestId('view-batch')).toBeVisible();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'DRAFT');
}

test('signed in, the console syncs by itself', async () => {
  await signIn(page, 'maker', scenario().password);
  // No "Sync now": the first sync runs on its own once the operator is signed in.
  await expect(page.getByTestId('last-sync')).not.toContainText('never', { timeout: 30_000 });
  await expect(page.getByTestId('sync-state')).toHaveAttribute('data-state', 'idle');
  await expect(page.getByTestId('sync-state')).toHaveText('Auto-sync on');
});

test('offline, batches prepared in the builder wait in the Outbox', async () => {
  const { groups } = part();
  await post(`${part().control}/offline/stop`);
  cut = true;
  await expect(page.getByTestId('connectivity')).toHaveText('Offline', { timeout: 30_000 });
  await prepare(groups.clean);
  await prepare(groups.reprepare);
  await prepare(groups.discard);
  await expect(page.getByTestId('pending')).toHaveText('Pending: 3', { timeout: 30_000 });
  await page.getByTestId('pending').click();
  await expect(page.getByTestId('view-outbox')).toBeVisible();
  await expect(row('pending')).toHaveCount(3);
  await expect(row('pending').first().getByTestId('outbox-state')).toHaveText(
    'Waiting to be pushed',
  );
  await expect(row('pending').first()).toContainText('2 payouts');
  await expect(row('pending').nth(1)).toContainText('2 payouts');
  await expect(row('pending').first()).toContainText('Create batch');
});

test('back online, the outbox is pushed by itself; two batches are refused with the reason', async () => {
  // Meanwhile another workstation pays one affiliate of the second and of the third batch.
  expect((await post(`${part().conflicts}/take`)).ok).toBe(true);
  await post(`${part().control}/offline/start`);
  cut = false;
  await expect(page.getByTestId('connectivity')).toHaveText('Online', { timeout: 30_000 });
  // Nobody presses "Sync now": the reconnect pushes the outbox.
  await expect(page.getByTestId('conflicts')).toHaveText('Conflicts: 2', { timeout: 45_000 });
  await expect(page.getByTestId('pending')).toHaveText('Pending: 0');
  await expect(row('rejected')).toHaveCount(2, { timeout: 15_000 });
  await expect(row('pending')).toHaveCount(0);
  const refused = row('rejected').first();
  await expect(refused.getByTestId('outbox-state')).toHaveText('Refused by the central store');
  await expect(refused.getByTestId('outbox-reason')).toContainText('CONFLICT');
  await expect(refused.getByTestId('outbox-reprepare')).toBeEnabled();
  await expect(refused.getByTestId('outbox-discard')).toBeEnabled();
  // The first batch went through: applied (shown with the settled ones).
  await page.getByTestId('outbox-all').check();
  await expect(row('applied')).toHaveCount(1);
  await page.getByTestId('outbox-all').uncheck();
  await expect(page.getByTestId('last-sync')).not.toContainText('never');
  await screenshot(page, 'outbox-conflict');
});

test('a refused batch is discarded', async () => {
  const discard = row('rejected').last();
  const seq = await discard.getAttribute('data-testid');
  page.once('dialog', (d) => void d.accept());
  await discard.getByTestId('outbox-discard').click();
  await expect(page.getByTestId(seq!)).toHaveCount(0);
  await expect(row('rejected')).toHaveCount(1);
  await expect(page.getByTestId('conflicts')).toHaveText('Conflicts: 1');
  await page.getByTestId('outbox-all').check();
  await expect(page.getByTestId(seq!)).toHaveAttribute('data-status', 'discarded');
  await page.getByTestId('outbox-all').uncheck();
});

test('a refused batch is prepared again from current data, and that syncs by itself', async () => {
  const refused = row('rejected').first();
  await refused.getByTestId('outbox-reprepare').click();
  await expect(
    page.getByTestId('notice-success').filter({ hasText: 'Prepared again as batch' }),
  ).toBeVisible();
  await expect(page.getByTestId('conflicts')).toHaveText('Conflicts: 0');
  // The new command: one payout (its other affiliate was taken elsewhere), then pushed by itself.
  await page.getByTestId('outbox-all').check();
  await expect(page.getByTestId('outbox-replaced')).toHaveCount(1);
  const applied = row('applied');
  await expect(applied).toHaveCount(2, { timeout: 30_000 });
  await expect(applied.last()).toContainText('1 payout');
  await expect(page.getByTestId('pending')).toHaveText('Pending: 0');
  await expect(page.getByTestId('conflicts')).toHaveText('Conflicts: 0');
});
