// `npm test`: type-check, then run vitest. When this machine has gnome-keyring and D-Bus but no
// Secret Service running (headless, CI), the run is wrapped in a private D-Bus session with an
// unlocked keyring so the real-keychain tests run instead of being skipped.
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
if (!process.env.DBUS_SESSION_BUS_ADDRESS && has('dbus-run-session') && has('gnome-keyring-daemon')) {
  // A throwaway keyring in a temp dir (never the user's own login keyring), unlocked with a password
  // that protects nothing but this test session.
  const keyrings = mkdtempSync(path.join(os.tmpdir(), 'treasury-keyring-'));
  const script = `echo -n treasury-test | XDG_DATA_HOME='${keyrings}' gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; ${vitest}; status=$?; rm -rf '${keyrings}'; exit $status`;
  finish(run('dbus-run-session', ['--', 'sh', '-c', script]));
} else {
  finish(run('sh', ['-c', vitest]));
}

function finish(status) {
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    process.stdout.write(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped\n`);
  }
  rmSync(reportDir, { recursive: true, force: true });
  process.exit(status);
}
