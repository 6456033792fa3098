/**
 * The host side of the workstation thread: what Electron's main process and the browser host hold
 * instead of a workstation. Same door (`call`, `connectivity`, `close`), but every call is posted
 * to the thread, so the host's event loop only moves messages — its lag stays low while a million
 * conversions are calculated (measured by `npm run bench:lag`).
 *
 * The host keeps the credential store (the OS keychain) and answers the thread's requests for
 * secrets from it, in memory.
 */
import { Worker } from 'node:worker_threads';
import type { BridgeError } from '../../bridge/contract.js';
import { TreasuryError, type ErrorCode } from '../../../shared/errors.js';
import type { Call, Progress } from '../../../platform/kernel/router.js';
import {
  chooseCredentialStore,
  describeCredentialStore,
  type CredentialStore,
  type CredentialStoreInfo,
} from '../../../platform/credentials/store.js';
import { resourcePath } from '../../../platform/files/resources.js';
import { embeddedLocation } from '../../../platform/files/paths.js';
import type { Connectivity } from '../workstation.js';
import type { FromThread, ThreadOptions, ToThread } from './protocol.js';

/**
 * What a host needs of a workstation: satisfied by the in-process Workstation and by the thread.
 */
export interface WorkstationDoor {
  readonly id: string;
  readonly dataDir: string;
  /**
   * Which credential store holds this workstation's secrets (hosts show a fallback to the
   * operator).
   */
  readonly credentialStore: CredentialStoreInfo;
  /**
   * The calls that ask for the password again (step-up): what a client of the door must prompt for.
   */
  readonly stepUpNames?: readonly string[];
  call<O = unknown>(call: Call): Promise<O>;
  connectivity(): Promise<Connectivity>;
  close(): Promise<void>;
}

export interface ThreadDoorOptions extends Omit<
  ThreadOptions,
  'credentialKind' | 'credentialNote'
> {
  /**
   * The worker's entry: the built `workstation-thread.js` in Electron; by default the tsx bootstrap
   * in bin/.
   */
  entry?: string | URL;
  /**
   * The host's credential store (default: chosen from the environment: the OS keychain, else the
   * file vault).
   */
  credentials?: CredentialStore;
}

const fromBridge = (e: BridgeError) =>
  new TreasuryError(e.code as ErrorCode, e.message, e.problems);

export async function openWorkstationThread(options: ThreadDoorOptions): Promise<WorkstationDoor> {
  const { entry, credentials: given, ...rest } = options;
  const credentials = given ?? (await chooseCredentialStore({ dataDir: rest.dataDir }));
  const data: ThreadOptions = {
    ...rest,
    credentialKind: credentials.kind,
    credentialNote: credentials.note,
  };
  const worker = new Worker(entry ?? resourcePath('bin/workstation-thread.mjs'), {
    workerData: data,
  });
  let seq = 0;
  const waiting = new Map<
    number,
    {
      resolve(v: unknown): void;
      reject(e: unknown): void;
      onProgress?: ((p: Progress) => void) | undefined;
    }
  >();
  let gone: Error | null = null;
  const fail = (error: Error) => {
    gone = error;
    for (const w of waiting.values())
      w.reject(new TreasuryError('INTERNAL', `the workstation thread stopped: ${error.message}`));
    waiting.clear();
  };

  const ready = new Promise<{ id: string; dataDir: string; stepUp: string[] }>(
    (resolve, reject) => {
      worker.on('message', (m: FromThread) => {
        switch (m.type) {
          case 'ready':
            return resolve(m);
          case 'failed':
            // The thread could not open the workstation: it is of no use, and would keep the host
            // alive.
            void worker.terminate();
            return reject(fromBridge(m.error));
          case 'result': {
            const w = waiting.get(m.seq);
            waiting.delete(m.seq);
            if (m.ok) w?.resolve(JSON.parse(m.wire));
            else w?.reject(fromBridge(m.error));
            return;
          }
          case 'connectivity': {
            const w = waiting.get(m.seq);
            waiting.delete(m.seq);
            return w?.resolve(m.value);
          }
          case 'closed': {
            const w = waiting.get(m.seq);
            waiting.delete(m.seq);
            return w?.resolve(undefined);
          }
          case 'progress':
            return waiting.get(m.seq)?.onProgress?.(m.progress);
          case 'credential': {
            const reply = (msg: ToThread) => worker.postMessage(msg);
            const op =
              m.op === 'get'
                ? credentials.get(m.account)
                : m.op === 'set'
                  ? credentials.set(m.account, m.secret).then(() => null)
                  : credentials.delete(m.account);
            op.then(
              (value) => reply({ type: 'credential-reply', seq: m.seq, ok: true, value }),
              (error: unknown) =>
                reply({
                  type: 'credential-reply',
                  seq: m.seq,
                  ok: false,
                  message: (error as Error).message,
                }),
            );
            return;
          }
        }
      });
      worker.on('error', (error) => {
        fail(error);
        reject(error);
      });
      worker.once('exit', (code) => {
        const error = new Error(`exit code ${code}`);
        fail(error);
        reject(error);
      });
    },
  );
  const opened = await ready;

  const send = <T>(
    build: (seq: number) => ToThread,
    onProgress?: (p: Progress) => void,
  ): Promise<T> => {
    if (gone)
      return Promise.reject(
        new TreasuryError('INTERNAL', `the workstation thread stopped: ${gone.message}`),
      );
    const s = ++seq;
    return new Promise<T>((resolve, reject) => {
      waiting.set(s, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      worker.postMessage(build(s));
    });
  };

  return {
    id: opened.id,
    dataDir: opened.dataDir,
    stepUpNames: opened.stepUp,
    credentialStore: describeCredentialStore(credentials),
    call: <O>(c: Call) => {
      const { onProgress, ...plain } = c;
      return send<O>((s) => ({ type: 'call', seq: s, call: plain }), onProgress);
    },
    // The embedded store lives in the thread and is never offline: the answer does not wait for a
    // thread busy with a long statement (PGlite runs each one to its end on the thread's loop).
    connectivity: () =>
      rest.centralUrl || rest.offline
        ? send<Connectivity>((s) => ({ type: 'connectivity', seq: s }))
        : Promise.resolve({
            online: true,
            reason: null,
            checkedAt: new Date().toISOString(),
            central: embeddedLocation(opened.dataDir),
          }),
    async close() {
      if (gone) return;
      await send<void>((s) => ({ type: 'close', seq: s }));
      await worker.terminate();
    },
  };
}
