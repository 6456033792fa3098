/**
 * bench:execute — execute one approved batch of N payouts (default 10,000) against the fake Xendit
 * over real HTTP on loopback, with no latency and no faults, on the embedded store (PGlite) and,
 * when reachable, the real Postgres. Prints payouts/s and the durable writes (commits) per payout.
 *
 * Setup (affiliates, payable commissions, batch creation and two approvals) is not measured.
 * Usage: npm run bench:execute -- [--payouts N] [--stores pglite,postgres] [--concurrency N]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { CreateResult } from '../src/core/domain/batches/create.js';
import { rows } from '../src/core/platform/central/store.js';
import type { ExecuteResult } from '../src/core/domain/execution/executor.js';
import { hashPassword } from '../src/core/domain/operators/password.js';
import type { SignInResult } from '../src/core/domain/operators/commands.js';
import { xenditProvider } from '../src/core/domain/providers/xendit/client.js';
import { openWorkstation } from '../src/core/host/workstation/workstation.js';
import { resourcePath } from '../src/core/platform/files/resources.js';
import { arg, scratchDatabase } from './support.js';

const PASSWORD = 'bench-password-long-enough';

interface FakeStats {
  busyMs: number;
  createRequests: number;
  twice: number;
  succeeded: number;
}

/** Starts the fake Xendit in a child process (see fake-xendit-process.ts). */
async function startFakeProcess(): Promise<{
  url: string;
  secretKey: string;
  stats(): Promise<FakeStats>;
  close(): Promise<void>;
}> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./fake-xendit-process.ts', import.meta.url)),
    [],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const next = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type === type) {
          child.off('message', on);
          resolve(m as T);
        }
      };
      child.on('message', on);
    });
  const ready = await next<{ url: string; secretKey: string }>('ready');
  return {
    url: ready.url,
    secretKey: ready.secretKey,
    stats: async () => {
      const p = next<FakeStats>('stats');
      child.send({ type: 'stats' });
      return p;
    },
    close: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'close' });
      await exited;
    },
  };
}

async function run(
  store: 'pglite' | 'postgres',
  payouts: number,
  concurrency: number,
): Promise<Record<string, string | number>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'treasury-bench-exec-'));
  let scratch: { url: string; drop: () => Promise<void> } | null = null;
  if (store === 'postgres') {
    try {
      scratch = await scratchDatabase('treasury_bench_exec');
    } catch {
      return { store, skipped: 'Postgres unreachable' };
    }
  }
  const url = scratch?.url ?? null;
  const fake = await startFakeProcess();
  const ws = await openWorkstation({
    dataDir: dir,
    centralUrl: url ?? undefined,
    credentials: {
      kind: 'keychain',
      get: async () => null,
      set: async () => {},
      delete: async () => false,
    },
    providers: async () =>
      xenditProvider({ baseUrl: fake.url, secretKey: fake.secretKey, timeoutMs: 10_000 }),
  });
  const raw = <T>(name: string, payload: unknown, session: string | null) =>
    ws.router.call<T>({ name, payload, session, workstationId: ws.id, id: randomUUID() });
  // Approve and execute ask for the password again (step-up); every bench operator has PASSWORD.
  const call = async <T>(name: string, payload: unknown, session: string | null): Promise<T> => {
    if (session && (name === 'batch.approve' || name === 'batch.execute'))
      await raw('session.stepUp', { password: PASSWORD }, session);
    return raw<T>(name, payload, session);
  };
  try {
    await call('operators.bootstrap', { username: 'maker', password: PASSWORD }, null);
    const hash = await hashPassword(PASSWORD);
    const db = ws.central.db;
    await db.execute(
      sql`INSERT INTO operators (username, display_name, role, password_hash) VALUES ('checker1', 'c1', 'manager', ${hash}), ('checker2', 'c2', 'manager', ${hash}), ('exec', 'e', 'admin', ${hash})`,
    );
    const token = async (u: string) =>
      (
        await call<SignInResult & { token: string }>(
          'session.signIn',
          { username: u, password: PASSWORD },
          null,
        )
      ).token;
    const [maker, c1, c2, exec] = [
      await token('maker'),
      await token('checker1'),
      await token('checker2'),
      await token('exec'),
    ];
    const [op] = await rows<{ id: string }>(
      db,
      sql`SELECT id FROM operators WHERE username = 'maker'`,
    );
    await db.execute(sql`INSERT INTO commission_rules (version, effective_from, body, created_by)
      VALUES (1, '1970-01-01T00:00:00Z', ${readFileSync(resourcePath('examples/rules.json'), 'utf8')}::jsonb, ${op!.id}::uuid)`);
    // Set-based fixtures: N PHP affiliates paid by bank transfer, one payable 3,000.00 PHP
    // commission each.
    await db.execute(sql`INSERT INTO affiliates (id, name, email, country, status, kyc_status, payout_provider, payout_channel_code, payout_account_number, payout_account_holder_name, payout_currency)
      SELECT 'bench-' || lpad(g::text, 6, '0'), 'Affiliate ' || g, 'a' || g || '@bench.example', 'PH', 'active', 'approved', 'xendit', 'PH_BDO', (100000000 + g)::text, 'Affiliate ' || g, 'PHP'
      FROM generate_series(1, ${payouts}) g`);
    await db.execute(sql`INSERT INTO commissions (conversion_id, affiliate_id, rule_version, amount_minor, currency, status, rate_bps, period, occurred_at, available_at, calculated_at)
      SELECT 'bench-conv-' || g, 'bench-' || lpad(g::text, 6, '0'), 1, 300000, 'PHP', 'payable', 1000, '2026-09', '2026-09-01', '2026-10-01', now()
      FROM generate_series(1, ${payouts}) g`);
    const created = await call<CreateResult>('batch.create', { maxPayouts: payouts }, maker);
    const batch = created.batches[0]!;
    await call('batch.submit', { batch: batch.number }, maker);
    await call('batch.approve', { batch: batch.number }, c1);
    if (batch.requiredApprovals === 2) await call('batch.approve', { batch: batch.number }, c2);

    const before = await fake.stats();
    const started = performance.now();
    const r = await call<ExecuteResult>(
      'batch.execute',
      { batch: batch.number, concurrency },
      exec,
    );
    const seconds = (performance.now() - started) / 1000;
    const after = await fake.stats();
    const twice = after.twice;
    return {
      store,
      payouts: batch.payouts,
      status: r.status,
      seconds: seconds.toFixed(2),
      'payouts/s': Math.round(batch.payouts / seconds),
      'commits/payout': r.commitsPerPayout,
      'provider calls': r.providerCalls,
      'write s': (r.timing.writeMs / 1000).toFixed(2),
      'provider s': (r.timing.providerMs / 1000).toFixed(2),
      'read s': (r.timing.readMs / 1000).toFixed(2),
      'fake busy s': ((after.busyMs - before.busyMs) / 1000).toFixed(2),
      'paid twice': twice,
    };
  } finally {
    await ws.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
    await scratch?.drop();
  }
}

export async function main(args: string[]): Promise<void> {
  const payouts = Number.parseInt(arg(args, 'payouts', '10000'), 10);
  const concurrency = Number.parseInt(arg(args, 'concurrency', '32'), 10);
  const stores = arg(args, 'stores', 'pglite,postgres').split(',') as ('pglite' | 'postgres')[];
  process.stdout.write(
    `bench:execute — ${payouts.toLocaleString('en-US')} payouts, fake Xendit on loopback (no latency, no faults), concurrency ${concurrency}, ${os.cpus().length} cores\n`,
  );
  const results = [];
  for (const s of stores) {
    const r = await run(s, payouts, concurrency);
    results.push(r);
    process.stdout.write(JSON.stringify(r) + '\n');
  }
  console.table(results);
  process.stdout.write('target: ≥ 1,000 payouts/s on the embedded store (pglite)\n');
}
