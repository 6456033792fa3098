// `npm test`: lint (types, rules, format), run vitest, then the end-to-end suite (Playwright in Debian's Chromium).
//
// - What the machine lacks (PostgreSQL, a Secret Service, Chromium, a mountable tmpfs) is skipped
//   with one line saying why, and listed again at the end with the number of tests skipped. Under
//   CI=true nothing may be skipped: a missing piece fails the run.
// - When this machine has gnome-keyring and D-Bus but no Secret Service running (headless, CI),
//   vitest runs in a private D-Bus session with a throwaway unlocked keyring, so the real-keychain
//   tests run instead of being skipped.
// - The end prints the ten slowest test files (hooks included) and the closing line
//   "tests: N passed, N failed, N skipped".
//
// `npm test -- <files>` runs only those vitest files (no e2e). `npm run test:quick` (`--quick`):
// the pure and PGlite suites only (the list is in vitest.config.ts) — for iteration.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const run = (cmd, args, env = process.env) =>
  spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1;
const quote = (a) => `'${a.replace(/'/g, `'\\''`)}'`;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const files = args.filter((a) => a !== '--quick');

// First step: `npm run lint` (the per-floor type-check, ESLint with the floors rule, the formatter).
if (process.env.TREASURY_TEST_SKIP_LINT !== '1') {
  const lint = run('npm', ['run', '--silent', 'lint']);
  if (lint !== 0) process.exit(lint);
}
// Tests run the CLI as operators do: build it once here rather than in the first test that needs it.
if (run(process.execPath, ['scripts/cli-build.mjs']) !== 0) process.exit(1);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'treasury-test-run-'));
const report = path.join(scratch, 'report.json');
const skipsFile = path.join(scratch, 'skips.jsonl');
const timingsFile = path.join(scratch, 'timings.json');
const env = {
  ...process.env,
  TREASURY_TEST_SKIPS: skipsFile,
  TREASURY_TEST_TIMINGS: timingsFile,
  ...(quick ? { TREASURY_TEST_QUICK: '1' } : {}),
};
const vitest = [
  'npx',
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  '--reporter=./test/support/timings-reporter.ts',
  ...files,
]
  .map(quote)
  .join(' ');
let unit;
if (
  !process.env.DBUS_SESSION_BUS_ADDRESS &&
  has('dbus-run-session') &&
  has('gnome-keyring-daemon')
) {
  // A throwaway keyring in a temp dir (never the user's own login keyring), unlocked with a password
  // that protects nothing but this test session.
  const keyrings = mkdtempSync(path.join(os.tmpdir(), 'treasury-keyring-'));
  const script = `echo -n treasury-test | XDG_DATA_HOME='${keyrings}' gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; ${vitest}; status=$?; rm -rf '${keyrings}'; exit $status`;
  unit = run('dbus-run-session', ['--', 'sh', '-c', script], env);
} else {
  unit = run('sh', ['-c', vitest], env);
}
const counts = { passed: 0, failed: 0, skipped: 0 };
const timings = existsSync(timingsFile) ? JSON.parse(readFileSync(timingsFile, 'utf8')) : [];
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  counts.passed += r.numPassedTests;
  counts.failed += r.numFailedTests;
  counts.skipped += r.numPendingTests + r.numTodoTests;
  // A file that failed outside any test (a hook that timed out, an import that threw) counts as one
  // failure: its tests are reported skipped, and the closing line must not say "0 failed".
  const broken = r.testResults.filter(
    (t) => t.status === 'failed' && !t.assertionResults.some((a) => a.status === 'failed'),
  );
  counts.failed += broken.length;
  counts.skipped -= broken.reduce(
    (n, t) =>
      n + t.assertionResults.filter((a) => a.status !== 'passed' && a.status !== 'failed').length,
    0,
  );
}

// The end-to-end suite (Playwright in Debian's Chromium against the browser host) runs after the
// unit and integration tests, on the built renderer. A run given test files, or a quick run, skips it.
const e2e = files.length === 0 && !quick ? endToEnd() : 0;
summary();
rmSync(scratch, { recursive: true, force: true });
process.exit(unit !== 0 ? unit : e2e);

function endToEnd() {
  const chromium = process.env.TREASURY_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(chromium)) {
    const why = `it needs Debian's Chromium at ${chromium} (apt-get install chromium)`;
    if (process.env.CI === 'true') {
      process.stderr.write(`\ne2e suite: ${why} — under CI=true nothing may be skipped\n`);
      counts.failed += 1;
      return 1;
    }
    process.stdout.write(`\n[skip] e2e suite skipped: ${why}\n`);
    skipped('the end-to-end suite (test/e2e, Playwright)', why);
    counts.skipped += 1;
    return 0;
  }
  const started = Date.now();
  const build = run('npx', ['electron-vite', 'build']);
  if (build !== 0) return build;
  const e2eReport = path.resolve('test/e2e/artifacts/report.json');
  rmSync(e2eReport, { force: true });
  const status = run('npx', ['playwright', 'test', '-c', 'test/e2e/playwright.config.ts']);
  timings.push({ file: 'test/e2e (build + Playwright)', ms: Date.now() - started });
  if (existsSync(e2eReport)) {
    const s = JSON.parse(readFileSync(e2eReport, 'utf8')).stats;
    counts.passed += s.expected;
    counts.failed += s.unexpected + s.flaky;
    counts.skipped += s.skipped;
  } else if (status !== 0) counts.failed += 1;
  return status;
}

function skipped(what, why) {
  appendFileSync(skipsFile, JSON.stringify({ what, why }) + '\n');
}

function summary() {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const reasons = existsSync(skipsFile)
    ? [
        ...new Map(
          readFileSync(skipsFile, 'utf8')
            .trim()
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
            .map((s) => [s.what, s.why]),
        ).entries(),
      ]
    : [];
  if (reasons.length > 0 || counts.skipped > 0) {
    out(`\nSkipped on this machine (${counts.skipped} tests):`);
    for (const [what, why] of reasons) out(`  - ${what}: ${why}`);
    if (reasons.length === 0) out('  - (no reason was announced: see the [skip] lines above)');
  }
  if (timings.length > 0) {
    out('\nSlowest test files:');
    for (const t of [...timings].sort((a, b) => b.ms - a.ms).slice(0, 10))
      out(`  ${(t.ms / 1000).toFixed(1).padStart(7)} s  ${t.file}`);
  }
  out(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
}
