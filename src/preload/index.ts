/**
 * The only thing the renderer gets: `window.treasury`, typed by the bridge contract. No Node, no
 * ipcRenderer, no Electron objects cross over: each method forwards to one IPC channel, and
 * progress events reach the page through a listener it registers (removed by the function
 * returned).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CALL_CHANNEL,
  DROP_PICKED_CHANNEL,
  EXPORT_CHANNEL,
  IMPORT_CHANNEL,
  IMPORT_PICKED_CHANNEL,
  INFO_CHANNEL,
  PREVIEW_IMPORT_CHANNEL,
  PROGRESS_CHANNEL,
  type ProgressEvent,
  type TreasuryBridge,
} from '../core/host/bridge/contract.js';

const bridge: TreasuryBridge = {
  call: (name, payload, options) =>
    ipcRenderer.invoke(CALL_CHANNEL, {
      name,
      payload,
      ...(options?.id ? { id: options.id } : {}),
      ...(options?.background ? { background: true } : {}),
    }),
  info: () => ipcRenderer.invoke(INFO_CHANNEL),
  onProgress: (listener) => {
    const forward = (_event: IpcRendererEvent, progress: ProgressEvent) => listener(progress);
    ipcRenderer.on(PROGRESS_CHANNEL, forward);
    return () => void ipcRenderer.removeListener(PROGRESS_CHANNEL, forward);
  },
  importFile: (name, options) =>
    ipcRenderer.invoke(IMPORT_CHANNEL, options?.id ? { name, id: options.id } : { name }),
  previewImport: (name, options) =>
    ipcRenderer.invoke(PREVIEW_IMPORT_CHANNEL, options?.id ? { name, id: options.id } : { name }),
  importPicked: (picked, options) =>
    ipcRenderer.invoke(
      IMPORT_PICKED_CHANNEL,
      options?.id ? { picked, id: options.id } : { picked },
    ),
  dropPicked: (picked) => ipcRenderer.invoke(DROP_PICKED_CHANNEL, { picked }),
  exportFile: (name, payload, suggestedName, options) =>
    ipcRenderer.invoke(
      EXPORT_CHANNEL,
      options?.id
        ? { name, payload, suggestedName, id: options.id }
        : { name, payload, suggestedName },
    ),
};

contextBridge.exposeInMainWorld('treasury', bridge);
