// `npm start`: the console on the embedded defaults, on any machine.
//
// - With the Electron runtime: the app, in Electron (its SQLite module built for Electron first).
// - Without it: first Electron's own download (it needs internet access beyond the npm registry);
//   when that works, Electron as above. When it does not, the same console through the browser
//   host: built if needed, served on 127.0.0.1, its one-time link printed and opened where a
//   desktop session exists, until Ctrl-C (exit 0).
//
// It says in one line which of the two it does and why. `--dev` runs electron-vite's dev server.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary, fetchElectron } from './electron.mjs';
import { buildForElectron } from './electron-native.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dev = process.argv.includes('--dev');
/** npm start gives the download this long: a closed network must not keep the console from opening. */
const FETCH_TIMEOUT_MS = 90_000;
const say = (line) => process.stdout.write(`${line}\n`);

function runElectron() {
  try {
    buildForElectron();
  } catch (error) {
    return {
      ok: false,
      why: `the SQLite module could not be built for Electron (${error.message})`,
    };
  }
  const result = spawnSync('npx', ['electron-vite', dev ? 'dev' : 'preview'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  process.exit(result.status ?? 1);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** The renderer is built when missing or older than its sources (the renderer and the core it imports). */
function ensureRendererBuilt() {
  const index = path.join(root, 'out', 'renderer', 'index.html');
  const stale =
    !existsSync(index) ||
    statSync(index).mtimeMs <
      Math.max(
        newestMtime(path.join(root, 'src', 'renderer')),
        newestMtime(path.join(root, 'src', 'core')),
      );
  if (!stale) return;
  say('Building the console (electron-vite build) …');
  const built = spawnSync('npx', ['electron-vite', 'build'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

if (electronBinary()) {
  say(`Opening the console in Electron (${electronBinary()}).`);
  const r = runElectron();
  say(`Electron cannot run the console: ${r.why}. Serving it in your browser instead.`);
} else {
  say(
    'The Electron runtime is not installed (npm install does not download it): trying its download …',
  );
  if (fetchElectron({ timeoutMs: FETCH_TIMEOUT_MS })) {
    say(`Electron downloaded: opening the console in Electron (${electronBinary()}).`);
    const r = runElectron();
    say(`Electron cannot run the console: ${r.why}. Serving it in your browser instead.`);
  } else {
    say(
      `Electron could not be downloaded (${fetchElectron.lastError ?? 'no network access to its mirror'}): serving the same console in your browser instead.`,
    );
  }
}
ensureRendererBuilt();
// The host keeps serving until Ctrl-C, which it answers by closing the stores and exiting 0.
process.argv.push('--open');
await import('../bin/browser-host.mjs');
