/**
 * Sign-in and step-up that explain themselves (issue 21): showing the sign-in screen audits
 * nothing; an address outside the operator's allowlist is named (with the right password only); a
 * wrong step-up password shows the error and the tries left in the same dialog, and the fifth closes
 * it and returns to sign-in saying until when; the lockout is a security event; an administrator
 * unlocks from Operators & roles, after which the operator signs in.
 */
import { expect, test, type Page } from '@playwright/test';
import { scenario, scenarioPart, screenshot, signIn, signOut } from './scenario.js';
import type { SignInScenario } from './scenarios/signin.js';

test.describe.configure({ mode: 'serial' });

const WRONG = 'not the password at all';
let page: Page;
const part = () => scenarioPart<SignInScenario>('signin');
const auditEntries = async () =>
  ((await (await fetch(`${part().control}/audit`)).json()) as { entries: number }).entries;

/** Fills the sign-in form and submits it, expecting a refusal. */
async function refused(username: string, password: string) {
  const form = page.getByTestId('signin');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('signin-submit')).toHaveText('Sign in');
  return form.getByTestId('error');
}

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(part().url);
});
test.afterAll(async () => page?.close());

test('showing and reloading the sign-in screen leaves no audit entry', async () => {
  await expect(page.getByTestId('signin')).toContainText('Central store');
  const before = await auditEntries();
  for (let i = 0; i < 2; i++) {
    await page.reload();
    await expect(page.getByTestId('signin')).toContainText('Central store');
  }
  await expect(page.getByTestId('signin')).not.toContainText('treasury login');
  await screenshot(page, 'sign-in');
  expect(await auditEntries()).toBe(before);
});

test('outside the allowlist: the right password is told about the address, a wrong one is not', async () => {
  const { password } = scenario();
  await expect(await refused('viewer', password)).toHaveText(
    /Signing in from this address is not allowed for this operator/,
  );
  await expect(await refused('viewer', WRONG)).toHaveText('The username or password is wrong.');
});

test('a wrong step-up password stays in the dialog with the tries left; the fifth locks out', async () => {
  const { password } = scenario();
  await signIn(page, 'checker', password);
  // The sign-in counts as a confirmation for five minutes: make it older, so the next credential
  // change asks again.
  await fetch(`${part().control}/age?username=checker`, { method: 'POST' });
  await page.getByTestId('nav-settings').click();
  const input = page.locator('[data-testid^="credential-"][data-testid$="-input"]').first();
  await input.fill('a new secret value');
  await page.locator('[data-testid^="credential-"][data-testid$="-save"]').first().click();
  const dialog = page.getByTestId('stepup');
  await expect(dialog).toBeVisible();
  for (let left = 4; left >= 1; left--) {
    await page.getByTestId('stepup-password').fill(WRONG);
    await page.getByTestId('stepup-confirm').click();
    await expect(dialog.getByTestId('stepup-error')).toHaveText(
      `Wrong password: ${left} ${left === 1 ? 'try' : 'tries'} left before this operator is locked.`,
    );
    if (left === 4) await screenshot(page, 'step-up-error');
  }
  await page.getByTestId('stepup-password').fill(WRONG);
  await page.getByTestId('stepup-confirm').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('signin-ended')).toHaveText(
    /locked after too many wrong passwords until \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
  );
  // The right password now: locked until …, not "wrong password".
  await expect(await refused('checker', password)).toHaveText(
    /This operator is locked after too many wrong passwords until \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
  );
});

test('the lockout is a security event; an administrator unlocks; the operator signs in', async () => {
  const { password } = scenario();
  await signIn(page, 'admin', password);
  await page.getByTestId('nav-security').click();
  await expect(page.getByTestId('security-grid')).toContainText('operator locked');
  await expect(page.getByTestId('security-grid')).toContainText('checker');

  await page.getByTestId('nav-operators').click();
  const grid = page.getByTestId('operators-grid');
  await grid.locator('.ag-row', { hasText: 'checker' }).first().click();
  await expect(page.getByTestId('operator-unlock')).toBeEnabled();
  await screenshot(page, 'operators-unlock');
  await page.getByTestId('operator-unlock').click();
  await page.getByTestId('operator-unlock-dialog-text').fill('verified by phone');
  await page.getByTestId('operator-unlock-dialog-confirm').click();
  await expect(page.getByTestId('notice-success')).toContainText('checker is unlocked');
  await expect(page.getByTestId('operator-unlock')).toBeHidden();
  await signOut(page);

  await signIn(page, 'checker', password);
  await signOut(page);
});
