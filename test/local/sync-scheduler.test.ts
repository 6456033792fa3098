/**
 * Sync by itself (src/core/local/sync-scheduler.ts): on start, on an interval while online, on
 * reconnect, shortly after a command that left work in the outbox (debounced) — never two at once,
 * manual and automatic alike; a session that ended stops it; a push that stopped short says why.
 * The scheduler's parts are stand-ins here (timings in milliseconds); the workstation's wiring is
 * tested in outbox-calls.test.ts and the e2e suite (test/e2e/outbox.spec.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  SyncScheduler,
  type AutomaticTrigger,
  type SyncOutcome,
} from '../../src/core/local/sync-scheduler.js';
import { TreasuryError } from '../../src/core/shared/errors.js';

const clean: SyncOutcome = { applied: 0, rejected: 0, pending: 0, stoppedBecause: null };

interface Harness {
  scheduler: SyncScheduler;
  runs: (AutomaticTrigger | 'manual')[];
  maxAtOnce: () => number;
  net: { online: boolean };
  outbox: { pending: number };
  next: { error: TreasuryError | null; outcome: SyncOutcome; ms: number };
  /** How each automatic run was asked for: its session and whether it was a background call. */
  asked: { session: string; background: boolean }[];
  manual(): Promise<unknown>;
}

/** A scheduler whose sync is the handler's shape: the work under `exclusive`. */
function harness(options: { intervalMs?: number; unavailable?: string } = {}): Harness {
  const runs: Harness['runs'] = [];
  let now = 0;
  let max = 0;
  const net = { online: true };
  const outbox = { pending: 0 };
  const next: Harness['next'] = { error: null, outcome: clean, ms: 5 };
  const asked: Harness['asked'] = [];
  const work = (trigger: AutomaticTrigger | 'manual') =>
    scheduler.exclusive(
      trigger,
      async () => {
        now++;
        max = Math.max(max, now);
        runs.push(trigger);
        await new Promise((r) => setTimeout(r, next.ms));
        now--;
        if (next.error) throw next.error;
        return { online: net.online, reason: net.online ? null : 'cut' };
      },
      () => next.outcome,
    );
  const scheduler: SyncScheduler = new SyncScheduler(
    {
      online: async () => ({ online: net.online, reason: net.online ? null : 'relay cut' }),
      sync: (session, trigger, options) => {
        asked.push({ session, background: options.background });
        return work(trigger);
      },
      pending: async () => outbox.pending,
      quiet: async () => undefined,
    },
    {
      probeMs: 10,
      debounceMs: 30,
      intervalMs: options.intervalMs ?? 60_000,
      ...(options.unavailable ? { unavailable: options.unavailable } : {}),
    },
  );
  made.push(scheduler);
  return {
    scheduler,
    runs,
    maxAtOnce: () => max,
    net,
    outbox,
    next,
    asked,
    manual: () => work('manual'),
  };
}

const made: SyncScheduler[] = [];
afterEach(() => {
  for (const s of made.splice(0)) s.close();
});
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sync by itself', () => {
  it('syncs once when an operator is followed, then again when the interval is over', async () => {
    const h = harness({ intervalMs: 80 });
    expect(h.scheduler.status()).toMatchObject({ automatic: false, state: 'off' });
    h.scheduler.follow('token', 'maker');
    await vi.waitFor(() => expect(h.runs).toEqual(['start']));
    expect(h.scheduler.status()).toMatchObject({
      automatic: true,
      state: 'idle',
      trigger: 'start',
    });
    expect(h.scheduler.status().lastSyncedAt).not.toBeNull();
    await vi.waitFor(() => expect(h.runs).toEqual(['start', 'interval']), { timeout: 2000 });
  });

  it('offline it waits, and syncs as soon as the central store answers again', async () => {
    const h = harness();
    h.net.online = false;
    h.scheduler.follow('token', 'maker');
    await vi.waitFor(() =>
      expect(h.scheduler.status()).toMatchObject({ state: 'offline', failure: 'relay cut' }),
    );
    expect(h.runs).toEqual([]);
    h.net.online = true;
    await vi.waitFor(() => expect(h.runs).toEqual(['reconnect']));
    expect(h.scheduler.status()).toMatchObject({ state: 'idle', failure: null });
  });

  it('after commands, pushes once they stop coming, and only when something waits', async () => {
    const h = harness();
    h.scheduler.follow('token', 'maker');
    await vi.waitFor(() => expect(h.runs).toEqual(['start']));
    h.scheduler.nudge();
    await settle(60);
    expect(h.runs).toEqual(['start']); // nothing pending: nothing to push
    h.outbox.pending = 2;
    for (let i = 0; i < 5; i++) {
      h.scheduler.nudge();
      await settle(10);
    }
    await vi.waitFor(() => expect(h.runs).toEqual(['start', 'outbox']));
    await settle(60);
    expect(h.runs).toEqual(['start', 'outbox']);
  });

  it('never runs two syncs at once: "Sync now" during an automatic one waits for it', async () => {
    const h = harness();
    h.next.ms = 40;
    h.outbox.pending = 1;
    h.scheduler.follow('token', 'maker');
    h.scheduler.nudge();
    const manual = [h.manual(), h.manual()];
    void h.scheduler.trigger('reconnect');
    await Promise.all(manual);
    await vi.waitFor(() => expect(h.runs.length).toBeGreaterThanOrEqual(4));
    await settle(100);
    expect(h.maxAtOnce()).toBe(1);
    expect(h.runs.filter((r) => r === 'manual')).toHaveLength(2);
  });

  it('a push that stopped short is a failure with its reason; the next clean run clears it', async () => {
    const h = harness();
    h.next.outcome = { ...clean, pending: 1, stoppedBecause: 'maker must sign in online' };
    await h.manual();
    expect(h.scheduler.status()).toMatchObject({
      state: 'failed',
      failure: 'maker must sign in online',
      last: { pending: 1 },
    });
    h.next.outcome = clean;
    await h.manual();
    expect(h.scheduler.status()).toMatchObject({ state: 'off', failure: null });
  });

  it('a session that ended stops automatic sync and says why', async () => {
    const h = harness({ intervalMs: 20 });
    h.next.error = new TreasuryError('UNAUTHENTICATED', 'the session ended after 30 idle minutes');
    h.scheduler.follow('token', 'maker');
    await vi.waitFor(() =>
      expect(h.scheduler.status()).toMatchObject({
        automatic: false,
        state: 'failed',
        failure: 'the session ended after 30 idle minutes',
      }),
    );
    await settle(80);
    expect(h.runs).toEqual(['start']);
  });

  it('runs in the background (not activity: an unattended console still times out), and stops once that ends its session', async () => {
    const h = harness({ intervalMs: 20 });
    h.scheduler.follow('token', 'maker');
    await vi.waitFor(() => expect(h.runs.length).toBeGreaterThan(1));
    expect(h.asked.length).toBeGreaterThan(1);
    expect(h.asked.every((a) => a.session === 'token' && a.background)).toBe(true);
    // The idle timeout reached through background runs alone: automatic sync stops following it.
    h.next.error = new TreasuryError(
      'UNAUTHENTICATED',
      'the session expired after 30 minutes without activity: sign in again',
    );
    await vi.waitFor(() => expect(h.scheduler.status().automatic).toBe(false));
    expect(h.scheduler.sessionFor('maker')).toBeNull();
    const seen = h.runs.length;
    await settle(80);
    expect(h.runs.length).toBe(seen);
  });

  it('follows every console signed in here; signing out (forget) stops it for that one', async () => {
    const h = harness({ intervalMs: 20 });
    h.scheduler.follow('token', 'maker');
    h.scheduler.follow('other', 'Checker');
    await vi.waitFor(() => expect(h.runs.length).toBeGreaterThan(0));
    // A run pushes each operator's commands with their own session.
    expect(h.scheduler.sessionFor('MAKER')).toBe('token');
    expect(h.scheduler.sessionFor('checker')).toBe('other');
    expect(h.scheduler.sessionFor('viewer')).toBeNull();
    h.scheduler.forget('someone else');
    h.scheduler.forget('other');
    expect(h.scheduler.sessionFor('checker')).toBeNull();
    expect(h.scheduler.status().automatic).toBe(true);
    h.scheduler.forget('token');
    expect(h.scheduler.status().automatic).toBe(false);
    // A run in flight at that moment ends first ('syncing' until then; seen in CI under load),
    // and nothing starts after it.
    await vi.waitFor(() => expect(h.scheduler.status().state).toBe('off'));
    const seen = h.runs.length;
    await settle(80);
    expect(h.runs.length).toBe(seen);
  });

  it('with the embedded store nothing runs by itself, and it says why', async () => {
    const h = harness({ unavailable: 'the central store is embedded' });
    expect(h.scheduler.follow('token', 'maker')).toMatchObject({
      automatic: false,
      state: 'off',
      note: 'the central store is embedded',
    });
    h.outbox.pending = 1;
    h.scheduler.nudge();
    await settle(60);
    expect(h.runs).toEqual([]);
    await h.manual(); // "Sync now" still works
    expect(h.runs).toEqual(['manual']);
  });
});
