/**
 * Words for people (scenario: test/e2e/scenarios/words.ts): statuses in plain words in a grid with
 * the router's value on hover; a refused action names the permission in words, not its key; a
 * threshold typed as the page displays it ("15,000,000") is accepted; the rules form edits a rate
 * as a percentage and the new version shows today's effective date (the first "from the start",
 * not 1970-01-01); broken JSON is told with its line and column.
 */
import { expect, test, type Page } from '@playwright/test';
import type { WordsScenario } from './scenarios/words.js';
import { scenario, scenarioPart, screenshot, signIn, signOut } from './scenario.js';

test.describe.configure({ mode: 'serial' });

let page: Page;
let part: WordsScenario;

test.beforeAll(async ({ browser }) => {
  part = scenarioPart<WordsScenario>('words');
  page = await browser.newPage();
  await page.goto(part.url);
});
test.afterAll(async () => {
  await page?.close();
});

test('the sign-in screen speaks to console users, not CLI users', async () => {
  await expect(page.getByTestId('signin-hint')).toHaveText(
    'Sign in with your operator name and password.',
  );
  await expect(page.getByTestId('signin')).not.toContainText('treasury login');
});

test('a refused action names the permission in words, with the role', async () => {
  await signIn(page, 'viewer', scenario().password);
  const nav = page.getByTestId('nav-import');
  await expect(nav).toBeDisabled();
  await expect(nav).toHaveAttribute(
    'title',
    'you need permission to calculate commissions (your role: Viewer)',
  );
  // The key is shown only in the permission matrix, next to its words.
  await page.getByTestId('nav-operators').click();
  await expect(page.getByTestId('permission-commissions.calculate')).toHaveText(
    'calculate commissions commissions.calculate',
  );
  await signOut(page);
});

test('statuses in plain words in the batches grid, the router’s value on hover', async () => {
  await signIn(page, 'checker', scenario().password);
  await page.getByTestId('nav-batches').click();
  const pill = page.locator('.ag-row').filter({ hasText: part.submitted }).locator('.status.pill');
  await expect(pill).toHaveText('Awaiting approval');
  await expect(pill).toHaveAttribute('data-status', 'SUBMITTED');
  await expect(pill).toHaveAttribute('title', 'Status: SUBMITTED');
  await expect(page.getByTestId('batches-status').locator('option[value="SUBMITTED"]')).toHaveText(
    'Awaiting approval',
  );
});

test('a threshold typed as the page displays it is accepted, exactly', async () => {
  await page.getByTestId('nav-settings').click();
  const card = page.getByTestId('settings-thresholds');
  const idr = card.getByTestId('threshold-IDR');
  await idr.fill('15,000,000');
  await expect(card.locator('.field-error')).toHaveCount(0);
  await card.getByTestId('thresholds-save').click();
  await expect(idr).toHaveValue('15000000.00');
  await expect(card.locator('tr').filter({ has: page.getByTestId('threshold-IDR') })).toContainText(
    'IDR 15,000,000.00',
  );
  await idr.fill('15,00');
  await expect(card).toContainText('comma used as the decimal mark');
  await expect(card.getByTestId('thresholds-save')).toBeDisabled();
});

test('the rules form: a rate as a percentage, saved as a version effective today', async () => {
  const rules = page.getByTestId('settings-rules');
  await expect(rules.getByTestId('rules-version-1')).toHaveText(
    'Version 1: effective from the start (all earlier conversions) — in force now',
  );
  const rate = rules.getByTestId('rules-rate');
  await expect(rate).toHaveValue('10');
  await rate.fill('12.5');
  await rules.getByTestId('rules-save').click();
  const today = new Date().toISOString().slice(0, 10);
  await expect(rules.getByTestId('rules-version-2')).toContainText(`Version 2: effective ${today}`);
  await expect(rules.getByTestId('rules-versions')).not.toContainText('1970');
  await rules.scrollIntoViewIfNeeded();
  await screenshot(page, 'rules-form');
  await expect(rate).toHaveValue('12.5');
  await rules.getByTestId('rules-tab-json').click();
  await expect(rules.getByTestId('rules-editor')).toHaveValue(/"percentBps": 1250,/);
});

test('broken JSON is told with its line and column; the form waits for it', async () => {
  const rules = page.getByTestId('settings-rules');
  const editor = rules.getByTestId('rules-editor');
  await editor.fill('{\n  "holdDays": 30\n  "percentBps": 1000\n}');
  await expect(rules.getByTestId('rules-json-error')).toContainText(
    "line 3, column 3: expected ',' or '}' after property value",
  );
  await screenshot(page, 'rules-json-error');
  await expect(rules.getByTestId('rules-save')).toBeDisabled();
  await rules.getByTestId('rules-tab-form').click();
  await expect(rules.getByTestId('rules-form-unavailable')).toBeVisible();
  // A schema problem names the field in words.
  await rules.getByTestId('rules-tab-json').click();
  await rules.getByTestId('rules-revert').click();
  await expect(rules.getByTestId('rules-json-error')).toHaveCount(0);
  const good = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
  await editor.fill(JSON.stringify({ ...good, holdDays: 'thirty' }, null, 2));
  await rules.getByTestId('rules-save').click();
  await expect(rules.getByTestId('rules-problems')).toContainText(
    'Hold days must be a number — it was text',
  );
});
