/**
 * A process that rotates a cache key and may die on the way (test/platform/cache/cache-rekey.test.ts): with
 * CRASH_AT set it SIGKILLs itself right after that step; otherwise the parent kills it at a random
 * moment. It prints "REKEYED" when the rotation completed.
 */
import { openCache } from '../../src/core/platform/cache/cache.js';
import { rekeyCache, type RekeyStep } from '../../src/core/platform/cache/rekey.js';
import { keychainStore } from '../../src/core/platform/credentials/store.js';

const [file, workstationId, service] = process.argv.slice(2) as [string, string, string];
const crashAt = process.env.CRASH_AT as RekeyStep | undefined;
const credentials = keychainStore(service);
const cache = await openCache({ file, workstationId, credentials });
const opened = performance.now();
process.stdout.write('OPENED\n');
const { cache: rekeyed } = await rekeyCache(cache, {
  workstationId,
  credentials,
  onStep: (step) => {
    process.stdout.write(`STEP ${step} ${Math.round(performance.now() - opened)}\n`);
    if (step === crashAt) process.kill(process.pid, 'SIGKILL');
  },
});
rekeyed.close();
process.stdout.write('REKEYED\n');
