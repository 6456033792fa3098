/**
 * The browser host: the same workstation door as Electron's IPC (`workstation.call`), served to a
 * browser on 127.0.0.1 only, for development and the end-to-end tests (this machine cannot download
 * Electron). What Electron's main process guarantees, this host guarantees over HTTP:
 *
 * - **Loopback only**: it listens on 127.0.0.1 and refuses a request whose Host header names
 *   anything else (DNS rebinding) or whose Origin is not its own (another site's page).
 * - **One-time token**: the URL it prints carries a random token; the first visit trades it for an
 *   HttpOnly, SameSite=Strict cookie and the token is spent. Without the cookie nothing answers.
 * - **The session stays here**: as in Electron, the session token from a sign-in is kept by the
 *   host and never sent to the page, which only learns who signed in.
 * - **Same envelope**: `{ name, payload }`, schema-checked (bridgeCallSchema); the payload by the
 *   command's own schema in the router. Strict CSP on every page it serves.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { bridgeCallSchema, type BridgeResult } from '../core/bridge/contract.js';
import { toTreasuryError } from '../core/commands/errors.js';
import type { Workstation } from '../core/workstation/workstation.js';

export const BROWSER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

export interface BrowserHost {
  /** The URL to open once: it carries the one-time token. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface BrowserHostOptions {
  workstation: Workstation;
  port?: number;
  /** A built renderer (electron-vite's out/renderer) to serve; without it, a page says how to build one. */
  rendererDir?: string;
  version?: string;
}

const COOKIE = 'treasury_host';
const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };

/** The page-side bridge: `window.treasury` over fetch, the same TreasuryBridge as the preload exposes. */
const BRIDGE_JS = `window.treasury = Object.freeze({
  call: (name, payload) => fetch('/bridge/call', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, payload }) }).then((r) => r.json()),
  info: () => fetch('/bridge/info').then((r) => r.json()),
});
`;

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const ws = options.workstation;
  let oneTimeToken: string | null = randomBytes(24).toString('base64url');
  const cookieValue = randomBytes(32).toString('base64url');
  let sessionToken: string | null = null;
  let origin = '';

  const send = (res: http.ServerResponse, status: number, body: string | Buffer, type = 'application/json', headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'content-security-policy': BROWSER_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store', ...headers });
    res.end(body);
  };
  const refuse = (res: http.ServerResponse, status: number, message: string) =>
    send(res, status, json({ ok: false, error: { code: status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', kind: 'user', message, problems: [] } }));

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      if (req.headers.host !== new URL(origin).host) return refuse(res, 403, 'this host answers on 127.0.0.1 only');
      if (req.headers.origin !== undefined && req.headers.origin !== origin) return refuse(res, 403, 'requests from other sites are refused');
      const cookies = Object.fromEntries((req.headers.cookie ?? '').split(';').map((c) => c.trim().split('=')).filter((p) => p.length === 2) as [string, string][]);
      const authorised = cookies[COOKIE] !== undefined && same(cookies[COOKIE], cookieValue);

      if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('t')) {
        const t = url.searchParams.get('t')!;
        if (oneTimeToken === null || !same(t, oneTimeToken)) return refuse(res, 403, 'this link was already used or is not valid: restart the host for a new one');
        oneTimeToken = null; // spent
        res.writeHead(303, { location: '/', 'set-cookie': `${COOKIE}=${cookieValue}; HttpOnly; SameSite=Strict; Path=/`, 'cache-control': 'no-store' });
        return res.end();
      }
      if (!authorised) return refuse(res, 401, 'open the link the host printed (it carries a one-time token)');

      if (req.method === 'POST' && url.pathname === '/bridge/call') {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of req) {
          size += (chunk as Buffer).length;
          if (size > 10 * 1024 * 1024) return refuse(res, 403, 'a call is at most 10 MiB');
          chunks.push(chunk as Buffer);
        }
        let raw: unknown;
        try {
          raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          raw = undefined;
        }
        const parsed = bridgeCallSchema.safeParse(raw);
        if (!parsed.success) {
          const result: BridgeResult<never> = { ok: false, error: { code: 'VALIDATION', kind: 'user', message: 'a bridge call is { name, payload }', problems: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) } };
          return send(res, 200, json(result));
        }
        try {
          const value = await ws.call({ name: parsed.data.name, payload: parsed.data.payload, session: sessionToken, workstationId: ws.id, ip: req.socket.remoteAddress ?? null });
          if (parsed.data.name === 'session.signIn' && value && typeof value === 'object' && (value as { ok?: boolean }).ok) {
            // The token stays in this process; the page only learns who signed in.
            sessionToken = (value as { token: string }).token;
            return send(res, 200, json({ ok: true, value: { ok: true, operator: (value as { operator: unknown }).operator } }));
          }
          if (parsed.data.name === 'session.signOut') sessionToken = null;
          return send(res, 200, json({ ok: true, value }));
        } catch (error) {
          return send(res, 200, json({ ok: false, error: toTreasuryError(error).toJSON() }));
        }
      }
      if (req.method === 'GET' && url.pathname === '/bridge/info') {
        const c = await ws.connectivity();
        return send(res, 200, json({ version: options.version ?? '0.0.0', host: 'browser', dataDir: ws.dataDir, central: c.central, online: c.online, offlineReason: c.reason }));
      }
      if (req.method === 'GET' && url.pathname === '/bridge.js') return send(res, 200, BRIDGE_JS, 'text/javascript');
      if (req.method === 'GET') return serveRenderer(url.pathname, res, send, options.rendererDir);
      return refuse(res, 403, 'not allowed');
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, json({ ok: false, error: toTreasuryError(error).toJSON() }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?t=${oneTimeToken}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The built renderer with the bridge script in front of its own; without a build, a page that says how to make one. */
function serveRenderer(pathname: string, res: http.ServerResponse, send: (res: http.ServerResponse, status: number, body: string | Buffer, type?: string) => void, dir: string | undefined) {
  if (!dir || !existsSync(path.join(dir, 'index.html'))) {
    return send(res, 200, '<!doctype html><title>Treasury Console</title><script src="/bridge.js"></script><p>The console is not built yet: run <code>npm run build</code>, then start the host again.</p>', 'text/html; charset=utf-8');
  }
  const file = path.resolve(dir, '.' + (pathname === '/' ? '/index.html' : pathname));
  if (!file.startsWith(path.resolve(dir) + path.sep) || !existsSync(file)) return send(res, 404, 'not found', 'text/plain');
  const body = file.endsWith('index.html') ? readFileSync(file, 'utf8').replace('<head>', '<head><script src="/bridge.js"></script>') : readFileSync(file);
  return send(res, 200, body, TYPES[path.extname(file)] ?? 'application/octet-stream');
}
