import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real databases and scrypt make some tests slow; nothing here is timing-sensitive.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two test files at a time on the 2-core machines: much of a file's time is spent waiting (child
    // processes, the Postgres server, providers' settle times), and vitest's default (cores - 1)
    // would run one file at a time.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
