/**
 * The only thing the renderer gets: `window.treasury`, typed by the bridge contract. No Node, no
 * ipcRenderer, no Electron objects cross over.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { CALL_CHANNEL, INFO_CHANNEL, type TreasuryBridge } from '../core/bridge/contract.js';

const bridge: TreasuryBridge = {
  call: (name, payload) => ipcRenderer.invoke(CALL_CHANNEL, { name, payload }),
  info: () => ipcRenderer.invoke(INFO_CHANNEL),
};

contextBridge.exposeInMainWorld('treasury', bridge);
