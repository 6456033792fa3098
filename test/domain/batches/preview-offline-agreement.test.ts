/**
 * The offline preview (batches/offline-prepare.ts, over the workstation's synced cache) and the
 * central preview (batches/preview.ts) decide the same: for the same data and the same instant,
 * the same affiliates, amounts, currencies, eligibility and reasons, row by row. Batches prepared
 * offline are re-checked centrally on push: a stricter offline preview silently leaves affiliates
 * out, a looser one gets pushes refused.
 *
 * The data is the outbox scenario's (demo until 2026-11-01, calculated), asked for every affiliate
 * and per currency through Xendit, at instants where hold periods and the minimum payout decide
 * and at the real now. They differed by the payouts above a channel's maximum: the central preview
 * splits them, the offline one deferred them (amount_above_channel_maximum).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache, type LocalCache } from '../../../src/core/platform/cache/cache.js';
import {
  previewBatch,
  type Preview,
  type PreviewFilters,
} from '../../../src/core/domain/batches/preview.js';
import { previewOffline } from '../../../src/core/domain/batches/offline-prepare.js';
import { pull } from '../../../src/core/local/sync/pull.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import {
  openWorkstation,
  type Workstation,
} from '../../../src/core/host/workstation/workstation.js';
import { tempDir } from '../../support/central.js';
import { openScenario, type Scenario } from '../../support/payouts.js';
import { createTestDatabase, pgAvailable } from '../../support/pg.js';
import { ADMIN_PASSWORD, memoryCredentials } from '../../support/workstation.js';

/** What a batch would do per affiliate: the columns both previews must agree on. */
const decided = (p: Preview) =>
  p.rows.map((r) => ({
    affiliateId: r.affiliateId,
    currency: r.currency,
    amountMinor: r.amountMinor,
    sourceCurrency: r.sourceCurrency,
    sourceAmountMinor: r.sourceAmountMinor,
    heldCount: r.heldCount,
    parts: r.parts,
    eligible: r.eligible,
    reasons: r.reasons,
  }));

/** The brief's data set (30 / 1500 / seed 9) and the one test/e2e/scenarios/outbox.ts seeds. */
const DATA_SETS = [
  { affiliates: 30, conversions: 1500, seed: 9 },
  { affiliates: 60, conversions: 4000, seed: 7 },
];

/** Every affiliate, and per currency those paid through Xendit (what the outbox scenario asks). */
const FILTERS: PreviewFilters[] = [
  {},
  ...['IDR', 'PHP', 'VND', 'THB', 'MYR'].map((currency) => ({
    provider: 'xendit' as const,
    currency,
  })),
];

/**
 * Instants where hold periods and the minimum payout decide (early in the demo's history: few
 * commissions each, many still held), where the last holds run, and now.
 */
const INSTANTS = [
  new Date('2026-06-10T12:00:00Z'),
  new Date('2026-11-20T12:00:00Z'),
  new Date('2026-12-01T00:00:00Z'),
  new Date(),
];

describe.skipIf(!pgAvailable).each(DATA_SETS)(
  'offline preview agrees with the central preview (real Postgres; %o)',
  (data) => {
    let s: Scenario;
    let db: { url: string; drop: () => Promise<void> };
    const dir = tempDir('treasury-ws-agree-');
    let cache: LocalCache;
    let offline: Workstation;

    beforeAll(async () => {
      db = await createTestDatabase();
      s = await openScenario('postgres', { ...data, url: db.url });
      cache = await openCache({
        file: path.join(dir.dir, 'cache.db'),
        workstationId: 'ws-agree',
        credentials: memoryCredentials(),
      });
      await pull(s.tw.ws.central, cache);
    }, 60_000);

    afterAll(async () => {
      cache?.close();
      await offline?.close();
      await s?.cleanup();
      await db?.drop();
      dir.remove();
    });

    const central = (filters: PreviewFilters, at: Date, fromTables = false) =>
      s.tw.ws.central.db.transaction((tx) => previewBatch(tx, filters, at, { fromTables }));

    it.each(INSTANTS)('at %s: the same rows, amounts, eligibility and reasons', async (at) => {
      // Every differing row of every filter first (what differs, and why), then each whole.
      const differing: unknown[] = [];
      const pairs: [string, Preview, Preview][] = [];
      for (const filters of FILTERS) {
        const online = await central(filters, at);
        const offline = previewOffline(cache, filters, at).preview;
        const where = `${JSON.stringify(filters)} at ${at.toISOString()}`;
        const centralRows = decided(online);
        for (const [i, row] of decided(offline).entries())
          if (JSON.stringify(row) !== JSON.stringify(centralRows[i]))
            differing.push({ where, offline: row, central: centralRows[i] });
        pairs.push([where, online, offline]);
      }
      expect(differing).toEqual([]);
      for (const [where, online, offline] of pairs) {
        expect(decided(offline), where).toEqual(decided(online));
        expect(offline.eligibleCount, where).toBe(online.eligibleCount);
        expect(offline.totals, where).toEqual(online.totals);
        expect(offline.excluded, where).toEqual(online.excluded);
      }
      // The central preview from the commissions themselves says the same.
      expect(decided(await central({}, at, true))).toEqual(decided(pairs[0]![1]));
    });

    it('through the doors too: batch.preview offline (synced workstation, its clock) = online (central clock)', async () => {
      // Through the workstation's own door: the online sign-in leaves the offline verifier, and
      // sync.run is a workstation call (not the central router's).
      const door = <T>(name: string, payload: unknown, session: string | null) =>
        s.tw.ws.call<T>({ name, payload, session, workstationId: s.tw.ws.id, id: randomUUID() });
      const online = await door<SignInResult>(
        'session.signIn',
        { username: 'admin', password: ADMIN_PASSWORD },
        null,
      );
      if (!online.ok) throw new Error(online.reason);
      await door('sync.run', {}, online.token);
      offline = await openWorkstation({
        dataDir: s.tw.ws.dataDir,
        credentials: s.tw.ws.credentials,
        offline: true,
      });
      const call = <T>(name: string, payload: unknown, session: string | null) =>
        offline.call<T>({ name, payload, session, workstationId: offline.id, id: randomUUID() });
      const signed = await call<SignInResult>(
        'session.signIn',
        { username: 'admin', password: ADMIN_PASSWORD },
        null,
      );
      if (!signed.ok) throw new Error(signed.reason);
      const differing: unknown[] = [];
      for (const filters of FILTERS) {
        const where = JSON.stringify(filters);
        const centralRows = decided(await s.tw.call<Preview>('batch.preview', filters));
        const offlineRows = decided(await call<Preview>('batch.preview', filters, signed.token));
        for (const [i, row] of offlineRows.entries())
          if (JSON.stringify(row) !== JSON.stringify(centralRows[i]))
            differing.push({ where, offline: row, central: centralRows[i] });
        expect(offlineRows.length, where).toBe(centralRows.length);
      }
      expect(differing).toEqual([]);
    });

    it('the data puts hold periods, the minimum payout and a split payout in play', async () => {
      const early = await central({}, INSTANTS[0]!);
      const reasons = new Set(early.rows.flatMap((r) => r.reasons));
      expect(reasons).toContain('hold_period');
      expect(reasons).toContain('below_minimum');
      expect(early.eligibleCount).toBeGreaterThan(0);
      const now = await central({}, new Date());
      expect(now.rows.some((r) => r.eligible && r.parts !== null)).toBe(true);
    });
  },
);
