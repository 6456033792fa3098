/**
 * Messages between a host (Electron's main process, the browser host) and the workstation thread.
 * Call results cross as wire JSON text (bigints as decimal strings), exactly as they then cross to
 * the renderer, so the thread and the bridge agree on every amount; the small fixed shapes
 * (progress, connectivity) go by structured clone. Secrets cross only for the
 * credential store, in memory, from the host's keychain to the thread that asked.
 */
import type { Progress } from '../../../platform/kernel/router.js';
import type { BridgeError } from '../../bridge/contract.js';
import type { CredentialKind } from '../../../platform/credentials/store.js';
import type { Connectivity } from '../workstation.js';

/** What the thread needs to open the workstation; only plain data crosses into a worker. */
export interface ThreadOptions {
  dataDir: string;
  centralUrl?: string | undefined;
  offline?: boolean;
  retryAfterMs?: number;
  /** The workstation's addresses for IP binding (tests); default: its network interfaces. */
  addresses?: readonly string[];
  /**
   * The credential store the host holds (its kind and, for a fallback, its note); the thread asks
   * the host for each secret.
   */
  credentialKind: CredentialKind;
  credentialNote?: string | undefined;
}

/** A call as it crosses: everything of router.Call but the progress callback. */
export interface ThreadCall {
  name: string;
  payload: unknown;
  id?: string;
  session?: string | null;
  workstationId?: string;
  ip?: string | null;
  /** Not the operator's activity (router.ts Call.background). */
  background?: boolean;
}

export type ToThread =
  | { type: 'call'; seq: number; call: ThreadCall }
  | { type: 'connectivity'; seq: number }
  | { type: 'credential-reply'; seq: number; ok: true; value: string | boolean | null }
  | { type: 'credential-reply'; seq: number; ok: false; message: string }
  | { type: 'close'; seq: number };

export type FromThread =
  | { type: 'ready'; id: string; dataDir: string; stepUp: string[] }
  | { type: 'failed'; error: BridgeError }
  | { type: 'result'; seq: number; ok: true; wire: string }
  | { type: 'result'; seq: number; ok: false; error: BridgeError }
  | { type: 'connectivity'; seq: number; value: Connectivity }
  | { type: 'progress'; seq: number; progress: Progress }
  | { type: 'credential'; seq: number; op: 'get' | 'delete'; account: string }
  | { type: 'credential'; seq: number; op: 'set'; account: string; secret: string }
  | { type: 'closed'; seq: number };
