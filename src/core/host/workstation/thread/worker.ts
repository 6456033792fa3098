/**
 * The workstation thread: opens the workstation (central store, encrypted cache, router) off the
 * host's main event loop and answers calls posted to it. Calculation, import, export, sync and
 * execution all run here, so the window (Electron's main process, the browser host's server)
 * never waits on them; progress events flow back as they happen, at most ten per second per call.
 *
 * The keychain stays with the host: the thread's credential store asks the host for each secret
 * (keytar's native module is not loaded in worker threads, and the host is where it belongs).
 */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { toWire } from '../../bridge/envelope.js';
import { toTreasuryError } from '../../../shared/errors.js';
import type { CredentialStore } from '../../../platform/credentials/store.js';
import { logger } from '../../../platform/log/logger.js';
import { DEFINITIONS } from '../../catalog.js';
import { openWorkstation, type Workstation } from '../workstation.js';
import type { FromThread, ThreadOptions, ToThread } from './protocol.js';

// Background work yields to the window: on Linux a nice value is per thread, so this lowers only
// this thread (and the threads it starts: the cache loader, PGlite's), never the host's main
// thread. On a busy two-core machine that is what keeps the host's loop under 50 ms (bench:lag).
// Elsewhere the call would lower the whole process, so it is Linux only.
if (process.platform === 'linux') {
  try {
    os.setPriority(os.constants.priority.PRIORITY_BELOW_NORMAL);
  } catch {
    /* not allowed here: the thread runs at normal priority */
  }
}

const port = parentPort!;
const options = workerData as ThreadOptions;
const post = (m: FromThread) => port.postMessage(m);

let credentialSeq = 0;
const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
function ask<T>(
  message:
    { op: 'get' | 'delete'; account: string } | { op: 'set'; account: string; secret: string },
): Promise<T> {
  const seq = ++credentialSeq;
  return new Promise<T>((resolve, reject) => {
    waiting.set(seq, { resolve: resolve as (v: unknown) => void, reject });
    post({ type: 'credential', seq, ...message });
  });
}
const credentials: CredentialStore = {
  kind: options.credentialKind,
  ...(options.credentialNote ? { note: options.credentialNote } : {}),
  get: (account) => ask<string | null>({ op: 'get', account }),
  set: (account, secret) => ask<void>({ op: 'set', account, secret }),
  delete: (account) => ask<boolean>({ op: 'delete', account }),
};

const PROGRESS_EVERY_MS = 100;

async function serve(ws: Workstation | null, m: ToThread): Promise<void> {
  switch (m.type) {
    case 'call': {
      if (!ws) return;
      let last = 0;
      let held: FromThread | null = null;
      let timer: NodeJS.Timeout | null = null;
      const flush = () => {
        if (timer) clearTimeout(timer);
        timer = null;
        if (held) post(held);
        held = null;
        last = Date.now();
      };
      try {
        const value = await ws.call({
          ...m.call,
          workstationId: m.call.workstationId ?? ws.id,
          onProgress: (progress) => {
            held = { type: 'progress', seq: m.seq, progress };
            const wait = PROGRESS_EVERY_MS - (Date.now() - last);
            if (wait <= 0) flush();
            else timer ??= setTimeout(flush, wait);
          },
        });
        flush();
        post({ type: 'result', seq: m.seq, ok: true, wire: toWire(value ?? null) });
      } catch (error) {
        flush();
        post({ type: 'result', seq: m.seq, ok: false, error: toTreasuryError(error).toJSON() });
      }
      return;
    }
    case 'connectivity':
      if (!ws) return;
      post({ type: 'connectivity', seq: m.seq, value: await ws.connectivity() });
      return;
    case 'credential-reply': {
      const w = waiting.get(m.seq);
      waiting.delete(m.seq);
      if (m.ok) w?.resolve(m.value);
      else w?.reject(Object.assign(new Error(m.message), { code: 'CREDENTIAL_STORE_UNAVAILABLE' }));
      return;
    }
    case 'close':
      await ws?.close();
      post({ type: 'closed', seq: m.seq });
      port.close();
      return;
  }
}

// Listen first: opening the workstation may already need a secret from the host (the cache key).
let opened: Promise<Workstation> | null = null;
port.on('message', (m: ToThread) => {
  if (m.type === 'credential-reply') {
    void serve(null, m);
    return;
  }
  void opened?.then((ws) => serve(ws, m));
});

try {
  opened = openWorkstation({
    dataDir: options.dataDir,
    centralUrl: options.centralUrl,
    credentials,
    ...(options.offline ? { offline: true } : {}),
    ...(options.retryAfterMs !== undefined ? { retryAfterMs: options.retryAfterMs } : {}),
    ...(options.addresses ? { addresses: () => options.addresses! } : {}),
  });
  const ws = await opened;
  post({
    type: 'ready',
    id: ws.id,
    dataDir: ws.dataDir,
    stepUp: DEFINITIONS.filter((d) => d.stepUp).map((d) => d.name),
  });
} catch (error) {
  // The host says it to the user (a dialog, a message) and stops; the log keeps it for support.
  try {
    logger(options.dataDir).error({ err: error }, 'the workstation could not open');
  } catch {
    /* a log that cannot be written must not hide the failure itself */
  }
  post({ type: 'failed', error: toTreasuryError(error).toJSON() });
}
