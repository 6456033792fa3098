/**
 * Electron's main process: a thin host. It opens the workstation (stores + router), creates one
 * locked-down window, and forwards the renderer's calls to the router. No business logic here.
 */
import path from 'node:path';
import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import { CALL_CHANNEL, INFO_CHANNEL, type BridgeResult } from '../core/bridge/contract.js';
import { toTreasuryError } from '../core/commands/errors.js';
import { defaultDataDir } from '../core/workstation/paths.js';
import { openWorkstation, type Workstation } from '../core/workstation/workstation.js';

let workstation: Workstation | undefined;
let sessionToken: string | null = null;

async function createWindow(): Promise<void> {
  const win = new BrowserWindow({
    width: 1280,
    height: 800,
    title: 'Treasury Console',
    show: false,
    webPreferences: {
      preload: path.join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  // The console never navigates away or opens windows; links go to the system browser.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https:')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) await win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else await win.loadFile(path.join(__dirname, '../renderer/index.html'));
}

function registerBridge(ws: Workstation): void {
  ipcMain.handle(CALL_CHANNEL, async (event, message: { name: string; payload: unknown }): Promise<BridgeResult<unknown>> => {
    // Only our own window's top frame may call.
    if (!event.senderFrame || event.senderFrame !== event.sender.mainFrame) {
      return { ok: false, error: { code: 'FORBIDDEN', kind: 'user', message: 'calls are accepted from the main frame only', problems: [] } };
    }
    try {
      const value = await ws.call({ name: String(message?.name), payload: message?.payload, session: sessionToken, workstationId: ws.id });
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
  ipcMain.handle(INFO_CHANNEL, async () => {
    const c = await ws.connectivity();
    return { version: app.getVersion(), host: 'electron' as const, dataDir: ws.dataDir, central: c.central, online: c.online, offlineReason: c.reason };
  });
}

app.whenReady().then(async () => {
  // Deny every permission request (camera, notifications, …): the console needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  workstation = await openWorkstation({ dataDir: process.env.TREASURY_DATA_DIR ?? defaultDataDir(), centralUrl: process.env.TREASURY_CENTRAL_URL });
  registerBridge(workstation);
  await createWindow();
});

app.on('window-all-closed', () => {
  void workstation?.close().finally(() => app.quit());
});
