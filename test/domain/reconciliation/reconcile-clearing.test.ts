/**
 * Every break reconciliation reports names the action that clears it, and that action clears it
 * (issue 19, item 1): a payout on its second attempt whose first attempt's record still says
 * ACCEPTED while the provider failed it (what the old status guard left behind) is reported as
 * `status_mismatch` with action `payouts.poll`; polling — which asks superseded attempts too —
 * brings the record to the provider's word, and the next run reports only `matched`.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { xenditProvider } from '../../../src/core/domain/providers/xendit/client.js';
import { startFakeXendit, type FakeXendit } from '../../fakes/xendit.js';
import { openFlow, payBatch, type Flow } from '../../support/payout-flow.js';
import { drivers } from '../../support/pg.js';

interface Result {
  payoutId: string | null;
  outcome: string;
  details: { action?: string; attempt?: number };
}

describe.each(drivers())(
  'a reconciliation break is cleared by the action it names, on %s',
  (driver) => {
    let flow: Flow;
    let fake: FakeXendit;
    let retried: string;
    const day = 86_400_000;
    const run = async () => {
      const r = await flow.tw.call<{ runId: string; counts: Record<string, number> }>(
        'reconcile.run',
        {
          provider: 'xendit',
          from: new Date(Date.now() - day).toISOString(),
          to: new Date(Date.now() + day).toISOString(),
        },
      );
      const results = (
        await flow.tw.call<{ results: Result[] }>('reconcile.results', {
          runId: r.runId,
          limit: 1000,
        })
      ).results;
      return { counts: r.counts, breaks: results.filter((x) => x.outcome !== 'matched') };
    };

    beforeAll(async () => {
      flow = await openFlow(driver, { affiliates: 30, conversions: 2000, seed: 53 });
      fake = await startFakeXendit({ seed: 4 });
      flow.providers.xendit = xenditProvider({
        baseUrl: fake.url,
        secretKey: fake.secretKey,
        timeoutMs: 3000,
      });
      // The first payout sent fails with a transient code: the executor retries it as attempt 2.
      fake.injectNext('temporary_failure', 1);
      await payBatch(flow, { provider: 'xendit', currency: 'IDR', waitMs: 20_000 });
      const [p] = await rows<{ id: string }>(
        flow.tw.ws.central.db,
        sql`SELECT id FROM payouts WHERE attempt = 2 AND status = 'SUCCEEDED'`,
      );
      retried = p!.id;
    }, 60_000);
    afterAll(async () => {
      await flow?.cleanup();
      await fake?.close();
    });

    it('a normal run with a retry reconciles to matched only', async () => {
      const { breaks } = await run();
      expect(breaks).toEqual([]);
    });

    it('a stale superseded attempt is a status_mismatch naming payouts.poll; polling clears it', async () => {
      // What the old guard left: attempt 1's record put back to ACCEPTED after the provider failed
      // it.
      await flow.tw.ws.central.db.execute(
        sql`UPDATE payout_attempts SET state = 'ACCEPTED', provider_status = 'ACCEPTED' WHERE payout_id = ${retried}::uuid AND attempt = 1`,
      );
      const before = await run();
      expect(before.breaks).toEqual([
        expect.objectContaining({
          payoutId: retried,
          outcome: 'status_mismatch',
          details: expect.objectContaining({ action: 'payouts.poll', attempt: 1 }),
        }),
      ]);
      const polled = await flow.tw.call<{ superseded: number }>('payouts.poll', {});
      expect(polled.superseded).toBe(1);
      const [a] = await rows<{ state: string }>(
        flow.tw.ws.central.db,
        sql`SELECT state FROM payout_attempts WHERE payout_id = ${retried}::uuid AND attempt = 1`,
      );
      expect(a!.state).toBe('FAILED');
      const [p] = await rows<{ status: string; failure_code: string | null }>(
        flow.tw.ws.central.db,
        sql`SELECT status, failure_code FROM payouts WHERE id = ${retried}::uuid`,
      );
      expect(p).toEqual({ status: 'SUCCEEDED', failure_code: null }); // the payout itself never moved
      expect((await run()).breaks).toEqual([]);
    });
  },
);
