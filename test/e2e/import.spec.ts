/**
 * Importing affiliates and conversions from the console (the Import view), end to end in Chromium
 * through the browser host: the operator picks a CSV in the browser's file picker, the host checks
 * it without storing anything, and the view shows every problem with its line and field (a bad
 * file: nothing stored, nothing importable) or the preview — counts against the store and exact
 * per-currency totals — and then imports it with its progress shown and the stored counts at the
 * end. A viewer finds the view disabled with the reason.
 *
 * What is stored is read back through the store itself: an affiliate from a bad file's good line is
 * not found (affiliate.detail through window.treasury), a conversion id from a bad file's good line
 * is still "new" when the good file is checked, and checking the good file again after its import
 * finds every line "unchanged".
 */
import { expect, test, type Page } from '@playwright/test';
import { scenario, scenarioPart, screenshot, signIn, signOut } from './scenario.js';

test.describe.configure({ mode: 'serial' });

const PASSWORD = () => scenario().password;
const part = () => scenarioPart<{ url: string }>('imports');

const AFF_HEADER =
  'id,name,email,country,currency,provider,channel_code,account_number,account_holder_name,status,kyc_status';
const CONV_HEADER =
  'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at';
const csv = (lines: readonly string[]) => lines.join('\n') + '\n';

const AFFILIATE_COUNT = 50;
const CONVERSION_COUNT = 20_000;
const affiliateId = (n: number) => `a${String(n).padStart(3, '0')}`;
const conversionId = (n: number) => `c${String(n).padStart(5, '0')}`;

/** A bad affiliates file: one good line, then problems across lines and fields. */
const BAD_AFFILIATES = csv([
  AFF_HEADER,
  'b1,Good One,good1@x.example,ID,IDR,,,,,active,',
  'b2,,bad-email,IDN,IDR,,,,,active,',
  'b3,Three,three@x.example,ID,RUPIAH,xendit,,,,active,',
  'b4,Four,four@x.example,ID,IDR,,,,,sleeping,maybe',
]);
const BAD_AFFILIATE_PROBLEMS = [
  '3 name',
  '3 email',
  '3 country',
  '4 currency',
  '4 channel_code',
  '4 account_number',
  '4 account_holder_name',
  '5 status',
  '5 kyc_status',
];

const GOOD_AFFILIATES = csv([
  AFF_HEADER,
  ...Array.from({ length: AFFILIATE_COUNT }, (_, i) => {
    const id = affiliateId(i + 1);
    const currency = ['IDR', 'PHP', 'USD'][i % 3];
    return `${id},Affiliate ${i + 1},${id}@x.example,ID,${currency},,,,,active,approved`;
  }),
]);

/** A bad conversions file: its first line is good (and has the good file's first id). */
const BAD_CONVERSIONS = csv([
  CONV_HEADER,
  `${conversionId(1)},a001,2026-03-01T10:00:00Z,pro,12.34,0,USD,approved,`,
  `${conversionId(2)},a999,2026-03-01T10:00:00Z,pro,12.34,0,USD,approved,`,
  `${conversionId(3)},a001,2026-13-01,pro,12.345,0,USD,approved,`,
  `${conversionId(4)},a001,2026-03-01,pro,5,1,USD,refunded,`,
  `${conversionId(1)},a002,2026-03-01,pro,5,1,USD,approved,`,
  `${conversionId(6)},a001,2026-03-01,pro,5,1,DOLLAR,paid,`,
]);
const BAD_CONVERSION_PROBLEMS = [
  '3 affiliate_id',
  '4 occurred_at',
  '4 gross_amount',
  '5 refunded_at',
  '6 id',
  '7 status',
  '7 currency',
];

/** The good conversions: three currencies in turn, fixed amounts (totals known exactly). */
const CURRENCIES = [
  { code: 'IDR', gross: '15000', minor: 1500000n, digits: 2 },
  { code: 'PHP', gross: '250.50', minor: 25050n, digits: 2 },
  { code: 'USD', gross: '12.34', minor: 1234n, digits: 2 },
] as const;
const GOOD_CONVERSIONS = csv([
  CONV_HEADER,
  ...Array.from({ length: CONVERSION_COUNT }, (_, i) => {
    const c = CURRENCIES[i % 3]!;
    const day = String((i % 28) + 1).padStart(2, '0');
    return `${conversionId(i + 1)},${affiliateId((i % AFFILIATE_COUNT) + 1)},2026-03-${day}T10:00:00Z,pro,${c.gross},0,${c.code},approved,`;
  }),
]);

/** "USD 1,234.56" from minor units, as the console shows amounts (exact, no float). */
function shown(minor: bigint, code: string, digits: number): string {
  const s = minor.toString().padStart(digits + 1, '0');
  const whole = s.slice(0, s.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${code} ${whole}${digits ? '.' + s.slice(s.length - digits) : ''}`;
}
const grouped = (n: number) => n.toLocaleString('en-US');

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(part().url);
  await signIn(page, 'maker', PASSWORD());
});
test.afterAll(async () => page?.close());

/** Picks `text` as `name` in the browser's file picker the Import view opens for `kind`. */
async function choose(kind: 'affiliates' | 'conversions', name: string, text: string) {
  await page.getByTestId('nav-import').click();
  const again = page.getByTestId('import-again');
  if (await again.isVisible()) await again.click();
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId(`import-choose-${kind}`).click();
  await (await chooser).setFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });
  await expect(page.getByTestId('import-preview')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('import-file')).toHaveText(name);
}

/** The problems grid's rows as "line field", in line order. */
async function problemsListed(): Promise<string[]> {
  const grid = page.getByTestId('import-problems');
  await expect(grid.locator('.ag-row [col-id="line"]').first()).toBeVisible();
  // Rows with the line cell (a pinned container's rows would have none): one per problem.
  const rows = await grid.locator('.ag-row:has([col-id="line"])').evaluateAll((els) =>
    els.map((el) => ({
      index: Number(el.getAttribute('row-index')),
      line: el.querySelector('[col-id="line"]')?.textContent?.trim() ?? '',
      field: el.querySelector('[col-id="field"]')?.textContent?.trim() ?? '',
      message: el.querySelector('[col-id="message"]')?.textContent?.trim() ?? '',
    })),
  );
  expect(rows.every((r) => r.message.length > 0)).toBe(true);
  return rows.sort((a, b) => a.index - b.index).map((r) => `${r.line} ${r.field}`);
}

/** Nothing importable: the button is disabled, saying why. */
async function refusedToImport(problems: number) {
  await expect(page.getByTestId('import-run')).toBeDisabled();
  await expect(page.getByTestId('import-run-reason')).toContainText(`${problems} problems`);
  await expect(page.getByTestId('import-problem-count')).toHaveText(String(problems));
}

test('a bad affiliates file: every problem with its line and field, nothing stored', async () => {
  await choose('affiliates', 'affiliates-bad.csv', BAD_AFFILIATES);
  expect((await problemsListed()).sort()).toEqual([...BAD_AFFILIATE_PROBLEMS].sort());
  await refusedToImport(BAD_AFFILIATE_PROBLEMS.length);
  // Its good line was not stored either.
  const found = await page.evaluate(() =>
    window.treasury.call('affiliate.detail', { affiliateId: 'b1' }),
  );
  expect(found.ok).toBe(false);
  expect(found.ok ? '' : found.error.code).toBe('NOT_FOUND');
});

test('good affiliates: preview, import, stored', async () => {
  await choose('affiliates', 'affiliates.csv', GOOD_AFFILIATES);
  await expect(page.getByTestId('import-rows')).toHaveText(String(AFFILIATE_COUNT));
  await expect(page.getByTestId('import-new')).toHaveText(String(AFFILIATE_COUNT));
  await expect(page.getByTestId('import-problem-count')).toHaveText('0');
  await expect(page.getByTestId('import-sample')).toContainText('a001');
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('import-result-new')).toHaveText(String(AFFILIATE_COUNT));
  const found = await page.evaluate(() =>
    window.treasury.call('affiliate.detail', { affiliateId: 'a050' }),
  );
  expect(found.ok).toBe(true);
});

test('a bad conversions file: every problem with its line and field, nothing stored', async () => {
  await choose('conversions', 'conversions-bad.csv', BAD_CONVERSIONS);
  expect((await problemsListed()).sort()).toEqual([...BAD_CONVERSION_PROBLEMS].sort());
  await refusedToImport(BAD_CONVERSION_PROBLEMS.length);
  await screenshot(page, 'import-problems');
});

test('good conversions: exact totals, progress while importing, the stored counts', async () => {
  await choose('conversions', 'conversions.csv', GOOD_CONVERSIONS);
  await expect(page.getByTestId('import-rows')).toHaveText(grouped(CONVERSION_COUNT));
  // c00001 was on the bad file's good line: still new, so nothing of that file was stored.
  await expect(page.getByTestId('import-new')).toHaveText(grouped(CONVERSION_COUNT));
  await expect(page.getByTestId('import-unchanged')).toHaveText('0');
  for (const [i, c] of CURRENCIES.entries()) {
    const rows = Math.floor(CONVERSION_COUNT / 3) + (i < CONVERSION_COUNT % 3 ? 1 : 0);
    const total = page.getByTestId(`import-total-${c.code}`);
    await expect(total).toContainText(grouped(rows));
    await expect(total).toContainText(shown(c.minor * BigInt(rows), c.code, c.digits));
  }
  await screenshot(page, 'import-preview');

  // Every text the progress bar shows while the import runs, as the page rendered it.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { importProgress: string[] }).importProgress = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="import-progress"]')?.textContent;
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-result')).toBeVisible({ timeout: 110_000 });
  await expect(page.getByTestId('import-result-new')).toHaveText(grouped(CONVERSION_COUNT));
  const progress = await page.evaluate(
    () => (window as unknown as { importProgress: string[] }).importProgress,
  );
  expect(progress.some((t) => /(checking|storing): [\d,]+ \/ 20,000/.test(t))).toBe(true);

  // Checked again, the same file is all stored already.
  await choose('conversions', 'conversions.csv', GOOD_CONVERSIONS);
  await expect(page.getByTestId('import-unchanged')).toHaveText(grouped(CONVERSION_COUNT));
  await expect(page.getByTestId('import-new')).toHaveText('0');
});

test('a viewer may not import: the view is disabled, saying why', async () => {
  await signOut(page);
  await signIn(page, 'viewer', PASSWORD());
  const nav = page.getByTestId('nav-import');
  await expect(nav).toBeDisabled();
  await expect(nav).toHaveAttribute(
    'title',
    'you need permission to calculate commissions (your role: Viewer)',
  );
});
