/**
 * A wrong workstation clock, for drills where workstations in one test process disagree about the
 * time. Only `Date` is replaced (`new Date()`, `Date.now()`): timers, `performance.now()` and the
 * database keep real time, as they do on a machine whose wall clock is off. The clock still runs;
 * `during(offset, fn)` shifts it while `fn` runs (calls must not overlap), `freeze(at)` stops it.
 */
const RealDate = globalThis.Date;

export interface SkewedClock {
  /** Runs `fn` with the wall clock `offsetMs` off (positive: ahead). */
  during<T>(offsetMs: number, fn: () => Promise<T>): Promise<T>;
  /** Stops the wall clock at `atMs` (null: running again). */
  freeze(atMs: number | null): void;
  /** The real time, whatever the skew. */
  realNow(): number;
  uninstall(): void;
}

export function installSkewedClock(): SkewedClock {
  let offset = 0;
  let frozen: number | null = null;
  const now = () => frozen ?? RealDate.now() + offset;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [number]));
    }
    static override now(): number {
      return now();
    }
    // Dates made before the swap, or by Node itself (fs.Stats), are dates too.
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof RealDate;
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
  return {
    async during(offsetMs, fn) {
      offset = offsetMs;
      try {
        return await fn();
      } finally {
        offset = 0;
      }
    },
    freeze(atMs) {
      frozen = atMs;
    },
    realNow: () => RealDate.now(),
    uninstall() {
      globalThis.Date = RealDate;
    },
  };
}
