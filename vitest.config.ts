import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Campaigns that measure where a kill lands (the executor's crash test, the cache key rotation's
 * kills) run alone, after everything else: with another heavy file beside them on two cores, their
 * timing proves less and their budget runs out.
 */
const ALONE = ['test/drills/crash.test.ts', 'test/platform/cache/cache-rekey.test.ts'];

/**
 * `npm run test:quick` (TREASURY_TEST_QUICK=1) leaves out the suites that start real processes,
 * threads or hosts, and the whole-product drills, to stay under three minutes; each project carries
 * the exclusion (vitest's --exclude does not reach projects).
 */
const SLOW = [
  'test/project/**',
  'test/hosts/**',
  'test/drills/**',
  'test/host/workstation/workstation-thread.test.ts',
  'test/domain/backup/backup-restore.test.ts',
  'test/platform/credentials/credential-vault.test.ts',
];
const left = process.env.TREASURY_TEST_QUICK === '1' ? SLOW : [];

export default defineConfig({
  test: {
    // Real databases and scrypt make some tests slow; nothing here is timing-sensitive.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      {
        extends: true,
        // Two test files at a time on the 2-core machines: much of a file's time is spent waiting
        // (child processes, the Postgres server, providers' settle times), and vitest's default
        // (cores - 1) would run one file at a time.
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ALONE, ...left],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          exclude: left,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
