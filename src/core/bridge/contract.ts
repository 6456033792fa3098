/**
 * The contract between the renderer and the hosts that serve it (Electron's preload today, the
 * browser host later): one object, one method per kind of call. The renderer sees only this type;
 * it never learns about the database, the keychain or Node.
 */
import { z } from 'zod';
export interface BridgeError {
  code: string;
  kind: 'user' | 'internal';
  message: string;
  problems: { message: string; file?: string; line?: number; field?: string; path?: string }[];
}

export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export interface TreasuryBridge {
  /** Sends a command or query through the router. The session is held by the host, not the renderer. */
  call<T = unknown>(name: string, payload: unknown): Promise<BridgeResult<T>>;
  /**
   * Facts about the host for the status bar, online/offline included (probed again on each call
   * once the last probe is old enough; `sync.status` adds last sync, pending commands, conflicts).
   */
  info(): Promise<{ version: string; host: 'electron' | 'browser'; dataDir: string; central: string; online: boolean; offlineReason: string | null }>;
}

/** What may cross the bridge for a call: a command or query name and its payload (checked by the router). */
export const bridgeCallSchema = z.strictObject({ name: z.string().regex(/^[a-z][a-zA-Z.]{2,63}$/, 'is not a command or query name'), payload: z.unknown() });

export const CALL_CHANNEL = 'treasury:call';
export const INFO_CHANNEL = 'treasury:info';
