/**
 * Readable reports (issue 22, item 2), in Chromium through the browser host, on the reports
 * scenario (a demo, and one batch paid through the sandbox today, some payouts failing):
 * the time series has a value axis titled with the currency and round ticks formatted as money,
 * its labels are not cut at the chart's edge, and its partial periods (the range starts on a
 * Wednesday; the current week is still running) are marked; the trial balance has a totals row per
 * currency equal to the sum of its rows (exact decimals read from the page); the providers' success
 * rates and their axis show "%", and their table totals per currency.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { parseAmount } from '../../src/core/shared/money/money.js';
import { scenarioPart, screenshot, signIn } from './scenario.js';
import type { ReportsScenario } from './scenarios/reports.js';

test.describe.configure({ mode: 'serial' });

let page: Page;
const part = () => scenarioPart<ReportsScenario>('reports');
const PASSWORD = 'e2e password, long enough 1';
/** The executed batch's currency (IDR when the sandbox pays some; all of them have two decimals). */
const cur = () => part().currency;

/** "IDR 1,234.56" (or "-IDR 1,234.56") → exact minor units. */
function minor(text: string, currency: string): bigint {
  const t = text.trim();
  const negative = t.startsWith('-');
  const digits = t.replace(/^-/, '').replace(`${currency} `, '').replace(/,/g, '');
  expect(digits, `an amount in ${currency}: "${t}"`).toMatch(/^\d+(\.\d+)?$/);
  const v = parseAmount(digits, currency);
  return negative ? -v : v;
}

async function cells(row: Locator): Promise<string[]> {
  return row.locator('th, td').allInnerTexts();
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(part().url);
  await signIn(page, 'checker', PASSWORD);
  await page.getByTestId('nav-reports').click();
  await expect(page.getByTestId('view-reports')).toBeVisible();
  await page.getByTestId('report-currency').selectOption(cur());
  await page.getByTestId('report-granularity-week').click();
  // A Wednesday: the first week (from Monday 3 August) is cut by the range.
  await page.getByTestId('report-from').fill('2026-08-05');
});
test.afterAll(async () => page?.close());

test('the time series: a money axis with its unit, no label cut at the edge, partial periods marked', async () => {
  const chart = page.getByTestId('report-timeseries-chart');
  await expect(chart).toHaveAttribute('data-axis-unit', cur());
  await expect(chart).toHaveAttribute(
    'aria-label',
    new RegExp(`values in ${cur()}, from ${cur()} 0\\.00 to ${cur()} [\\d,]+\\.00$`),
  );
  const ticks = ((await chart.getAttribute('data-axis-ticks')) ?? '').split('|');
  expect(ticks.length).toBeGreaterThanOrEqual(3);
  expect(ticks[0]).toBe(`${cur()} 0.00`);
  for (const t of ticks) expect(t).toMatch(new RegExp(`^${cur()} \\d{1,3}(,\\d{3})*\\.00$`));
  // Round, evenly spaced steps of 1, 2 or 5 × 10^k (exact, from the labels).
  const values = ticks.map((t) => minor(t, cur()));
  const step = values[1]! - values[0]!;
  expect(String(step)).toMatch(/^[125]0*$/);
  values.forEach((v, i) => expect(v).toBe(step * BigInt(i)));

  // Partial periods: the cut first week and the week still running, named under the chart.
  const note = page.getByTestId('report-timeseries-partial');
  await expect(note).toContainText('partial period');
  await expect(note).toContainText('2026-08-03');
  const monday = new Date();
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  await expect(note).toContainText(monday.toISOString().slice(0, 10));

  // Drawn: the canvas lies inside the chart's box, and nothing drawn touches its left or right
  // edge (a clipped first x label would reach column 0).
  const canvas = chart.locator('canvas').first();
  await expect(canvas).toBeVisible();
  const [box, drawn] = [await chart.boundingBox(), await canvas.boundingBox()];
  expect(drawn!.x).toBeGreaterThanOrEqual(box!.x - 0.5);
  expect(drawn!.x + drawn!.width).toBeLessThanOrEqual(box!.x + box!.width + 0.5);
  await expect
    .poll(
      () =>
        canvas.evaluate((c: HTMLCanvasElement) => {
          const ctx = c.getContext('2d')!;
          const inked = (x: number) => {
            const col = ctx.getImageData(x, 0, 1, c.height).data;
            for (let i = 3; i < col.length; i += 4) if (col[i]! > 0) return true;
            return false;
          };
          // Something is drawn (labels, lines), and nothing at the very edges.
          let any = false;
          for (let x = 0; x < c.width && !any; x += 7) any = inked(x);
          return {
            any,
            left: inked(0) || inked(1),
            right: inked(c.width - 1) || inked(c.width - 2),
          };
        }),
      { timeout: 10_000 },
    )
    .toEqual({ any: true, left: false, right: false });
  await page.getByTestId('report-timeseries').scrollIntoViewIfNeeded();
  await screenshot(page, 'reports-timeseries');
});

test('the trial balance has a totals row per currency equal to the sum of its rows', async () => {
  const table = page.getByTestId('report-journal-accounts');
  await expect(table.locator('tbody tr').first()).not.toContainText('Loading');
  const rows = await table.locator('tbody tr').all();
  expect(rows.length).toBeGreaterThan(1);
  const sum = [0n, 0n, 0n];
  for (const r of rows) {
    const [, , debit, credit, balance] = await cells(r);
    [debit, credit, balance].forEach((v, i) => (sum[i] = sum[i]! + minor(v!, cur())));
  }
  const total = table.locator(`tfoot tr.totals[data-currency="${cur()}"]`);
  await expect(total).toHaveCount(1);
  const [label, debit, credit, balance] = await cells(total);
  expect(label).toBe(`Total ${cur()}`);
  expect([debit, credit, balance].map((v) => minor(v!, cur()))).toEqual(sum);
  // The journal balances: the debits equal the credits.
  expect(sum[0]).toBe(sum[1]);
  expect(sum[0]).toBeGreaterThan(0n);
  await page.getByTestId('report-journal').scrollIntoViewIfNeeded();
  await screenshot(page, 'reports-trial-balance');
});

test('success rates show %: the providers table, its totals and the chart axis', async () => {
  const table = page.getByTestId('report-providers-table');
  const idr = table.locator('tbody tr', { hasText: cur() }).first();
  await expect(idr).toBeVisible();
  const row = await cells(idr);
  expect(row[10]).toMatch(/^\d{1,3}\.\d %$/);
  // The rate is the row's counts' (succeeded, reversed included, out of settled), one decimal
  // rounded half up, computed here in integers.
  const [succeeded, failed, reversed] = [row[3], row[4], row[7]].map((c) =>
    BigInt(c!.replace(/,/g, '')),
  );
  const settled = succeeded! + reversed! + failed!;
  const tenths = ((succeeded! + reversed!) * 2000n + settled) / (2n * settled);
  expect(row[10]).toBe(`${tenths / 10n}.${tenths % 10n} %`);
  const totals = table.locator(`tfoot tr.totals[data-currency="${cur()}"]`);
  const t = await cells(totals);
  expect(t[0]).toBe('Total');
  expect(t[10]).toMatch(/^\d{1,3}\.\d %$/);
  // The totals row's counts are the rows' sums.
  const all = await table.locator('tbody tr').all();
  let payouts = 0;
  for (const r of all) {
    const c = await cells(r);
    if (c[1] === cur()) payouts += Number(c[2]!.replace(/,/g, ''));
  }
  expect(Number(t[2]!.replace(/,/g, ''))).toBe(payouts);
  const chart = page.getByTestId('report-providers-chart');
  await expect(chart).toHaveAttribute('data-axis-unit', '%');
  await expect(chart).toHaveAttribute('data-axis-ticks', '0 %|20 %|40 %|60 %|80 %|100 %');
  await page.getByTestId('report-providers').scrollIntoViewIfNeeded();
  await screenshot(page, 'reports-providers');
});

test('the dashboard: batches counted on a whole-number axis; provider balances totalled per currency', async () => {
  await page.getByTestId('nav-dashboard').click();
  const chart = page.getByTestId('dash-batches-chart');
  await expect(chart).toHaveAttribute('data-axis-unit', 'batches');
  const ticks = ((await chart.getAttribute('data-axis-ticks')) ?? '').split('|');
  expect(ticks[0]).toBe('0');
  for (const t of ticks) expect(t).toMatch(/^\d{1,3}(,\d{3})*$/);
  // The sandbox's balance is unlimited: the total says it is not known rather than a sum.
  await expect(page.getByTestId(`balance-total-${cur()}`)).toContainText('Total');
});
