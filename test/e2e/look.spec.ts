/**
 * Look and fit (issue 22, item 4), in the exceptions scenario (demo data, and payouts through the
 * sandbox provider; secrets from the environment store): dark mode follows the OS and the top
 * bar's choice overrides it, page, panels and grid alike; every view names the window; the skip
 * link is the first Tab stop and lands in the view; "g p" goes to Payables and "?" lists the
 * shortcuts in a dialog that keeps the focus; at 1024×768 and 1280×720 the views' primary grids
 * and columns are on screen; the banner says the sandbox and the credential store are in use.
 */
import { expect, test, type Page } from '@playwright/test';
import { scenario, screenshot, signIn } from './scenario.js';

test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(scenario().exceptions.lookUrl);
});
test.afterAll(async () => page?.close());

const VIEWS: [string, string][] = [
  ['dashboard', 'Dashboard'],
  ['payables', 'Payables'],
  ['builder', 'Batch builder'],
  ['batches', 'Batches'],
  ['payouts', 'Payout history'],
  ['exceptions', 'Exceptions'],
  ['reconciliation', 'Reconciliation'],
  ['reports', 'Reports'],
  ['audit', 'Audit log'],
  ['security', 'Security events'],
  ['operators', 'Operators & roles'],
  ['outbox', 'Outbox'],
  ['settings', 'Settings'],
];

/** The computed colours of the page, a panel (the sidebar), the grid and a grid cell's text. */
const colours = () =>
  page.evaluate(() => {
    const bg = (el: Element | null) => (el ? getComputedStyle(el).backgroundColor : 'none');
    return {
      page: bg(document.documentElement),
      panel: bg(document.querySelector('.nav')),
      grid: bg(document.querySelector('.ag-root-wrapper')),
      // A cell is drawn on the grid's background: its ink is what changes.
      cell: document.querySelector('.ag-cell')
        ? getComputedStyle(document.querySelector('.ag-cell')!).color
        : 'none',
    };
  });

test('the sign-in screen names the window, and the banner says what is not production', async () => {
  await expect(page).toHaveTitle('Sign in — Treasury Console');
  await signIn(page, 'viewer', scenario().password);
  await expect(page.getByTestId('banner-sandbox')).toHaveText(
    /Sandbox payments: no real money moves/,
  );
  await expect(page.getByTestId('banner-credentials')).toContainText('not the OS keychain');
});

test('dark mode follows the OS, and the choice in the top bar overrides it', async () => {
  await page.getByTestId('nav-payables').click();
  await expect(page.getByTestId('view-payables').locator('.ag-row').first()).toBeVisible();
  const light = await colours();
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(async () => (await colours()).page).not.toBe(light.page);
  const dark = await colours();
  expect(dark.panel).not.toBe(light.panel);
  expect(dark.grid).not.toBe(light.grid);
  expect(dark.cell).not.toBe(light.cell);
  await screenshot(page, 'look-dark-payables');
  // Every view in dark (pictures to look at: a colour written as a literal would show here).
  for (const [id] of VIEWS) {
    await page.getByTestId(`nav-${id}`).click();
    await expect(page.getByTestId(`view-${id}`)).toBeVisible();
    await screenshot(page, `look-dark-${id}`);
  }
  await page.getByTestId('nav-payables').click();

  // Light chosen while the OS asks for dark: light it is, and it is remembered after a reload.
  await page.getByTestId('theme-choice').selectOption('light');
  await expect.poll(async () => (await colours()).page).toBe(light.page);
  expect((await colours()).grid).toBe(light.grid);
  await page.reload();
  await expect(page.getByTestId('operator')).toBeVisible();
  await expect(page.getByTestId('theme-choice')).toHaveValue('light');
  expect((await colours()).page).toBe(light.page);
  // Dark chosen with a light OS.
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('theme-choice').selectOption('dark');
  await expect.poll(async () => (await colours()).page).toBe(dark.page);
  await page.getByTestId('theme-choice').selectOption('system');
  await expect.poll(async () => (await colours()).page).toBe(light.page);
});

test('every view names the window, the batch detail with its number', async () => {
  for (const [id, title] of VIEWS) {
    await page.getByTestId(`nav-${id}`).click();
    await expect(page).toHaveTitle(`${title} — Treasury Console`);
  }
  const number = scenario().exceptions.approvedBatch;
  await page.getByTestId('nav-batches').click();
  await page.getByTestId('batches-grid').getByText(number).click();
  await expect(page).toHaveTitle(`Batch ${number} — Treasury Console`);
});

test('the skip link is the first Tab stop and moves the focus to the view', async () => {
  await page.reload();
  await expect(page.getByTestId('operator')).toBeVisible();
  await page.locator('body').focus();
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('skip-link')).toBeFocused();
  await expect(page.getByTestId('skip-link')).toHaveText('Skip to content');
  await page.keyboard.press('Enter');
  await expect(page.locator('main#content')).toBeFocused();
});

test('shortcuts: "g p" goes to Payables, "/" to its search, "?" lists them in a dialog', async () => {
  await page.locator('main#content').focus();
  await page.keyboard.press('g');
  await page.keyboard.press('p');
  await expect(page).toHaveTitle('Payables — Treasury Console');
  await expect(page.getByTestId('nav-payables')).toHaveAttribute('aria-current', 'page');
  await page.keyboard.press('/');
  const search = page.locator('main input[type="search"]').first();
  await expect(search).toBeFocused();
  // Typing in the search box is typing, not shortcuts.
  await page.keyboard.type('gd');
  await expect(search).toHaveValue('gd');
  await expect(page).toHaveTitle('Payables — Treasury Console');
  await search.fill('');

  await page.locator('main#content').focus();
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await expect(help).toContainText('Go to Batches');
  // The focus stays inside while tabbing.
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    expect(await help.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
});

test('the sidebar collapses, says so, and stays as left', async () => {
  const toggle = page.getByTestId('nav-toggle');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByTestId('nav')).toHaveClass(/collapsed/);
  await page.reload();
  await expect(page.getByTestId('nav-toggle')).toHaveAttribute('aria-expanded', 'false');
  await page.getByTestId('nav-toggle').click();
  await expect(page.getByTestId('nav-toggle')).toHaveAttribute('aria-expanded', 'true');
});

for (const size of [
  { width: 1024, height: 768 },
  { width: 1280, height: 720 },
]) {
  test(`at ${size.width}×${size.height} the primary grids and columns are on screen`, async () => {
    await page.setViewportSize(size);
    // Below 1100 px the sidebar starts collapsed.
    await expect(page.getByTestId('nav-toggle')).toHaveAttribute(
      'aria-expanded',
      size.width < 1100 ? 'false' : 'true',
    );
    const inside = async (selector: string) => {
      const box = await page.locator(selector).first().boundingBox();
      expect(box, selector).not.toBeNull();
      expect(box!.x, selector).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, selector).toBeLessThanOrEqual(size.width);
      expect(box!.y + box!.height, selector).toBeLessThanOrEqual(size.height);
    };
    await page.getByTestId('nav-payables').click();
    await expect(page.getByTestId('view-payables').locator('.ag-row').first()).toBeVisible();
    await inside('.ag-header-cell[col-id="eligible"]');
    await inside('.ag-header-cell[col-id="reason"]');
    // The amount the treasury acts on is whole on screen too, not under the pinned columns.
    await inside('.ag-header-cell[col-id="payableMinor"]');
    const payable = (await page.locator('.ag-header-cell[col-id="payableMinor"]').boundingBox())!;
    const eligible = (await page.locator('.ag-header-cell[col-id="eligible"]').boundingBox())!;
    expect(payable.x + payable.width).toBeLessThanOrEqual(eligible.x + 1);
    await screenshot(page, `look-${size.width}-payables`);

    await page.getByTestId('nav-payouts').click();
    const grid = page.locator('[data-testid="view-payouts"] .ag-root-wrapper').first();
    await expect(grid).toBeVisible();
    const box = (await grid.boundingBox())!;
    expect(box.y).toBeLessThan(size.height * 0.6);
    await screenshot(page, `look-${size.width}-payouts`);

    for (const [id] of VIEWS) {
      await page.getByTestId(`nav-${id}`).click();
      await expect(page.getByTestId(`view-${id}`)).toBeVisible();
      // Nothing of the view hides past the right edge: the page itself does not scroll sideways.
      const overflow = await page.evaluate(() => {
        const main = document.querySelector('main')!;
        return main.scrollWidth - main.clientWidth;
      });
      expect(overflow, id).toBeLessThanOrEqual(1);
    }
  });
}
