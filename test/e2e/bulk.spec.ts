/**
 * Amount sorting and bulk actions (issue 22; scenario test/e2e/scenarios/bulk.ts: payables in
 * several currencies, a sandbox batch ended with failures):
 *
 * - sorting Payable groups the rows by currency (A to Z) and orders the amounts within each — never
 *   raw minor units interleaved across currencies; the header says "sorted within each currency";
 * - two failed payouts of the batch ticked and cancelled at once, with a reason: the summary says
 *   how many, and they are CANCELLED;
 * - two failed payouts ticked in the exception queue and retried at once: they leave the queue.
 */
import { expect, test, type Page } from '@playwright/test';
import type { BulkScenario } from './scenarios/bulk.js';
import { scenario, scenarioPart, screenshot, signIn } from './scenario.js';

test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(scenarioPart<BulkScenario>('bulk').url);
  await signIn(page, 'checker', scenario().password);
});
test.afterAll(async () => {
  await page?.close();
});

/** "IDR 1,234" / "USD 3,035.01" → currency and minor units (the displayed digits, exact). */
function amountOf(text: string): { currency: string; minor: bigint } {
  const m = /^([A-Z]{3})\s+(-?[\d,]+(?:\.\d+)?)$/.exec(text.trim());
  if (!m) throw new Error(`not an amount: ${text}`);
  return { currency: m[1]!, minor: BigInt(m[2]!.replace(/[,.]/g, '')) };
}

function expectGrouped(list: { currency: string; minor: bigint }[], dir: 'asc' | 'desc'): void {
  for (let i = 1; i < list.length; i++) {
    const [a, b] = [list[i - 1]!, list[i]!];
    const at = `row ${i}: ${a.currency} ${a.minor} then ${b.currency} ${b.minor}`;
    if (a.currency !== b.currency) expect(a.currency < b.currency, at).toBe(true);
    else expect(dir === 'asc' ? a.minor <= b.minor : a.minor >= b.minor, at).toBe(true);
  }
}

/** A step-up prompt may appear if the sign-in is older than the step-up window: answered. */
async function passStepUp(): Promise<void> {
  const prompt = page.getByTestId('stepup-password');
  if (await prompt.isVisible({ timeout: 1_500 }).catch(() => false)) {
    await prompt.fill(scenario().password);
    await page.getByTestId('stepup-confirm').click();
  }
}

test('sorting Payable orders within each currency, never across currencies', async () => {
  await page.getByTestId('nav-payables').click();
  const grid = page.getByTestId('payables-grid');
  await expect(grid.locator('.ag-row').first()).toBeVisible();
  const header = grid.locator('.ag-header-cell[col-id="payableMinor"]');

  for (const dir of ['asc', 'desc'] as const) {
    const answer = page.waitForResponse(
      (r) =>
        r.url().endsWith('/bridge/call') &&
        /"payables.page"/.test(r.request().postData() ?? '') &&
        new RegExp(`"field":"payableMinor","dir":"${dir}"`).test(r.request().postData() ?? ''),
    );
    await header.locator('.ag-header-cell-label').click();
    const page1 = (await (await answer).json()) as {
      value: { rows: { currency: string; payableMinor: string }[] };
    };
    const rows = page1.value.rows.map((r) => ({
      currency: r.currency,
      minor: BigInt(r.payableMinor),
    }));
    expect(new Set(rows.map((r) => r.currency)).size).toBeGreaterThan(1);
    expectGrouped(rows, dir);
    // What the grid shows: the currency next to each amount, in the same order.
    await expect(grid.locator('.ag-row[row-index="0"] [col-id="payableMinor"]')).toHaveText(
      /^[A-Z]{3} /,
    );
    const shown: { currency: string; minor: bigint }[] = [];
    for (let i = 0; i < 15; i++) {
      const cell = grid.locator(`.ag-row[row-index="${i}"] [col-id="payableMinor"]`);
      if ((await cell.count()) === 0) break;
      shown.push(amountOf((await cell.textContent()) ?? ''));
    }
    expect(shown.length).toBeGreaterThan(3);
    expectGrouped(shown, dir);
  }
  // The pointer is already on the header (it sorted): away and back, for the tooltip to open.
  await page.mouse.move(0, 0);
  await header.locator('.ag-header-cell-text').hover();
  await expect(page.locator('.ag-tooltip')).toContainText('Sorted within each currency');
  await screenshot(page, 'payables-sorted-within-currency');
});

test('batch payouts: two failed ones ticked and cancelled at once, with a reason', async () => {
  const number = scenarioPart<BulkScenario>('bulk').batch;
  await page.getByTestId('nav-batches').click();
  await page.getByTestId('batches-grid').getByText(number).click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute(
    'data-status',
    'COMPLETED_WITH_FAILURES',
  );
  const grid = page.getByTestId('batch-payouts-grid');
  await expect(grid.locator('.ag-row').first()).toBeVisible();
  await grid.locator('.ag-header-cell[col-id="status"] .ag-header-cell-filter-button').click();
  await page.getByRole('radio', { name: 'failed' }).check();
  await page.keyboard.press('Escape');
  const row = (i: number) => grid.locator(`.ag-row[row-index="${i}"]`);
  await expect(row(0).locator('[col-id="status"] .status')).toHaveAttribute(
    'data-status',
    'FAILED',
  );
  const who = [
    (await row(0).locator('[col-id="affiliateId"]').textContent())!.trim(),
    (await row(1).locator('[col-id="affiliateId"]').textContent())!.trim(),
  ];
  for (const i of [0, 1]) {
    const box = row(i).locator('.ag-selection-checkbox input');
    await box.click();
    await expect(box).toBeChecked();
  }
  await expect(page.getByTestId('payout-cancel')).toHaveText('Cancel 2 selected…');
  await page.getByTestId('payout-cancel').click();
  const dialog = page.getByTestId('bulk-dialog');
  await expect(dialog.getByTestId('bulk-summary')).toContainText('Cancels 2 payouts: IDR');
  await expect(dialog.getByTestId('bulk-cancel-confirm')).toBeDisabled();
  await dialog.getByTestId('bulk-reason').fill('bank accounts closed (e2e)');
  await dialog.getByTestId('bulk-cancel-confirm').click();
  await expect(page.getByTestId('notice-success')).toContainText('2 cancelled');
  await expect(dialog).toHaveCount(0);
  // Filtered by FAILED, the two have left the grid.
  for (const id of who)
    await expect(grid.locator('[col-id="affiliateId"]').getByText(id, { exact: true })).toHaveCount(
      0,
    );
});

test('exception queue: two failed payouts ticked and retried at once', async () => {
  await page.getByTestId('nav-exceptions').click();
  await page.getByTestId('exceptions-kind').selectOption('failed');
  const grid = page.getByTestId('exceptions-grid');
  const row = (i: number) => grid.locator(`.ag-row[row-index="${i}"]`).first();
  await expect(grid.locator('.ag-row[row-index="1"] [col-id="affiliate"]')).toHaveText(/\(.+\)$/);
  await expect(page.getByTestId('exceptions-bulk-retry')).toBeDisabled();
  const who: string[] = [];
  for (const i of [0, 1]) {
    who.push((await grid.locator(`.ag-row[row-index="${i}"] [col-id="affiliate"]`).textContent())!);
    const box = row(i).locator('.ag-selection-checkbox input');
    await box.click();
    await expect(box).toBeChecked();
  }
  await expect(page.getByTestId('exceptions-selected')).toHaveText('2 ticked');
  await page.getByTestId('exceptions-bulk-retry').click();
  const dialog = page.getByTestId('bulk-dialog');
  await expect(dialog.getByTestId('bulk-summary')).toContainText('Retries 2 payouts: IDR');
  await screenshot(page, 'exceptions-bulk-retry');
  await dialog.getByTestId('bulk-retry-queue').click();
  await passStepUp();
  await expect(page.getByTestId('notice-success')).toContainText('2 retried');
  for (const w of who) await expect(grid.getByText(w, { exact: true })).toHaveCount(0);
});
