/**
 * The end-to-end suite: Debian's Chromium (this machine cannot download Playwright's browsers)
 * driving the console served by the browser host, against real workstations (harness.ts).
 * Screenshots of each step land in test/e2e/artifacts/screenshots (kept as CI artifacts), or with
 * TREASURY_DOC_SCREENSHOTS=1 in docs/images for the user guide (scenario.ts).
 */
import { defineConfig } from '@playwright/test';

export const CHROMIUM = process.env.TREASURY_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  outputDir: './artifacts/results',
  globalSetup: './global-setup.ts',
  // The scenarios share hosts (each one-time link opens one browser context): run them in order.
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  reporter: [['list'], ['json', { outputFile: './artifacts/report.json' }]],
  use: {
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      // The flags this machine needs: no sandbox as root, no GPU, and no background connections
      // (the closed network refuses them, many at a time).
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-default-apps',
      ],
    },
  },
});
