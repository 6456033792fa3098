/**
 * Two lanes over one store: interactive calls (pages, drawers, dashboard, session) and background
 * work cut into slices (a calculation or an export on the embedded store). The embedded store has
 * one connection and queues statements first come, first served; a call of three statements would
 * wait behind three slices. So background work asks `quiet()` before each slice, and a slice starts
 * only when no interactive call is in flight: a call waits for at most the slice already running.
 *
 * A stream of interactive calls could hold a slice back for as long as it lasts; that is the
 * priority wanted (an operator working), and the console's calls come with gaps between them.
 */
export class Lanes {
  private inFlight = 0;
  private waiting: (() => void)[] = [];

  /** Runs an interactive call; background slices wait until none is in flight. */
  async interactive<T>(run: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await run();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.wake();
    }
  }

  /**
   * Resolves once the event loop has turned and no interactive call is in flight. The turn matters:
   * the embedded store runs its statements synchronously and answers through promises, so work that
   * only awaits it never lets timers, messages or sockets in (a calculation would hold the thread's
   * door shut until it ended); one macrotask per slice lets them in.
   */
  async quiet(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
