/**
 * Reconciliation against the fake Xendit over HTTP, on real stores: payouts made by the real flow,
 * then the two sides pulled apart in each way the outcomes name, and one run that must report each.
 * Xendit's side is listed through its Transactions API (GET /transactions), as the real service
 * requires: GET /v2/payouts only looks up one reference.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { pollPayouts } from '../../../src/core/domain/payouts/poll.js';
import type { ReconcileResult } from '../../../src/core/domain/reconciliation/reconcile.js';
import {
  xenditProvider,
  type XenditProvider,
} from '../../../src/core/domain/providers/xendit/client.js';
import { startFakeXendit, type FakeXendit } from '../../fakes/xendit.js';
import {
  openFlow,
  payBatch,
  payoutStates,
  wrapProvider,
  type Flow,
  type PaidBatch,
  type PayoutState,
} from '../../support/payout-flow.js';
import { drivers } from '../../support/pg.js';

interface ResultRow {
  payoutId: string | null;
  providerPayoutId: string | null;
  outcome: string;
  ourStatus: string | null;
  providerStatus: string | null;
  ourAmountMinor: string | null;
  providerAmountMinor: string | null;
  details: Record<string, unknown>;
}

const DAY = 86_400_000;

describe.each(drivers())('reconciliation on %s', (driver) => {
  let flow: Flow;
  let fake: FakeXendit;
  let client: XenditProvider;
  let skew = 0;
  let batch: PaidBatch;
  let states: PayoutState[];
  let run: ReconcileResult;
  const period = () => ({
    from: new Date(Date.now() - DAY).toISOString(),
    to: new Date(Date.now() + DAY).toISOString(),
  });
  // The roles each payout plays in the run.
  let missing: PayoutState,
    amountOff: PayoutState,
    reversed: PayoutState,
    stillAccepted: PayoutState,
    failedThere: PayoutState,
    unlisted: PayoutState,
    doublePaid: PayoutState;
  let foreignId: string, secondPaymentId: string, seededId: string;

  const results = async (runId: string, outcome?: string) =>
    (
      await flow.tw.call<{ total: number; results: ResultRow[] }>('reconcile.results', {
        runId,
        ...(outcome ? { outcome } : {}),
        limit: 1000,
      })
    ).results;

  beforeAll(async () => {
    flow = await openFlow(driver);
    fake = await startFakeXendit({
      seed: 5,
      settleAfterMs: 3_600_000,
      now: () => Date.now() + skew,
      maxPageSize: 4,
      recordRequests: true,
    });
    client = xenditProvider({ baseUrl: fake.url, secretKey: fake.secretKey, timeoutMs: 3000 });
    flow.providers.xendit = client;
    batch = await payBatch(flow, { provider: 'xendit', currency: 'IDR', waitMs: 1000 });
    states = await payoutStates(flow, batch.batchId);
    expect(states.length).toBeGreaterThanOrEqual(8);
    [missing, amountOff, reversed, stillAccepted, failedThere, unlisted, doublePaid] = states as [
      PayoutState,
      PayoutState,
      PayoutState,
      PayoutState,
      PayoutState,
      PayoutState,
      PayoutState,
    ];

    // Everything settles at the provider and is polled in, except one held ACCEPTED (then settled
    // behind our back: theirs final, ours not).
    fake.setStatus(stillAccepted.provider_payout_id!, 'ACCEPTED');
    skew = 2 * 3_600_000;
    const polled = await pollPayouts(flow.tw.ws.central, async () => client, {});
    expect(polled.changed.SUCCEEDED).toBe(states.length - 1);
    fake.setStatus(stillAccepted.provider_payout_id!, 'SUCCEEDED');
    fake.reverse(reversed.provider_payout_id!);
    fake.setStatus(failedThere.provider_payout_id!, 'FAILED', 'TRANSFER_ERROR');
    // A payout another system made on the same account, and a second payment under one of our
    // references.
    const base = {
      currency: 'IDR',
      channelCode: 'ID_BCA',
      accountNumber: '1234567890',
      accountHolderName: 'SOMEONE ELSE',
      description: 'not ours',
      metadata: {},
    };
    const foreign = await client.create({
      ...base,
      idempotencyKey: 'other-system-1',
      reference: 'other-system-0001',
      amountMinor: 5_000_000n,
    });
    const second = await client.create({
      ...base,
      idempotencyKey: 'rogue-1',
      reference: doublePaid.id,
      amountMinor: BigInt(doublePaid.amount_minor),
    });
    if (foreign.kind !== 'created' || second.kind !== 'created')
      throw new Error('fake refused a create');
    foreignId = foreign.payout.providerId;
    secondPaymentId = second.payout.providerId;
    // And one this client never sent at all (made in Xendit's Dashboard): only the Transactions API
    // shows it.
    seededId = fake.seedPayout({
      reference: 'dashboard-payout-7',
      amountMinor: 7_500_000n,
      currency: 'IDR',
      status: 'SUCCEEDED',
    }).id;

    // The provider's list: one of ours left out for good (and unknown to `get`), one left out but
    // found by `get` (created across the period boundary), one with another amount.
    flow.providers.xendit = wrapProvider(client, {
      list: async (from, to) => {
        const listed = await client.list(from, to);
        return {
          ...listed,
          payouts: listed.payouts
            .filter(
              (p) =>
                p.providerId !== missing.provider_payout_id &&
                p.providerId !== unlisted.provider_payout_id,
            )
            .map((p) =>
              p.providerId === amountOff.provider_payout_id
                ? { ...p, amountMinor: p.amountMinor + 100n }
                : p,
            ),
        };
      },
      get: async (id) => (id === missing.provider_payout_id ? null : client.get(id)),
    });
    run = await flow.tw.call<ReconcileResult>('reconcile.run', { provider: 'xendit', ...period() });
  }, 180_000);
  afterAll(async () => {
    await fake?.close();
    await flow?.cleanup();
  });

  it('stores a complete run with counts per outcome', async () => {
    expect(run.status).toBe('complete');
    expect(run.problem).toBeNull();
    expect(run.counts).toMatchObject({
      amount_mismatch: 1,
      status_mismatch: 3,
      missing_at_provider: 1,
      unknown_to_us: 3,
      matched: states.length - 5,
      ours: states.length,
      missingNotAsserted: 0,
    });
    const [stored] = await rows<{ status: string; n: number }>(
      flow.tw.ws.central.db,
      sql`SELECT r.status, (SELECT count(*)::int FROM reconciliation_results x WHERE x.run_id = r.id) AS n FROM reconciliation_runs r WHERE r.id = ${run.runId}::uuid`,
    );
    expect(stored).toEqual({ status: 'complete', n: states.length + 3 });
    const audits = await rows<{ after: { counts: Record<string, number> } }>(
      flow.tw.ws.central.db,
      sql`SELECT after FROM audit_log WHERE action = 'reconciliation.run' AND entity_id = ${run.runId}`,
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]!.after.counts.matched).toBe(states.length - 5);
  });

  it('matched: same amount, same final status — including one the list left out but get finds', async () => {
    const matched = await results(run.runId, 'matched');
    expect(matched).toHaveLength(states.length - 5);
    for (const m of matched) {
      expect(m.ourStatus).toBe('SUCCEEDED');
      expect(m.ourAmountMinor).toBe(m.providerAmountMinor);
    }
    const boundary = matched.find((m) => m.payoutId === unlisted.id)!;
    expect(boundary.details).toMatchObject({ listed: false, foundByGet: true });
  });

  it('amount_mismatch: both amounts exact, as stored', async () => {
    const [r] = await results(run.runId, 'amount_mismatch');
    expect(r).toMatchObject({
      payoutId: amountOff.id,
      ourAmountMinor: amountOff.amount_minor,
      providerAmountMinor: (BigInt(amountOff.amount_minor) + 100n).toString(),
    });
  });

  it('status_mismatch: theirs final while ours ACCEPTED (hint: poll), reversed, and failed while ours SUCCEEDED', async () => {
    const mismatches = await results(run.runId, 'status_mismatch');
    const by = new Map(mismatches.map((m) => [m.payoutId, m]));
    expect(by.get(stillAccepted.id)).toMatchObject({
      ourStatus: 'ACCEPTED',
      providerStatus: 'SUCCEEDED',
    });
    expect(String(by.get(stillAccepted.id)!.details.hint)).toMatch(/payouts\.poll/);
    expect(by.get(reversed.id)).toMatchObject({
      ourStatus: 'SUCCEEDED',
      providerStatus: 'REVERSED',
    });
    expect(String(by.get(reversed.id)!.details.hint)).toMatch(/includeSucceededSince/);
    expect(by.get(failedThere.id)).toMatchObject({
      ourStatus: 'SUCCEEDED',
      providerStatus: 'FAILED',
    });
  });

  it('missing_at_provider: ours, not listed, and a direct get does not find it either', async () => {
    const [r] = await results(run.runId, 'missing_at_provider');
    expect(r).toMatchObject({
      payoutId: missing.id,
      providerPayoutId: missing.provider_payout_id,
      ourStatus: 'SUCCEEDED',
      providerStatus: null,
    });
    expect(r!.details.confirmation).toBe('get: not found');
  });

  it('unknown_to_us: a reference that is not ours, and a second payment under one of ours', async () => {
    const unknown = await results(run.runId, 'unknown_to_us');
    const foreign = unknown.find((u) => u.providerPayoutId === foreignId)!;
    expect(foreign).toMatchObject({
      payoutId: null,
      providerAmountMinor: '5000000',
      details: { reason: 'reference_not_ours', reference: 'other-system-0001' },
    });
    const rogue = unknown.find((u) => u.providerPayoutId === secondPaymentId)!;
    expect(rogue).toMatchObject({
      payoutId: doublePaid.id,
      details: { reason: 'unrecorded_attempt' },
    });
    expect(String(rogue.details.hint)).toMatch(/double payment/);
  });

  it('unknown_to_us through the Transactions API: a payout made outside this system, with its status and exact amount', async () => {
    const unknown = await results(run.runId, 'unknown_to_us');
    expect(unknown.find((u) => u.providerPayoutId === seededId)).toMatchObject({
      payoutId: null,
      providerStatus: 'SUCCEEDED',
      providerAmountMinor: '7500000',
      details: { reason: 'reference_not_ours', reference: 'dashboard-payout-7' },
    });
    // The period was listed page by page from GET /transactions; GET /v2/payouts was only ever a
    // lookup by reference (the real API requires reference_id there).
    const requests = fake.requests().filter((r) => r.method === 'GET');
    const pages = requests.filter((r) => r.path === '/transactions');
    expect(pages.length).toBeGreaterThan(1);
    for (const r of pages)
      expect(new URLSearchParams(r.query).getAll('types')).toEqual(['DISBURSEMENT']);
    for (const r of requests.filter((x) => x.path === '/v2/payouts'))
      expect(new URLSearchParams(r.query).get('reference_id')).toBeTruthy();
  });

  it('polling with includeSucceededSince applies the reversal and the failure-after-success is still refused', async () => {
    const polled = await pollPayouts(flow.tw.ws.central, async () => client, {
      includeSucceededSince: new Date(Date.now() - DAY),
    });
    expect(polled.changed).toEqual({ SUCCEEDED: 1, REVERSED: 1 });
    const now = new Map((await payoutStates(flow, batch.batchId)).map((s) => [s.id, s.status]));
    expect(now.get(reversed.id)).toBe('REVERSED');
    expect(now.get(stillAccepted.id)).toBe('SUCCEEDED');
    expect(now.get(failedThere.id)).toBe('SUCCEEDED');
  });

  it('an incomplete list stores an incomplete run with the problem and asserts nothing missing', async () => {
    flow.providers.xendit = client;
    fake.injectRead('server_error', { path: '/transactions', skip: 1, count: 1 });
    const incomplete = await flow.tw.call<ReconcileResult>('reconcile.run', {
      provider: 'xendit',
      ...period(),
    });
    expect(incomplete.status).toBe('incomplete');
    expect(incomplete.problem).toMatch(/HTTP 500/);
    expect(incomplete.problem).toMatch(/missing_at_provider was not asserted/);
    expect(incomplete.counts.missing_at_provider).toBe(0);
    expect(incomplete.counts.missingNotAsserted).toBeGreaterThan(0);
    expect(incomplete.counts.listed).toBeLessThan(states.length + 3);
    const all = await results(incomplete.runId);
    expect(all.length).toBe(incomplete.counts.listed);
    for (const r of all) expect(r.details.listComplete).toBe(false);

    const list = await flow.tw.call<{ id: string; status: string; problem: string | null }[]>(
      'reconcile.list',
      {},
      flow.checker1,
    );
    expect(list.map((r) => r.id)).toEqual([incomplete.runId, run.runId]);
    expect(list[0]!.status).toBe('incomplete');
  });

  it('validates its input and its permission', async () => {
    const p = period();
    await expect(
      flow.tw.call('reconcile.run', { provider: 'xendit', from: p.to, to: p.from }),
    ).rejects.toThrow(/to: must be after from/);
    await expect(
      flow.tw.call('reconcile.run', { provider: 'xendit', from: '2026-13-01', to: p.to }),
    ).rejects.toThrow(/from: /);
    await expect(flow.tw.call('reconcile.run', { provider: 'paypal', ...p })).rejects.toThrow(
      /provider/,
    );
    await expect(
      flow.tw.call('reconcile.run', { provider: 'xendit', ...p }, flow.checker1),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(flow.tw.call('reconcile.results', { runId: 'nope' })).rejects.toThrow(/runId/);
    await expect(
      flow.tw.call('reconcile.results', { runId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
