/**
 * Acting on an affiliate from the console, end to end: an administrator opens an affiliate from
 * Payables, sees the account number masked and reveals it (for that view only); holds their payouts
 * with a reason — the drawer's banner, the payables row and the builder's preview say so in words —
 * and releases them; meets the router's words under the destination form's fields; sets KYC and
 * back. A split payout shows its parts in the drawer. A viewer sees every action disabled with the
 * reason, and in the builder an amount above its e-wallet's maximum is "N parts", with the parts'
 * amounts on hover, and counts as that many payouts.
 */
import { expect, test, type Page } from '@playwright/test';
import { scenario, screenshot, signIn, signOut } from './scenario.js';

test.describe.configure({ mode: 'serial' });

let page: Page;
const cast = () => scenario().affiliates;
const HOLD_REASON = 'The bank asked us to confirm the account holder';

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  await page.goto(cast().url);
});
test.afterAll(async () => page?.close());

/** An affiliate's IDR row in the payables grid (the grid's row id is affiliate|currency). */
const payablesRow = (id: string) =>
  page.getByTestId('payables-grid').locator(`.ag-row[row-id="${id}|IDR"]`);

async function openAffiliate(id: string): Promise<void> {
  await page.getByTestId('nav-payables').click();
  await page.getByTestId('payables-search').fill(id);
  await payablesRow(id).locator('[col-id="name"]').click();
  await expect(page.getByTestId('affiliate-drawer')).toBeVisible();
  await expect(page.getByTestId('affiliate-facts')).toBeVisible();
}

async function closeDrawer(): Promise<void> {
  await page.getByTestId('affiliate-drawer').getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('affiliate-drawer')).toHaveCount(0);
}

/** A step-up prompt may appear if the sign-in is older than the step-up window: answered. */
async function passStepUp(): Promise<void> {
  const prompt = page.getByTestId('stepup-password');
  if (await prompt.isVisible()) {
    await prompt.fill(scenario().password);
    await page.getByTestId('stepup-confirm').click();
  }
}

async function previewOf(id: string): Promise<void> {
  await page.getByTestId('nav-builder').click();
  await page.getByTestId('builder-affiliates').fill(id);
  await page.getByTestId('builder-preview').click();
  await expect(
    page.getByTestId('builder-preview-grid').locator(`.ag-row[row-id="${id}"]`).first(),
  ).toBeVisible();
}

test('the account number is masked; Reveal shows it whole, in this view only', async () => {
  await signIn(page, 'checker', scenario().password);
  await openAffiliate(cast().held);
  const account = page.getByTestId('affiliate-account');
  await expect(account).toHaveText(/^•+[A-Za-z0-9-]{4}$/);
  const masked = (await account.textContent())!;
  await page.getByTestId('affiliate-reveal').click();
  await expect(account).not.toContainText('•');
  const whole = (await account.textContent())!;
  expect(whole.length).toBeGreaterThan(4);
  expect(whole.endsWith(masked.replace(/•/g, ''))).toBe(true);
  await expect(page.getByTestId('affiliate-reveal-note')).toContainText(
    'recorded in the audit trail',
  );
  await screenshot(page, 'affiliate-drawer');
  // Hidden again on request, and by closing the drawer: the number lives in that view only.
  await page.getByTestId('affiliate-account-hide').click();
  await expect(account).toHaveText(masked);
  await page.getByTestId('affiliate-reveal').click();
  await expect(account).toHaveText(whole);
  await closeDrawer();
  await openAffiliate(cast().held);
  await expect(page.getByTestId('affiliate-account')).toHaveText(masked);
});

test('holding payouts: the banner says why and since when; the payables row and the preview say "payouts held"', async () => {
  const id = cast().held;
  await expect(page.getByTestId('affiliate-hold-banner')).toHaveCount(0);
  await page.getByTestId('affiliate-hold').click();
  await page.getByTestId('hold-dialog-text').fill(HOLD_REASON);
  await page.getByTestId('hold-dialog-confirm').click();
  const banner = page.getByTestId('affiliate-hold-banner');
  await expect(banner).toContainText(HOLD_REASON);
  await expect(banner).toContainText(/since \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
  await expect(page.getByTestId('affiliate-owed')).toContainText(
    `no — payouts held: ${HOLD_REASON}`,
  );
  // The grid behind the drawer was read again: the row is no longer eligible, and says why.
  await expect(payablesRow(id).locator('[col-id="eligible"]')).toHaveText('no');
  await expect(payablesRow(id).locator('[col-id="reason"]')).toHaveText('payouts held by a person');
  await expect(page.getByTestId('affiliate-release')).toBeVisible();
  await screenshot(page, 'affiliate-held');
  await closeDrawer();
  // The builder leaves them out, with the same words.
  await previewOf(id);
  await expect(
    page.getByTestId('builder-preview-grid').locator(`.ag-row[row-id="${id}"] [col-id="reasons"]`),
  ).toHaveText('payouts held by a person');
  await expect(page.getByTestId('builder-excluded')).toContainText('payouts held by a person');
});

test('releasing the hold makes them eligible again', async () => {
  const id = cast().held;
  await openAffiliate(id);
  await page.getByTestId('affiliate-release').click();
  await page.getByTestId('release-dialog-text').fill('Account holder confirmed by the bank');
  await page.getByTestId('release-dialog-confirm').click();
  await expect(page.getByTestId('affiliate-hold-banner')).toHaveCount(0);
  await expect(page.getByTestId('affiliate-hold')).toBeVisible();
  await expect(page.getByTestId('affiliate-owed')).not.toContainText('payouts held');
  await expect(payablesRow(id).locator('[col-id="eligible"]')).toHaveText('yes');
  await expect(payablesRow(id).locator('[col-id="reason"]')).toHaveText('');
});

test('a destination the router refuses: its words under the field; KYC set to pending and back', async () => {
  await page.getByTestId('affiliate-destination').click();
  await page.getByTestId('destination-channel').fill('id bca');
  await page.getByTestId('destination-account').fill('1234567890');
  await page.getByTestId('destination-reason').fill('Checking the form');
  await page.getByTestId('destination-confirm').click();
  await passStepUp();
  await expect(page.getByTestId('destination-channel-error')).toContainText(
    'capitals, digits and underscores',
  );
  // A valid channel through a provider that does not pay the affiliate's currency: said at the
  // provider.
  await page.getByTestId('destination-channel').fill('ID_BCA');
  await page.getByTestId('destination-provider').selectOption('rise');
  await page.getByTestId('destination-confirm').click();
  await passStepUp();
  await expect(page.getByTestId('destination-provider-error')).toContainText('does not pay IDR');
  await expect(page.getByTestId('destination-channel-error')).toHaveCount(0);
  await page.getByTestId('destination-dialog').getByRole('button', { name: 'Back' }).click();

  const setKyc = async (status: string, reason: string) => {
    await page.getByTestId('affiliate-kyc').click();
    await page.getByTestId('kyc-status').selectOption(status);
    await page.getByTestId('kyc-reason').fill(reason);
    await page.getByTestId('kyc-confirm').click();
    await expect(page.getByTestId('kyc-dialog')).toHaveCount(0);
  };
  await setKyc('pending', 'Passport expired: a new one is asked for');
  await expect(page.getByTestId('affiliate-status')).toContainText('KYC pending review');
  await expect(page.getByTestId('affiliate-owed')).toContainText('KYC not approved');
  await setKyc('approved', 'New passport checked');
  await expect(page.getByTestId('affiliate-status')).toContainText('KYC approved');
  await expect(payablesRow(cast().held).locator('[col-id="eligible"]')).toHaveText('yes');
  await closeDrawer();
});

test('a payout sent in parts: the drawer lists each part, with the provider state', async () => {
  await openAffiliate(cast().splitInBatch);
  const payouts = page.getByTestId('affiliate-payouts');
  await expect(payouts.locator('.ag-row').first()).toBeVisible();
  // In the order shown (AG Grid's row index, not the DOM's order).
  const parts = await payouts
    .locator('.ag-row')
    .evaluateAll((rows) =>
      rows
        .sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')))
        .map((r) => r.querySelector('[col-id="part"]')?.textContent ?? ''),
    );
  const n = Number(/of (\d+)$/.exec(parts[0] ?? '')?.[1]);
  expect(n).toBeGreaterThan(1);
  expect(parts.length).toBe(n);
  // In their order, after the newest first: part 1 of n … part n of n.
  expect(parts).toEqual(Array.from({ length: n }, (_, i) => `part ${i + 1} of ${n}`));
  await expect(payouts.locator('.ag-row [col-id="status"] .status').first()).toHaveAttribute(
    'data-status',
    'PENDING',
  );
  await closeDrawer();
  await signOut(page);
});

test('a viewer sees each action disabled, with the reason', async () => {
  await signIn(page, 'viewer', scenario().password);
  await openAffiliate(cast().held);
  for (const action of [
    'affiliate-hold',
    'affiliate-kyc',
    'affiliate-destination',
    'affiliate-reveal',
  ]) {
    await expect(page.getByTestId(action)).toBeDisabled();
    await expect(page.getByTestId(`${action}-reason`)).toContainText('(your role: Viewer)');
  }
  await expect(page.getByTestId('affiliate-account')).toContainText('•');
  await screenshot(page, 'affiliate-viewer');
  await closeDrawer();
});

test('the builder shows an amount above its channel maximum as "N parts", each part a payout', async () => {
  const id = cast().splitInPreview;
  const parts = await page.evaluate(async (affiliate) => {
    const r = await window.treasury.call('batch.previewPage', {
      provider: 'xendit',
      currency: 'IDR',
      affiliateIds: [affiliate],
    });
    if (!r.ok) throw new Error(r.error.message);
    return r.value.rows[0]!.parts;
  }, id);
  expect(parts?.length).toBeGreaterThan(1);
  await previewOf(id);
  const row = page.getByTestId('builder-preview-grid').locator(`.ag-row[row-id="${id}"]`);
  await expect(row.getByTestId('builder-parts')).toHaveText(`${parts!.length} parts`);
  // The parts' amounts on hover, formatted as every amount is.
  await row.locator('[col-id="amountMinor"]').hover();
  await expect(page.locator('.ag-tooltip')).toContainText(`sent as ${parts!.length} transfers`);
  await expect(page.locator('.ag-tooltip')).toContainText(/IDR [\d,]+\.\d{2}/);
  await screenshot(page, 'builder-split');
  // One affiliate, as many payouts as parts; left out, they all go.
  await expect(page.getByTestId('builder-totals').locator('tbody tr td').nth(2)).toHaveText(
    String(parts!.length),
  );
  // A click, then the state: the grid draws the cell again once the builder's state has changed
  // (Playwright's uncheck() reads the box back at once and may catch it before that).
  await row.getByTestId('builder-include').click();
  await expect(row.getByTestId('builder-include')).not.toBeChecked();
  await expect(page.getByTestId('builder-totals')).toContainText('Nothing included.');
});
