/**
 * bench:views, the page's part: the console in Debian's Chromium (Playwright), served by the
 * browser host over the benchmark's store, as an operator uses it. For payables, the builder's
 * preview of every affiliate and the Reports view it prints the time until the rows show and the
 * longest task the page ran meanwhile (a PerformanceObserver of 'longtask' entries: anything over
 * 50 ms that blocked the page; the target is ≤ 100 ms). Skipped, saying why, where Chromium or
 * the console's build is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type Page } from '@playwright/test';
import { startBrowserHost } from '../src/browser-host/server.js';
import { resourcePath } from '../src/core/platform/files/resources.js';
import { openWorkstationThread } from '../src/core/host/workstation/thread/door.js';

const CHROMIUM = process.env.TREASURY_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
];

export interface PageFigure {
  label: string;
  toRowsMs: number;
  longestTaskMs: number;
}

/** Long tasks recorded from the page's first script on (their durations, ms). */
const OBSERVE = () => {
  const w = window as unknown as { __longTasks: number[] };
  w.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: true });
};

async function measure(
  page: Page,
  label: string,
  act: () => Promise<void>,
  shown: () => Promise<void>,
): Promise<PageFigure> {
  await page.evaluate(() => ((window as unknown as { __longTasks: number[] }).__longTasks = []));
  const t0 = Date.now();
  await act();
  await shown();
  const toRowsMs = Date.now() - t0;
  // What the page still does once the rows show (the rest of the blocks, charts) counts too.
  await page.waitForTimeout(1000);
  const tasks = await page.evaluate(
    () => (window as unknown as { __longTasks: number[] }).__longTasks,
  );
  return { label, toRowsMs, longestTaskMs: Math.round(Math.max(0, ...tasks)) };
}

/** Why the page's part cannot run here, or null. */
export function pageSkipReason(): string | null {
  if (!existsSync(CHROMIUM))
    return `no Chromium at ${CHROMIUM} (set TREASURY_CHROMIUM, or apt-get install chromium)`;
  return null;
}

export async function pagePart(o: {
  dataDir: string;
  centralUrl?: string | undefined;
  username: string;
  password: string;
}): Promise<PageFigure[]> {
  // The console's build (npm start makes it; a fresh checkout has none).
  const built = () => {
    try {
      return resourcePath('out/renderer');
    } catch {
      return null;
    }
  };
  if (!built()) execFileSync('npx', ['electron-vite', 'build'], { stdio: 'ignore' });
  const rendererDir = built();
  if (!rendererDir) throw new Error('the console did not build (npx electron-vite build)');
  // The benchmark's store was opened with no secrets: here the cache key lives in the environment,
  // over a new cache (the scratch one had a key nobody kept).
  process.env.TREASURY_CREDENTIAL_STORE = 'env';
  process.env.TREASURY_CACHE_KEY ??= randomBytes(32).toString('hex');
  for (const f of readdirSync(o.dataDir))
    if (f.startsWith('cache.db')) rmSync(path.join(o.dataDir, f), { force: true });
  const door = await openWorkstationThread({ dataDir: o.dataDir, centralUrl: o.centralUrl });
  const host = await startBrowserHost({ workstation: door, rendererDir, version: 'bench' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(180_000);
    await page.addInitScript(OBSERVE);
    await page.goto(host.url);
    await page.getByLabel('Username').fill(o.username);
    await page.getByLabel('Password').fill(o.password);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('operator').waitFor();
    const figures: PageFigure[] = [];
    const payables = page.getByTestId('payables-grid');
    figures.push(
      await measure(
        page,
        'payables: first rows',
        () => page.getByTestId('nav-payables').click(),
        () => payables.locator('.ag-row').first().waitFor(),
      ),
    );
    figures.push(
      await measure(
        page,
        'payables: quick filter',
        () => page.getByTestId('payables-search').fill('SANTOS'),
        () =>
          payables
            .locator('.ag-row')
            .first()
            .filter({ hasText: /santos/i })
            .waitFor(),
      ),
    );
    const preview = page.getByTestId('builder-preview-grid');
    figures.push(
      await measure(
        page,
        'builder: preview of everyone',
        async () => {
          await page.getByTestId('nav-builder').click();
          await page.getByTestId('builder-preview').click();
        },
        () =>
          preview
            .locator('.ag-row[row-index="0"]')
            .first()
            .filter({ hasText: /aff-\d{6}/ })
            .waitFor(),
      ),
    );
    figures.push(
      await measure(
        page,
        'builder: sort by amount',
        () => preview.locator('.ag-header-cell[col-id="amountMinor"]').click(),
        () =>
          preview
            .locator('.ag-row[row-index="0"]')
            .first()
            .filter({ hasText: /aff-\d{6}/ })
            .waitFor(),
      ),
    );
    figures.push(
      await measure(
        page,
        'reports: every report',
        () => page.getByTestId('nav-reports').click(),
        async () => {
          await page.getByTestId('report-journal-accounts').waitFor();
          await page.getByTestId('report-affiliates').locator('.ag-row').first().waitFor();
          await page.getByTestId('report-monitoring-batches').waitFor();
        },
      ),
    );
    return figures;
  } finally {
    await browser.close();
    await host.close();
    await door.close();
  }
}
