/**
 * The sandbox provider: deterministic from its seed, idempotent by key, failure and "unknown" rates
 * roughly as asked, and every interface method usable offline.
 */
import { describe, expect, it } from 'vitest';
import {
  idempotencyKey,
  type CreateOutcome,
  type PayoutRequest,
} from '../../../src/core/platform/payments/provider.js';
import {
  createSandboxProvider,
  SANDBOX_FAILURE_CODES,
  SANDBOX_UNLIMITED_BALANCE,
} from '../../../src/core/domain/providers/sandbox/client.js';

function payout(i: number, over: Partial<PayoutRequest> = {}): PayoutRequest {
  return {
    idempotencyKey: idempotencyKey(`po-${i}`, 1),
    reference: `po-${i}`,
    amountMinor: 1_000n + BigInt(i),
    currency: 'USD',
    channelCode: 'ANY',
    accountNumber: `acct-${i}`,
    accountHolderName: 'Holder',
    description: 'Commission',
    metadata: { batch: 'b1' },
    ...over,
  };
}

/** A manual clock, so settling is tested without sleeping. */
function clock(start = Date.UTC(2025, 0, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

function summary(o: CreateOutcome): string {
  return o.kind === 'created' ? `created:${o.payout.providerId}:${o.payout.status}` : o.kind;
}

describe('sandbox provider', () => {
  it('is deterministic from the seed, whatever the order of calls', async () => {
    const c = clock();
    const run = async (seed: number, order: number[]) => {
      const p = createSandboxProvider({
        seed,
        failureRate: 0.3,
        unknownRate: 0.2,
        settleAfterMs: 0,
        now: c.now,
      });
      const out = new Map<number, string>();
      for (const i of order) out.set(i, summary(await p.create(payout(i))));
      const settled = new Map<number, string>();
      for (const i of order)
        settled.set(
          i,
          (await p.findByReference(`po-${i}`)).map((x) => `${x.status}:${x.failureCode}`).join(),
        );
      return [...out.keys()].sort((a, b) => a - b).map((i) => `${out.get(i)}|${settled.get(i)}`);
    };
    const ids = Array.from({ length: 50 }, (_, i) => i);
    const a = await run(7, ids);
    expect(await run(7, [...ids].reverse())).toEqual(a);
    expect(await run(8, ids)).not.toEqual(a);
  });

  it('replays the same key and request as the same payout; a different request under the key is a duplicate', async () => {
    const p = createSandboxProvider({ seed: 1 });
    const first = await p.create(payout(1));
    const again = await p.create(payout(1));
    expect(first.kind).toBe('created');
    expect(again).toEqual(first);
    expect(await p.create(payout(1, { amountMinor: 999n }))).toMatchObject({ kind: 'duplicate' });
    expect(await p.findByReference('po-1')).toHaveLength(1);
  });

  it('honours the failure rate roughly over 1,000 creates, with codes from its list', async () => {
    const p = createSandboxProvider({ seed: 42, failureRate: 0.2, settleAfterMs: 0 });
    for (let i = 0; i < 1000; i++) expect((await p.create(payout(i))).kind).toBe('created');
    const { payouts, complete } = await p.list(new Date(0), new Date(Date.now() + 1000));
    expect(complete).toBe(true);
    expect(payouts).toHaveLength(1000);
    const failed = payouts.filter((x) => x.status === 'FAILED');
    expect(failed.length).toBeGreaterThan(140);
    expect(failed.length).toBeLessThan(260);
    expect(payouts.filter((x) => x.status === 'SUCCEEDED')).toHaveLength(1000 - failed.length);
    for (const f of failed) expect(SANDBOX_FAILURE_CODES).toContain(f.failureCode);
  });

  it("reports 'unknown' at the asked rate although it created, and a replay recovers the payout", async () => {
    const p = createSandboxProvider({ seed: 3, unknownRate: 0.25 });
    const unknown: number[] = [];
    for (let i = 0; i < 1000; i++)
      if ((await p.create(payout(i))).kind === 'unknown') unknown.push(i);
    expect(unknown.length).toBeGreaterThan(180);
    expect(unknown.length).toBeLessThan(320);
    for (const i of unknown.slice(0, 20)) {
      const replay = await p.create(payout(i));
      expect(replay.kind).toBe('created');
      const found = await p.findByReference(`po-${i}`);
      expect(found).toHaveLength(1);
      if (replay.kind === 'created') expect(replay.payout.providerId).toBe(found[0]!.providerId);
    }
  });

  it('moves ACCEPTED → REQUESTED → SUCCEEDED by the clock; cancel only while ACCEPTED', async () => {
    const c = clock();
    const p = createSandboxProvider({ seed: 1, settleAfterMs: 1000, now: c.now });
    const a = await p.create(payout(1));
    const b = await p.create(payout(2));
    if (a.kind !== 'created' || b.kind !== 'created') throw new Error('not created');
    expect(a.payout.status).toBe('ACCEPTED');
    expect(await p.cancel(b.payout.providerId)).toMatchObject({ status: 'CANCELLED' });
    c.advance(500);
    expect(await p.get(a.payout.providerId)).toMatchObject({ status: 'REQUESTED' });
    expect(await p.cancel(a.payout.providerId)).toMatchObject({ status: 'REQUESTED' });
    c.advance(500);
    expect(await p.get(a.payout.providerId)).toMatchObject({
      status: 'SUCCEEDED',
      failureCode: null,
    });
    expect(await p.get(b.payout.providerId)).toMatchObject({ status: 'CANCELLED' });
    expect(await p.get('sbx-nope')).toBeNull();
    await expect(p.cancel('sbx-nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('tracks balances exactly: debits on create, refunds failed and cancelled payouts', async () => {
    const c = clock();
    const p = createSandboxProvider({
      seed: 5,
      failureRate: 1,
      settleAfterMs: 10,
      balances: { USD: 5_000n },
      now: c.now,
    });
    expect(await p.create(payout(1, { amountMinor: 6_000n }))).toMatchObject({
      kind: 'rejected',
      code: 'INSUFFICIENT_BALANCE',
    });
    const ok = await p.create(payout(2, { amountMinor: 3_000n }));
    expect(ok.kind).toBe('created');
    expect(await p.balance('USD')).toBe(2_000n);
    c.advance(10);
    const [failed] = await p.findByReference('po-2');
    expect(failed).toMatchObject({ status: 'FAILED' });
    expect(await p.balance('USD')).toBe(5_000n);
    expect(await p.balance('IDR')).toBe(SANDBOX_UNLIMITED_BALANCE);
  });

  it('validates requests and accepts any channel with a 1-minor-unit increment', async () => {
    const p = createSandboxProvider();
    expect(await p.create(payout(1, { amountMinor: 0n }))).toMatchObject({ kind: 'rejected' });
    expect(await p.create(payout(2, { currency: 'usd' }))).toMatchObject({ kind: 'rejected' });
    expect(await p.channelLimits('ID_BCA', 'IDR')).toEqual({
      channelCode: 'ID_BCA',
      currency: 'IDR',
      minimumMinor: 1n,
      maximumMinor: null,
      incrementMinor: 1n,
    });
    expect(() => createSandboxProvider({ failureRate: 1.5 })).toThrow(RangeError);
  });

  it('lists only [from, to)', async () => {
    const c = clock();
    const p = createSandboxProvider({ now: c.now });
    await p.create(payout(1));
    c.advance(1000);
    await p.create(payout(2));
    const from = new Date(c.now() - 1000);
    expect((await p.list(from, new Date(c.now()))).payouts.map((x) => x.reference)).toEqual([
      'po-1',
    ]);
    expect((await p.list(from, new Date(c.now() + 1))).payouts.map((x) => x.reference)).toEqual([
      'po-1',
      'po-2',
    ]);
  });
});
