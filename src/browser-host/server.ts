/**
 * The browser host: the same workstation door as Electron's IPC, served to a browser on 127.0.0.1
 * only, for development and the end-to-end tests (this machine cannot download Electron). What
 * Electron's main process guarantees, this host guarantees over HTTP:
 *
 * - **Loopback only**: it listens on 127.0.0.1 and refuses a request whose Host header names
 *   anything else (DNS rebinding) or whose Origin is not its own (another site's page).
 * - **One-time token**: the URL it prints carries a random token; the first visit trades it for an
 *   HttpOnly, SameSite=Strict cookie and the token is spent. Without the cookie nothing answers,
 *   the WebSocket included.
 * - **The session stays here** (BridgeSession): the page only learns who signed in.
 * - **Same envelope and the same `window.treasury`**: `{ name, payload, id? }`, schema-checked;
 *   progress events over a WebSocket (`/bridge/events`); imports upload the picked file, exports
 *   come back as a one-time download — where Electron shows native open/save dialogs.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { chmodSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ProgressEvent } from '../core/bridge/contract.js';
import { bridgeExportSchema, bridgeImportSchema, invalid, toWire } from '../core/bridge/envelope.js';
import { CONTENT_SECURITY_POLICY } from '../core/bridge/csp.js';
import { BridgeSession } from '../core/bridge/session-host.js';
import { toTreasuryError } from '../core/commands/errors.js';
import type { WorkstationDoor } from '../core/workstation/thread/door.js';

/** The same policy as Electron's (one constant for both hosts). */
export const BROWSER_CSP = CONTENT_SECURITY_POLICY;

export interface BrowserHost {
  /** The URL to open once: it carries the one-time token. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface BrowserHostOptions {
  workstation: WorkstationDoor;
  port?: number;
  /** A built renderer (electron-vite's out/renderer) to serve; without it, a page says how to build one. */
  rendererDir?: string;
  version?: string;
}

const COOKIE = 'treasury_host';
const MAX_CALL_BYTES = 10 * 1024 * 1024;
/** An import is a CSV of up to a few million rows. */
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
/** An export not downloaded within this time is deleted. */
const DOWNLOAD_TTL_MS = 10 * 60 * 1000;
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2' };

/**
 * The page-side bridge: `window.treasury` over fetch and a WebSocket, the same TreasuryBridge as the
 * preload exposes in Electron.
 */
const BRIDGE_JS = `(() => {
  const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
  const listeners = new Set();
  let socket = null;
  const connect = () => {
    socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/bridge/events');
    socket.onmessage = (m) => { const e = JSON.parse(m.data); for (const l of listeners) l(e); };
    socket.onclose = () => setTimeout(connect, 1000);
  };
  connect();
  const pick = () => new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = '.csv,text/csv';
    input.style.display = 'none';
    input.addEventListener('change', () => { resolve(input.files && input.files[0] ? input.files[0] : null); input.remove(); });
    input.addEventListener('cancel', () => { resolve(null); input.remove(); });
    document.body.appendChild(input);
    input.click();
  });
  window.treasury = Object.freeze({
    call: (name, payload, options) => post('/bridge/call', options && options.id ? { name, payload, id: options.id } : { name, payload }),
    info: () => fetch('/bridge/info').then((r) => r.json()),
    onProgress: (listener) => { listeners.add(listener); return () => listeners.delete(listener); },
    importFile: async (name, options) => {
      const file = await pick();
      if (!file) return null;
      const q = new URLSearchParams({ name, fileName: file.name });
      if (options && options.id) q.set('id', options.id);
      return fetch('/bridge/import?' + q, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file }).then((r) => r.json());
    },
    exportFile: async (name, payload, suggestedName, options) => {
      const r = await post('/bridge/export', options && options.id ? { name, payload, suggestedName, id: options.id } : { name, payload, suggestedName });
      if (r.ok && r.download) {
        const a = document.createElement('a');
        a.href = r.download;
        a.download = suggestedName;
        document.body.appendChild(a);
        a.click();
        a.remove();
      }
      return r.ok ? { ok: true, value: r.value } : r;
    },
  });
})();
`;

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const door = options.workstation;
  let oneTimeToken: string | null = randomBytes(24).toString('base64url');
  const cookieValue = randomBytes(32).toString('base64url');
  let origin = '';
  const sockets = new Set<WebSocket>();
  const emit = (event: ProgressEvent) => {
    const text = toWire(event);
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(text);
  };
  const bridge = new BridgeSession(door, emit);
  // Files in transit (uploaded imports, exports waiting for their download) live in the data dir,
  // readable by this user only, and are removed once used.
  // Anything left there by a host that crashed is removed; the folder is owner-only even if it existed.
  const transit = path.join(door.dataDir, 'transit');
  rmSync(transit, { recursive: true, force: true });
  mkdirSync(transit, { recursive: true, mode: 0o700 });
  chmodSync(transit, 0o700);
  const downloads = new Map<string, { file: string; name: string; timer: NodeJS.Timeout }>();

  const send = (res: http.ServerResponse, status: number, body: string | Buffer, type = 'application/json', headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'content-security-policy': BROWSER_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store', ...headers });
    res.end(body);
  };
  const refuse = (res: http.ServerResponse, status: number, message: string) =>
    send(res, status, toWire({ ok: false, error: { code: status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', kind: 'user', message, problems: [] } }));

  /** Host, Origin and cookie: the checks every request and the WebSocket upgrade pass. */
  const admitted = (req: http.IncomingMessage): { ok: true } | { ok: false; status: number; message: string } => {
    if (req.headers.host !== new URL(origin).host) return { ok: false, status: 403, message: 'this host answers on 127.0.0.1 only' };
    if (req.headers.origin !== undefined && req.headers.origin !== origin) return { ok: false, status: 403, message: 'requests from other sites are refused' };
    const cookies = Object.fromEntries((req.headers.cookie ?? '').split(';').map((c) => c.trim().split('=')).filter((p) => p.length === 2) as [string, string][]);
    if (cookies[COOKIE] === undefined || !same(cookies[COOKIE], cookieValue)) return { ok: false, status: 401, message: 'open the link the host printed (it carries a one-time token)' };
    return { ok: true };
  };

  const readJson = async (req: http.IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_CALL_BYTES) throw Object.assign(new Error('a call is at most 10 MiB'), { tooLarge: true });
      chunks.push(chunk as Buffer);
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return undefined;
    }
  };
  const ipOf = (req: http.IncomingMessage) => req.socket.remoteAddress ?? null;
  const plainName = (name: string) => name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'file';

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('t')) {
        if (req.headers.host !== new URL(origin).host) return refuse(res, 403, 'this host answers on 127.0.0.1 only');
        const t = url.searchParams.get('t')!;
        if (oneTimeToken === null || !same(t, oneTimeToken)) return refuse(res, 403, 'this link was already used or is not valid: restart the host for a new one');
        oneTimeToken = null; // spent
        res.writeHead(303, { location: '/', 'set-cookie': `${COOKIE}=${cookieValue}; HttpOnly; SameSite=Strict; Path=/`, 'cache-control': 'no-store' });
        return res.end();
      }
      const admission = admitted(req);
      if (!admission.ok) return refuse(res, admission.status, admission.message);

      if (req.method === 'POST' && url.pathname === '/bridge/call') {
        let raw: unknown;
        try {
          raw = await readJson(req);
        } catch {
          return refuse(res, 403, 'a call is at most 10 MiB');
        }
        return send(res, 200, toWire(await bridge.call(raw, ipOf(req))));
      }
      if (req.method === 'POST' && url.pathname === '/bridge/import') {
        const parsed = bridgeImportSchema.safeParse({ name: url.searchParams.get('name') ?? undefined, ...(url.searchParams.has('id') ? { id: url.searchParams.get('id') } : {}) });
        if (!parsed.success) return send(res, 200, toWire({ ok: false, error: { code: 'VALIDATION', kind: 'user', message: 'an import names affiliates.import or conversions.import', problems: [] } }));
        // The uploaded file keeps its name, so the import's errors point at the file the operator chose.
        const file = path.join(transit, `${randomUUID()}-${plainName(url.searchParams.get('fileName') ?? 'upload.csv')}`);
        try {
          let size = 0;
          req.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_UPLOAD_BYTES) req.destroy(new Error('an import is at most 2 GiB'));
          });
          await pipeline(req, createWriteStream(file, { mode: 0o600 }));
          return send(res, 200, toWire(await bridge.run(parsed.data.name, { file }, parsed.data.id, ipOf(req))));
        } finally {
          rmSync(file, { force: true });
        }
      }
      if (req.method === 'POST' && url.pathname === '/bridge/export') {
        const parsed = bridgeExportSchema.safeParse(await readJson(req).catch(() => undefined));
        if (!parsed.success) return send(res, 200, toWire(invalid('an export is { name, payload, suggestedName, id? }', parsed.error)));
        const token = randomUUID();
        const file = path.join(transit, `${token}-${parsed.data.suggestedName}`);
        const result = await bridge.run(parsed.data.name, { ...parsed.data.payload, out: file }, parsed.data.id, ipOf(req));
        if (!result.ok) {
          rmSync(file, { force: true });
          return send(res, 200, toWire(result));
        }
        downloads.set(token, { file, name: parsed.data.suggestedName, timer: setTimeout(() => forget(token), DOWNLOAD_TTL_MS).unref() });
        return send(res, 200, toWire({ ...result, download: `/bridge/download/${token}` }));
      }
      if (req.method === 'GET' && url.pathname.startsWith('/bridge/download/')) {
        const token = url.pathname.slice('/bridge/download/'.length);
        const d = downloads.get(token);
        if (!d) return refuse(res, 403, 'this download was already taken or has expired');
        downloads.delete(token);
        clearTimeout(d.timer);
        res.writeHead(200, { 'content-type': d.name.endsWith('.json') ? 'application/json' : 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${d.name}"`, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'content-security-policy': BROWSER_CSP });
        // The name goes before the first byte: the open descriptor keeps the bytes (POSIX), so once
        // the download has started the export exists nowhere but in this response. Where an open
        // file cannot be removed (Windows), it goes when the response ends.
        const stream = createReadStream(d.file);
        await once(stream, 'open');
        let removed = false;
        try {
          rmSync(d.file, { force: true });
          removed = true;
        } catch {
          /* removed below */
        }
        await pipeline(stream, res).finally(() => removed || rmSync(d.file, { force: true }));
        return;
      }
      if (req.method === 'GET' && url.pathname === '/bridge/info') return send(res, 200, toWire(await bridge.info(options.version ?? '0.0.0', 'browser')));
      if (req.method === 'GET' && url.pathname === '/bridge.js') return send(res, 200, BRIDGE_JS, 'text/javascript');
      if (req.method === 'GET') return serveRenderer(url.pathname, res, send, options.rendererDir);
      return refuse(res, 403, 'not allowed');
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, toWire({ ok: false, error: toTreasuryError(error).toJSON() }));
      else res.destroy();
    });
  });
  const forget = (token: string) => {
    const d = downloads.get(token);
    downloads.delete(token);
    if (d) rmSync(d.file, { force: true });
  };

  // Progress events: a WebSocket behind the same Host, Origin and cookie checks. It only listens.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const admission = admitted(req);
    if (url.pathname !== '/bridge/events' || !admission.ok || req.headers.origin === undefined) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => ws.close(1008, 'this socket only listens'));
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
    close: async () => {
      for (const s of sockets) s.terminate();
      wss.close();
      for (const token of [...downloads.keys()]) forget(token);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
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
