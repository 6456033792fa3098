/**
 * `npm run start:browser`: the console in a browser, on the embedded defaults (encrypted cache and
 * PGlite central in the data dir) or TREASURY_CENTRAL_URL — the same workstation as the app.
 */
import path from 'node:path';
import { defaultDataDir } from '../core/workstation/paths.js';
import { resourcePath } from '../core/workstation/resources.js';
import { openWorkstation } from '../core/workstation/workstation.js';
import { startBrowserHost } from './server.js';

const workstation = await openWorkstation({ dataDir: path.resolve(process.env.TREASURY_DATA_DIR ?? defaultDataDir()), centralUrl: process.env.TREASURY_CENTRAL_URL });
let rendererDir: string | undefined;
try {
  rendererDir = resourcePath('out/renderer');
} catch {
  rendererDir = undefined; // not built: the host says how to build it
}
const host = await startBrowserHost({ workstation, port: Number(process.env.TREASURY_BROWSER_PORT ?? 0), rendererDir });
process.stdout.write(`Treasury Console (browser host) for ${workstation.dataDir}\nOpen this link once (it carries a one-time token):\n  ${host.url}\nCtrl-C to stop.\n`);
const stop = async () => {
  await host.close();
  await workstation.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
