/**
 * grids: the operator's grid tools (grids.spec.ts) over a small demo in embedded PGlite — column
 * filters, saved views, bulk hold, "export this grid". A control endpoint restarts the console
 * (POST /restart: the browser host and the workstation closed, then opened again on the same data
 * dir, as a relaunch does) and answers the new one-time link, so a spec can check what survives a
 * restart.
 */
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { startBrowserHost, type BrowserHost } from '../../../src/browser-host/server.js';
import { resourcePath } from '../../../src/core/platform/files/resources.js';
import {
  openWorkstation,
  type Workstation,
} from '../../../src/core/host/workstation/workstation.js';
import { cleanups, seed } from '../kit.js';

export interface GridsScenario {
  url: string;
  /** POST /restart → { url }: the console relaunched on the same data dir. */
  control: string;
}

export async function build(root: string): Promise<GridsScenario> {
  const dir = path.join(root, 'grids');
  await seed(dir, undefined, async (call) => {
    await call('demo.generate', {
      affiliates: 80,
      conversions: 5000,
      seed: 7,
      until: '2026-11-01',
    });
    await call('commissions.calculate', {});
  });
  let running: { ws: Workstation; h: BrowserHost } | null = null;
  const start = async () => {
    const ws = await openWorkstation({ dataDir: dir });
    const h = await startBrowserHost({
      workstation: ws,
      rendererDir: resourcePath('out/renderer'),
      version: 'e2e',
    });
    running = { ws, h };
    return h.url;
  };
  const stop = async () => {
    if (!running) return;
    const { ws, h } = running;
    running = null;
    await h.close();
    await ws.close();
  };
  cleanups.push(stop);
  const url = await start();
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/restart') return res.writeHead(404).end();
    void stop()
      .then(start)
      .then(
        (next) =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ url: next })),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url, control: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}
