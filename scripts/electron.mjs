// Where the Electron binary is, or null when it was never downloaded (this project denies
// electron's install script so that `npm install` works with only the npm registry reachable),
// and the download itself: electron's own installer, bounded in time.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** A download that has not finished in this time is given up (a network that drops packets hangs). */
const FETCH_TIMEOUT_MS = 10 * 60 * 1000;

function electronDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

export function electronBinary() {
  const pkgDir = electronDir();
  if (!pkgDir) return null;
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = path.join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

/** Runs electron's installer; true when a binary is there afterwards. Quiet: its output is kept, not shown. */
export function fetchElectron({ quiet = true, timeoutMs = FETCH_TIMEOUT_MS } = {}) {
  const pkgDir = electronDir();
  if (!pkgDir) return false;
  const r = spawnSync(process.execPath, [path.join(pkgDir, 'install.js')], {
    stdio: quiet ? 'pipe' : 'inherit',
    timeout: timeoutMs,
    encoding: 'utf8',
  });
  if (!electronBinary() && quiet) fetchElectron.lastError = firstLine(r);
  return electronBinary() !== null;
}

function firstLine(r) {
  if (r.error) return r.error.code === 'ETIMEDOUT' ? 'the download timed out' : r.error.message;
  const text = `${r.stderr ?? ''}\n${r.stdout ?? ''}`;
  const line =
    text.split('\n').find((l) => /error|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/i.test(l)) ??
    text.trim().split('\n')[0] ??
    '';
  return line.trim().slice(0, 200) || `the installer exited with ${r.status}`;
}
