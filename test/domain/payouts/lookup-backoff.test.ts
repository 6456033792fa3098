/**
 * Payouts that wait at the provider are looked up less and less often (issue 19, item 2): a payout
 * held for an hour is asked about a bounded number of times, not four times a second; its held
 * state is recorded as it arrives, with its meaning, and the schedule is kept on the attempt so a
 * second executor run follows it too.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { LOOKUP_BACKOFF, lookupDelay } from '../../../src/core/domain/payouts/lookups.js';
import { xenditProvider } from '../../../src/core/domain/providers/xendit/client.js';
import { startFakeXendit, type FakeXendit } from '../../fakes/xendit.js';
import { openFlow, payBatch, payoutStates, type Flow } from '../../support/payout-flow.js';

/** Lookups in `ms` of waiting, by the schedule alone. */
function lookupsWithin(ms: number): number {
  let at = 0;
  let n = 0;
  while (at <= ms) {
    n++;
    at += lookupDelay(n - 1);
  }
  return n;
}

describe('status lookups of waiting payouts back off', () => {
  it('an hour held is some twenty lookups; the gap grows to minutes and stops there', () => {
    expect(lookupsWithin(3_600_000)).toBeLessThanOrEqual(25);
    expect(lookupDelay(0)).toBe(LOOKUP_BACKOFF.baseMs);
    expect(lookupDelay(5)).toBe(LOOKUP_BACKOFF.baseMs * 32);
    expect(lookupDelay(40)).toBe(LOOKUP_BACKOFF.capMs);
    expect(LOOKUP_BACKOFF.capMs).toBeGreaterThanOrEqual(60_000);
  });

  describe('in the executor, against the fake Xendit', () => {
    let flow: Flow;
    let fake: FakeXendit;
    beforeAll(async () => {
      flow = await openFlow('pglite', { affiliates: 30, conversions: 2000, seed: 31 });
      fake = await startFakeXendit({ seed: 3, settleAfterMs: 3_600_000, recordRequests: true });
      flow.providers.xendit = xenditProvider({
        baseUrl: fake.url,
        secretKey: fake.secretKey,
        timeoutMs: 3000,
      });
    }, 60_000);
    afterAll(async () => {
      await flow?.cleanup();
      await fake?.close();
    });

    it('a held payout is recorded LOCKED with its meaning, and asked a bounded number of times while the executor waits', async () => {
      const batch = await payBatch(flow, { provider: 'xendit', currency: 'IDR', waitMs: 300 });
      const [held] = await payoutStates(flow, batch.batchId);
      fake.setStatus(held!.provider_payout_id!, 'LOCKED');
      const before = fake.requests().length;
      const waitMs = 6_000;
      await flow.tw.call('batch.execute', { batch: batch.batchId, waitMs });
      const path = `/v2/payouts/${held!.provider_payout_id}`;
      const asked = fake
        .requests()
        .slice(before)
        .filter((r) => r.method === 'GET' && r.path === path).length;
      console.info(
        `[lookup back-off] a LOCKED payout was looked up ${asked} times in a ${waitMs / 1000} s executor wait (every round: ~${Math.round(waitMs / 200)}); an hour by the schedule: ${lookupsWithin(3_600_000)}`,
      );
      // Every round (~200 ms) would have been ~30; the schedule allows a handful.
      expect(asked).toBeGreaterThanOrEqual(1);
      expect(asked).toBeLessThanOrEqual(lookupsWithin(waitMs) + 1);
      const [p] = await rows<{
        status: string;
        provider_status: string;
        lookups: number;
        next_lookup_at: Date | null;
      }>(
        flow.tw.ws.central.db,
        sql`SELECT p.status, p.provider_status, a.lookups, a.next_lookup_at FROM payouts p JOIN payout_attempts a ON a.payout_id = p.id AND a.attempt = p.attempt WHERE p.id = ${held!.id}::uuid`,
      );
      expect(p).toMatchObject({ status: 'ACCEPTED', provider_status: 'LOCKED' });
      expect(Number(p!.lookups)).toBeGreaterThanOrEqual(asked);
      expect(p!.next_lookup_at).not.toBeNull();
      const audit = await rows<{ after: { providerStatus: string; meaning: string } }>(
        flow.tw.ws.central.db,
        sql`SELECT after FROM audit_log WHERE entity_id = ${held!.id} AND action = 'payout.provider_state'`,
      );
      expect(audit.map((a) => a.after.providerStatus)).toEqual(['LOCKED']);
      expect(audit[0]!.after.meaning).toMatch(/cash pickup/);
    });
  });
});
