import type { TreasuryBridge } from '../../core/host/bridge/contract';

declare global {
  interface Window {
    /** Installed by the preload (Electron) or the browser host: the renderer's only way out. */
    treasury: TreasuryBridge;
  }
}
