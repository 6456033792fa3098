/**
 * The console's shared state (zustand): who is signed in and what they may do, the host's
 * online/offline state and sync status for the top bar, live progress of long calls, the current
 * view, and the password prompt used for step-up. Views keep their own data; only what several
 * views need lives here.
 */
import { create } from 'zustand';
import type { CallOutput, HostInfo, JobView, ProgressEvent } from '../../core/host/bridge/contract';
import { permissionInWords, roleInWords } from '../../core/shared/permissions';

export type Manifest = CallOutput<'console.manifest'>;
export type SyncStatus = CallOutput<'sync.status'>;

export type ViewId =
  | 'dashboard'
  | 'payables'
  | 'builder'
  | 'batches'
  | 'batch'
  | 'payouts'
  | 'exceptions'
  | 'reconciliation'
  | 'reports'
  | 'audit'
  | 'security'
  | 'operators'
  | 'outbox'
  | 'settings'
  | 'import';

export interface Notice {
  id: number;
  kind: 'info' | 'error' | 'success';
  text: string;
}

/**
 * The step-up dialog: why it asks, what went wrong with the last password (wrong, tries left), and
 * whether the password given is being checked (the dialog stays open until the answer).
 */
interface PasswordPrompt {
  reason: string;
  error: string | null;
  checking: boolean;
  resolve(password: string | null): void;
}

export interface ConsoleState {
  host: HostInfo | null;
  status: SyncStatus | null;
  manifest: Manifest | null;
  /** Why the last session ended (shown on the sign-in screen). */
  endedBecause: string | null;
  view: ViewId;
  /** The batch shown by the 'batch' view. */
  batchId: string | null;
  /**
   * A status the batches view should open filtered on (set by the dashboard's batches-by-status).
   */
  batchesStatus: string | null;
  /** The latest progress event per call id, most recently updated last (at most PROGRESS_KEPT). */
  progress: Record<string, ProgressEvent>;
  notices: Notice[];
  prompt: PasswordPrompt | null;
  /**
   * The operator's jobs on this workstation (polled by the jobs panel), and whether the panel is
   * open.
   */
  jobs: JobView[];
  jobsOpen: boolean;
  /** Jobs started from this page whose file the browser should download when they succeed. */
  downloads: Record<string, string>;
  setJobs(jobs: JobView[]): void;
  showJobs(open: boolean): void;
  /**
   * A job started here (an export): the panel opens and follows it; `download` names the file for
   * the browser.
   */
  jobStarted(job: JobView, download?: string): void;
  downloaded(jobId: string): void;
  setHost(host: HostInfo): void;
  setStatus(status: SyncStatus | null): void;
  signedIn(manifest: Manifest): void;
  sessionEnded(reason: string | null): void;
  go(view: ViewId, batchId?: string | null): void;
  onProgress(event: ProgressEvent): void;
  /** Called by whoever started a call once it has its outcome: its progress is no longer live. */
  endProgress(callId: string): void;
  notify(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
  /** Opens (or keeps open, with `error`) the step-up dialog; resolves with the password or null. */
  askPassword(reason: string, error?: string | null): Promise<string | null>;
  /** The operator's answer; a password keeps the dialog open (checking) until closePassword. */
  answerPassword(password: string | null): void;
  closePassword(): void;
}

let noticeId = 0;

/**
 * Progress entries kept. Whoever started a call drops its entry when it ends (endProgress), but
 * calls whose id no view tracks (exports, imports: the host picks their id) are never dropped that
 * way, so the store keeps only the most recently updated ones. A running call sends an event with
 * every step, so it stays among them (and an evicted one comes back with its next event).
 */
const PROGRESS_KEPT = 50;
/**
 * Calls ended here. A progress event may arrive after the call's answer (in a browser, events come
 * over a WebSocket and answers over HTTP); it must not bring the entry back, or the dashboard would
 * show the call as running forever.
 */
const ended = new Set<string>();
const ENDED_KEPT = 200;

/**
 * An execution's bar never goes back within a call: the core sends a `done` that only grows, but in
 * a browser the events cross a WebSocket, and an older one arriving late must not pull the bar
 * back. Other calls (calculations, imports) count each phase from zero, so only batch.execute is
 * held.
 */
function monotonic(previous: ProgressEvent | undefined, event: ProgressEvent): ProgressEvent {
  if (event.name !== 'batch.execute' || !previous || previous.done <= event.done) return event;
  return { ...event, done: previous.done };
}

export const useConsole = create<ConsoleState>((set, get) => ({
  host: null,
  status: null,
  manifest: null,
  endedBecause: null,
  view: 'dashboard',
  batchId: null,
  batchesStatus: null,
  progress: {},
  notices: [],
  prompt: null,
  jobs: [],
  jobsOpen: false,
  downloads: {},
  setJobs: (jobs) => set({ jobs }),
  showJobs: (jobsOpen) => set({ jobsOpen }),
  jobStarted: (job, download) =>
    set((s) => ({
      jobs: [job, ...s.jobs.filter((j) => j.id !== job.id)],
      jobsOpen: true,
      downloads: download ? { ...s.downloads, [job.id]: download } : s.downloads,
    })),
  downloaded: (jobId) =>
    set((s) => ({
      downloads: Object.fromEntries(Object.entries(s.downloads).filter(([id]) => id !== jobId)),
    })),
  setHost: (host) => set({ host }),
  setStatus: (status) => set({ status }),
  signedIn: (manifest) => set({ manifest, endedBecause: null }),
  sessionEnded: (reason) =>
    set({ manifest: null, endedBecause: reason, view: 'dashboard', jobs: [], jobsOpen: false }),
  go: (view, batchId) => set({ view, batchId: batchId === undefined ? get().batchId : batchId }),
  onProgress: (event) => {
    if (ended.has(event.callId)) return;
    set((s) => {
      const others = Object.entries(s.progress).filter(([id]) => id !== event.callId);
      return {
        progress: {
          ...Object.fromEntries(others.slice(-(PROGRESS_KEPT - 1))),
          [event.callId]: monotonic(s.progress[event.callId], event),
        },
      };
    });
  },
  endProgress: (callId) => {
    ended.add(callId);
    if (ended.size > ENDED_KEPT) ended.delete(ended.values().next().value!);
    if (callId in get().progress)
      set((s) => ({
        progress: Object.fromEntries(Object.entries(s.progress).filter(([id]) => id !== callId)),
      }));
  },
  notify: (kind, text) => {
    const id = ++noticeId;
    set((s) => ({ notices: [...s.notices.slice(-4), { id, kind, text }] }));
    if (kind !== 'error') setTimeout(() => get().dismiss(id), 6000);
  },
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  askPassword: (reason, error = null) =>
    new Promise<string | null>((resolve) => {
      get().prompt?.resolve(null);
      set({ prompt: { reason, error, checking: false, resolve } });
    }),
  answerPassword: (password) => {
    const prompt = get().prompt;
    prompt?.resolve(password);
    set({ prompt: password === null || !prompt ? null : { ...prompt, checking: true } });
  },
  closePassword: () => {
    get().prompt?.resolve(null);
    set({ prompt: null });
  },
}));

/**
 * Whether the operator may take an action now, and if not, why — shown next to the disabled
 * control. Order matters: a missing permission is the first thing to say; then the central store;
 * then the caller's own condition (e.g. "awaiting a second approver").
 */
export function gate(
  state: Pick<ConsoleState, 'manifest' | 'host'>,
  callName: string,
  options: { online?: boolean; blocked?: string | null } = {},
): { allowed: boolean; reason: string | null } {
  const m = state.manifest;
  if (!m) return { allowed: false, reason: 'not signed in' };
  const def = (m.calls as Record<string, { permission: string } | undefined>)[callName];
  if (!def) return { allowed: false, reason: `unknown action ${callName}` };
  if (
    def.permission !== 'public' &&
    def.permission !== 'signed_in' &&
    !(m.permissions as readonly string[]).includes(def.permission)
  ) {
    return {
      allowed: false,
      reason: `you need permission to ${permissionInWords(def.permission)} (your role: ${roleInWords(m.operator.role)})`,
    };
  }
  if (options.online && state.host && !state.host.online) {
    // The full "why" is in the top bar; here, what it means for this action.
    return {
      allowed: false,
      reason: 'offline: this needs the central store, which cannot be reached now',
    };
  }
  if (options.blocked) return { allowed: false, reason: options.blocked };
  return { allowed: true, reason: null };
}

export function useGate(
  callName: string,
  options: { online?: boolean; blocked?: string | null } = {},
) {
  const manifest = useConsole((s) => s.manifest);
  const host = useConsole((s) => s.host);
  return gate({ manifest, host }, callName, options);
}
