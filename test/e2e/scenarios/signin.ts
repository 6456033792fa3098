/**
 * signin: sign-in and step-up that explain themselves (sign-in.spec.ts). The four operators of
 * every scenario, no demo data; the viewer may sign in only from 10.99.0.0/16, which the browser
 * (127.0.0.1) is not in. The workstation runs in this process (not a thread) so that a control
 * endpoint can reach its central store: it makes a session look older than the step-up window (a
 * prompt without waiting five minutes) and counts the audit entries (showing the sign-in screen
 * must leave none).
 */
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { startBrowserHost } from '../../../src/browser-host/server.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { resourcePath } from '../../../src/core/platform/files/resources.js';
import {
  openWorkstation,
  type Workstation,
} from '../../../src/core/host/workstation/workstation.js';
import { cleanups, seed } from '../kit.js';

export interface SignInScenario {
  url: string;
  /**
   * POST /age?username=U: U's open sessions last confirmed their password 10 minutes ago; GET
   * /audit: { entries } in the central audit log.
   */
  control: string;
}

export async function build(root: string): Promise<SignInScenario> {
  const dir = path.join(root, 'signin');
  await seed(dir, undefined, async (call) => {
    await call('ip.allow', { username: 'viewer', cidr: '10.99.0.0/16', note: 'e2e: elsewhere' });
  });
  const ws = await openWorkstation({ dataDir: dir });
  const h = await startBrowserHost({
    workstation: ws,
    rendererDir: resourcePath('out/renderer'),
    version: 'e2e',
  });
  cleanups.push(async () => {
    await h.close();
    await ws.close();
  });
  return { url: h.url, control: await control(ws) };
}

async function control(ws: Workstation): Promise<string> {
  const server = http.createServer((req, res) => {
    void answer(ws, req).then(
      (body) =>
        body === null
          ? res.writeHead(404).end()
          : res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

async function answer(ws: Workstation, req: http.IncomingMessage): Promise<object | null> {
  const url = new URL(req.url ?? '/', 'http://control');
  if (req.method === 'POST' && url.pathname === '/age') {
    const username = url.searchParams.get('username') ?? '';
    await ws.central.db.execute(
      sql`UPDATE sessions SET created_at = now() - interval '10 minutes', stepped_up_at = NULL
          WHERE ended_at IS NULL AND operator_id = (SELECT id FROM operators WHERE username = ${username})`,
    );
    return { ok: true };
  }
  if (req.method === 'GET' && url.pathname === '/audit') {
    const [{ n } = { n: 0 }] = await rows<{ n: number }>(
      ws.central.db,
      sql`SELECT count(*)::int AS n FROM audit_log`,
    );
    return { entries: Number(n) };
  }
  return null;
}
