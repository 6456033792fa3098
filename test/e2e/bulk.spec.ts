/**
 * Amount sorting and bulk actions (issue 22; scenario test/e2e/scenarios/bulk.ts: payables in
 * several currencies, a sandbox batch ended with failures):
 *
 * - sorting Payable groups the rows by currency (A to Z) and orders the amounts within each — never
 *   raw minor units interleaved across currencies; the header says "sorted within each currency";
 * - a failed and a succeeded payout of the batch ticked and cancelled at once, with a reason: the
 *   failed one is CANCELLED, the other refused, and the summary says which and why;
 * - the same for a retry: one retried, one refused; the batch is executing again.
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
  // A hundred affiliates (aff-000100 … aff-000199): one block holds them all, in several
  // currencies — the whole program's first block would be of one currency only.
  const searched = page.waitForResponse(
    (r) => r.url().endsWith('/bridge/call') && /aff-0001/.test(r.request().postData() ?? ''),
  );
  await page.getByTestId('payables-search').fill('aff-0001');
  await searched;
  const header = grid.locator('.ag-header-cell[col-id="payableMinor"]');

  for (const dir of ['asc', 'desc'] as const) {
    const answer = page.waitForResponse(
      (r) =>
        r.url().endsWith('/bridge/call') &&
        /"payables.page"/.test(r.request().postData() ?? '') &&
        /aff-0001/.test(r.request().postData() ?? '') &&
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

/** The first row of the batch's payouts grid in this status, and its affiliate. */
async function rowIn(status: string) {
  const row = page
    .getByTestId('batch-payouts-grid')
    .locator('.ag-row')
    .filter({ has: page.locator(`.status[data-status="${status}"]`) })
    .first();
  await expect(row).toBeVisible();
  return { row, who: (await row.locator('[col-id="affiliateId"]').textContent())!.trim() };
}

async function tick(row: ReturnType<Page['locator']>): Promise<void> {
  const box = row.locator('.ag-selection-checkbox input');
  await box.click();
  await expect(box).toBeChecked();
}

test('batch payouts: a failed and a succeeded one ticked and cancelled: one cancelled, one refused with why', async () => {
  const number = scenarioPart<BulkScenario>('bulk').batch;
  await page.getByTestId('nav-batches').click();
  await page.getByTestId('batches-grid').getByText(number).click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute(
    'data-status',
    'COMPLETED_WITH_FAILURES',
  );
  const failed = await rowIn('FAILED');
  const succeeded = await rowIn('SUCCEEDED');
  await tick(failed.row);
  await tick(succeeded.row);
  await expect(page.getByTestId('payout-cancel')).toHaveText('Cancel 2 selected…');
  await page.getByTestId('payout-cancel').click();
  const dialog = page.getByTestId('bulk-dialog');
  await expect(dialog.getByTestId('bulk-summary')).toContainText('Cancels 1 payout: IDR');
  await expect(dialog.getByTestId('bulk-unfit')).toContainText(
    '1 left as they are — paid: only a failed payout',
  );
  await expect(dialog.getByTestId('bulk-cancel-confirm')).toBeDisabled();
  await dialog.getByTestId('bulk-reason').fill('bank account closed (e2e)');
  await dialog.getByTestId('bulk-cancel-confirm').click();
  await expect(page.getByTestId('notice-success')).toContainText(
    `1 cancelled, 1 refused — ${succeeded.who}: paid: only a failed payout`,
  );
  await expect(dialog).toHaveCount(0);
  await expect(
    page
      .getByTestId('batch-payouts-grid')
      .locator('.ag-row')
      .filter({ hasText: failed.who })
      .locator('.status'),
  ).toHaveAttribute('data-status', 'CANCELLED');
});

test('batch payouts: a failed and a succeeded one ticked and retried: one retried, one refused', async () => {
  const failed = await rowIn('FAILED');
  const succeeded = await rowIn('SUCCEEDED');
  await tick(failed.row);
  await tick(succeeded.row);
  await expect(page.getByTestId('payout-retry')).toHaveText('Retry 2 selected…');
  await page.getByTestId('payout-retry').click();
  const dialog = page.getByTestId('bulk-dialog');
  await expect(dialog.getByTestId('bulk-summary')).toContainText('Retries 1 payout: IDR');
  await screenshot(page, 'batch-bulk-retry');
  await dialog.getByTestId('bulk-retry-queue').click();
  await passStepUp();
  await expect(page.getByTestId('notice-success')).toContainText(
    `1 retried, 1 refused — ${succeeded.who}: paid: only a failed payout`,
  );
  // Queued for a new attempt: the batch is executing again, with a retry to send.
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'EXECUTING');
});

test('exception queue: two failed payouts ticked and released at once, with a reason', async () => {
  await page.getByTestId('nav-exceptions').click();
  await page.getByTestId('exceptions-kind').selectOption('failed');
  // The queue lists final failures of batches that have ended; the previous test queued a retry,
  // so the batch executes again for a moment: ask again (Refresh) until it has ended and its
  // remaining failures are back in the queue — at least two (the sandbox fails half, seeded).
  const queued = async () => {
    await page.getByTestId('exceptions-refresh').click();
    const text = (await page.getByTestId('exceptions-total').textContent()) ?? '';
    return Number(/^([\d,]+)/.exec(text)?.[1]?.replace(/,/g, '') ?? '0');
  };
  await expect.poll(queued, { timeout: 60_000, intervals: [1000, 2000] }).toBeGreaterThanOrEqual(2);
  const grid = page.getByTestId('exceptions-grid');
  const affiliate = (i: number) => grid.locator(`.ag-row[row-index="${i}"] [col-id="affiliate"]`);
  await expect(affiliate(1)).toHaveText(/\(aff-\d+\)$/);
  await expect(page.getByTestId('exceptions-bulk-release')).toBeDisabled();
  const who: string[] = [];
  for (const i of [0, 1]) {
    who.push((await affiliate(i).textContent())!);
    const box = grid.locator(`.ag-row[row-index="${i}"] .ag-selection-checkbox input`);
    await box.click();
    await expect(box).toBeChecked();
  }
  await expect(page.getByTestId('exceptions-selected')).toHaveText('2 ticked');
  await page.getByTestId('exceptions-bulk-release').click();
  const dialog = page.getByTestId('bulk-dialog');
  await expect(dialog.getByTestId('bulk-summary')).toContainText('Cancels 2 payouts: IDR');
  await dialog.getByTestId('bulk-reason').fill('given up after the bank refused (e2e)');
  await dialog.getByTestId('bulk-cancel-confirm').click();
  // The previous test's notice may still be up (notices stay six seconds): this one by its words.
  await expect(page.getByTestId('notice-success').filter({ hasText: '2 cancelled' })).toBeVisible();
  for (const w of who) await expect(grid.getByText(w, { exact: true })).toHaveCount(0);
  await expect(page.getByTestId('exceptions-selected')).toHaveText('0 ticked');
});
