/**
 * A calculation as a job. On the embedded store it runs in slices of affiliates, each its own short
 * transaction, so the console's calls are answered between them; a cancel keeps the affiliates it
 * finished, each whole, and the audit trail says so. On PostgreSQL it stays one transaction: a
 * cancel keeps nothing. Either way, calculating again finishes the work, and the result is the one
 * a single transaction computes, with the report aggregates equal to their recomputation.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calculateCommissions,
  SLICE_CONVERSIONS,
} from '../../../src/core/domain/calculation/run.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { aggregatesCheck } from '../../../src/core/domain/reports/aggregates.js';
import { resourcePath } from '../../../src/core/platform/files/resources.js';
import { drivers } from '../../support/pg.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';

// Seven slices on the embedded store, two chunks on PostgreSQL (a cancel needs a report to stop
// at).
const CONVERSIONS = 6 * SLICE_CONVERSIONS + 500;

describe.each(drivers())('calculation job (%s)', (driver) => {
  let tw: TestWorkstation;
  const call = <T>(name: string, payload: unknown = {}) =>
    tw.ws.call<T>({ name, payload, session: tw.token, workstationId: tw.ws.id });
  const count = async (query: ReturnType<typeof sql>) =>
    Number((await rows<{ n: number }>(tw.ws.central.db, query))[0]!.n);
  const commissions = () => count(sql`SELECT count(*)::int AS n FROM commissions`);
  let keptByCancelled = 0;

  beforeAll(async () => {
    tw = await openTestWorkstation(driver);
    await tw.call('demo.generate', {
      affiliates: 300,
      conversions: CONVERSIONS,
      seed: 5,
      until: '2026-06-01T00:00:00Z',
    });
  });
  afterAll(() => tw?.cleanup());

  it('cancelled after its first progress report: nothing half-done, and the audit trail says cancelled', async () => {
    const started = tw.ws.jobs.start(
      (c) =>
        tw.ws.call({
          ...c,
          onProgress: (p) => (c.onProgress?.(p), tw.ws.jobs.cancel(started.id, 'admin')),
        }),
      { name: 'commissions.calculate', payload: {}, session: tw.token, workstationId: tw.ws.id },
      'admin',
      { kind: 'command', transactional: false, cancellable: true },
    );
    await tw.ws.jobs.settled(started.id);
    const ended = tw.ws.jobs.get(started.id, 'admin');
    expect(ended).toMatchObject({ state: 'cancelled', error: { code: 'JOB_CANCELLED' } });
    const kept = await commissions();
    keptByCancelled = kept;
    if (driver === 'pglite') {
      expect(ended.error!.message).toMatch(
        /cancelled after [\d,]+ of [\d,]+ conversions: the affiliates it finished keep their new commissions/,
      );
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(CONVERSIONS);
    } else {
      expect(ended.error!.message).toMatch(/nothing it did was kept/);
      expect(kept).toBe(0);
    }
    // No affiliate half-calculated: each has a commission for every conversion, or for none.
    const split = await count(sql`SELECT count(*)::int AS n FROM (
        SELECT c.affiliate_id FROM conversions c LEFT JOIN commissions m ON m.conversion_id = c.id
        GROUP BY c.affiliate_id HAVING count(m.id) > 0 AND count(m.id) < count(*)) x`);
    expect(split).toBe(0);
    const audit = await rows<{ action: string; decision: string }>(
      tw.ws.central.db,
      sql`SELECT action, decision FROM audit_log WHERE command_id = (SELECT command_id FROM audit_log WHERE decision = 'cancelled' ORDER BY seq DESC LIMIT 1) ORDER BY seq`,
    );
    expect(audit).toEqual([
      { action: 'commissions.calculate', decision: 'allowed' },
      { action: 'commissions.calculate', decision: 'cancelled' },
    ]);
    expect(await count(sql`SELECT count(*)::int AS n FROM calc_runs`)).toBe(0);
  });

  it('calculating again finishes the work while interactive calls are answered, as one transaction would', async () => {
    let answered: { whileRunning: boolean } | null = null;
    let asked: Promise<void> | null = null;
    // A timer set at the first slice's end fires while the calculation runs: the event loop turns
    // between slices, so the workstation thread's messages (the console's calls) get in.
    let timer: { whileRunning: boolean } | null = null;
    let timerSet = false;
    const job = tw.ws.jobs.start(
      (c) =>
        tw.ws.call({
          ...c,
          onProgress: (p) => {
            c.onProgress?.(p);
            if (!timerSet) {
              timerSet = true;
              setTimeout(
                () =>
                  (timer = { whileRunning: tw.ws.jobs.get(job.id, 'admin').state === 'running' }),
                0,
              );
            }
            // A console call at the first slice's end: answered before the calculation ends.
            asked ??= call<{ username: string }>('session.whoami').then(() => {
              answered = { whileRunning: tw.ws.jobs.get(job.id, 'admin').state === 'running' };
            });
          },
        }),
      { name: 'commissions.calculate', payload: {}, session: tw.token, workstationId: tw.ws.id },
      'admin',
      { kind: 'command', transactional: false, cancellable: true },
    );
    await tw.ws.jobs.settled(job.id);
    await asked;
    const done = tw.ws.jobs.get(job.id, 'admin');
    expect(done).toMatchObject({
      state: 'succeeded',
      result: { conversions: CONVERSIONS, affiliates: 300 },
    });
    if (driver === 'pglite') {
      expect(answered).toEqual({ whileRunning: true });
      expect(timer).toEqual({ whileRunning: true });
    }
    expect(await commissions()).toBe(CONVERSIONS);
    // The one-transaction calculation finds nothing to change: the slices computed what it
    // computes.
    const again = await tw.ws.central.db.transaction((tx) =>
      calculateCommissions(tx, new Date((done.result as { asOf: string }).asOf)),
    );
    expect(again).toMatchObject({ inserted: 0, updated: 0, adjustments: { created: 0 } });
    const check = await aggregatesCheck(tw.ws.central.db);
    expect(check.maintained).toEqual(check.recomputed);
    // The run is recorded once, with its audit entry holding the summary.
    expect(await count(sql`SELECT count(*)::int AS n FROM calc_runs`)).toBe(1);
    const [entry] = await rows<{ after: { inserted: number } }>(
      tw.ws.central.db,
      sql`SELECT after FROM audit_log WHERE action = 'commissions.calculate' AND entity_type = 'calc_run'`,
    );
    expect(entry!.after.inserted).toBe(CONVERSIONS - keptByCancelled);
  });

  it('while it runs, the console sees the ledger as it was; once it ends, as it is (kept results look past its slices)', async () => {
    const page = () =>
      call<{
        rows: { affiliateId: string; currency: string; payableMinor: string }[];
        totals: unknown;
      }>('payables.page', { offset: 0, limit: 50 });
    await call('commissions.calculate', {}); // whatever ran before: the ledger calculated under the current rules
    // The first tier's rate from 10 % to 15 % from March: most commissions since then change.
    const rules = JSON.parse(readFileSync(resourcePath('examples/rules.json'), 'utf8')) as {
      tiers: { brackets: { percentBps: number }[] };
    };
    const brackets = rules.tiers.brackets.map((b, i) => (i === 0 ? { ...b, percentBps: 1500 } : b));
    await call('rules.set', {
      body: { ...rules, tiers: { ...rules.tiers, brackets } },
      effectiveFrom: '2026-03-01T00:00:00Z',
    });
    const before = await page();
    let during: Promise<unknown> | null = null;
    const job = tw.ws.jobs.start(
      (c) => tw.ws.call({ ...c, onProgress: (p) => (c.onProgress?.(p), (during ??= page())) }),
      { name: 'commissions.calculate', payload: {}, session: tw.token, workstationId: tw.ws.id },
      'admin',
      { kind: 'command', transactional: false, cancellable: true },
    );
    await tw.ws.jobs.settled(job.id);
    expect(tw.ws.jobs.get(job.id, 'admin')).toMatchObject({
      state: 'succeeded',
      result: { updated: expect.any(Number) },
    });
    expect((tw.ws.jobs.get(job.id, 'admin').result as { updated: number }).updated).toBeGreaterThan(
      0,
    );
    // PostgreSQL readers do not see the one transaction before it commits; the embedded store's
    // kept pages do not see the slices before the calculation ends. Either way: the ledger as it
    // was.
    expect(await during).toEqual(before);
    const after = await page();
    expect(after).not.toEqual(before);
  });
});
