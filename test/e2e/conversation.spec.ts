/**
 * Maker and checker talk through the batch, in Chromium through the browser host: the maker
 * previews, leaves two affiliates out (each with a reason), sees before creating that the batch
 * will need two approvals and which payouts make it high-value, creates it with a note and submits
 * it; the checker finds it awaiting their approval (dashboard and Batches), reads the note and both
 * exclusions (reason, who), and rejects it with a reason; the maker sees who, when and why on the
 * batch, submits it again, and the rejection banner is gone.
 */
import { expect, test, type Page } from '@playwright/test';
import { scenario, scenarioPart, screenshot, signIn, signOut } from './scenario.js';
import type { ConversationScenario } from './scenarios/conversation.js';

test.describe.configure({ mode: 'serial' });

const NOTE = 'November run: two affiliates paid by hand';
const REASONS = ['paid by hand on the 3rd', 'conversions under dispute'] as const;
const REJECTION = 'Pay the disputed one: the dispute was settled yesterday';

let page: Page;
let batchNumber = '';
const cast = () => scenarioPart<ConversationScenario>('conversation');

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(cast().url);
});
test.afterAll(async () => page?.close());

/** The preview grid's row of one affiliate, found through the builder's search. */
async function previewRow(id: string) {
  await page.getByTestId('builder-search').fill(id);
  // The search reloads the grid's rows (debounced): act on the row once it is the only one shown.
  await expect(page.getByTestId('builder-shown')).toHaveText('1 shown');
  const row = page.getByTestId('builder-preview-grid').locator(`.ag-row[row-id="${id}"]`);
  await expect(row).toBeVisible();
  return row;
}

test('the maker leaves two out with reasons, sees the approvals needed, creates with a note and submits', async () => {
  const { leaveOut, highValue } = cast();
  await signIn(page, 'maker', scenario().password);
  await page.getByTestId('nav-builder').click();
  await page.getByTestId('builder-provider').selectOption('xendit');
  await page.getByTestId('builder-currency').selectOption('IDR');
  await page.getByTestId('builder-preview').click();
  await expect(page.getByTestId('builder-preview-grid').locator('.ag-row').first()).toBeVisible();

  // Before creation: two approvals, and which payouts make it so (marked, and listed on their own).
  await expect(page.getByTestId('builder-approvals-needed')).toHaveText('2 approvals');
  await expect(page.getByTestId('builder-approvals')).toContainText(highValue[0]!);
  await page.getByTestId('builder-show').selectOption('highValue');
  await expect(page.getByTestId('builder-shown')).toHaveText(`${highValue.length} shown`);
  // Marked rows (the "high value" cell itself may be scrolled out of view, far right).
  const marked = page.getByTestId('builder-preview-grid').locator('.ag-row.high-value-row');
  await expect
    .poll(() =>
      marked.evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute('row-id')))].sort()),
    )
    .toEqual([...highValue].sort());
  await page.getByTestId('builder-show').selectOption('all');

  // Leaving an affiliate out asks why: create waits for both reasons.
  for (const id of leaveOut) {
    // A click, then the tick as the grid redraws it (the cell follows the builder's list).
    const include = (await previewRow(id)).getByTestId('builder-include');
    await include.click();
    await expect(include).not.toBeChecked();
  }
  await expect(page.getByTestId('builder-create')).toBeDisabled();
  for (const [i, id] of leaveOut.entries())
    await page
      .locator(`[data-testid="builder-left-out-reason"][data-affiliate="${id}"]`)
      .fill(REASONS[i]!);
  await expect(page.getByTestId('builder-create')).toBeEnabled();
  await page.getByTestId('builder-search').fill('');
  await page.getByTestId('builder-note').fill(NOTE);
  await screenshot(page, 'builder-approvals');

  await page.getByTestId('builder-create').click();
  await expect(page.getByTestId('view-batch').locator('h1')).toHaveText(/^Batch B-/);
  batchNumber = ((await page.getByTestId('view-batch').locator('h1').textContent()) ?? '')
    .replace(/^Batch\s+/, '')
    .trim();
  expect(batchNumber).toMatch(/^B-\d{8}-\d{3}$/);
  await expect(page.getByTestId('batch-note')).toHaveText(NOTE);
  await expect(page.getByTestId('batch-left-out-row')).toHaveCount(2);
  await page.getByTestId('batch-submit').click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'SUBMITTED');
  await signOut(page);
});

test('the checker finds it awaiting their approval, reads the note and the exclusions, and rejects it', async () => {
  const { leaveOut } = cast();
  await signIn(page, 'checker', scenario().password);
  await page.getByTestId('nav-dashboard').click();
  const inbox = page.getByTestId('dash-awaiting');
  await expect(
    inbox.getByTestId('dash-awaiting-row').filter({ hasText: batchNumber }),
  ).toBeVisible();
  await expect(inbox).toContainText(NOTE);
  await screenshot(page, 'approvals-inbox');

  await page.getByTestId('nav-batches').click();
  await page.getByTestId('batches-tab-awaiting').click();
  const grid = page.getByTestId('batches-grid');
  await expect(grid.locator('.ag-row')).toHaveCount(1);
  await expect(grid).toContainText(NOTE);
  await grid.getByText(batchNumber).click();

  await expect(page.getByTestId('batch-note')).toHaveText(NOTE);
  for (const [i, id] of leaveOut.entries()) {
    const row = page.locator(`[data-testid="batch-left-out-row"][data-affiliate="${id}"]`);
    await expect(row.getByTestId('batch-left-out-reason')).toHaveText(REASONS[i]!);
    await expect(row).toContainText('maker');
    await expect(row).toContainText(/IDR [\d,]+\.\d{2}/);
  }
  await page.getByTestId('batch-reject').click();
  await page.getByTestId('reject-dialog-text').fill(REJECTION);
  await page.getByTestId('reject-dialog-confirm').click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'DRAFT');
  await expect(page.getByTestId('batch-rejection-by')).toHaveText('checker');
  await signOut(page);
});

test('the maker sees who rejected it, when and why; resubmitting clears the banner', async () => {
  await signIn(page, 'maker', scenario().password);
  await page.getByTestId('nav-batches').click();
  await page.getByTestId('batches-grid').getByText(batchNumber).click();
  const banner = page.getByTestId('batch-rejection');
  await expect(banner).toBeVisible();
  await expect(page.getByTestId('batch-rejection-by')).toHaveText('checker');
  await expect(page.getByTestId('batch-rejection-reason')).toHaveText(REJECTION);
  await expect(banner).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
  await screenshot(page, 'batch-conversation');
  await page.getByTestId('batch-submit').click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'SUBMITTED');
  await expect(banner).toBeHidden();
  await signOut(page);
});
