// `npm run electron:fetch`: download the Electron runtime (needs internet access) with electron's own
// installer. The window opens the central store (PGlite is WASM: no native code); the encrypted cache's
// native module is built for Node, and is rebuilt for Electron's ABI by the packaging step
// (electron-builder install-app-deps), not here, so the CLI and tests keep working.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { electronBinary } from './electron.mjs';

const require = createRequire(import.meta.url);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!electronBinary()) {
  const installer = path.join(path.dirname(require.resolve('electron/package.json')), 'install.js');
  run(process.execPath, [installer]);
}
if (!electronBinary()) {
  process.stderr.write('The Electron download did not produce a binary; check network access to the Electron release mirror (ELECTRON_MIRROR).\n');
  process.exit(1);
}
process.stdout.write(`Electron runtime ready: ${electronBinary()}\n`);
