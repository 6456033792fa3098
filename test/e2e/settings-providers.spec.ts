/**
 * The providers setting in Settings (scenario: test/e2e/scenarios/outbox.ts, a second browser):
 * an administrator edits the sandbox's failure rate; a value that is not a share of payouts is
 * refused under its field, in words; a good one is saved, and the form says who changed it and
 * when.
 */
import { expect, test, type Page } from '@playwright/test';
import type { OutboxScenario } from './scenarios/outbox.js';
import { scenario, scenarioPart, screenshot, signIn, signOut } from './scenario.js';

test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  const part = scenarioPart<OutboxScenario>('outbox');
  // The central store answers again once outbox.spec has restored it (the sign-in page says so).
  page = await browser.newPage();
  await page.goto(part.settingsUrl);
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('signin')).not.toContainText('Offline', { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
});
test.afterAll(async () => {
  await page?.close();
});

test('the sandbox failure rate: refused in words when wrong, saved with who and when', async () => {
  await signIn(page, 'checker', scenario().password);
  await page.getByTestId('nav-settings').click();
  const form = page.getByTestId('settings-providers');
  await expect(form.getByTestId('provider-settings-rise')).toContainText('Team ID');
  await expect(form.getByTestId('providers-updated')).toContainText('Never changed');
  const rate = form.getByTestId('provider-sandbox-failureRate');

  await rate.fill('1.5');
  await form.getByTestId('providers-save').click();
  await expect(form.getByTestId('provider-sandbox-failureRate-error')).toHaveText(
    'the failure rate is a share of payouts between 0 and 1 (0.05 is 5%)',
  );
  await expect(rate).toHaveAttribute('aria-invalid', 'true');

  await rate.fill('0.05');
  await form.getByTestId('provider-sandbox-seed').fill('7');
  await form.getByTestId('provider-rise-teamId').fill('team-e2e');
  await form.getByTestId('providers-save').click();
  await expect(form.getByTestId('provider-sandbox-failureRate-error')).toHaveCount(0);
  await expect(form.getByTestId('providers-updated')).toContainText(/Last changed .* by checker/);
  await expect(rate).toHaveValue('0.05');
  await expect(form.getByTestId('providers-save')).toBeDisabled();
  await form.scrollIntoViewIfNeeded();
  await screenshot(page, 'settings-providers');
  await signOut(page);
});
