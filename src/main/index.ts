/**
 * Electron's main process: a thin host. It opens the workstation (stores + router), creates one
 * locked-down window, and forwards the renderer's calls to the router. No business logic here.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron';
import {
  CALL_CHANNEL,
  DROP_PICKED_CHANNEL,
  EXPORT_CHANNEL,
  IMPORT_CHANNEL,
  IMPORT_PICKED_CHANNEL,
  INFO_CHANNEL,
  PREVIEW_IMPORT_CHANNEL,
  PROGRESS_CHANNEL,
  type BridgeResult,
  type ImportName,
} from '../core/host/bridge/contract.js';
import { bridgeExportSchema, bridgeImportSchema, invalid } from '../core/host/bridge/envelope.js';
import { CONTENT_SECURITY_POLICY } from '../core/host/bridge/csp.js';
import { BridgeSession } from '../core/host/bridge/session-host.js';
import { defaultDataDir } from '../core/platform/files/paths.js';
import {
  openWorkstationThread,
  type WorkstationDoor,
} from '../core/host/workstation/thread/door.js';
import { serveAttach, type AttachEndpoint } from '../core/host/workstation/attach/endpoint.js';

let workstation: WorkstationDoor | undefined;
let attach: AttachEndpoint | null = null;
let window: BrowserWindow | undefined;

async function createWindow(): Promise<void> {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'Treasury Console',
    show: false,
    webPreferences: {
      // Electronegativity asks for a review of every preload (PRELOAD_JS_CHECK, medium). Reviewed:
      // it is our own, and exposes exactly one typed object (window.treasury: call, info,
      // onProgress, importFile, previewImport, importPicked, dropPicked, exportFile) through
      // contextBridge — no Node, no ipcRenderer, no Electron object (src/preload/index.ts).
      preload: path.join(__dirname, '../preload/index.cjs') /* eng-disable PRELOAD_JS_CHECK */,
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
  window = win;
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

/**
 * Our own pages only: the bundled renderer (file://) or, in development, the electron-vite server.
 */
function trustedSender(frame: Electron.WebFrameMain | null, main: Electron.WebFrameMain): boolean {
  if (!frame || frame !== main) return false;
  const url = frame.url;
  if (process.env.ELECTRON_RENDERER_URL) return url.startsWith(process.env.ELECTRON_RENDERER_URL);
  return url.startsWith('file://');
}

const refusal = (message: string): BridgeResult<never> => ({
  ok: false,
  error: { code: 'FORBIDDEN', kind: 'user', message, problems: [] },
});

/**
 * The IPC side of the bridge. Calls go to the workstation thread through BridgeSession (the session
 * token stays here); imports and exports ask for the file with native dialogs, then run the call
 * with the chosen path; progress events go to the window that shows the console.
 */
function registerBridge(ws: WorkstationDoor): void {
  // A progress event may arrive after the window closed: sending to a destroyed one would throw.
  const bridge = new BridgeSession(ws, (event) => {
    if (window && !window.isDestroyed()) window.webContents.send(PROGRESS_CHANNEL, event);
  });
  const ownWindow = (event: Electron.IpcMainInvokeEvent) =>
    trustedSender(event.senderFrame, event.sender.mainFrame);

  ipcMain.handle(CALL_CHANNEL, async (event, raw: unknown): Promise<BridgeResult<unknown>> => {
    // Only our own window's top frame, showing our own page, may call.
    if (!ownWindow(event)) return refusal('calls are accepted from the console window only');
    return bridge.call(raw);
  });
  ipcMain.handle(INFO_CHANNEL, async (event) =>
    ownWindow(event) ? bridge.info(app.getVersion(), 'electron') : null,
  );
  ipcMain.handle(IMPORT_CHANNEL, async (event, raw: unknown) => {
    const asked = importAsked(ownWindow(event), raw);
    if (!asked.ok || !window) return asked.ok ? null : asked.refused;
    const file = await pickCsv(window);
    return file ? bridge.run(asked.name, { file }, asked.id) : null;
  });
  registerImportPreview(bridge, ownWindow);
  ipcMain.handle(EXPORT_CHANNEL, async (event, raw: unknown) => {
    if (!ownWindow(event) || !window)
      return refusal('exports are accepted from the console window only');
    const parsed = bridgeExportSchema.safeParse(raw);
    if (!parsed.success)
      return invalid('an export is { name, payload, suggestedName, id? }', parsed.error);
    const json = parsed.data.suggestedName.endsWith('.json');
    const chosen = await dialog.showSaveDialog(window, {
      title: 'Export',
      defaultPath: parsed.data.suggestedName,
      filters: [
        json ? { name: 'JSON', extensions: ['json'] } : { name: 'CSV', extensions: ['csv'] },
      ],
    });
    if (chosen.canceled || !chosen.filePath) return null;
    // The save dialog already asked before replacing an existing file. The export runs as a job:
    // the console follows it in its jobs panel (jobs.list) and keeps working meanwhile.
    return bridge.run(
      'jobs.start',
      {
        name: parsed.data.name,
        payload: { ...parsed.data.payload, out: chosen.filePath, overwrite: true },
      },
      parsed.data.id,
    );
  });
}

/** An import asked for by our own window with a well-formed request, or the refusal to answer. */
function importAsked(
  own: boolean,
  raw: unknown,
):
  | { ok: true; name: ImportName; id: string | undefined }
  | { ok: false; refused: BridgeResult<never> } {
  if (!own || !window)
    return { ok: false, refused: refusal('imports are accepted from the console window only') };
  const parsed = bridgeImportSchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      refused: invalid('an import names affiliates.import or conversions.import', parsed.error),
    };
  return { ok: true, name: parsed.data.name, id: parsed.data.id };
}

/** The native open dialog for a CSV file; null when the operator cancels. */
async function pickCsv(win: BrowserWindow): Promise<string | null> {
  const picked = await dialog.showOpenDialog(win, {
    title: 'Import CSV',
    properties: ['openFile'],
    filters: [{ name: 'CSV', extensions: ['csv'] }],
  });
  return picked.canceled || !picked.filePaths[0] ? null : picked.filePaths[0];
}

/**
 * The import screen's calls: a file picked in the native dialog is checked (the dry run) and kept
 * by path in the bridge session until the operator imports or drops it. The operator's own file
 * is never removed.
 */
function registerImportPreview(
  bridge: BridgeSession,
  ownWindow: (event: Electron.IpcMainInvokeEvent) => boolean,
): void {
  ipcMain.handle(PREVIEW_IMPORT_CHANNEL, async (event, raw: unknown) => {
    const asked = importAsked(ownWindow(event), raw);
    if (!asked.ok || !window) return asked.ok ? null : asked.refused;
    const file = await pickCsv(window);
    if (!file) return null;
    return bridge.previewImport(asked.name, { path: file, remove: null }, asked.id);
  });
  ipcMain.handle(IMPORT_PICKED_CHANNEL, async (event, raw: unknown) =>
    ownWindow(event)
      ? bridge.importPicked(raw)
      : refusal('imports are accepted from the console window only'),
  );
  ipcMain.handle(DROP_PICKED_CHANNEL, async (event, raw: unknown) => {
    if (ownWindow(event)) bridge.dropPicked(raw);
  });
}

app.whenReady().then(async () => {
  try {
    await start();
  } catch (error) {
    // The workstation could not open (keychain locked, cache key missing, central store refused):
    // say so and quit, rather than leave a process with no window.
    dialog.showErrorBox('Treasury Console could not start', (error as Error).message);
    app.quit();
  }
});

/** Our own pages: the packaged file:// renderer, or the dev server in development. */
function ownPage(url: string | undefined): boolean {
  if (!url) return false;
  return (
    url.startsWith('file://') ||
    (process.env.ELECTRON_RENDERER_URL !== undefined &&
      url.startsWith(new URL(process.env.ELECTRON_RENDERER_URL).origin))
  );
}

async function start(): Promise<void> {
  // Deny every permission request and check (camera, microphone, geolocation, …) but one: desktop
  // notifications for our own pages, which alert the operator to new payout exceptions.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(permission === 'notifications' && ownPage(details.requestingUrl)),
  );
  session.defaultSession.setPermissionCheckHandler(
    (_wc, permission, origin) => permission === 'notifications' && ownPage(origin),
  );
  // The same strict CSP as the page's meta tag, as a header on everything loaded (no remote
  // content, no eval, no inline script).
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
  // Nothing leaves the machine from the renderer: only our own file:// pages (and the dev server).
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    const own =
      details.url.startsWith('file://') ||
      details.url.startsWith('devtools://') ||
      (process.env.ELECTRON_RENDERER_URL !== undefined &&
        details.url.startsWith(process.env.ELECTRON_RENDERER_URL));
    callback({ cancel: !own });
  });
  // The workstation runs in its own thread: calculation, import, export, sync and execution never
  // hold up this process's event loop (the window's IPC, its menus and dialogs).
  workstation = await openWorkstationThread({
    entry: path.join(__dirname, 'workstation-thread.js'),
    dataDir: process.env.TREASURY_DATA_DIR ?? defaultDataDir(),
    centralUrl: process.env.TREASURY_CENTRAL_URL,
  });
  registerBridge(workstation);
  // `treasury …` on this data dir works through this app meanwhile (attach/endpoint.ts).
  attach = await serveAttach(workstation).catch(() => null);
  await createWindow();
}

app.on('window-all-closed', () => {
  void (attach?.close() ?? Promise.resolve())
    .then(() => workstation?.close())
    .finally(() => app.quit());
});
