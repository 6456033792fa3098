/**
 * The offline preview (batches/offline-prepare.ts, over the workstation's synced cache) and the
 * central preview (batches/preview.ts) decide the same: for the same data and the same instant,
 * the same affiliates, amounts, currencies, eligibility and reasons, row by row. Batches prepared
 * offline are re-checked centrally on push: a stricter offline preview silently leaves affiliates
 * out, a looser one gets pushes refused.
 *
 * The data is the outbox scenario's (demo: 30 affiliates, 1500 conversions, seed 9, until
 * 2026-11-01, calculated), asked at instants where hold periods and the minimum payout decide
 * (mid-November: part of the commissions still held) and at the real now.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache, type LocalCache } from '../../../src/core/platform/cache/cache.js';
import { previewBatch, type Preview } from '../../../src/core/domain/batches/preview.js';
import { previewOffline } from '../../../src/core/domain/batches/offline-prepare.js';
import { pull } from '../../../src/core/local/sync/pull.js';
import { tempDir } from '../../support/central.js';
import { openScenario, type Scenario } from '../../support/payouts.js';
import { createTestDatabase, pgAvailable } from '../../support/pg.js';
import { memoryCredentials } from '../../support/workstation.js';

/** What a batch would do per affiliate: the columns both previews must agree on. */
const decided = (p: Preview) =>
  p.rows.map((r) => ({
    affiliateId: r.affiliateId,
    currency: r.currency,
    amountMinor: r.amountMinor,
    sourceCurrency: r.sourceCurrency,
    sourceAmountMinor: r.sourceAmountMinor,
    heldCount: r.heldCount,
    eligible: r.eligible,
    reasons: r.reasons,
  }));

describe.skipIf(!pgAvailable)(
  'offline preview agrees with the central preview (real Postgres)',
  () => {
    let s: Scenario;
    let db: { url: string; drop: () => Promise<void> };
    const dir = tempDir('treasury-ws-agree-');
    let cache: LocalCache;

    beforeAll(async () => {
      db = await createTestDatabase();
      s = await openScenario('postgres', {
        affiliates: 30,
        conversions: 1500,
        seed: 9,
        url: db.url,
      });
      cache = await openCache({
        file: path.join(dir.dir, 'cache.db'),
        workstationId: 'ws-agree',
        credentials: memoryCredentials(),
      });
      await pull(s.tw.ws.central, cache);
    }, 300_000);

    afterAll(async () => {
      cache?.close();
      await s?.cleanup();
      await db?.drop();
      dir.remove();
    });

    const central = (at: Date, fromTables = false) =>
      s.tw.ws.central.db.transaction((tx) => previewBatch(tx, {}, at, { fromTables }));

    it.each([
      ['mid-November, hold periods running', new Date('2026-11-20T12:00:00Z')],
      ['the 1st of December, the last holds ending', new Date('2026-12-01T00:00:00Z')],
      ['now', new Date()],
    ])('at %s: the same rows, amounts, eligibility and reasons', async (_, at) => {
      const online = await central(at);
      const offline = previewOffline(cache, {}, at).preview;
      const differing = decided(offline).filter(
        (row, i) => JSON.stringify(row) !== JSON.stringify(decided(online)[i]),
      );
      expect(
        differing,
        'offline rows that differ from the central row at the same position',
      ).toEqual([]);
      expect(decided(offline)).toEqual(decided(online));
      expect(offline.eligibleCount).toBe(online.eligibleCount);
      expect(offline.totals).toEqual(online.totals);
      expect(offline.excluded).toEqual(online.excluded);
      // The central preview from the commissions themselves says the same.
      expect(decided(await central(at, true))).toEqual(decided(online));
    });

    it('the data puts hold periods and the minimum payout in play', async () => {
      const mid = await central(new Date('2026-11-20T12:00:00Z'));
      const reasons = new Set(mid.rows.flatMap((r) => r.reasons));
      expect(mid.rows.some((r) => r.heldCount > 0)).toBe(true);
      expect(mid.eligibleCount).toBeGreaterThan(0);
      expect([...reasons].some((r) => r === 'below_minimum' || r === 'hold_period')).toBe(true);
    });
  },
);
