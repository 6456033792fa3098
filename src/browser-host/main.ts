/**
 * `npm run start:browser` (and `npm start` where there is no Electron runtime): the console in a
 * browser, on the embedded defaults (encrypted cache and PGlite central in the data dir) or
 * TREASURY_CENTRAL_URL — the same workstation as the app, run in its own thread so this server
 * never waits on a calculation or an execution.
 *
 * It prints a one-time link, opens it in the desktop's browser when asked to (`--open`) and a
 * desktop session exists, prints a new link whenever Enter is pressed in its terminal, and serves
 * until Ctrl-C (exit 0).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ownerOnlyUmask } from '../core/platform/files/private.js';
import { defaultDataDir } from '../core/platform/files/paths.js';
import { appVersion, resourcePath } from '../core/platform/files/resources.js';
import { openWorkstationThread } from '../core/host/workstation/thread/door.js';
import { serveAttach, type AttachEndpoint } from '../core/host/workstation/attach/endpoint.js';
import { startBrowserHost } from './server.js';

ownerOnlyUmask();
const workstation = await openWorkstationThread({
  dataDir: path.resolve(process.env.TREASURY_DATA_DIR ?? defaultDataDir()),
  centralUrl: process.env.TREASURY_CENTRAL_URL,
  ...(process.env.TREASURY_OFFLINE === '1' || process.env.TREASURY_OFFLINE === 'true'
    ? { offline: true }
    : {}),
});
let rendererDir: string | undefined;
try {
  rendererDir = resourcePath('out/renderer');
} catch {
  rendererDir = undefined; // not built: the host says how to build it
}
const host = await startBrowserHost({
  workstation,
  port: Number(process.env.TREASURY_BROWSER_PORT ?? 0),
  rendererDir,
  version: appVersion(),
});
// `treasury …` on this data dir works through this host meanwhile (attach/endpoint.ts).
const attach: AttachEndpoint | null = await serveAttach(workstation).catch((error: Error) => {
  process.stderr.write(
    `(CLI commands on this data dir cannot reach this host: ${error.message})\n`,
  );
  return null;
});
const interactive = process.stdin.isTTY === true;
process.stdout.write(
  `Treasury Console (browser host) for ${workstation.dataDir}\n` +
    `Open this link in your browser (it works once; ${interactive ? 'press Enter here' : 'run `npx treasury console link`'} for another):\n  ${host.url}\n` +
    `Ctrl-C to stop.\n`,
);
if (process.argv.includes('--open')) openInBrowser(host.url);

if (interactive) {
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', () => process.stdout.write(`New one-time link:\n  ${host.newLink()}\n`));
}

// Ctrl-C reaches this process twice under npm (the terminal's signal, then npm forwarding its own):
// the handler stays installed, so the second one does not kill the process half-way through
// stopping.
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await attach?.close();
  await host.close();
  await workstation.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

/**
 * Where a desktop session exists, its own opener shows the link; elsewhere the printed link is the
 * way in.
 */
function openInBrowser(url: string): void {
  const opener =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? ['xdg-open', [url]]
          : null;
  if (!opener) return;
  const child = spawn(opener[0] as string, opener[1] as string[], {
    stdio: 'ignore',
    detached: true,
  });
  child.on('error', () =>
    process.stdout.write('(could not open a browser here: open the link above yourself)\n'),
  );
  child.unref();
}
