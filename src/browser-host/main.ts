/**
 * `npm run start:browser`: the console in a browser, on the embedded defaults (encrypted cache and
 * PGlite central in the data dir) or TREASURY_CENTRAL_URL — the same workstation as the app, run in
 * its own thread so this server never waits on a calculation or an execution.
 */
import path from 'node:path';
import { defaultDataDir } from '../core/workstation/paths.js';
import { appVersion, resourcePath } from '../core/workstation/resources.js';
import { openWorkstationThread } from '../core/workstation/thread/door.js';
import { startBrowserHost } from './server.js';

const workstation = await openWorkstationThread({
  dataDir: path.resolve(process.env.TREASURY_DATA_DIR ?? defaultDataDir()),
  centralUrl: process.env.TREASURY_CENTRAL_URL,
  ...(process.env.TREASURY_OFFLINE === '1' || process.env.TREASURY_OFFLINE === 'true' ? { offline: true } : {}),
});
let rendererDir: string | undefined;
try {
  rendererDir = resourcePath('out/renderer');
} catch {
  rendererDir = undefined; // not built: the host says how to build it
}
const version = appVersion();
const host = await startBrowserHost({ workstation, port: Number(process.env.TREASURY_BROWSER_PORT ?? 0), rendererDir, version });
process.stdout.write(`Treasury Console (browser host) for ${workstation.dataDir}\nOpen this link once (it carries a one-time token):\n  ${host.url}\nCtrl-C to stop.\n`);
const stop = async () => {
  await host.close();
  await workstation.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
