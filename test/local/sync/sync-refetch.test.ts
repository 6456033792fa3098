/**
 * A settled outbox command must not leave a stale row behind. An approval prepared offline waits in
 * the outbox while, centrally, the batch is rejected; a pull-only sync brings the rejection in; the
 * push is then refused and the optimistic change undone — which puts back the row as it was when
 * the approval was written (SUBMITTED). The next pull reads the settled rows again: the cache ends
 * equal to a cache rebuilt from scratch (content hash), the batch DRAFT as it is centrally.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache, type LocalCache } from '../../../src/core/platform/cache/cache.js';
import {
  approveOffline,
  offlineOperator,
} from '../../../src/core/domain/batches/offline-prepare.js';
import { listOutbox } from '../../../src/core/platform/cache/outbox.js';
import { cacheContentHash, pull, rebuildCache } from '../../../src/core/local/sync/pull.js';
import { push } from '../../../src/core/local/sync/push.js';
import { tempDir } from '../../support/central.js';
import { openScenario, type Scenario } from '../../support/payouts.js';
import { drivers } from '../../support/pg.js';
import { ADMIN_PASSWORD, memoryCredentials } from '../../support/workstation.js';

for (const driver of drivers()) {
  describe(`settled commands are read again (${driver})`, () => {
    let s: Scenario;
    let cache: LocalCache;
    let fresh: LocalCache;
    const tmp = tempDir('treasury-refetch-');

    beforeAll(async () => {
      s = await openScenario(driver, { affiliates: 40, conversions: 1500, seed: 12 });
      cache = await openCache({
        file: path.join(tmp.dir, 'a.db'),
        workstationId: 'ws-a',
        credentials: memoryCredentials(),
      });
      fresh = await openCache({
        file: path.join(tmp.dir, 'b.db'),
        workstationId: 'ws-b',
        credentials: memoryCredentials(),
      });
    }, 240_000);
    afterAll(async () => {
      cache?.close();
      fresh?.close();
      await s?.cleanup();
      tmp.remove();
    });

    it('a refused approval does not leave the batch SUBMITTED in the cache', async () => {
      const b = (
        await s.tw.call<{ batches: { id: string }[] }>('batch.create', {
          provider: 'xendit',
          currency: 'PHP',
        })
      ).batches[0]!;
      await s.tw.call('batch.submit', { batch: b.id });
      await pull(s.tw.ws.central, cache);
      approveOffline(cache, offlineOperator(cache, 'checker1'), b.id, new Date());
      await s.tw.call('batch.reject', { batch: b.id, reason: 'wrong cutoff' }, s.checker2); // centrally, meanwhile
      await pull(s.tw.ws.central, cache); // pull-only: the rejection arrives over the optimistic row
      await s.tw.call('session.stepUp', { password: ADMIN_PASSWORD }, s.checker1);
      const pushed = await push(s.tw.ws.router, cache, {
        workstationId: 'ws-a',
        sessionFor: (u) => (u === 'checker1' ? s.checker1 : null),
      });
      expect(pushed.rejected.map((r) => r.code)).toEqual(['ILLEGAL_TRANSITION']);
      expect(listOutbox(cache, 'rejected')).toHaveLength(1);
      // The undo put back the image of when the approval was written…
      expect(
        cache.sqlite.prepare('SELECT status FROM payout_batches WHERE id = ?').get(b.id),
      ).toEqual({ status: 'SUBMITTED' });
      // …and the next pull reads the row again, although the change log has nothing new about it.
      await pull(s.tw.ws.central, cache);
      expect(
        cache.sqlite.prepare('SELECT status FROM payout_batches WHERE id = ?').get(b.id),
      ).toEqual({ status: 'DRAFT' });
      expect(cache.sqlite.prepare('SELECT count(*) AS n FROM sync_refetch').get()).toEqual({
        n: 0n,
      });
      await rebuildCache(s.tw.ws.central, fresh);
      expect(cacheContentHash(cache)).toBe(cacheContentHash(fresh));
    });
  });
}
