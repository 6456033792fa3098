/**
 * The browser host: the same workstation door as Electron's IPC, served to a browser on 127.0.0.1
 * only, for development and the end-to-end tests (this machine cannot download Electron). What
 * Electron's main process guarantees, this host guarantees over HTTP:
 *
 * - **Loopback only**: it listens on 127.0.0.1 and refuses a request whose Host header names
 *   anything else (DNS rebinding) or whose Origin is not its own (another site's page).
 * - **One-time links** (admission.ts): the URL it prints carries a random token; the first visit
 *   trades it for an HttpOnly, SameSite=Strict cookie and the token is spent. Without the cookie
 *   nothing answers, the WebSocket included; a page (never raw JSON) says how to get a new link:
 *   Enter in the host's terminal, or `treasury console link` (control.ts).
 * - **The session stays here** (BridgeSession, one per browser session): the page only learns who
 *   signed in.
 * - **Same envelope and the same `window.treasury`**: `{ name, payload, id?, background? }`,
 *   schema-checked; progress events over a WebSocket (`/bridge/events`); imports upload the picked file (the
 *   import screen's is checked, then kept in transit until imported or dropped), exports come
 *   back as a one-time download — where Electron shows native open/save dialogs.
 */
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WebSocketServer, type WebSocket } from 'ws';
import type { JobView, ProgressEvent } from '../core/host/bridge/contract.js';
import {
  bridgeExportSchema,
  bridgeImportSchema,
  invalid,
  toWire,
} from '../core/host/bridge/envelope.js';
import { CONTENT_SECURITY_POLICY } from '../core/host/bridge/csp.js';
import { BridgeSession } from '../core/host/bridge/session-host.js';
import { toTreasuryError } from '../core/shared/errors.js';
import type { WorkstationDoor } from '../core/host/workstation/thread/door.js';
import { Admission, same } from './admission.js';
import { CONTROL_PATH, newControlToken, removeHostFile, writeHostFile } from './control.js';
import { getInPage, NOT_BUILT_PAGE } from './pages.js';

/** The same policy as Electron's (one constant for both hosts). */
export const BROWSER_CSP = CONTENT_SECURITY_POLICY;

export interface BrowserHost {
  /** The URL to open once: it carries the one-time token. */
  readonly url: string;
  readonly port: number;
  /** Another one-time link (for a second browser, or after the first was used). */
  newLink(): string;
  close(): Promise<void>;
}

export interface BrowserHostOptions {
  workstation: WorkstationDoor;
  port?: number;
  /**
   * A built renderer (electron-vite's out/renderer) to serve; without it, a page says how to build
   * one.
   */
  rendererDir?: string;
  version?: string;
  /** How long an unused browser session lasts (default 8 hours). */
  idleMs?: number;
  /**
   * Write `<data dir>/browser-host.json` so that `treasury console link` can ask for a new link
   * (default true).
   */
  controlFile?: boolean;
}

const MAX_CALL_BYTES = 10 * 1024 * 1024;
/** An import is a CSV of up to a few million rows. */
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
/** An export not downloaded within this time (from its start: it runs as a job) is deleted. */
const DOWNLOAD_TTL_MS = 60 * 60 * 1000;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The page-side bridge: `window.treasury` over fetch and a WebSocket, the same TreasuryBridge as
 * the preload exposes in Electron.
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
    call: (name, payload, options) => post('/bridge/call', Object.assign({ name, payload }, options && options.id ? { id: options.id } : {}, options && options.background ? { background: true } : {})),
    info: () => fetch('/bridge/info').then((r) => r.json()),
    onProgress: (listener) => { listeners.add(listener); return () => listeners.delete(listener); },
    importFile: async (name, options) => {
      const file = await pick();
      if (!file) return null;
      const q = new URLSearchParams({ name, fileName: file.name });
      if (options && options.id) q.set('id', options.id);
      return fetch('/bridge/import?' + q, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file }).then((r) => r.json());
    },
    previewImport: async (name, options) => {
      // The picked file is uploaded to the host, checked there and kept for importPicked.
      const file = await pick();
      if (!file) return null;
      const q = new URLSearchParams({ name, fileName: file.name, preview: '1' });
      if (options && options.id) q.set('id', options.id);
      return fetch('/bridge/import?' + q, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file }).then((r) => r.json());
    },
    importPicked: (picked, options) => post('/bridge/import-picked', options && options.id ? { picked, id: options.id } : { picked }),
    dropPicked: (picked) => post('/bridge/import-drop', { picked }).then(() => undefined),
    exportFile: async (name, payload, suggestedName, options) => {
      // The export runs as a job; the page fetches r.download once the job has succeeded.
      const r = await post('/bridge/export', options && options.id ? { name, payload, suggestedName, id: options.id } : { name, payload, suggestedName });
      return r.ok ? { ok: true, value: r.value, download: r.download } : r;
    },
  });
})();
`;

/**
 * What each browser session holds: its operator sign-in and the sockets its progress events go to.
 */
interface Visit {
  bridge: BridgeSession;
  sockets: Set<WebSocket>;
}

type Send = (
  res: http.ServerResponse,
  status: number,
  body: string | Buffer,
  type?: string,
  headers?: Record<string, string>,
) => void;

const send: Send = (res, status, body, type = 'application/json', headers = {}) => {
  res.writeHead(status, {
    'content-type': type,
    'content-security-policy': BROWSER_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
};
const refuse = (res: http.ServerResponse, status: number, message: string) =>
  send(
    res,
    status,
    toWire({
      ok: false,
      error: {
        code: status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN',
        kind: 'user',
        message,
        problems: [],
      },
    }),
  );
const html = 'text/html; charset=utf-8';
/** A page the browser navigates to (not the page's own fetches): a refusal is shown as a page. */
const isPageRequest = (req: http.IncomingMessage, url: URL) =>
  req.method === 'GET' && !url.pathname.startsWith('/bridge/');
const ipOf = (req: http.IncomingMessage) => req.socket.remoteAddress ?? null;
const plainName = (name: string) => name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'file';

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_CALL_BYTES)
      throw Object.assign(new Error('a call is at most 10 MiB'), { tooLarge: true });
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Files in transit (uploaded imports, exports waiting for their download): owner-only, removed once
 * used or after DOWNLOAD_TTL_MS.
 */
class Transit {
  readonly dir: string;
  private readonly downloads = new Map<
    string,
    { file: string; name: string; timer: NodeJS.Timeout }
  >();
  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'transit');
    // Anything left there by a host that crashed is removed; the folder is owner-only even if it
    // existed.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
  }
  /** `token`: the export job's id; the file is there once the job has succeeded. */
  offer(file: string, name: string, token: string): string {
    this.downloads.set(token, {
      file,
      name,
      timer: setTimeout(() => this.forget(token), DOWNLOAD_TTL_MS).unref(),
    });
    return token;
  }
  take(token: string) {
    const d = this.downloads.get(token);
    if (!d) return null;
    this.downloads.delete(token);
    clearTimeout(d.timer);
    return d;
  }
  forget(token: string): void {
    const d = this.take(token);
    if (d) rmSync(d.file, { force: true });
  }
  clear(): void {
    for (const token of [...this.downloads.keys()]) this.forget(token);
  }
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const door = options.workstation;
  const admission = admitVisits(door, options.idleMs);
  const sweep = setInterval(
    () => admission.expire(),
    Math.min(60_000, options.idleMs ?? 60_000),
  ).unref();
  const transit = new Transit(door.dataDir);
  const control = newControlToken();
  let origin = ''; // known once the server listens, before any request can arrive
  const link = () => `${origin}/?t=${admission.issueLink()}`;
  const routes = bridgeRoutes(door, transit, options);
  const server = http.createServer(frontDoor({ door, admission, control, link, routes }));
  const wss = acceptProgressSockets(server, admission);
  const port = await listen(server, options.port ?? 0);
  origin = `http://127.0.0.1:${port}`;
  admission.setOrigin(origin);
  if (options.controlFile !== false)
    writeHostFile(door.dataDir, { pid: process.pid, origin, control });
  return {
    url: link(),
    port,
    newLink: link,
    close: async () => {
      if (options.controlFile !== false) removeHostFile(door.dataDir, control);
      clearInterval(sweep);
      admission.endAll();
      wss.close();
      transit.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Browser sessions: each gets its own BridgeSession, whose progress events go to that session's
 * sockets only.
 */
function admitVisits(door: WorkstationDoor, idleMs: number | undefined): Admission<Visit> {
  return new Admission<Visit>(
    () => {
      const sockets = new Set<WebSocket>();
      const emit = (event: ProgressEvent) => {
        const text = toWire(event);
        for (const s of sockets) if (s.readyState === s.OPEN) s.send(text);
      };
      return { bridge: new BridgeSession(door, emit), sockets };
    },
    (visit) => {
      // The browser session ended (idle, or the host stops): its operator session ends with it,
      // and the files it uploaded for an import go.
      visit.bridge.picked.clear();
      if (visit.bridge.signedIn)
        void visit.bridge.run('session.signOut', {}, undefined).catch(() => undefined);
      for (const s of visit.sockets) s.terminate();
    },
    idleMs,
  );
}

/** What the front door needs to answer a request before the bridge's own routes. */
interface Front {
  door: WorkstationDoor;
  admission: Admission<Visit>;
  /** The token `treasury console link` presents (control.ts). */
  control: string;
  /** A new one-time link. */
  link: () => string;
  routes: ReturnType<typeof bridgeRoutes>;
}

/** Every request; an error nothing else answered is a 500 with the error's wire form. */
function frontDoor(front: Front): http.RequestListener {
  return (req, res) => {
    void answer(front, req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, toWire({ ok: false, error: toTreasuryError(error).toJSON() }));
      else res.destroy();
    });
  };
}

/**
 * Host and Origin first; then a one-time link or the control call; everything else only with the
 * browser session's cookie.
 */
async function answer(
  front: Front,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const { admission, door } = front;
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const site = admission.checkSite(req);
  if (site) return refuse(res, site.status, site.message);
  if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('t'))
    return redeemLink(front, req, res, url.searchParams.get('t')!);
  if (req.method === 'POST' && url.pathname === CONTROL_PATH) return printLink(front, req, res);
  const admitted = admission.admit(req);
  if (!admitted.ok) {
    if (isPageRequest(req, url)) return send(res, 401, getInPage('no-session', door.dataDir), html);
    return refuse(res, admitted.status, admitted.message);
  }
  return front.routes(req, res, url, admitted.session.state);
}

/**
 * A link: a new browser session; a spent one lets a browser that is already in go on, and
 * explains to others.
 */
function redeemLink(
  { admission, door }: Front,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  token: string,
): void {
  const session = admission.redeem(token);
  if (session) {
    res.writeHead(303, {
      location: '/',
      'set-cookie': admission.cookieFor(session),
      'cache-control': 'no-store',
    });
    res.end();
    return;
  }
  if (admission.admit(req).ok) {
    res.writeHead(303, { location: '/', 'cache-control': 'no-store' });
    res.end();
    return;
  }
  return send(res, 403, getInPage('used-link', door.dataDir), html);
}

/** `treasury console link`: the control token from the owner-only host file buys a new link. */
function printLink(
  { control, link }: Front,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): void {
  const presented = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (req.headers.origin !== undefined || !presented || !same(presented, control))
    return refuse(res, 403, 'not allowed');
  return send(res, 200, JSON.stringify({ url: link() }));
}

/**
 * Progress events: behind the same Host, Origin and cookie checks. The socket only listens.
 */
function acceptProgressSockets(server: http.Server, admission: Admission<Visit>): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const admitted = admission.admit(req);
    if (url.pathname !== '/bridge/events' || !admitted.ok || req.headers.origin === undefined) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const { sockets } = admitted.session.state;
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => ws.close(1008, 'this socket only listens'));
    });
  });
  return wss;
}

/** Listens on loopback only; the port it got (`port` 0: any free one). */
async function listen(server: http.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as { port: number }).port;
}

/** The bridge's own routes, for an admitted browser session. */
function bridgeRoutes(door: WorkstationDoor, transit: Transit, options: BrowserHostOptions) {
  return async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    visit: Visit,
  ): Promise<void> => {
    const { bridge } = visit;
    if (req.method === 'POST' && url.pathname === '/bridge/call') {
      let raw: unknown;
      try {
        raw = await readJson(req);
      } catch {
        return refuse(res, 403, 'a call is at most 10 MiB');
      }
      return send(res, 200, toWire(await bridge.call(raw, ipOf(req))));
    }
    if (req.method === 'POST' && url.pathname === '/bridge/import')
      return importUpload(req, res, url, bridge, transit);
    if (req.method === 'POST' && url.pathname === '/bridge/import-picked')
      return send(res, 200, toWire(await bridge.importPicked(await readJson(req), ipOf(req))));
    if (req.method === 'POST' && url.pathname === '/bridge/import-drop') {
      bridge.dropPicked(await readJson(req));
      return send(res, 200, toWire({ ok: true, value: null }));
    }
    if (req.method === 'POST' && url.pathname === '/bridge/export')
      return exportForDownload(req, res, bridge, transit);
    if (req.method === 'GET' && url.pathname.startsWith('/bridge/download/'))
      return downloadJob(req, res, bridge, transit, url.pathname.slice('/bridge/download/'.length));
    if (req.method === 'GET' && url.pathname === '/bridge/info')
      return send(res, 200, toWire(await bridge.info(options.version ?? '0.0.0', 'browser')));
    if (req.method === 'GET' && url.pathname === '/bridge.js')
      return send(res, 200, BRIDGE_JS, 'text/javascript');
    if (req.method === 'GET') return serveRenderer(url.pathname, res, send, options.rendererDir);
    return refuse(res, 403, 'not allowed');
  };
}

async function importUpload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  bridge: BridgeSession,
  transit: Transit,
): Promise<void> {
  const parsed = bridgeImportSchema.safeParse({
    name: url.searchParams.get('name') ?? undefined,
    ...(url.searchParams.has('id') ? { id: url.searchParams.get('id') } : {}),
  });
  if (!parsed.success)
    return send(
      res,
      200,
      toWire({
        ok: false,
        error: {
          code: 'VALIDATION',
          kind: 'user',
          message: 'an import names affiliates.import or conversions.import',
          problems: [],
        },
      }),
    );
  // The uploaded file keeps its name, so the import's errors point at the file the operator chose.
  const file = path.join(
    transit.dir,
    `${randomUUID()}-${plainName(url.searchParams.get('fileName') ?? 'upload.csv')}`,
  );
  if (url.searchParams.get('preview') === '1') {
    // In a folder of its own, under the name the operator chose (the preview and the problems
    // name it); checked, then kept there by the bridge session (or removed by it) until imported.
    const folder = path.join(transit.dir, randomUUID());
    const kept = path.join(folder, plainName(url.searchParams.get('fileName') ?? 'upload.csv'));
    try {
      mkdirSync(folder, { mode: 0o700 });
      await upload(req, kept);
    } catch (error) {
      rmSync(folder, { recursive: true, force: true });
      throw error;
    }
    const picked = { path: kept, remove: folder };
    return send(
      res,
      200,
      toWire(await bridge.previewImport(parsed.data.name, picked, parsed.data.id, ipOf(req))),
    );
  }
  try {
    await upload(req, file);
    return send(
      res,
      200,
      toWire(await bridge.run(parsed.data.name, { file }, parsed.data.id, ipOf(req))),
    );
  } finally {
    rmSync(file, { force: true });
  }
}

/** The request's body into `file` (owner-only), at most MAX_UPLOAD_BYTES. */
async function upload(req: http.IncomingMessage, file: string): Promise<void> {
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_UPLOAD_BYTES) req.destroy(new Error('an import is at most 2 GiB'));
  });
  await pipeline(req, createWriteStream(file, { mode: 0o600 }));
}

/**
 * Starts the export as a job writing into transit; its file is offered for download under the job's
 * id.
 */
async function exportForDownload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  bridge: BridgeSession,
  transit: Transit,
): Promise<void> {
  const parsed = bridgeExportSchema.safeParse(await readJson(req).catch(() => undefined));
  if (!parsed.success)
    return send(
      res,
      200,
      toWire(invalid('an export is { name, payload, suggestedName, id? }', parsed.error)),
    );
  const file = path.join(transit.dir, `${randomUUID()}-${parsed.data.suggestedName}`);
  const result = await bridge.run(
    'jobs.start',
    { name: parsed.data.name, payload: { ...parsed.data.payload, out: file } },
    parsed.data.id,
    ipOf(req),
  );
  if (!result.ok) return send(res, 200, toWire(result));
  const job = result.value as JobView;
  transit.offer(file, parsed.data.suggestedName, job.id);
  return send(res, 200, toWire({ ...result, download: `/bridge/download/${job.id}` }));
}

/**
 * The file of an export job of this visit's operator, once the job has succeeded (jobs.get says
 * whose it is).
 */
async function downloadJob(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  bridge: BridgeSession,
  transit: Transit,
  jobId: string,
): Promise<void> {
  const job = await bridge.run('jobs.get', { id: jobId }, undefined, ipOf(req));
  if (!job.ok) return refuse(res, 403, job.error.message);
  const state = (job.value as JobView).state;
  if (state !== 'succeeded')
    return refuse(
      res,
      403,
      state === 'running' ? 'the export is still running' : `the export ${state}: there is no file`,
    );
  return download(res, transit, jobId);
}

async function download(res: http.ServerResponse, transit: Transit, token: string): Promise<void> {
  const d = transit.take(token);
  if (!d) return refuse(res, 403, 'this download was already taken or has expired');
  res.writeHead(200, {
    'content-type': d.name.endsWith('.json') ? 'application/json' : 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${d.name}"`,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'content-security-policy': BROWSER_CSP,
  });
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
}

/**
 * The built renderer with the bridge script in front of its own; without a build, a page that says
 * how to make one.
 */
function serveRenderer(
  pathname: string,
  res: http.ServerResponse,
  send: Send,
  dir: string | undefined,
) {
  if (!dir || !existsSync(path.join(dir, 'index.html')))
    return send(res, 200, NOT_BUILT_PAGE, html);
  const file = path.resolve(dir, '.' + (pathname === '/' ? '/index.html' : pathname));
  if (!file.startsWith(path.resolve(dir) + path.sep) || !existsSync(file))
    return send(res, 404, 'not found', 'text/plain');
  const body = file.endsWith('index.html')
    ? readFileSync(file, 'utf8').replace('<head>', '<head><script src="/bridge.js"></script>')
    : readFileSync(file);
  return send(res, 200, body, TYPES[path.extname(file)] ?? 'application/octet-stream');
}
