/**
 * First run in the page: an empty data dir (as `npm start` opens it on a new machine) offers to
 * create the first super-administrator with demo data; the administrator lands on a working
 * dashboard without any CLI step. The password rules are the router's: a short one is refused in
 * place.
 */
import { expect, test } from '@playwright/test';
import { scenario, screenshot } from './scenario.js';

test('an empty data dir: create the first super-admin with demo data, land on the dashboard', async ({
  browser,
}) => {
  const page = await browser.newPage();
  await page.goto(scenario().fresh.url);
  const form = page.getByTestId('first-run');
  await expect(form).toBeVisible();
  await expect(form).toContainText('no operators yet');
  await screenshot(page, 'first-run');
  await page.getByTestId('first-run-username').fill('ana');
  await page.getByTestId('first-run-password').fill('short');
  await page.getByTestId('first-run-repeat').fill('short');
  await page.getByTestId('first-run-submit').click();
  await expect(form.getByTestId('error')).toContainText('at least 12 characters');
  const password = 'first-run password, long enough';
  await page.getByTestId('first-run-password').fill(password);
  await page.getByTestId('first-run-repeat').fill(password);
  await expect(page.getByTestId('first-run-demo')).toBeChecked();
  await page.getByTestId('first-run-submit').click();
  // Demo data and the commission calculation run with a progress bar, then the dashboard.
  await expect(page.getByTestId('operator')).toContainText('ana', { timeout: 90_000 });
  await expect(page.getByTestId('operator')).toContainText('super_admin');
  // The harness keeps secrets in environment variables, not the OS keychain: the top bar says so.
  await expect(page.getByTestId('credential-store')).toContainText('environment variables');
  await page.getByTestId('nav-payables').click();
  await expect(page.locator('.ag-row').first()).toBeVisible();
  await page.close();
});
