/**
 * The browser host's doors, over real HTTP on loopback: loopback only, a one-time token traded for
 * an HttpOnly cookie, foreign origins and hosts refused, the bridge envelope checked, and the
 * session kept by the host (the page never sees a token) — the same router behind it as Electron's.
 * Then the rest of `window.treasury` as a browser gets it: progress events on a WebSocket (behind
 * the same checks), an import uploaded as the picked file, an export handed back as a one-time
 * download — with the workstation in its own thread, as `npm run start:browser` runs it.
 */
import { readdirSync, statSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hostFile } from '../../../src/browser-host/control.js';
import { startBrowserHost, type BrowserHost } from '../../../src/browser-host/server.js';
import {
  openWorkstationThread,
  type WorkstationDoor,
} from '../../../src/core/host/workstation/thread/door.js';
import { tempDir } from '../../support/central.js';
import { cliEnv, runCli } from '../../support/cli.js';
import {
  ADMIN_PASSWORD,
  memoryCredentials,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: {
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined)
      req.write(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    req.end();
  });
}

describe('browser host', () => {
  let t: TestWorkstation;
  let host: BrowserHost;
  let cookie = '';
  const base = () => `http://127.0.0.1:${host.port}`;
  const call = (name: string, payload: unknown, headers: Record<string, string> = {}) =>
    http(`${base()}/bridge/call`, {
      method: 'POST',
      headers: { cookie, ...headers },
      body: { name, payload },
    }).then(
      (r) => JSON.parse(r.body) as { ok: boolean; value?: unknown; error?: { code: string } },
    );

  beforeAll(async () => {
    t = await openTestWorkstation('pglite');
    host = await startBrowserHost({ workstation: t.ws });
  }, 120_000);
  afterAll(async () => {
    await host?.close();
    await t?.cleanup();
  });

  it('listens on 127.0.0.1 only and trades its one-time token for an HttpOnly cookie', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?t=[\w-]{20,}$/);
    expect((await http(base() + '/')).status).toBe(401);
    expect((await http(base() + '/?t=not-the-token')).status).toBe(403);
    const first = await http(host.url);
    expect(first.status).toBe(303);
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly; SameSite=Strict/);
    expect(setCookie).not.toMatch(/Max-Age|Expires/i); // a session cookie: it ends with the browser
    cookie = setCookie.split(';')[0]!;
    expect((await http(host.url)).status).toBe(403); // spent
    const page = await http(base() + '/', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(page.body).toContain('/bridge.js');
  });

  it('refuses other sites and other host names', async () => {
    expect(
      (await http(`${base()}/bridge/info`, { headers: { cookie, origin: 'https://evil.example' } }))
        .status,
    ).toBe(403);
    expect(
      (await http(`${base()}/bridge/info`, { headers: { cookie, host: 'evil.example' } })).status,
    ).toBe(403);
    expect((await http(`${base()}/bridge/info`)).status).toBe(401); // no cookie
    expect(
      JSON.parse((await http(`${base()}/bridge/info`, { headers: { cookie } })).body),
    ).toMatchObject({
      host: 'browser',
      online: true,
      credentials: { kind: 'keychain', fallback: false },
    });
  });

  it('runs calls through the router; the session token never reaches the page', async () => {
    expect(await call('batch.list', {})).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHENTICATED' },
    });
    const signed = await call('session.signIn', { username: 'admin', password: ADMIN_PASSWORD });
    expect(signed).toEqual({
      ok: true,
      value: { ok: true, operator: expect.objectContaining({ username: 'admin' }) },
    });
    expect(JSON.stringify(signed)).not.toMatch(/token/);
    expect(await call('batch.list', {})).toEqual({ ok: true, value: [] });
    expect(await call('batch.list', { limit: 'many' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION' },
    });
    const bad = await http(`${base()}/bridge/call`, {
      method: 'POST',
      headers: { cookie },
      body: { name: 'batch.list', payload: {}, session: 'stolen' },
    });
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(
      (
        await http(`${base()}/bridge/call`, {
          method: 'POST',
          headers: { cookie, origin: 'https://evil.example' },
          body: { name: 'batch.list', payload: {} },
        })
      ).status,
    ).toBe(403);
  });
});

describe('browser host: links and browser sessions in ordinary use', () => {
  let t: TestWorkstation;
  let host: BrowserHost;
  const base = () => `http://127.0.0.1:${host.port}`;
  const enter = async (link: string) => {
    const r = await http(link);
    expect(r.status).toBe(303);
    return String(r.headers['set-cookie']).split(';')[0]!;
  };
  const callAs = (cookie: string, name: string, payload: unknown) =>
    http(`${base()}/bridge/call`, {
      method: 'POST',
      headers: { cookie },
      body: { name, payload },
    }).then((r) => JSON.parse(r.body) as { ok: boolean; value?: any; error?: { code: string } });

  beforeAll(async () => {
    t = await openTestWorkstation('pglite');
    host = await startBrowserHost({ workstation: t.ws, idleMs: 1500 });
  }, 120_000);
  afterAll(async () => {
    await host?.close();
    await t?.cleanup();
  });

  it('a reload and a second tab keep the browser session; a used link, or no cookie, gets a page that says how to get in', async () => {
    const cookie = await enter(host.url);
    expect(
      await callAs(cookie, 'session.signIn', { username: 'admin', password: ADMIN_PASSWORD }),
    ).toMatchObject({ ok: true });
    // A reload and a second tab are the same browser: the same cookie, the same sign-in.
    expect((await http(`${base()}/`, { headers: { cookie } })).status).toBe(200);
    expect(await callAs(cookie, 'session.whoami', {})).toMatchObject({
      ok: true,
      value: { username: 'admin' },
    });
    // The used link again, from the browser that used it: straight back in.
    const again = await http(host.url, { headers: { cookie } });
    expect(again.status).toBe(303);
    expect(again.headers['set-cookie']).toBeUndefined();
    // The used link from another browser (or after a restart: no cookie): a page, not JSON.
    const used = await http(host.url);
    expect(used.status).toBe(403);
    expect(used.headers['content-type']).toMatch(/^text\/html/);
    expect(used.body).toMatch(/already used or has expired/);
    expect(used.body).toMatch(/press <strong>Enter<\/strong>/);
    expect(used.body).toContain('npx treasury console link');
    const restarted = await http(`${base()}/`);
    expect(restarted.status).toBe(401);
    expect(restarted.headers['content-type']).toMatch(/^text\/html/);
    expect(restarted.body).toMatch(/not signed in to the console host/);
    // The page's own calls still get JSON (it shows the error in place).
    expect(JSON.parse((await http(`${base()}/bridge/info`)).body)).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHENTICATED' },
    });
  });

  it('a new link on demand opens a second browser session with its own sign-in', async () => {
    const first = await enter(host.newLink());
    const second = await enter(host.newLink());
    expect(second).not.toBe(first);
    expect(
      await callAs(first, 'session.signIn', { username: 'admin', password: ADMIN_PASSWORD }),
    ).toMatchObject({ ok: true });
    expect(await callAs(second, 'batch.list', {})).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHENTICATED' },
    });
    expect(await callAs(first, 'batch.list', {})).toMatchObject({ ok: true });
  });

  it('`treasury console link` asks the running host for a new link through its owner-only control file', async () => {
    const file = hostFile(t.ws.dataDir);
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    const r = await runCli(['console', 'link'], {
      cwd: t.ws.dataDir,
      env: cliEnv({ TREASURY_DATA_DIR: t.ws.dataDir }),
    });
    expect(r.code, r.stderr).toBe(0);
    const link = /http:\/\/127\.0\.0\.1:\d+\/\?t=\S+/.exec(r.stdout)![0];
    await enter(link);
    // Without the control token the host prints nothing.
    expect(
      (
        await http(`${base()}/host/link`, {
          method: 'POST',
          headers: { authorization: 'Bearer not-the-token' },
        })
      ).status,
    ).toBe(403);
    const elsewhere = await runCli(
      ['--data-dir', path.join(t.ws.dataDir, 'other'), 'console', 'link'],
      { cwd: t.ws.dataDir, env: cliEnv({}) },
    );
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toMatch(/no console host is running for/);
  });

  it('a browser session unused for the idle time ends, and with it its operator session', async () => {
    const cookie = await enter(host.newLink());
    expect(
      await callAs(cookie, 'session.signIn', { username: 'admin', password: ADMIN_PASSWORD }),
    ).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 3500));
    // Its operator session was signed out by the host's own sweep (no request needed), not left
    // open.
    const sessions = await t.call<{ action: string }[]>('audit.tail', { limit: 5 });
    expect(sessions.map((e) => e.action)).toContain('session.signOut');
    expect((await http(`${base()}/`, { headers: { cookie } })).status).toBe(401);
  });
});

describe('browser host over the workstation thread', () => {
  let dir: { dir: string; remove(): void };
  let door: WorkstationDoor;
  let host: BrowserHost;
  let cookie = '';
  const base = () => `http://127.0.0.1:${host.port}`;
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    http(`${base()}${url}`, {
      method: 'POST',
      headers: { cookie, origin: base(), ...headers },
      body,
    }).then(
      (r) =>
        JSON.parse(r.body) as {
          ok: boolean;
          value?: any;
          error?: { code: string; message: string; problems: unknown[] };
          download?: string;
        },
    );

  beforeAll(async () => {
    dir = tempDir();
    door = await openWorkstationThread({ dataDir: dir.dir, credentials: memoryCredentials() });
    host = await startBrowserHost({ workstation: door });
    cookie = String((await http(host.url)).headers['set-cookie']).split(';')[0]!;
    expect(
      await post('/bridge/call', {
        name: 'operators.bootstrap',
        payload: { username: 'admin', password: ADMIN_PASSWORD },
      }),
    ).toMatchObject({ ok: true });
    expect(
      await post('/bridge/call', {
        name: 'session.signIn',
        payload: { username: 'admin', password: ADMIN_PASSWORD },
      }),
    ).toMatchObject({ ok: true });
  }, 120_000);
  afterAll(async () => {
    await host?.close();
    await door?.close();
    dir?.remove();
  });

  it('streams progress events of a long call to the page over the WebSocket, and to nobody without the cookie', async () => {
    await expect(
      new Promise((resolve, reject) => {
        const stranger = new WebSocket(`ws://127.0.0.1:${host.port}/bridge/events`, {
          headers: { origin: base() },
        });
        stranger.on('open', () => reject(new Error('a socket without the cookie was accepted')));
        stranger.on('error', resolve);
      }),
    ).resolves.toBeDefined();
    // Not even with the cookie when the upgrade carries no Origin (a browser always sends one).
    await expect(
      new Promise((resolve, reject) => {
        const originless = new WebSocket(`ws://127.0.0.1:${host.port}/bridge/events`, {
          headers: { cookie },
        });
        originless.on('open', () => reject(new Error('an upgrade without Origin was accepted')));
        originless.on('error', resolve);
      }),
    ).resolves.toBeDefined();
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/bridge/events`, {
      headers: { origin: base(), cookie },
    });
    await new Promise((resolve) => socket.once('open', resolve));
    const events: { callId: string; name: string; phase: string; done: number; total?: number }[] =
      [];
    socket.on('message', (m) => events.push(JSON.parse(String(m))));
    const id = crypto.randomUUID();
    const r = await post('/bridge/call', {
      name: 'demo.generate',
      payload: { affiliates: 50, conversions: 30_000, seed: 3, until: '2026-11-01' },
      id,
    });
    expect(r).toMatchObject({ ok: true, value: { conversions: 30_000 } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.close();
    const mine = events.filter((e) => e.callId === id);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.at(-1)).toMatchObject({
      name: 'demo.generate',
      phase: 'generating',
      done: 30_000,
      total: 30_000,
    });
  });

  it('imports an uploaded file under its own name, and removes it afterwards', async () => {
    const csv =
      'id,name,email,country,currency,provider,channel_code,account_number,account_holder_name,status\nnew-1,Ayu,ayu@example.com,ID,IDR,xendit,ID_BCA,1234567890,Ayu,active\nnew-2,Budi,not-an-email,ID,IDR,xendit,ID_BCA,1234567891,Budi,active\n';
    const upload = (name: string) =>
      new Promise<{
        ok: boolean;
        error?: { message: string; problems: { file?: string; line?: number; field?: string }[] };
      }>((resolve, reject) => {
        const req = request(
          `${base()}/bridge/import?name=affiliates.import&fileName=${name}`,
          {
            method: 'POST',
            headers: { cookie, origin: base(), 'content-type': 'application/octet-stream' },
          },
          (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (d: string) => (body += d));
            res.on('end', () => resolve(JSON.parse(body)));
          },
        );
        req.on('error', reject);
        req.end(csv);
      });
    const r = await upload('affiliates-march.csv');
    expect(r.ok).toBe(false);
    expect(r.error!.problems[0]).toMatchObject({ line: 3 });
    expect(r.error!.problems[0]!.file).toMatch(/affiliates-march\.csv$/);
    expect(readdirSync(path.join(dir.dir, 'transit'))).toEqual([]);
    // A name that climbs out of the transit folder is flattened into it.
    const climbing = await upload(encodeURIComponent('../../../escaped.csv'));
    expect(climbing.ok).toBe(false);
    expect(climbing.error!.problems[0]!.file).toMatch(/escaped\.csv$/);
    expect(climbing.error!.problems[0]!.file).not.toMatch(/\.\.\//);
    expect(readdirSync(dir.dir).filter((f) => f.includes('escaped'))).toEqual([]);
    expect(readdirSync(path.dirname(dir.dir)).filter((f) => f.includes('escaped'))).toEqual([]);
    expect(readdirSync(path.join(dir.dir, 'transit'))).toEqual([]);
  });

  it('runs an export as a job and hands its file back as a one-time download once it has succeeded, then deletes it', async () => {
    const r = await post('/bridge/export', {
      name: 'export.payoutItems',
      payload: { format: 'csv' },
      suggestedName: 'items.csv',
    });
    expect(r).toMatchObject({
      ok: true,
      value: { name: 'export.payoutItems', state: 'running' },
      download: expect.stringMatching(/^\/bridge\/download\/[0-9a-f-]{36}$/),
    });
    const jobId = (r as { value: { id: string } }).value.id;
    expect(r.download).toBe(`/bridge/download/${jobId}`);
    const state = async () =>
      (
        (await post('/bridge/call', { name: 'jobs.get', payload: { id: jobId } })) as {
          value: { state: string };
        }
      ).value.state;
    await expect.poll(state, { timeout: 20_000 }).toBe('succeeded');
    const got = await http(`${base()}${r.download}`, { headers: { cookie } });
    expect(got.status).toBe(200);
    expect(got.headers['content-disposition']).toBe('attachment; filename="items.csv"');
    expect(Papa.parse(got.body.trim()).data[0]).toContain('payout_id');
    expect((await http(`${base()}${r.download}`, { headers: { cookie } })).status).toBe(403); // taken
    expect(readdirSync(path.join(dir.dir, 'transit'))).toEqual([]);
    expect(
      await post('/bridge/export', {
        name: 'export.payoutItems',
        payload: { format: 'csv' },
        suggestedName: '../../etc/passwd',
      }),
    ).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('signs out the session the host holds', async () => {
    expect(await post('/bridge/call', { name: 'session.signOut', payload: {} })).toMatchObject({
      ok: true,
    });
    expect(await post('/bridge/call', { name: 'batch.list', payload: {} })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHENTICATED' },
    });
  });
});
