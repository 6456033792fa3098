// The specs' page callbacks reach the bridge as the renderer does (src/renderer/src/env.d.ts); the
// tests' project does not compile the renderer's own files, so the global is declared here as well.
import type { TreasuryBridge } from '../../src/core/host/bridge/contract';

declare global {
  interface Window {
    treasury: TreasuryBridge;
  }
}
