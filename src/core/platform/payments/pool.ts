/** Bounded concurrency and a shared rate-limit gate for provider calls. */
import { setTimeout as sleep } from 'node:timers/promises';

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * When a provider answers 429 with a reset time, every worker waits until then — not just the one
 * that was refused — so the executor backs off as a whole instead of hammering the limit.
 */
export class RateGate {
  private until = 0;
  pause(untilMs: number): void {
    this.until = Math.max(this.until, untilMs);
  }
  async wait(now: () => number = Date.now): Promise<void> {
    while (this.until > now()) await sleep(Math.max(0, this.until - now()));
  }
}
