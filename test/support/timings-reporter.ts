/**
 * A vitest reporter for `npm test`: how long each test file took, hooks included (a drill's
 * beforeAll is most of its time), written to TREASURY_TEST_TIMINGS for scripts/test.mjs, which
 * prints the slowest files at the end of the run.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export default class TimingsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const file = process.env.TREASURY_TEST_TIMINGS;
    if (!file) return;
    const timings = modules.map((m) => {
      const d = m.diagnostic();
      return {
        file: path.relative(process.cwd(), m.moduleId),
        ms: Math.round(d.collectDuration + d.setupDuration + d.duration),
      };
    });
    writeFileSync(file, JSON.stringify(timings));
  }
}
