/**
 * The accessibility audit: axe-core (through @axe-core/playwright) over every view of the console,
 * in the light and the dark look, at the WCAG 2.1 A and AA rules. A serious or critical violation
 * fails the view's test, listing each rule, why it matters and the elements it found; moderate and
 * minor ones are printed, not failed. The sign-in screen is audited before signing in; the payables
 * drawer, the batch detail and the builder's preview are audited open, since they are where the
 * operator spends the day.
 * (look.spec.ts photographs every view in the dark look.)
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { scenario, scenarioPart } from './scenario.js';
import type { A11yScenario } from './scenarios/a11y.js';

test.describe.configure({ mode: 'serial' });

let page: Page;
const part = () => scenarioPart<A11yScenario>('a11y');

/** Every view the navigation offers, in its order (App.tsx NAV). */
const VIEWS = [
  'dashboard',
  'import',
  'payables',
  'builder',
  'batches',
  'payouts',
  'exceptions',
  'reconciliation',
  'reports',
  'audit',
  'security',
  'operators',
  'outbox',
  'settings',
] as const;

const SERIOUS = new Set(['serious', 'critical']);

/** Runs axe on the page as it is now; fails on serious/critical findings, naming them. */
async function audit(where: string): Promise<void> {
  // Charts and grids draw after their data: let the view settle before judging it.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(300);
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const lines = (serious: boolean) =>
    result.violations
      .filter((v) => SERIOUS.has(v.impact ?? '') === serious)
      .map(
        (v) =>
          `${v.impact} ${v.id}: ${v.help} — ${v.nodes
            .slice(0, 5)
            .map((n) => n.target.join(' '))
            .join(' | ')}${v.nodes.length > 5 ? ` (+${v.nodes.length - 5} more)` : ''}`,
      );
  const minor = lines(false);
  if (minor.length) console.log(`[a11y] ${where}, not failing:\n  ${minor.join('\n  ')}`);
  expect(lines(true), `serious or critical accessibility violations on ${where}`).toEqual([]);
}

async function go(view: string): Promise<void> {
  await page.getByTestId(`nav-${view}`).click();
  await expect(page.getByTestId(`view-${view}`)).toBeVisible();
}

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`${scheme} look`, () => {
    test.beforeAll(async ({ browser }) => {
      if (scheme === 'light') {
        // axe-core needs a page of an explicit context (it opens a blank page in it to finish).
        const context = await browser.newContext();
        page = await context.newPage();
        await page.goto(part().url);
      }
      await page.emulateMedia({ colorScheme: scheme });
    });

    test(`sign-in screen (${scheme})`, async () => {
      if (scheme === 'dark') await page.getByTestId('sign-out').click();
      await expect(page.getByTestId('signin')).toBeVisible();
      await audit(`the sign-in screen (${scheme})`);
      await page.getByLabel('Username').fill('checker');
      await page.getByLabel('Password').fill(scenario().password);
      await page.getByTestId('signin-submit').click();
      await expect(page.getByTestId('operator')).toContainText('checker');
    });

    for (const view of VIEWS) {
      test(`${view} (${scheme})`, async () => {
        await go(view);
        await audit(`${view} (${scheme})`);
      });
    }

    test(`payables drawer (${scheme})`, async () => {
      await go('payables');
      const firstName = page
        .getByTestId('payables-grid')
        .locator('.ag-row [col-id="name"]')
        .filter({ hasText: /\w/ })
        .first();
      await firstName.click();
      await expect(page.getByTestId('affiliate-drawer')).toBeVisible();
      await expect(page.getByTestId('affiliate-facts')).toBeVisible();
      await audit(`the affiliate drawer (${scheme})`);
      await page.getByTestId('affiliate-drawer').getByRole('button', { name: 'Close' }).click();
    });

    test(`builder preview (${scheme})`, async () => {
      await go('builder');
      await page.getByTestId('builder-preview').click();
      await expect(
        page.getByTestId('builder-preview-grid').locator('.ag-row').first(),
      ).toBeVisible();
      await audit(`the builder's preview (${scheme})`);
    });

    test(`batch detail (${scheme})`, async () => {
      await go('batches');
      await page.getByTestId('batches-grid').getByText(part().batch).first().click();
      await expect(page.getByTestId('view-batch')).toBeVisible();
      await audit(`batch ${part().batch} (${scheme})`);
    });
  });
}

test.afterAll(async () => page?.context().close());
