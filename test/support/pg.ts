/**
 * Test access to the real Postgres at TREASURY_TEST_PG_URL (default
 * postgres://postgres@127.0.0.1:5432/test). Each test file gets its own freshly created database,
 * dropped afterwards. When the server is not reachable the Postgres tests are skipped with the
 * reason printed — except under CI=true, where a missing Postgres is a failure, never a skip.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { announceSkip } from './skips.js';

export const PG_URL = process.env.TREASURY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const IN_CI = process.env.CI === 'true';

async function probe(): Promise<string | null> {
  const sql = postgres(PG_URL, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await sql`select 1`;
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** `npm run test:quick` leaves the real server to the full run. */
const QUICK = process.env.TREASURY_TEST_QUICK === '1';
const unavailable = QUICK ? null : await probe();
if (QUICK)
  announceSkip('real-Postgres tests', 'a quick run (npm run test:quick) leaves them to npm test');
else if (unavailable) {
  if (IN_CI)
    throw new Error(
      `CI=true but the test Postgres at ${PG_URL} is unreachable (${unavailable}): .ci/run must start it`,
    );
  announceSkip(
    'real-Postgres tests',
    `${PG_URL} unreachable (${unavailable}); start PostgreSQL or set TREASURY_TEST_PG_URL`,
  );
}
export const pgAvailable = !QUICK && unavailable === null;

/** Creates a throwaway database and returns its URL and a function that drops it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `treasury_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(PG_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** The central-store drivers to run a suite on: PGlite always, Postgres when reachable. */
export function drivers(): ('pglite' | 'postgres')[] {
  return pgAvailable ? ['pglite', 'postgres'] : ['pglite'];
}
