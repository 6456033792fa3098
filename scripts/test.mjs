// `npm test`: type-check, run vitest, then the end-to-end suite (Playwright in Debian's Chromium).
// When this machine has gnome-keyring and D-Bus but no Secret Service running (headless, CI), vitest
// runs in a private D-Bus session with an unlocked keyring so the real-keychain tests run instead of
// being skipped. `npm test -- <files>` runs only those vitest files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit' }).status ?? 1;
const extra = process.argv.slice(2);

if (process.env.TREASURY_TEST_SKIP_TYPECHECK !== '1') {
  const tsc = run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
  if (tsc !== 0) process.exit(tsc);
}

// The JSON report gives a plain closing line ("tests: N passed, N failed, N skipped") for CI.
const reportDir = mkdtempSync(path.join(os.tmpdir(), 'treasury-vitest-'));
const report = path.join(reportDir, 'report.json');
const vitest = ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra]
  .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
  .join(' ');
let unit;
if (!process.env.DBUS_SESSION_BUS_ADDRESS && has('dbus-run-session') && has('gnome-keyring-daemon')) {
  // A throwaway keyring in a temp dir (never the user's own login keyring), unlocked with a password
  // that protects nothing but this test session.
  const keyrings = mkdtempSync(path.join(os.tmpdir(), 'treasury-keyring-'));
  const script = `echo -n treasury-test | XDG_DATA_HOME='${keyrings}' gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; ${vitest}; status=$?; rm -rf '${keyrings}'; exit $status`;
  unit = run('dbus-run-session', ['--', 'sh', '-c', script]);
} else {
  unit = run('sh', ['-c', vitest]);
}
const counts = { passed: 0, failed: 0, skipped: 0 };
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  counts.passed += r.numPassedTests;
  counts.failed += r.numFailedTests;
  counts.skipped += r.numPendingTests + r.numTodoTests;
}
rmSync(reportDir, { recursive: true, force: true });

// The end-to-end suite (Playwright in Debian's Chromium against the browser host) runs after the
// unit and integration tests, on the built renderer. Only a run given test-file filters skips it.
const e2e = extra.length === 0 ? endToEnd() : 0;
process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
process.exit(unit !== 0 ? unit : e2e);

function endToEnd() {
  const chromium = process.env.TREASURY_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    const why = `e2e suite skipped: it needs Debian's Chromium at ${chromium} (apt-get install chromium)`;
    if (process.env.CI === 'true') {
      process.stderr.write(`\n${why} — under CI=true nothing may be skipped\n`);
      counts.failed += 1;
      return 1;
    }
    process.stdout.write(`\n${why}\n`);
    counts.skipped += 1;
    return 0;
  }
  const build = run('npx', ['electron-vite', 'build']);
  if (build !== 0) return build;
  const e2eReport = path.resolve('test/e2e/artifacts/report.json');
  rmSync(e2eReport, { force: true });
  const status = run('npx', ['playwright', 'test', '-c', 'test/e2e/playwright.config.ts']);
  if (existsSync(e2eReport)) {
    const s = JSON.parse(readFileSync(e2eReport, 'utf8')).stats;
    counts.passed += s.expected;
    counts.failed += s.unexpected + s.flaky;
    counts.skipped += s.skipped;
  } else if (status !== 0) counts.failed += 1;
  return status;
}
