/**
 * Sync by itself. While an operator is signed in through a console (which asks for it with
 * `sync.auto`), the workstation pushes its outbox and pulls the change log:
 *
 * - on an interval (every minute while online),
 * - on reconnect (the central store answers again after being unreachable),
 * - shortly after a command that left work in the outbox (debounced: a burst of offline
 *   preparation is pushed once).
 *
 * The workstation is where this belongs: it knows connectivity, it holds the cache and the outbox,
 * and every host (Electron, the browser host) opens one. A run is an ordinary `sync.run` call made
 * with the operator's session, so it passes the same permission check and audit as "Sync now".
 *
 * Never two at once: manual and automatic runs share one lock (`exclusive`), and a trigger while a
 * run is going is folded into it. Never ahead of the console: an automatic run starts only once no
 * interactive call is in flight (the store's lanes), and it runs beside calls, never holding them.
 */
import { toTreasuryError } from '../shared/errors.js';

/** What a run did, as the top bar and the outbox view show it. */
export interface SyncOutcome {
  applied: number;
  rejected: number;
  pending: number;
  /** Why a push stopped before the end (e.g. another operator must sign in), or null. */
  stoppedBecause: string | null;
}

/** What starts a sync by itself (sync.run's `trigger`); a sync without one was asked for. */
export const AUTOMATIC_TRIGGERS = ['start', 'interval', 'reconnect', 'outbox'] as const;
export type AutomaticTrigger = (typeof AUTOMATIC_TRIGGERS)[number];

export type SyncState = 'off' | 'idle' | 'syncing' | 'offline' | 'failed';

/** The scheduler as `sync.status` reports it. */
export interface SchedulerView {
  /** Whether automatic sync is on (an operator asked for it and is still signed in). */
  automatic: boolean;
  /** off (nobody asked), idle, syncing, offline (waiting for the central store), failed. */
  state: SyncState;
  /** What started the run going or last run: interval, reconnect, outbox, manual, start. */
  trigger: string | null;
  lastRunAt: string | null;
  lastSyncedAt: string | null;
  /** Why the last run failed or stopped short, in words; null after a clean run. */
  failure: string | null;
  /** Why sync never runs by itself here (the embedded central store), or null. */
  note: string | null;
  last: SyncOutcome | null;
  intervalMs: number;
}

export interface SchedulerDeps {
  /** Whether the central store answers (probing it again when the last probe is old enough). */
  online(): Promise<{ online: boolean; reason: string | null }>;
  /**
   * Runs `sync.run` through the workstation's door, as the operator of `session`. Always in the
   * background (router.ts Call.background): sync by itself is not the operator's activity, so it
   * never keeps an unattended console's session from timing out.
   */
  sync(session: string, trigger: AutomaticTrigger, options: { background: true }): Promise<unknown>;
  /** Commands still waiting in the outbox. */
  pending(): Promise<number>;
  /** Resolves when no interactive call is in flight (or soon after): automatic runs wait for it. */
  quiet(): Promise<void>;
  /** Where failures are recorded (the workstation's logger). */
  log?(failure: string): void;
}

export interface SchedulerOptions {
  /** Between runs while online (default 60 s). */
  intervalMs?: number;
  /** How often connectivity is looked at, to notice a reconnect (default 5 s). */
  probeMs?: number;
  /** After a command, how long to wait for the next before pushing (default 2 s). */
  debounceMs?: number;
  /** Why nothing runs by itself on this workstation (it still serialises manual syncs). */
  unavailable?: string;
}

const SESSION_ENDED = new Set(['UNAUTHENTICATED', 'IP_NOT_ALLOWED']);

export class SyncScheduler {
  /** Operator (lower case) → the session their console asked with; the newest asked last. */
  private readonly sessions = new Map<string, string>();
  private lock: Promise<unknown> = Promise.resolve();
  private running = false;
  private again: AutomaticTrigger | null = null;
  private wasOnline: boolean | null = null;
  private probe: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly view: SchedulerView;
  private readonly probeMs: number;
  private readonly debounceMs: number;

  constructor(
    private readonly deps: SchedulerDeps,
    options: SchedulerOptions = {},
  ) {
    this.probeMs = options.probeMs ?? 5_000;
    this.debounceMs = options.debounceMs ?? 2_000;
    this.view = {
      automatic: false,
      state: 'off',
      trigger: null,
      lastRunAt: null,
      lastSyncedAt: null,
      failure: null,
      note: options.unavailable ?? null,
      last: null,
      intervalMs: options.intervalMs ?? 60_000,
    };
  }

  status(): SchedulerView {
    return { ...this.view, last: this.view.last ? { ...this.view.last } : null };
  }

  /** The session runs are made with: the newest console's to ask. */
  private get session(): string | null {
    return [...this.sessions.values()].pop() ?? null;
  }

  /**
   * The session `operator` asked for automatic sync with, if any: a run pushes each command as the
   * operator who wrote it, so with two consoles signed in on this workstation both get pushed.
   */
  sessionFor(operator: string): string | null {
    return this.sessions.get(operator.toLowerCase()) ?? null;
  }

  /** Automatic sync as `operator`, with `session` (their console asked for it), starting now. */
  follow(session: string, operator: string): SchedulerView {
    if (this.closed || this.view.note) return this.status();
    this.sessions.delete(operator.toLowerCase());
    this.sessions.set(operator.toLowerCase(), session);
    this.view.automatic = true;
    if (this.view.state === 'off') this.view.state = 'idle';
    this.probe ??= setInterval(() => void this.tick(), this.probeMs);
    this.probe.unref();
    void this.trigger('start');
    return this.status();
  }

  /** Automatic sync stops for a session that signed out or ended (for every one, when none is named). */
  forget(session?: string | null): void {
    for (const [operator, s] of this.sessions)
      if (session === undefined || s === session) this.sessions.delete(operator);
    if (this.sessions.size > 0) return;
    this.view.automatic = false;
    // A failure stays said (why automatic sync stopped) until the next run.
    if (this.view.state !== 'syncing' && this.view.state !== 'failed') this.view.state = 'off';
    this.stopTimers();
  }

  /** A command was made: push soon if it left something in the outbox. */
  nudge(): void {
    if (!this.session || this.closed) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.deps.pending().then(
        (n) => (n > 0 ? this.trigger('outbox') : undefined),
        () => undefined,
      );
    }, this.debounceMs);
    this.debounce.unref();
  }

  /**
   * Runs `work` (a sync, manual or automatic) under the one lock, recording its outcome. Two syncs
   * never overlap: a second waits for the first.
   */
  exclusive<T extends { online: boolean; reason?: string | null }>(
    trigger: string,
    work: () => Promise<T>,
    outcome: (result: T) => SyncOutcome | null,
  ): Promise<T> {
    const run = this.lock.then(async () => {
      this.view.state = 'syncing';
      this.view.trigger = trigger;
      this.view.lastRunAt = new Date().toISOString();
      try {
        const result = await work();
        this.recordResult(result, outcome(result));
        return result;
      } catch (error) {
        this.recordFailure(error);
        throw error;
      }
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.closed = true;
    this.sessions.clear();
    this.stopTimers();
  }

  /** Runs a sync by itself now, unless one is running (then once more after it, for the outbox). */
  async trigger(why: AutomaticTrigger): Promise<void> {
    const session = this.session;
    if (!session || this.closed) return;
    if (this.running) {
      this.again = why === 'outbox' || why === 'reconnect' ? why : this.again;
      return;
    }
    this.running = true;
    try {
      const { online, reason } = await this.deps.online();
      this.wasOnline = online;
      if (!online) {
        this.offline(reason);
        return;
      }
      await this.deps.quiet();
      // A run that fails in the handler is recorded by exclusive(); one refused before it (the
      // session ended, the address no longer allowed, or idle too long: the operator walked away)
      // here. The session's end stops automatic sync.
      await this.deps.sync(session, why, { background: true }).catch((error: unknown) => {
        const e = toTreasuryError(error);
        if (this.view.failure !== e.message) this.recordFailure(e);
        if (SESSION_ENDED.has(e.code)) this.forget(session);
      });
    } finally {
      this.running = false;
      const next = this.again;
      this.again = null;
      if (next) void this.trigger(next);
    }
  }

  /** Every few seconds: a reconnect syncs at once; otherwise a run once the interval is over. */
  private async tick(): Promise<void> {
    if (!this.session || this.running) return;
    const { online, reason } = await this.deps.online().catch((error: unknown) => ({
      online: false,
      reason: toTreasuryError(error).message,
    }));
    const before = this.wasOnline;
    this.wasOnline = online;
    if (!online) return this.offline(reason);
    if (before === false) return this.trigger('reconnect');
    const last = this.view.lastRunAt ? Date.parse(this.view.lastRunAt) : 0;
    if (Date.now() - last >= this.view.intervalMs) return this.trigger('interval');
  }

  private offline(reason: string | null): void {
    if (this.view.state !== 'syncing') {
      this.view.state = 'offline';
      this.view.failure = reason;
    }
  }

  private recordResult(result: { online: boolean; reason?: string | null }, o: SyncOutcome | null) {
    if (!result.online) {
      this.view.state = 'offline';
      this.view.failure = result.reason ?? 'the central store cannot be reached';
      return;
    }
    this.view.last = o;
    this.view.lastSyncedAt = new Date().toISOString();
    this.view.failure = o?.stoppedBecause ?? null;
    this.view.state = this.view.failure ? 'failed' : this.session ? 'idle' : 'off';
  }

  private recordFailure(error: unknown): void {
    const e = toTreasuryError(error);
    this.view.state = 'failed';
    this.view.failure = e.message;
    this.deps.log?.(`${e.code}: ${e.message}`);
  }

  private stopTimers(): void {
    if (this.probe) clearInterval(this.probe);
    if (this.debounce) clearTimeout(this.debounce);
    this.probe = null;
    this.debounce = null;
  }
}
