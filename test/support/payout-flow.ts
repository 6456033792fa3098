/**
 * Real payouts in a real central store, for the webhook, reconciliation and export suites: the
 * product's own flow through the router (demo data → calc → batch create → submit → approval by a
 * second operator → execute) against fake provider servers. Nothing is inserted behind the
 * router's back except the checker operators themselves (there is no operator-management command yet).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rows } from '../../src/core/central/store.js';
import type { ProviderResolver } from '../../src/core/execution/executor.js';
import type { SignInResult } from '../../src/core/operators/commands.js';
import { hashPassword } from '../../src/core/operators/password.js';
import type { PayoutProvider, ProviderName } from '../../src/core/providers/provider.js';
import { openWorkstation, type Workstation } from '../../src/core/workstation/workstation.js';
import { tempDir, type Driver } from './central.js';
import { createTestDatabase } from './pg.js';
import { ADMIN_PASSWORD, memoryCredentials } from './workstation.js';

export interface Flow {
  ws: Workstation;
  /** Signed-in super-admin (the maker). */
  admin: string;
  /** A second operator (role admin): approves, and may run anything the tests need. */
  checker: string;
  /** A third operator, for batches that need two approvals (high value). */
  checker2: string;
  call<T = unknown>(name: string, payload?: unknown, token?: string): Promise<T>;
  /** Provider clients by name; tests swap them (e.g. to wrap a fake) before calling. */
  providers: Partial<Record<ProviderName, PayoutProvider>>;
  cleanup(): Promise<void>;
}

export async function openFlow(driver: Driver): Promise<Flow> {
  const tmp = tempDir();
  const db = driver === 'postgres' ? await createTestDatabase() : null;
  const providers: Partial<Record<ProviderName, PayoutProvider>> = {};
  const resolver: ProviderResolver = async (name) => {
    const p = providers[name];
    if (!p) throw new Error(`no ${name} provider in this test`);
    return p;
  };
  const ws = await openWorkstation({ dataDir: tmp.dir, centralUrl: db?.url, credentials: memoryCredentials(), providers: resolver });
  const raw = <T>(name: string, payload: unknown, token: string | null) => ws.router.call<T>({ name, payload, session: token, workstationId: ws.id, id: randomUUID() });
  await raw('operators.bootstrap', { username: 'admin', password: ADMIN_PASSWORD }, null);
  const signIn = async (username: string) => {
    const r = await raw<SignInResult>('session.signIn', { username, password: ADMIN_PASSWORD }, null);
    if (!r.ok) throw new Error(r.reason);
    return r.token;
  };
  const admin = await signIn('admin');
  // No operator-management command exists yet: the checkers are inserted, then sign in normally.
  const hash = await hashPassword(ADMIN_PASSWORD);
  await ws.central.db.execute(sql`INSERT INTO operators (username, display_name, role, password_hash) VALUES ('checker', 'Checker', 'admin', ${hash}), ('checker2', 'Checker Two', 'admin', ${hash})`);
  const checker = await signIn('checker');
  const checker2 = await signIn('checker2');
  return {
    ws,
    admin,
    checker,
    checker2,
    providers,
    call: <T>(name: string, payload: unknown = {}, token: string = admin) => raw<T>(name, payload, token),
    cleanup: async () => {
      await ws.close();
      await db?.drop();
      tmp.remove();
    },
  };
}

export interface PaidBatch {
  batchId: string;
  number: string;
  payoutIds: string[];
}

/**
 * Demo data, calc, and one executed batch per created part for `provider` (waitMs bounds how long the
 * executor waits for payouts the provider has not settled yet; the batch may stay EXECUTING).
 */
export async function payBatch(
  flow: Flow,
  options: { provider: ProviderName; currency?: string; affiliates?: number; conversions?: number; seed?: number; waitMs?: number; demo?: boolean },
): Promise<PaidBatch> {
  if (options.demo !== false) {
    await flow.call('demo.generate', { affiliates: options.affiliates ?? 40, conversions: options.conversions ?? 3000, seed: options.seed ?? 7 });
    await flow.call('commissions.calculate', {});
  }
  const created = await flow.call<{ batches: { id: string; number: string; requiredApprovals: number }[] }>('batch.create', {
    provider: options.provider,
    ...(options.currency ? { currency: options.currency } : {}),
  });
  const batch = created.batches[0]!;
  await flow.call('batch.submit', { batch: batch.id });
  await flow.call('batch.approve', { batch: batch.id }, flow.checker);
  if (batch.requiredApprovals > 1) await flow.call('batch.approve', { batch: batch.id }, flow.checker2);
  await flow.call('batch.execute', { batch: batch.id, waitMs: options.waitMs ?? 5_000 });
  const payouts = await rows<{ id: string }>(flow.ws.central.db, sql`SELECT id FROM payouts WHERE batch_id = ${batch.id}::uuid ORDER BY id`);
  return { batchId: batch.id, number: batch.number, payoutIds: payouts.map((p) => p.id) };
}

export interface PayoutState {
  id: string;
  status: string;
  attempt: number;
  provider_payout_id: string | null;
  amount_minor: string;
  currency: string;
  affiliate_id: string;
}

export async function payoutStates(flow: Flow, batchId: string): Promise<PayoutState[]> {
  return rows<PayoutState>(
    flow.ws.central.db,
    sql`SELECT id, status, attempt, provider_payout_id, amount_minor::text AS amount_minor, trim(currency) AS currency, affiliate_id
        FROM payouts WHERE batch_id = ${batchId}::uuid ORDER BY id`,
  );
}
