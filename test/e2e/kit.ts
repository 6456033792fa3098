/**
 * What the e2e scenarios share (harness.ts builds them): the password, seeding a fresh data dir with
 * the operators every scenario has, an approved batch, and a browser host over a workstation thread
 * that the harness stops at the end. A scenario of its own lives in test/e2e/scenarios/<name>.ts and
 * exports `build(root)`, answering what its specs need (they read it with `scenarioPart(name)`).
 */
import http from 'node:http';
import type net from 'node:net';
import { sql } from 'drizzle-orm';
import { startBrowserHost, type BrowserHost } from '../../src/browser-host/server.js';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import { resourcePath } from '../../src/core/platform/files/resources.js';
import {
  openWorkstationThread,
  type WorkstationDoor,
} from '../../src/core/host/workstation/thread/door.js';
import { openWorkstation, type Workstation } from '../../src/core/host/workstation/workstation.js';

export const E2E_PASSWORD = 'e2e password, long enough 1';
export const PG_URL = process.env.TREASURY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const cleanups: (() => Promise<void> | void)[] = [];
export const log = (line: string) => process.stderr.write(`[e2e harness] ${line}\n`);

export async function seed(
  dataDir: string,
  centralUrl: string | undefined,
  fn: (call: SeedCall, ws: Workstation) => Promise<void>,
): Promise<void> {
  const ws = await openWorkstation({ dataDir, centralUrl });
  try {
    const raw = (name: string, payload: unknown, session: string | null) =>
      ws.call({ name, payload, session, workstationId: ws.id });
    await raw('operators.bootstrap', { username: 'admin', password: E2E_PASSWORD }, null);
    const signed = (await raw(
      'session.signIn',
      { username: 'admin', password: E2E_PASSWORD },
      null,
    )) as SignInResult;
    if (!signed.ok) throw new Error('admin sign-in failed');
    const call: SeedCall = (name, payload) => raw(name, payload, signed.token);
    for (const [username, role] of [
      ['maker', 'processor'],
      ['checker', 'admin'],
      ['viewer', 'viewer'],
    ] as const) {
      await call('operators.create', { username, role, password: E2E_PASSWORD });
    }
    // One approver suffices in these scenarios (the two-approver rule has its own tests), and the
    // burst rule must not hold approvals made seconds apart by the suite.
    await ws.central.db.execute(
      sql`INSERT INTO settings (key, value) VALUES ('high_value_thresholds', ${JSON.stringify({ IDR: '1000000000000', PHP: '100000000', USD: '10000000' })}::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    );
    await ws.central.db.execute(
      sql`INSERT INTO settings (key, value) VALUES ('security_rules', ${JSON.stringify({ highValueBurst: { count: 1_000_000, windowMinutes: 1 } })}::jsonb) ON CONFLICT (key) DO NOTHING`,
    );
    await fn(call, ws);
  } finally {
    await ws.close();
  }
}
export type SeedCall = (name: string, payload: unknown) => Promise<unknown>;

/**
 * A batch created and submitted by admin and approved by checker, waiting for execution: its
 * number.
 */
export async function approvedBatch(
  call: SeedCall,
  ws: Workstation,
  filters: { provider: string; currency: string },
): Promise<string> {
  const created = (await call('batch.create', filters)) as {
    batches: { id: string; number: string; contentHash: string }[];
  };
  const batch = created.batches[0]!;
  await call('batch.submit', { batch: batch.id });
  const checker = (await ws.call({
    name: 'session.signIn',
    payload: { username: 'checker', password: E2E_PASSWORD },
    workstationId: ws.id,
  })) as SignInResult;
  if (!checker.ok) throw new Error('checker sign-in failed');
  await ws.call({
    name: 'batch.approve',
    payload: { batch: batch.id, contentHash: batch.contentHash },
    session: checker.token,
    workstationId: ws.id,
  });
  return batch.number;
}

export async function host(
  dataDir: string,
  centralUrl?: string,
): Promise<{ door: WorkstationDoor; host: BrowserHost }> {
  const door = await openWorkstationThread({ dataDir, centralUrl, retryAfterMs: 1000 });
  const h = await startBrowserHost({
    workstation: door,
    rendererDir: resourcePath('out/renderer'),
    version: 'e2e',
  });
  cleanups.push(async () => {
    await h.close();
    await door.close();
  });
  return { door, host: h };
}

/** Control: the tests cut and restore a scenario's central store (POST /offline/stop, /start). */
export async function relayControl(cut: {
  stop(): Promise<void>;
  start(): Promise<void>;
}): Promise<string> {
  const control = http.createServer((req, res) => {
    void (async () => {
      if (req.method === 'POST' && req.url === '/offline/stop') await cut.stop();
      else if (req.method === 'POST' && req.url === '/offline/start') await cut.start();
      else return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    })();
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(() => new Promise<void>((resolve) => control.close(() => resolve())));
  return `http://127.0.0.1:${(control.address() as net.AddressInfo).port}`;
}
