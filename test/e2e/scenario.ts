/** What the harness started (its JSON line), and helpers the specs share. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';

export interface Scenario {
  password: string;
  flow: { url: string };
  fresh: { url: string };
  large: { url: string };
  offline: { url: string; approvedBatch: string; control: string };
  exceptions: { url: string; lookUrl: string; approvedBatch: string };
  /** Affiliates to hold, and with split payouts: in a draft batch, and in the preview. */
  affiliates: { url: string; held: string; splitInBatch: string; splitInPreview: string };
}

export function scenario(): Scenario {
  const raw = process.env.TREASURY_E2E;
  if (!raw)
    throw new Error(
      'TREASURY_E2E is not set: run the suite through playwright (global-setup starts the harness)',
    );
  return JSON.parse(raw) as Scenario;
}

/**
 * Where screenshots go. With TREASURY_DOC_SCREENSHOTS=1 they are the user guide's pictures
 * (docs/images, committed); otherwise the ignored artifacts dir, so an ordinary run never changes
 * the tree. Either way at the config's fixed viewport (1440×900).
 */
export const SCREENSHOTS =
  process.env.TREASURY_DOC_SCREENSHOTS === '1'
    ? path.resolve(import.meta.dirname, '../../docs/images')
    : path.resolve(import.meta.dirname, 'artifacts/screenshots');

/** What a plugged-in scenario (test/e2e/scenarios/<name>.ts) answered for its specs. */
export function scenarioPart<T>(name: string): T {
  const part = (JSON.parse(process.env.TREASURY_E2E ?? '{}') as Record<string, unknown>)[name];
  if (!part)
    throw new Error(
      `the e2e scenario "${name}" was not built (is it in TREASURY_E2E_ONLY? does scenarios/${name}.ts exist?)`,
    );
  return part as T;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Notices (a click dismisses one) would cover the view; progress bars animate their width.
  // (Clicked in the page: a notice may dismiss itself meanwhile, which Playwright's click would
  // wait out.)
  await page
    .locator('.notice')
    .evaluateAll((notices) => notices.forEach((n) => (n as HTMLElement).click()));
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('operator')).toContainText(username);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('signin')).toBeVisible();
}
