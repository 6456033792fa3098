/**
 * What every benchmark shares: arguments, peak RSS, a scratch database on the real Postgres, and
 * phases run in child processes (so each phase's peak RSS is its own).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import type { CentralStore } from '../src/core/platform/central/store.js';

export const PG_URL = process.env.TREASURY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function arg(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

/** This process's peak resident set size so far, in MB. */
export const rssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** A fresh database on the real Postgres, and how to drop it. */
export async function scratchDatabase(
  prefix = 'treasury_bench',
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const a = postgres(PG_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * A scratch place for one store: a fresh data dir and, for Postgres, a fresh database; `fn` gets
 * both, and both are removed afterwards whatever happens.
 */
export async function withScratchStore<T>(
  store: 'postgres' | 'pglite',
  fn: (where: { dataDir: string; url?: string }) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'treasury-bench-'));
  const db = store === 'postgres' ? await scratchDatabase() : null;
  try {
    return await fn({ dataDir, ...(db ? { url: db.url } : {}) });
  } finally {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Runs `phase` of the benchmark file `bench` in a child process; returns the JSON line it prints.
 */
export function runPhase(
  bench: string,
  phase: string,
  target: { store: string },
  n: unknown,
): Record<string, number> {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      bench,
      '--phase',
      phase,
      '--target',
      JSON.stringify(target),
      '--n',
      JSON.stringify(n),
    ],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0) throw new Error(`${phase} on ${target.store} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

/** The child-process side: `--phase NAME --target JSON --n JSON` → one JSON line on stdout. */
export async function phaseEntry<T, N>(
  phases: Record<string, (t: T, n: N) => Promise<Record<string, unknown>>>,
): Promise<void> {
  if (!process.argv.includes('--phase')) return;
  const argv = process.argv.slice(2);
  const result = await phases[arg(argv, 'phase', '')]!(
    JSON.parse(arg(argv, 'target', '{}')) as T,
    JSON.parse(arg(argv, 'n', '{}')) as N,
  );
  process.stdout.write(JSON.stringify(result) + '\n');
}

/**
 * `commissions` commissions over `affiliates` affiliates, generated set-based with generate_series
 * (change-log triggers on): a quarter each pending and voided, half payable; amounts from 1.00 to
 * 100,000.00 IDR; occurred over six months.
 */
export async function seedCommissions(
  store: CentralStore,
  n: { commissions: number; affiliates: number },
): Promise<void> {
  await store.db.transaction(async (tx) => {
    await tx.execute(sql`INSERT INTO affiliates (id, name, email, country, status, kyc_status, payout_provider, payout_channel_code,
                                                 payout_account_number, payout_account_holder_name, payout_currency)
      SELECT 'aff-' || lpad(i::text, 6, '0'), 'Affiliate ' || i, 'a' || i || '@example.com', 'ID', 'active', 'approved', 'xendit', 'ID_BCA',
             lpad(i::text, 10, '0'), 'Holder ' || i, 'IDR'
      FROM generate_series(1, ${n.affiliates}::int) AS i`);
    await tx.execute(sql`INSERT INTO commissions (conversion_id, affiliate_id, rule_version, amount_minor, currency, status, reason, rate_bps,
                                                  capped, period, occurred_at, available_at, calculated_at)
      SELECT 'cv-' || lpad(i::text, 8, '0'), 'aff-' || lpad((i % ${n.affiliates}::int + 1)::text, 6, '0'), 1, (i::bigint * 7919) % 10000000 + 100, 'IDR',
             (ARRAY['pending','payable','payable','voided'])[i % 4 + 1], CASE WHEN i % 4 = 3 THEN 'conversion refunded' END, 1000 + i % 7 * 50,
             i % 17 = 0, '2026-' || lpad((i % 6 + 5)::text, 2, '0'),
             timestamptz '2026-05-01 00:00:00Z' + (i % 15552000) * interval '1 second',
             timestamptz '2026-05-31 00:00:00Z' + (i % 15552000) * interval '1 second' + (i % 1000) * interval '1 millisecond',
             now()
      FROM generate_series(1, ${n.commissions}::int) AS i`);
  });
}
