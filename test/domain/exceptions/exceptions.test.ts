/**
 * The exception queue (issue 19, item 3) on real stores and the fake Xendit over HTTP: each kind of
 * payout that needs a person reaches the queue with the provider's words, and each action has its
 * effect — a retry starts a new attempt, a release makes the commissions payable again (the next
 * preview holds them exactly once; the journal still balances), a cancel at the provider is
 * recorded as the provider answers, an acknowledgement takes a payout out without changing it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Preview } from '../../../src/core/domain/batches/preview.js';
import { rows } from '../../../src/core/platform/central/store.js';
import type { ExceptionRow, ExceptionsPage } from '../../../src/core/domain/exceptions/queue.js';
import { xenditProvider } from '../../../src/core/domain/providers/xendit/client.js';
import type { TrialBalance } from '../../../src/core/domain/reports/trial-balance.js';
import { startFakeXendit, type FakeXendit } from '../../fakes/xendit.js';
import {
  openFlow,
  payBatch,
  payoutStates,
  type Flow,
  type PaidBatch,
  type PayoutState,
} from '../../support/payout-flow.js';
import { drivers } from '../../support/pg.js';
import { addOperator } from '../../support/workstation.js';

describe.each(drivers())('the exception queue on %s', (driver) => {
  let flow: Flow;
  let fake: FakeXendit;
  let batch: PaidBatch;
  let held: PayoutState,
    strange: PayoutState,
    failed: PayoutState,
    cancelled: PayoutState,
    reversed: PayoutState,
    waiting: PayoutState,
    unknown: PayoutState,
    normal: PayoutState;

  const queue = (kind?: string) =>
    flow.tw.call<ExceptionsPage>('exceptions.list', kind ? { kind } : {});
  const rowOf = (page: ExceptionsPage, id: string): ExceptionRow | undefined =>
    page.rows.find((r) => r.payoutId === id);
  const lookNow = (...ids: string[]) => flow.tw.call('payouts.poll', { payoutIds: ids });

  beforeAll(async () => {
    flow = await openFlow(driver, { affiliates: 60, conversions: 4000, seed: 23 });
    fake = await startFakeXendit({ seed: 9, settleAfterMs: 3_600_000 });
    flow.providers.xendit = xenditProvider({
      baseUrl: fake.url,
      secretKey: fake.secretKey,
      timeoutMs: 3000,
    });
    batch = await payBatch(flow, { provider: 'xendit', currency: 'IDR', waitMs: 500 });
    // Whole payouts or first parts: each holds commissions (a later part of a split payout holds
    // only its split adjustment).
    const states = (await payoutStates(flow, batch.batchId)).filter(
      (p) => Number(p.split_part) === 1,
    );
    expect(states.length).toBeGreaterThanOrEqual(8);
    [held, strange, failed, cancelled, reversed, waiting, unknown, normal] = states as [
      PayoutState,
      PayoutState,
      PayoutState,
      PayoutState,
      PayoutState,
      PayoutState,
      PayoutState,
      PayoutState,
    ];
    for (const p of await payoutStates(flow, batch.batchId))
      expect(p.status, p.id).toBe('ACCEPTED');

    fake.setStatus(held.provider_payout_id!, 'PENDING_COMPLIANCE_ASSESSMENT');
    fake.setStatus(strange.provider_payout_id!, 'SOMETHING_XENDIT_ADDED');
    fake.setStatus(failed.provider_payout_id!, 'FAILED', 'INVALID_DESTINATION');
    fake.setStatus(cancelled.provider_payout_id!, 'CANCELLED');
    fake.setStatus(reversed.provider_payout_id!, 'SUCCEEDED');
    await lookNow(held.id, strange.id, failed.id, cancelled.id, reversed.id);
    fake.reverse(reversed.provider_payout_id!);
    await flow.tw.call('payouts.poll', {
      payoutIds: [reversed.id],
      includeSucceededSince: new Date(Date.now() - 3_600_000).toISOString(),
    });
    // Time, not faults, makes these two: sent two days ago and never settled. (The store's clock
    // cannot be moved, so the attempts are dated back.)
    const db = flow.tw.ws.central.db;
    await db.execute(
      sql`UPDATE payout_attempts SET created_at = now() - interval '2 days' WHERE payout_id IN (${waiting.id}::uuid, ${unknown.id}::uuid)`,
    );
    await db.execute(sql`UPDATE payouts SET status = 'UNKNOWN' WHERE id = ${unknown.id}::uuid`);
  }, 60_000);
  afterAll(async () => {
    await flow?.cleanup();
    await fake?.close();
  });

  it('every kind reaches the queue with the provider’s words, its attempts and the actions that fit', async () => {
    const page = await queue();
    const kinds = Object.fromEntries(page.rows.map((r) => [r.payoutId, r.kind]));
    expect(kinds).toEqual({
      [held.id]: 'held',
      [strange.id]: 'unknown_state',
      [failed.id]: 'failed',
      [cancelled.id]: 'cancelled_by_provider',
      [reversed.id]: 'reversed',
      [waiting.id]: 'waiting_stuck',
      [unknown.id]: 'unknown_stuck',
    });
    expect(rowOf(page, normal.id)).toBeUndefined(); // a payout waiting normally is nobody's problem yet
    expect(page.total).toBe(7);
    expect(page.byKind).toMatchObject({
      held: 1,
      unknown_state: 1,
      failed: 1,
      cancelled_by_provider: 1,
      reversed: 1,
      waiting_stuck: 1,
      unknown_stuck: 1,
    });
    expect(rowOf(page, held.id)!.message).toMatch(/compliance review/);
    expect(rowOf(page, strange.id)!.message).toMatch(/does not know \(SOMETHING_XENDIT_ADDED\)/);
    expect(rowOf(page, failed.id)!.message).toMatch(/destination account does not exist/);
    expect(rowOf(page, reversed.id)!.message).toMatch(/owed again/);
    expect(rowOf(page, cancelled.id)!.message).toMatch(/cancelled before it was paid/);
    expect(rowOf(page, unknown.id)!.message).toMatch(/resuming the batch/);
    expect(rowOf(page, waiting.id)!.ageMinutes).toBeGreaterThanOrEqual(2 * 24 * 60 - 1);
    // Oldest first: the two dated back lead.
    expect(new Set(page.rows.slice(0, 2).map((r) => r.payoutId))).toEqual(
      new Set([waiting.id, unknown.id]),
    );
    const f = rowOf(page, failed.id)!;
    expect(f).toMatchObject({
      batchNumber: batch.number,
      provider: 'xendit',
      currency: 'IDR',
      failureCode: 'INVALID_DESTINATION',
      actions: ['retry', 'release', 'hold_affiliate'],
    });
    expect(f.amountMinor).toBe(failed.amount_minor);
    expect(f.attempts).toEqual([
      expect.objectContaining({
        attempt: 1,
        state: 'FAILED',
        providerStatus: 'FAILED',
        failureCode: 'INVALID_DESTINATION',
      }),
    ]);
    expect(rowOf(page, held.id)!.providerStatus).toBe('PENDING_COMPLIANCE_ASSESSMENT');
    // Filtered by kind, and paged.
    expect((await queue('held')).rows.map((r) => r.payoutId)).toEqual([held.id]);
    const firstTwo = await flow.tw.call<ExceptionsPage>('exceptions.list', { limit: 2 });
    expect(firstTwo.rows).toHaveLength(2);
    expect(firstTwo.total).toBe(7);
  });

  it('shows a held payout’s provider state where the payout is shown', async () => {
    const shown = await flow.tw.call<{
      payouts: {
        id: string;
        provider_status: string | null;
        provider_state_meaning: string | null;
      }[];
    }>('batch.show', { batch: batch.batchId, payouts: true });
    expect(shown.payouts.find((p) => p.id === held.id)).toMatchObject({
      provider_status: 'PENDING_COMPLIANCE_ASSESSMENT',
      provider_state_meaning: expect.stringMatching(/compliance review/),
    });
    expect(shown.payouts.find((p) => p.id === normal.id)).toMatchObject({
      provider_status: 'ACCEPTED',
      provider_state_meaning: expect.stringMatching(/accepted by Xendit/),
    });
  });

  it('release: the commissions are payable again and the next preview holds them exactly once; the journal balances', async () => {
    await flow.tw.call('payout.cancel', {
      payoutId: cancelled.id,
      reason: 'the affiliate closed that account',
    });
    expect(rowOf(await queue(), cancelled.id)).toBeUndefined();
    const [released] = await rows<{ n: number; sum: string }>(
      flow.tw.ws.central.db,
      sql`SELECT count(*)::int AS n, sum(amount_minor)::text AS sum FROM payout_items WHERE payout_id = ${cancelled.id}::uuid AND commission_id IS NOT NULL`,
    );
    expect(Number(released!.n)).toBeGreaterThan(0);
    const preview = await flow.tw.call<Preview>('batch.preview', {
      provider: 'xendit',
      currency: 'IDR',
    });
    const mine = preview.rows.filter((p) => p.affiliateId === cancelled.affiliate_id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      commissionCount: Number(released!.n),
      commissionsMinor: released!.sum,
      eligible: true,
    });
    // Nobody else's: every other affiliate of the batch is still in a live payout. (A released part
    // of a split payout frees only its own share: its affiliate is owed exactly that part again.)
    const others = new Set(
      (await payoutStates(flow, batch.batchId))
        .filter(
          (p) =>
            p.affiliate_id !== cancelled.affiliate_id && p.affiliate_id !== failed.affiliate_id,
        )
        .map((p) => p.affiliate_id),
    );
    expect(preview.rows.filter((r) => others.has(r.affiliateId) && r.commissionCount > 0)).toEqual(
      [],
    );
    const tb = await flow.tw.call<TrialBalance>('reports.journal', {});
    expect(tb.unbalancedEntries).toBe(0);
  });

  it('retry: a new attempt, out of the queue', async () => {
    const r = await flow.tw.call<{ retried: number }>('batch.retry', {
      batch: batch.batchId,
      payoutIds: [failed.id],
    });
    expect(r.retried).toBe(1);
    expect(rowOf(await queue(), failed.id)).toBeUndefined();
    const [p] = await rows<{ status: string }>(
      flow.tw.ws.central.db,
      sql`SELECT status FROM payouts WHERE id = ${failed.id}::uuid`,
    );
    expect(p!.status).toBe('PENDING');
  });

  it('cancel at the provider: recorded as the provider answers; a cancelled payout can then be released', async () => {
    await flow.tw.call('payout.cancelAtProvider', {
      payoutId: waiting.id,
      reason: 'waited two days at the bank',
    });
    const page = await queue();
    expect(rowOf(page, waiting.id)?.kind).toBe('cancelled_by_provider');
    const [a] = await rows<{ state: string }>(
      flow.tw.ws.central.db,
      sql`SELECT state FROM payout_attempts WHERE payout_id = ${waiting.id}::uuid AND attempt = 1`,
    );
    expect(a!.state).toBe('CANCELLED');
    // Only a payout waiting at the provider: the retried one is PENDING here, nothing to cancel
    // there.
    await expect(
      flow.tw.call('payout.cancelAtProvider', { payoutId: failed.id, reason: 'changed my mind' }),
    ).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
  });

  it('acknowledge: a reversal leaves the queue unchanged, its amount still owed; a failed payout cannot be acknowledged away', async () => {
    await flow.tw.call('exception.acknowledge', {
      payoutId: reversed.id,
      note: 'affiliate asked to correct the account',
    });
    expect(rowOf(await queue(), reversed.id)).toBeUndefined();
    const [adj] = await rows<{ n: number }>(
      flow.tw.ws.central.db,
      sql`SELECT count(*)::int AS n FROM adjustments WHERE id = ${'rev:' + reversed.id}`,
    );
    expect(Number(adj!.n)).toBe(1);
    await expect(
      flow.tw.call('exception.acknowledge', { payoutId: waiting.id, note: 'hide it' }),
    ).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    const audit = await rows<{ action: string }>(
      flow.tw.ws.central.db,
      sql`SELECT action FROM audit_log WHERE entity_id = ${reversed.id} AND action = 'exception.acknowledge'`,
    );
    expect(audit).toHaveLength(1);
  });

  it('hold the affiliate: the action leaves the row, which says why', async () => {
    await flow.tw.call('affiliate.hold', {
      affiliateId: held.affiliate_id,
      reason: 'compliance asked us to wait',
    });
    const r = rowOf(await queue(), held.id)!;
    expect(r.affiliateHold).toBe('compliance asked us to wait');
    expect(r.actions).not.toContain('hold_affiliate');
  });

  it('a viewer sees the queue but may not act on it', async () => {
    const viewer = await addOperator(flow.tw, 'viewer1', 'viewer');
    expect(
      (await flow.tw.call<ExceptionsPage>('exceptions.list', {}, viewer)).total,
    ).toBeGreaterThan(0);
    await expect(
      flow.tw.call('exception.acknowledge', { payoutId: held.id, note: 'not mine to do' }, viewer),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});
