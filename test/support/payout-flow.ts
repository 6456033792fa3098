/**
 * Real payouts for the webhook, reconciliation and export suites, made by the product's own flow
 * through the router (demo data → calc → batch create → submit → approval by other operators →
 * execute) against the fake provider servers. Unlike `openScenario` (payouts.ts), the provider
 * clients are swappable after the workstation is open: the webhook tests must open the store first,
 * start the relay on it, and only then start a fake whose callback URL is the relay.
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../src/core/platform/central/store.js';
import type { ProviderResolver } from '../../src/core/domain/execution/executor.js';
import type { PayoutProvider, ProviderName } from '../../src/core/platform/payments/provider.js';
import type { Driver } from './central.js';
import { addOperator, openTestWorkstation, type TestWorkstation } from './workstation.js';

export interface Flow {
  tw: TestWorkstation;
  /** Managers: they approve (two of them for high-value batches). */
  checker1: string;
  checker2: string;
  /**
   * Provider clients by name; a test sets them (a fake's client, or a wrapper of one) before
   * executing.
   */
  providers: Partial<Record<ProviderName, PayoutProvider>>;
  cleanup(): Promise<void>;
}

export async function openFlow(
  driver: Driver,
  options: { affiliates?: number; conversions?: number; seed?: number } = {},
): Promise<Flow> {
  const providers: Partial<Record<ProviderName, PayoutProvider>> = {};
  const resolver: ProviderResolver = async (name) => {
    const p = providers[name];
    if (!p) throw new Error(`this test wired no ${name} provider`);
    return p;
  };
  const tw = await openTestWorkstation(driver, { providers: resolver });
  const checker1 = await addOperator(tw, 'checker1', 'manager');
  const checker2 = await addOperator(tw, 'checker2', 'manager');
  await tw.call('demo.generate', {
    affiliates: options.affiliates ?? 40,
    conversions: options.conversions ?? 3000,
    seed: options.seed ?? 7,
    until: '2026-11-01',
  });
  await tw.call('commissions.calculate', {});
  return { tw, checker1, checker2, providers, cleanup: () => tw.cleanup() };
}

export interface PaidBatch {
  batchId: string;
  number: string;
  payoutIds: string[];
}

/**
 * Creates, approves and executes one batch for `provider` (the first part, if the request splits).
 * `waitMs` bounds how long the executor waits for payouts the provider has not settled: the batch
 * may stay EXECUTING with payouts ACCEPTED.
 */
export async function payBatch(
  flow: Flow,
  options: {
    provider: ProviderName;
    currency?: string;
    waitMs?: number;
    maxPayouts?: number;
    fxRates?: Record<string, string>;
    affiliateIds?: string[];
  },
): Promise<PaidBatch> {
  const created = await flow.tw.call<{
    batches: { id: string; number: string; requiredApprovals: number; contentHash: string }[];
  }>('batch.create', {
    provider: options.provider,
    ...(options.currency ? { currency: options.currency } : {}),
    ...(options.maxPayouts ? { maxPayouts: options.maxPayouts } : {}),
    ...(options.fxRates ? { fxRates: options.fxRates } : {}),
    ...(options.affiliateIds ? { affiliateIds: options.affiliateIds } : {}),
  });
  const batch = created.batches[0]!;
  await flow.tw.call('batch.submit', { batch: batch.id });
  await flow.tw.call(
    'batch.approve',
    { batch: batch.id, contentHash: batch.contentHash },
    flow.checker1,
  );
  if (batch.requiredApprovals > 1)
    await flow.tw.call(
      'batch.approve',
      { batch: batch.id, contentHash: batch.contentHash },
      flow.checker2,
    );
  await flow.tw.call('batch.execute', { batch: batch.id, waitMs: options.waitMs ?? 10_000 });
  const payouts = await rows<{ id: string }>(
    flow.tw.ws.central.db,
    sql`SELECT id FROM payouts WHERE batch_id = ${batch.id}::uuid ORDER BY id`,
  );
  return { batchId: batch.id, number: batch.number, payoutIds: payouts.map((p) => p.id) };
}

export interface PayoutState {
  id: string;
  status: string;
  attempt: number;
  provider_payout_id: string | null;
  amount_minor: string;
  source_amount_minor: string;
  source_currency: string;
  currency: string;
  affiliate_id: string;
  /** Part k of a split payout (1 when not split): only part 1 holds the commissions. */
  split_part: number;
}

export async function payoutStates(flow: Flow, batchId?: string): Promise<PayoutState[]> {
  return rows<PayoutState>(
    flow.tw.ws.central.db,
    sql`SELECT id, status, attempt, provider_payout_id, amount_minor::text AS amount_minor, trim(currency) AS currency,
               source_amount_minor::text AS source_amount_minor, trim(source_currency) AS source_currency, affiliate_id, split_part
        FROM payouts WHERE ${batchId ?? null}::uuid IS NULL OR batch_id = ${batchId ?? null}::uuid ORDER BY id`,
  );
}

/**
 * A provider that forwards every call to `inner` except those overridden: for tests that make a
 * real client (talking to a fake server) misbehave in one precise way. Methods are bound
 * explicitly: the clients keep their secrets in private fields, which a prototype-based wrapper
 * could not reach.
 */
export function wrapProvider(
  inner: PayoutProvider,
  overrides: Partial<Omit<PayoutProvider, 'name'>>,
): PayoutProvider {
  return {
    name: inner.name,
    ...(inner.wireBody
      ? {
          wireBody: (r: Parameters<NonNullable<PayoutProvider['wireBody']>>[0]) =>
            inner.wireBody!(r),
        }
      : {}),
    create: (r) => inner.create(r),
    get: (id) => inner.get(id),
    findByReference: (ref) => inner.findByReference(ref),
    balance: (c) => inner.balance(c),
    cancel: (id) => inner.cancel(id),
    channelLimits: (code, c) => inner.channelLimits(code, c),
    list: (from, to) => inner.list(from, to),
    ...overrides,
  };
}
