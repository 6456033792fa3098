/**
 * Two lanes over one store: interactive calls (pages, drawers, dashboard, session) and background
 * work cut into slices (a calculation or an export on the embedded store). The embedded store has
 * one connection and queues statements first come, first served; a call of three statements would
 * wait behind three slices. So background work asks `quiet()` before each slice, and a slice starts
 * when no interactive call is in flight: a call waits for at most the slice already running. A
 * slice that has waited MAX_WAIT_MS starts anyway, so a busy console slows long work but never
 * stops it.
 *
 * Background work that writes in slices (`writing`) commits as it goes, where PostgreSQL would hold
 * one transaction that readers do not see until it ends. Results kept between requests
 * (console/kept.ts) look past those slices while the work runs — the console shows the ledger as it
 * was, not half a calculation, and does not rebuild a 100,000-row view after every slice — and are
 * built again once it has ended.
 */
const MAX_WAIT_MS = 250;

export class Lanes {
  private inFlight = 0;
  private waiting: (() => void)[] = [];
  private writers = 0;
  private readonly writerXids = new Set<string>();
  private writersDone: (() => void)[] = [];
  /** Bumped whenever background writing ends: a result kept across it is built again. */
  generation = 0;

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
   * Resolves once the event loop has turned and no interactive call is in flight (or MAX_WAIT_MS
   * have passed). The turn matters: the embedded store runs its statements synchronously and
   * answers through promises, so work that only awaits it never lets timers, messages or sockets in
   * (a calculation would hold the thread's door shut until it ended); one macrotask per slice does.
   */
  async quiet(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    const until = Date.now() + MAX_WAIT_MS;
    while (this.inFlight > 0 && Date.now() < until) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, until - Date.now());
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Background work writing in slices; `wrote` records each slice's transaction id. */
  async writing<T>(run: (wrote: (xid: string) => void) => Promise<T>): Promise<T> {
    this.writers++;
    const mine: string[] = [];
    try {
      return await run((xid) => {
        mine.push(xid);
        this.writerXids.add(xid);
      });
    } finally {
      for (const xid of mine) this.writerXids.delete(xid);
      this.writers--;
      this.generation++;
      if (this.writers === 0) {
        const done = this.writersDone;
        this.writersDone = [];
        for (const resolve of done) resolve();
      }
    }
  }

  /** Transaction ids of slices written by background work still running. */
  backgroundXids(): string[] {
    return [...this.writerXids];
  }

  /** Whether background work is writing in slices now. */
  busyWriting(): boolean {
    return this.writers > 0;
  }

  /** Resolves when no background work is writing (at once when none is). */
  writersIdle(): Promise<void> {
    if (this.writers === 0) return Promise.resolve();
    return new Promise((resolve) => this.writersDone.push(resolve));
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
