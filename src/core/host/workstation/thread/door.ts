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

/** A call posted to the thread, waiting for its answer. */
interface Waiter {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onProgress?: ((p: Progress) => void) | undefined;
}

/** The host's side of the conversation: the last number given, who waits, why the thread stopped. */
interface Conversation {
  seq: number;
  readonly waiting: Map<number, Waiter>;
  gone: Error | null;
}

type ReadyMessage = Extract<FromThread, { type: 'ready' }>;
type CredentialRequest = Extract<FromThread, { type: 'credential' }>;

const stoppedError = (error: Error) =>
  new TreasuryError('INTERNAL', `the workstation thread stopped: ${error.message}`);

/** The thread stopped: every call still waiting fails, and no new one is posted. */
function threadStopped(talk: Conversation, error: Error): void {
  talk.gone = error;
  for (const w of talk.waiting.values()) w.reject(stoppedError(error));
  talk.waiting.clear();
}

/** The waiter of an answered call, no longer waiting. */
function answered(talk: Conversation, seq: number): Waiter | undefined {
  const w = talk.waiting.get(seq);
  talk.waiting.delete(seq);
  return w;
}

/** The thread asks for a secret (or to store or forget one): answered from the host's store. */
function answerCredential(worker: Worker, credentials: CredentialStore, m: CredentialRequest) {
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
}

/** One message from the thread: readiness, an answer, progress, or a request for a secret. */
function onThreadMessage(
  m: FromThread,
  worker: Worker,
  talk: Conversation,
  credentials: CredentialStore,
  opening: { resolve(m: ReadyMessage): void; reject(e: unknown): void },
): void {
  switch (m.type) {
    case 'ready':
      return opening.resolve(m);
    case 'failed':
      // The thread could not open the workstation: it is of no use, and would keep the host
      // alive.
      void worker.terminate();
      return opening.reject(fromBridge(m.error));
    case 'result': {
      const w = answered(talk, m.seq);
      if (m.ok) w?.resolve(JSON.parse(m.wire));
      else w?.reject(fromBridge(m.error));
      return;
    }
    case 'connectivity':
      return answered(talk, m.seq)?.resolve(m.value);
    case 'closed':
      return answered(talk, m.seq)?.resolve(undefined);
    case 'progress':
      return talk.waiting.get(m.seq)?.onProgress?.(m.progress);
    case 'credential':
      return answerCredential(worker, credentials, m);
  }
}

/** Listens to the thread for good; resolves once it has opened the workstation. */
function listen(
  worker: Worker,
  talk: Conversation,
  credentials: CredentialStore,
): Promise<ReadyMessage> {
  return new Promise<ReadyMessage>((resolve, reject) => {
    worker.on('message', (m: FromThread) =>
      onThreadMessage(m, worker, talk, credentials, { resolve, reject }),
    );
    worker.on('error', (error) => {
      threadStopped(talk, error);
      reject(error);
    });
    worker.once('exit', (code) => {
      const error = new Error(`exit code ${code}`);
      threadStopped(talk, error);
      reject(error);
    });
  });
}

/** Posts a message numbered for its answer; refused at once when the thread has stopped. */
function post<T>(
  worker: Worker,
  talk: Conversation,
  build: (seq: number) => ToThread,
  onProgress?: (p: Progress) => void,
): Promise<T> {
  if (talk.gone) return Promise.reject(stoppedError(talk.gone));
  const s = ++talk.seq;
  return new Promise<T>((resolve, reject) => {
    talk.waiting.set(s, { resolve: resolve as (v: unknown) => void, reject, onProgress });
    worker.postMessage(build(s));
  });
}

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
  const talk: Conversation = { seq: 0, waiting: new Map(), gone: null };
  const opened = await listen(worker, talk, credentials);

  return {
    id: opened.id,
    dataDir: opened.dataDir,
    stepUpNames: opened.stepUp,
    credentialStore: describeCredentialStore(credentials),
    call: <O>(c: Call) => {
      const { onProgress, ...plain } = c;
      return post<O>(worker, talk, (s) => ({ type: 'call', seq: s, call: plain }), onProgress);
    },
    // The embedded store lives in the thread and is never offline: the answer does not wait for a
    // thread busy with a long statement (PGlite runs each one to its end on the thread's loop).
    connectivity: () =>
      rest.centralUrl || rest.offline
        ? post<Connectivity>(worker, talk, (s) => ({ type: 'connectivity', seq: s }))
        : Promise.resolve({
            online: true,
            reason: null,
            checkedAt: new Date().toISOString(),
            central: embeddedLocation(opened.dataDir),
          }),
    async close() {
      if (talk.gone) return;
      await post<void>(worker, talk, (s) => ({ type: 'close', seq: s }));
      await worker.terminate();
    },
  };
}
