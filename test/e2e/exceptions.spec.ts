/**
 * Payout exceptions, end to end: an approved batch of sandbox payouts, about a third of which the
 * sandbox fails, is executed from the console. Its progress bar never goes back while it runs; the
 * failed payouts are found by filtering the batch's payout grid by status (in SQL, through
 * payouts.page); a desktop notification — asked for at sign-in, granted by the browser — says how
 * many payouts need a person, and clicking it opens the exception queue; from there one failed
 * payout is queued for a retry (the batch then says exactly that: retries queued, and its resume
 * dialog says what will be sent) and another is retried and sent at once.
 *
 * Notifications are recorded by wrapping window.Notification before the page loads: the real one
 * (permission granted on the context) is still constructed; the wrapper reports 'default' until the
 * console asks, so that the request itself is seen.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { scenario, screenshot, signIn } from './scenario.js';

test.describe.configure({ mode: 'serial' });

interface Recorded {
  requested: number;
  shown: { title: string; body: string }[];
  instances: { onclick: ((e: Event) => void) | null }[];
}

let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ permissions: ['notifications'] });
  await context.addInitScript(() => {
    const Real = window.Notification;
    const alerts = {
      requested: 0,
      shown: [] as { title: string; body: string }[],
      instances: [] as unknown[],
    };
    (window as unknown as { alerts: typeof alerts }).alerts = alerts;
    let answered: NotificationPermission | null = null;
    function Recording(title: string, options?: NotificationOptions) {
      alerts.shown.push({ title, body: options?.body ?? '' });
      let n: unknown;
      try {
        n = new Real(title, options);
      } catch {
        n = { onclick: null, close() {} }; // a headless platform without notifications: still recorded
      }
      alerts.instances.push(n);
      return n;
    }
    Object.defineProperty(Recording, 'permission', { get: () => answered ?? 'default' });
    (
      Recording as unknown as { requestPermission(): Promise<NotificationPermission> }
    ).requestPermission = async () => {
      alerts.requested++;
      answered = await Real.requestPermission();
      return answered;
    };
    (window as unknown as { Notification: unknown }).Notification = Recording;
  });
  page = await context.newPage();
  await page.goto(scenario().exceptions.url);
});
test.afterAll(async () => context?.close());

const recorded = () =>
  page.evaluate(() => {
    const a = (window as unknown as { alerts: Recorded }).alerts;
    return { requested: a.requested, shown: a.shown };
  });
const numberIn = (text: string | null) =>
  Number(/([\d,]+)/.exec(text ?? '')![1]!.replace(/,/g, ''));

/** A step-up prompt may appear if the sign-in is older than the step-up window: answered. */
async function passStepUp(): Promise<void> {
  const prompt = page.getByTestId('stepup-password');
  if (await prompt.isVisible()) {
    await prompt.fill(scenario().password);
    await page.getByTestId('stepup-confirm').click();
  }
}

async function openBatch(number: string): Promise<void> {
  await page.getByTestId('nav-batches').click();
  await page.getByTestId('batches-grid').getByText(number).click();
  await expect(page.getByTestId('view-batch')).toBeVisible();
}

test('desktop alerts are asked for at the first sign-in, and the queue starts empty', async () => {
  await signIn(page, 'checker', scenario().password);
  await expect.poll(async () => (await recorded()).requested).toBe(1);
  await expect(page.getByTestId('alerts-state')).toHaveText('Desktop alerts are on');
  await expect(page.getByTestId('dash-exceptions-count')).toContainText('None');
});

test('a run with failures: the bar never goes back, and the failed payouts are found by the status filter', async () => {
  const number = scenario().exceptions.approvedBatch;
  await openBatch(number);
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'APPROVED');
  const payouts = numberIn(await page.getByTestId('batch-payout-count').textContent());
  expect(payouts).toBeGreaterThan(20);
  // The confirmation names exactly what is sent: every payout of an approved batch, in IDR.
  await page.getByTestId('batch-execute').click();
  await expect(page.getByTestId('execute-sends')).toContainText(
    `This sends ${payouts} payouts through the providers: IDR `,
  );

  // Sample the bar (and the progress events) from the page itself while the call runs.
  await page.evaluate(() => {
    const w = window as unknown as { bar: number[]; events: number[]; sampler: number };
    [w.bar, w.events] = [[], []];
    window.treasury.onProgress((e) => e.name === 'batch.execute' && w.events.push(e.done));
    w.sampler = window.setInterval(() => {
      const now = document
        .querySelector('[data-testid="execution-progress"]')
        ?.getAttribute('aria-valuenow');
      if (now) w.bar.push(Number(now));
    }, 25);
  });
  await page.getByTestId('execute-confirm').click();
  await expect(page.getByTestId('batch-status')).toHaveAttribute(
    'data-status',
    'COMPLETED_WITH_FAILURES',
    { timeout: 90_000 },
  );
  await expect(page.getByTestId('execution-progress')).toHaveAttribute('aria-valuenow', '100');
  const { bar, events } = await page.evaluate(() => {
    const w = window as unknown as { bar: number[]; events: number[]; sampler: number };
    window.clearInterval(w.sampler);
    return { bar: w.bar, events: w.events };
  });
  expect(bar.length).toBeGreaterThan(5);
  expect(events.length).toBeGreaterThan(0);
  for (let i = 1; i < bar.length; i++)
    expect(bar[i], `bar sample ${i} of ${bar.join(',')}`).toBeGreaterThanOrEqual(bar[i - 1]!);
  for (let i = 1; i < events.length; i++)
    expect(events[i], `event ${i} of ${events.join(',')}`).toBeGreaterThanOrEqual(events[i - 1]!);
  expect(bar.at(-1)).toBe(100);
  await expect(page.getByTestId('execution-state')).toHaveAttribute('data-state', 'settled');

  // Filter the payouts grid by status FAILED: the rows come from the server, all failed, as many as
  // the counts say.
  const failed = numberIn(await page.getByTestId('execution-counts').locator('.bad').textContent());
  expect(failed).toBeGreaterThan(0);
  const grid = page.getByTestId('batch-payouts-grid');
  await expect(grid.locator('.ag-row').first()).toBeVisible();
  const filtered = page.waitForResponse(
    (r) =>
      r.url().endsWith('/bridge/call') &&
      /"payouts.page"/.test(r.request().postData() ?? '') &&
      /"status":"FAILED"/.test(r.request().postData() ?? ''),
  );
  await grid.locator('.ag-header-cell[col-id="status"] .ag-header-cell-filter-button').click();
  await page.getByRole('radio', { name: 'failed' }).check();
  const answer = (await (await filtered).json()) as { ok: boolean; value: { total: number } };
  expect(answer.value.total).toBe(failed);
  await page.keyboard.press('Escape');
  const shownRows = grid.locator('.ag-row');
  await expect(shownRows.first().locator('[col-id="status"] .status')).toHaveAttribute(
    'data-status',
    'FAILED',
  );
  for (const status of await grid.locator('.ag-row [col-id="status"] .status').all())
    await expect(status).toHaveAttribute('data-status', 'FAILED');
  // The last error in words, with the provider's code.
  await expect(grid.locator('.ag-row [col-id="failureCode"]').first()).toContainText(
    /\([A-Z_]+\)$/,
  );
  await screenshot(page, 'batch-failed-filter');
});

test('a desktop notification says how many payouts need a person; clicking it opens the queue', async () => {
  const failed = numberIn(await page.getByTestId('execution-counts').locator('.bad').textContent());
  // Asked as soon as the execution ended here: one notification for this rise, with the count.
  await expect
    .poll(async () => (await recorded()).shown.length, { timeout: 30_000 })
    .toBeGreaterThan(0);
  const { shown } = await recorded();
  expect(shown.at(-1)!.title).toContain(
    `${failed} payout${failed === 1 ? ' needs' : 's need'} a person`,
  );
  expect(shown.at(-1)!.body).toMatch(/failed/);
  await page.evaluate(() => {
    const last = (window as unknown as { alerts: Recorded }).alerts.instances.at(-1)!;
    last.onclick?.(new Event('click'));
  });
  await expect(page.getByTestId('view-exceptions')).toBeVisible();
  await expect(page.getByTestId('exceptions-total')).toContainText(`${failed} payout`);
  // No second notification for the same exceptions.
  await page.getByTestId('exceptions-refresh').click();
  await page.waitForTimeout(500);
  expect((await recorded()).shown.length).toBe(shown.length);
});

test('from the queue: one failed payout queued for a retry, the batch says so; another retried and sent at once', async () => {
  const number = scenario().exceptions.approvedBatch;
  await page.getByTestId('exceptions-kind').selectOption('failed');
  const grid = page.getByTestId('exceptions-grid');
  // The oldest first (the queue's order). The first row by its index, not by its place in the DOM;
  // its actions are in the pinned part of the row (another element with the same index).
  const firstRow = (column: string) => grid.locator(`.ag-row[row-index="0"] [col-id="${column}"]`);
  await expect(firstRow('message')).toBeVisible();
  await screenshot(page, 'exceptions');
  // The drawer: the provider's words and every attempt. The kind filter reloads the grid's block
  // asynchronously: a click on a row being replaced is lost, so click until the drawer opens.
  await expect(async () => {
    await firstRow('message').click();
    await expect(page.getByTestId('exception-drawer')).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId('exception-message')).not.toBeEmpty();
  await expect(page.getByTestId('exception-attempt').first()).toContainText('FAILED');
  await screenshot(page, 'exception-drawer');
  await page.getByTestId('exception-drawer').getByRole('button', { name: 'Close' }).click();

  // The first: queued only. The dialog says how much; the batch then says "retries queued".
  const first = await firstRow('affiliate').textContent();
  const firstAmount = (await firstRow('amountMinor').textContent())!.trim();
  await firstRow('actions').getByTestId('exception-retry').click();
  await expect(page.getByTestId('retry-summary')).toHaveText(
    `This retries 1 payout: ${firstAmount}.`,
  );
  await page.getByTestId('retry-queue').click();
  await passStepUp();
  await expect(grid.getByText(first!)).toHaveCount(0);
  await openBatch(number);
  await expect(page.getByTestId('batch-status')).toHaveAttribute('data-status', 'EXECUTING');
  await expect(page.getByTestId('execution-state')).toHaveAttribute('data-state', 'retries_queued');
  await expect(page.getByTestId('execution-state')).toHaveText(
    `Retries queued: execute to send 1 payout (${firstAmount}).`,
  );
  await page.getByTestId('batch-execute').click();
  await expect(page.getByTestId('execute-sends')).toHaveText(
    `This sends 1 payout through the providers: ${firstAmount}.`,
  );
  await page.getByRole('button', { name: 'Back' }).click();

  // The second: from the queue, retried and sent now.
  await page.getByTestId('nav-exceptions').click();
  await page.getByTestId('exceptions-kind').selectOption('failed');
  await expect(firstRow('affiliate')).toHaveText(/\(aff-\d+\)$/);
  await expect(firstRow('affiliate')).not.toHaveText(first!);
  const second = (await firstRow('affiliate').textContent())!;
  const affiliateId = /\(([^)]+)\)$/.exec(second)![1]!;
  const attempts = Number(await firstRow('attempts').textContent());
  expect(attempts).toBeGreaterThan(0);
  await firstRow('actions').getByTestId('exception-retry').click();
  await page.getByTestId('retry-send').click();
  await passStepUp();
  await expect(page.getByTestId('retry-dialog')).toHaveCount(0);
  // The execution sends both retries (and any automatic new attempt a transient failure gets) to
  // the end.
  await openBatch(number);
  await expect(page.getByTestId('batch-status')).toHaveAttribute(
    'data-status',
    /^(COMPLETED|COMPLETED_WITH_FAILURES)$/,
    { timeout: 90_000 },
  );
  const outcome = await page.evaluate(
    async ([batch, affiliate]) => {
      const r = await window.treasury.call('payouts.page', { batch, affiliateId: affiliate });
      if (!r.ok) throw new Error(r.error.message);
      return { status: r.value.rows[0]!.status, attempts: r.value.rows[0]!.attempts };
    },
    [number, affiliateId] as const,
  );
  expect(outcome.status).toMatch(/^(SUCCEEDED|FAILED)$/);
  expect(outcome.attempts).toBeGreaterThan(attempts);
  await expect(page.getByTestId('execution-state')).toHaveAttribute('data-state', 'settled');
});
