/**
 * What this machine lacks, said once per missing piece: printed now (the suite's output) and, under
 * `npm test`, added to the list scripts/test.mjs prints at the end with the count of skipped tests.
 * Under CI=true nothing may be skipped: the caller throws instead of calling this.
 */
import { appendFileSync } from 'node:fs';

export function announceSkip(what: string, why: string): void {
  console.warn(`[skip] ${what} skipped: ${why}`);
  const file = process.env.TREASURY_TEST_SKIPS;
  if (file) appendFileSync(file, JSON.stringify({ what, why }) + '\n');
}
