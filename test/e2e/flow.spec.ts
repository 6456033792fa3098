/**
 * The working day, end to end in Chromium through the browser host: a maker previews and creates a
 * batch and submits it; a second operator approves it (maker-checker), executes it against the fake
 * Xendit server and watches its progress to completion; reconciliation runs; the batch's payout
 * items are exported as CSV through the download the host offers, and its rows are checked; from
 * the Reports view the journal and the reconciled payouts are exported and tie. Then a screenshot
 * of each main view with this real demo data.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import Papa from 'papaparse';
import { parseAmount } from '../../src/core/shared/money/money.js';
import { scenario, screenshot, signIn, signOut } from './scenario.js';

test.describe.configure({ mode: 'serial' });

let page: Page;
let batchNumber = '';

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(scenario().flow.url);
});
test.afterAll(async () => page?.close());

test('a maker previews, creates and submits a batch', async () => {
  const { password } = scenario();
  // The sign-in screen once the host has said where the central store is (for the user guide).
  await expect(page.getByTestId('signin')).toContainText('Central store');
  await screenshot(page, 'sign-in');
  await signIn(page, 'maker', password);
  await page.getByTestId('nav-builder').click();
  // Recalculating runs as a job: the jobs panel opens and follows it to its end, with the summary.
  await page.getByTestId('builder-calc').click();
  const calcJob = page.getByTestId('jobs-panel').getByTestId('job').first();
  await expect(calcJob).toHaveAttribute('data-job', 'commissions.calculate');
  await expect(calcJob).toHaveAttribute('data-state', 'succeeded', { timeout: 60_000 });
  await expect(calcJob.getByTestId('job-result')).toContainText(
    /Commissions calculated: [\d,]+ conversions/,
  );
  await expect(page.getByTestId('builder-calc')).toBeEnabled();
  await page.getByRole('button', { name: 'Close the jobs panel' }).click();
  await page.getByTestId('builder-provider').selectOption('xendit');
  await page.getByTestId('builder-currency').selectOption('IDR');
  await page.getByTestId('builder-preview').click();
  const preview = page.getByTestId('builder-preview-grid');
  await expect(preview.locator('.ag-row').first()).toBeVisible();
  await screenshot(page, 'builder');
  await page.getByTestId('builder-create').click();
  await expect(page.getByTestId('view-batch')).toBeVisible();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'DRAFT');
  batchNumber = ((await page.getByTestId('view-batch').locator('h1').textContent()) ?? '')
    .replace(/^Batch\s+/, '')
    .trim();
  expect(batchNumber).toMatch(/^B-\d{8}-\d{3}$/);
  await expect(page.getByTestId('content-hash')).toHaveText(/[0-9a-f]{64}/);
  // The maker cannot approve their own batch: the button says why.
  await page.getByTestId('batch-submit').click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'SUBMITTED');
  await expect(page.getByTestId('batch-approve')).toBeDisabled();
  await expect(page.getByTestId('batch-approve-reason')).not.toBeEmpty();
  await screenshot(page, 'batch-submitted');
  await signOut(page);
});

test('a second operator approves, executes against the fake provider and watches it complete', async () => {
  const { password } = scenario();
  await signIn(page, 'checker', password);
  await page.getByTestId('nav-batches').click();
  await page.getByTestId('batches-grid').getByText(batchNumber).click();
  await expect(page.getByTestId('view-batch')).toBeVisible();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'SUBMITTED');
  await screenshot(page, 'batch-to-approve');
  // The checker signed in seconds ago: the sign-in counts as the password confirmation that approve
  // and execute need (step-up, 5 minutes), so no prompt appears; test/domain/operators/step-up.test.ts covers it.
  await page.getByTestId('batch-approve').click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'APPROVED');
  await expect(page.getByTestId('batch-approvals')).toContainText('checker');
  // Listen to the progress stream as the console does (window.treasury.onProgress, a WebSocket
  // here).
  await page.evaluate(() => {
    const w = window as unknown as {
      seen: { name: string; phase: string; done: number; total?: number }[];
    };
    w.seen = [];
    window.treasury.onProgress((e) => w.seen.push(e));
  });
  await page.getByTestId('batch-execute').click();
  await expect(page.getByTestId('execute-dialog')).toBeVisible();
  await screenshot(page, 'batch-execute-confirm');
  await page.getByTestId('execute-confirm').click();
  await expect(page.getByTestId('execution-progress')).toBeVisible();
  // Whatever the execution has reached by now (a small batch may already be done).
  await screenshot(page, 'batch-executing');
  await expect(page.getByTestId('batch-status')).toHaveAttribute(
    'data-status',
    /^(COMPLETED|COMPLETED_WITH_FAILURES)$/,
    { timeout: 120_000 },
  );
  await expect(page.getByTestId('execution-progress')).toHaveAttribute('aria-valuenow', '100');
  // Progress arrived live while the execution ran, not only its end state.
  const seen = await page.evaluate(
    () => (window as unknown as { seen: { name: string; done: number }[] }).seen,
  );
  expect(seen.filter((e) => e.name === 'batch.execute').length).toBeGreaterThan(0);
  await screenshot(page, 'batch-detail');
});

test('reconciliation runs and the reconciled payout items export as CSV with every row', async () => {
  await page.getByTestId('nav-reconciliation').click();
  await page.getByTestId('recon-provider').selectOption('xendit');
  await page.getByTestId('recon-run').click();
  // Every payout of the batch is matched with the provider's record.
  await expect(page.getByTestId('recon-runs-grid').locator('.ag-row').first()).toContainText(
    /matched/i,
  );
  await screenshot(page, 'reconciliation');

  await page.getByTestId('nav-batches').click();
  await page.getByTestId('batches-grid').getByText(batchNumber).click();
  const shownPayouts = Number(
    /^[\d,]+/
      .exec((await page.getByTestId('batch-payout-count').textContent())!.trim())![0]
      .replace(/,/g, ''),
  );
  const shownTotal = (await page
    .getByTestId('batch-totals')
    .locator('tbody tr')
    .first()
    .locator('td')
    .last()
    .textContent())!.trim();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('batch-export').click(),
  ]);
  expect(download.suggestedFilename()).toContain(batchNumber);
  const text = readFileSync((await download.path())!, 'utf8');
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  expect(parsed.data.length).toBeGreaterThan(0);
  const payouts = new Map<string, { amount: bigint; payout: bigint }>();
  for (const row of parsed.data) {
    expect(row.batch_number).toBe(batchNumber);
    expect(row.currency).toBe('IDR');
    expect(row.payout_status).toMatch(/^(SUCCEEDED|FAILED)$/);
    if (row.payout_status === 'SUCCEEDED') expect(row.provider_reference).not.toBe('');
    // Amounts are exact decimals in the currency's unit: parsed exactly, the items of a payout add
    // up to it.
    const p = payouts.get(row.payout_id!) ?? {
      amount: 0n,
      payout: parseAmount(row.payout_amount!, row.payout_currency!, { allowNegative: true }),
    };
    p.amount += parseAmount(row.amount!, row.currency!, { allowNegative: true }); // adjustments are negative
    payouts.set(row.payout_id!, p);
  }
  for (const [id, p] of payouts) expect(p.amount, `payout ${id}`).toBe(p.payout);
  // And the file ties to the batch as the console showed it: every payout, the same total.
  expect(payouts.size).toBe(shownPayouts);
  const total = [...payouts.values()].reduce((sum, p) => sum + p.payout, 0n);
  expect(total).toBe(parseAmount(shownTotal.replace(/^IDR\s*/, '').replace(/,/g, ''), 'IDR'));
});

test('from Reports: the journal export balances and ties to the payouts export; the journal card says so', async () => {
  await page.getByTestId('nav-reports').click();
  await expect(page.getByTestId('view-reports')).toBeVisible();
  await page.getByTestId('report-currency').selectOption('IDR');
  await expect(page.getByTestId('report-journal-status')).toHaveText(
    /every entry balances; every tie-out holds/,
  );
  await page.getByTestId('report-journal').scrollIntoViewIfNeeded();
  await screenshot(page, 'reports-journal');
  const download = async (which: string, format: string): Promise<Record<string, string>[]> => {
    await page.getByTestId('report-export-which').selectOption(which);
    await page.getByTestId('report-export-format').selectOption(format);
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('report-export').click(),
    ]);
    const bytes = readFileSync((await file.path())!);
    expect([...bytes.subarray(0, 3)], 'a BOM for spreadsheets (the default)').toEqual([
      0xef, 0xbb, 0xbf,
    ]);
    const parsed = Papa.parse<Record<string, string>>(bytes.toString('utf8').slice(1), {
      header: true,
      skipEmptyLines: true,
    });
    expect(parsed.errors).toEqual([]);
    return parsed.data;
  };
  const journal = await download('export.journal', 'csv');
  const net = new Map<string, bigint>();
  for (const l of journal) {
    const key = `${l.entry_id}|${l.currency}`;
    net.set(
      key,
      (net.get(key) ?? 0n) +
        (l.debit ? parseAmount(l.debit, l.currency!) : -parseAmount(l.credit!, l.currency!)),
    );
  }
  expect(net.size).toBeGreaterThan(0);
  for (const [key, v] of net) expect(v, key).toBe(0n);
  const payouts = await download('export.payouts', 'csv');
  const perCurrency = (
    list: Record<string, string>[],
    value: (r: Record<string, string>) => string,
  ) => {
    const m: Record<string, bigint> = {};
    for (const r of list)
      m[r.currency!] = (m[r.currency!] ?? 0n) + parseAmount(value(r), r.currency!);
    return m;
  };
  const paid = perCurrency(
    payouts.filter((p) => p.status === 'SUCCEEDED' || p.status === 'REVERSED'),
    (p) => p.amount!,
  );
  const cashOut = perCurrency(
    journal.filter((l) => l.entry_type === 'payout' && l.account_code!.startsWith('110')),
    (l) => l.credit!,
  );
  expect(paid.IDR).toBeGreaterThan(0n);
  expect(cashOut).toEqual(paid);
  expect(
    payouts.some((p) => p.batch_number === batchNumber && p.reconciliation_status === 'matched'),
  ).toBe(true);
});

test('each main view, with real demo data, at 1440×900', async () => {
  const views = [
    'dashboard',
    'payables',
    'batches',
    'payouts',
    'reports',
    'audit',
    'security',
    'operators',
    'settings',
  ] as const;
  for (const v of views) {
    await page.getByTestId(`nav-${v}`).click();
    await expect(page.getByTestId(`view-${v}`)).toBeVisible();
    // Let grids and charts load their first page.
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(500);
    await screenshot(page, v);
  }
  // A row of the payables grid opens the affiliate's drawer (for the user guide).
  await page.getByTestId('nav-payables').click();
  await page.getByTestId('payables-grid').locator('.ag-row').first().click();
  await expect(page.getByTestId('affiliate-facts')).toBeVisible();
  await page.waitForLoadState('networkidle');
  await screenshot(page, 'payables-drawer');
});
