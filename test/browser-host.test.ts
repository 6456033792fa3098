/**
 * The browser host's doors, over real HTTP on loopback: loopback only, a one-time token traded for
 * an HttpOnly cookie, foreign origins and hosts refused, the bridge envelope checked, and the
 * session kept by the host (the page never sees a token) — the same router behind it as Electron's.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHost, type BrowserHost } from '../src/browser-host/server.js';
import { ADMIN_PASSWORD, openTestWorkstation, type TestWorkstation } from './support/workstation.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(url: string, options: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: { ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    req.end();
  });
}

describe('browser host', () => {
  let t: TestWorkstation;
  let host: BrowserHost;
  let cookie = '';
  const base = () => `http://127.0.0.1:${host.port}`;
  const call = (name: string, payload: unknown, headers: Record<string, string> = {}) =>
    http(`${base()}/bridge/call`, { method: 'POST', headers: { cookie, ...headers }, body: { name, payload } }).then((r) => JSON.parse(r.body) as { ok: boolean; value?: unknown; error?: { code: string } });

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
    cookie = setCookie.split(';')[0]!;
    expect((await http(host.url)).status).toBe(403); // spent
    const page = await http(base() + '/', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'/);
    expect(page.body).toContain('/bridge.js');
  });

  it('refuses other sites and other host names', async () => {
    expect((await http(`${base()}/bridge/info`, { headers: { cookie, origin: 'https://evil.example' } })).status).toBe(403);
    expect((await http(`${base()}/bridge/info`, { headers: { cookie, host: 'evil.example' } })).status).toBe(403);
    expect((await http(`${base()}/bridge/info`)).status).toBe(401); // no cookie
    expect(JSON.parse((await http(`${base()}/bridge/info`, { headers: { cookie } })).body)).toMatchObject({ host: 'browser', online: true });
  });

  it('runs calls through the router; the session token never reaches the page', async () => {
    expect(await call('batch.list', {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    const signed = await call('session.signIn', { username: 'admin', password: ADMIN_PASSWORD });
    expect(signed).toEqual({ ok: true, value: { ok: true, operator: expect.objectContaining({ username: 'admin' }) } });
    expect(JSON.stringify(signed)).not.toMatch(/token/);
    expect(await call('batch.list', {})).toEqual({ ok: true, value: [] });
    expect(await call('batch.list', { limit: 'many' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    const bad = await http(`${base()}/bridge/call`, { method: 'POST', headers: { cookie }, body: { name: 'batch.list', payload: {}, session: 'stolen' } });
    expect(JSON.parse(bad.body)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect((await http(`${base()}/bridge/call`, { method: 'POST', headers: { cookie, origin: 'https://evil.example' }, body: { name: 'batch.list', payload: {} } })).status).toBe(403);
  });
});
