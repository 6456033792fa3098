#!/usr/bin/env node
// `npm run start:browser`: the browser host, TypeScript loaded through tsx (no build step for the
// host itself). The console it serves is the built renderer: built here first when missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'out/renderer/index.html'))) {
  process.stdout.write('Building the console (electron-vite build) …\n');
  const built = spawnSync('npx', ['electron-vite', 'build'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
register();
await import('../src/browser-host/main.ts');
