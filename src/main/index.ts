/**
 * Electron's main process: a thin host. It opens the workstation (stores + router), creates one
 * locked-down window, and forwards the renderer's calls to the router. No business logic here.
 */
import path from 'node:path';
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { bridgeCallSchema, CALL_CHANNEL, INFO_CHANNEL, type BridgeResult } from '../core/bridge/contract.js';
import { toTreasuryError } from '../core/commands/errors.js';
import { defaultDataDir } from '../core/workstation/paths.js';
import { openWorkstation, type Workstation } from '../core/workstation/workstation.js';

/** Kept in step with the meta tag in src/renderer/index.html (test/electron-security.test.ts checks both). */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

let workstation: Workstation | undefined;
let sessionToken: string | null = null;

async function createWindow(): Promise<void> {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'Treasury Console',
    show: false,
    webPreferences: {
      // Electronegativity asks for a review of every preload (PRELOAD_JS_CHECK, medium). Reviewed: it
      // is our own, and exposes exactly one typed object (window.treasury: call and info) through
      // contextBridge — no Node, no ipcRenderer, no Electron object (src/preload/index.ts).
      preload: path.join(__dirname, '../preload/index.cjs'), /* eng-disable PRELOAD_JS_CHECK */
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      // No middle-click "open in new window" either.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  win.once('ready-to-show', () => win.show());
  // The console never navigates away, opens windows or hands URLs to the system: everything it
  // shows is its own (no remote content).
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.on('will-redirect', (event) => event.preventDefault());
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (process.env.ELECTRON_RENDERER_URL) await win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else await win.loadFile(path.join(__dirname, '../renderer/index.html'));
}

/** Our own pages only: the bundled renderer (file://) or, in development, the electron-vite server. */
function trustedSender(frame: Electron.WebFrameMain | null, main: Electron.WebFrameMain): boolean {
  if (!frame || frame !== main) return false;
  const url = frame.url;
  if (process.env.ELECTRON_RENDERER_URL) return url.startsWith(process.env.ELECTRON_RENDERER_URL);
  return url.startsWith('file://');
}

function registerBridge(ws: Workstation): void {
  ipcMain.handle(CALL_CHANNEL, async (event, raw: unknown): Promise<BridgeResult<unknown>> => {
    // Only our own window's top frame, showing our own page, may call.
    if (!trustedSender(event.senderFrame, event.sender.mainFrame)) {
      return { ok: false, error: { code: 'FORBIDDEN', kind: 'user', message: 'calls are accepted from the console window only', problems: [] } };
    }
    // The envelope is validated here; the payload by the command's own schema in the router.
    const parsed = bridgeCallSchema.safeParse(raw);
    if (!parsed.success) {
      return { ok: false, error: { code: 'VALIDATION', kind: 'user', message: 'a bridge call is { name, payload }', problems: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) } };
    }
    const message = parsed.data;
    try {
      const value = await ws.call({ name: message.name, payload: message.payload, session: sessionToken, workstationId: ws.id });
      if (message?.name === 'session.signIn' && value && typeof value === 'object' && (value as { ok?: boolean }).ok) {
        // The token stays in the main process; the renderer only learns who signed in.
        const { token, operator } = value as { token: string; operator: unknown };
        sessionToken = token;
        return { ok: true, value: { ok: true, operator } };
      }
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error: toTreasuryError(error).toJSON() };
    }
  });
  ipcMain.handle(INFO_CHANNEL, async (event) => {
    if (!trustedSender(event.senderFrame, event.sender.mainFrame)) return null;
    const c = await ws.connectivity();
    return { version: app.getVersion(), host: 'electron' as const, dataDir: ws.dataDir, central: c.central, online: c.online, offlineReason: c.reason };
  });
}

app.whenReady().then(async () => {
  // Deny every permission request and check (camera, notifications, …): the console needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // The same strict CSP as the page's meta tag, as a header on everything loaded (no remote
  // content, no eval, no inline script).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // Nothing leaves the machine from the renderer: only our own file:// pages (and the dev server).
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const own = details.url.startsWith('file://') || details.url.startsWith('devtools://') || (process.env.ELECTRON_RENDERER_URL !== undefined && details.url.startsWith(process.env.ELECTRON_RENDERER_URL));
    callback({ cancel: !own });
  });
  workstation = await openWorkstation({ dataDir: process.env.TREASURY_DATA_DIR ?? defaultDataDir(), centralUrl: process.env.TREASURY_CENTRAL_URL });
  registerBridge(workstation);
  await createWindow();
});

app.on('window-all-closed', () => {
  void workstation?.close().finally(() => app.quit());
});
