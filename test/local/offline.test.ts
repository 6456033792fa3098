/**
 * Offline → online: two workstations (two data dirs, two encrypted caches, one central Postgres)
 * prepare overlapping batches and approve them while offline, go online and push. The first push
 * wins; the second gets exactly one conflict listing the commissions already taken, its optimistic
 * state is rolled back, the rejected command is kept for review; the winner is executed.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCache, type LocalCache } from '../../src/core/platform/cache/cache.js';
import { rows } from '../../src/core/platform/central/store.js';
import type { ExecuteResult } from '../../src/core/domain/execution/executor.js';
import {
  approveOffline,
  createOffline,
  offlineOperator,
  previewOffline,
  submitOffline,
} from '../../src/core/domain/batches/offline-prepare.js';
import { listOutbox } from '../../src/core/platform/cache/outbox.js';
import { pull } from '../../src/core/local/sync/pull.js';
import { push, type PushResult } from '../../src/core/local/sync/push.js';
import { tempDir } from '../support/central.js';
import {
  invariantViolations,
  openScenario,
  providerAgreement,
  type Scenario,
} from '../support/payouts.js';
import { createTestDatabase, pgAvailable } from '../support/pg.js';
import { ADMIN_PASSWORD, memoryCredentials } from '../support/workstation.js';

describe.skipIf(!pgAvailable)(
  'offline preparation on two workstations, then push (real Postgres)',
  () => {
    let s: Scenario;
    let db: { url: string; drop: () => Promise<void> };
    const dirs = [tempDir('treasury-ws-a-'), tempDir('treasury-ws-b-')];
    let a: LocalCache;
    let b: LocalCache;
    let pushA: PushResult;
    let pushB: PushResult;
    let batchA = '';
    let batchB = '';
    let offlineBalance = { payouts: 0n, unbalanced: -1 };
    const now = () => new Date();

    beforeAll(async () => {
      db = await createTestDatabase();
      s = await openScenario('postgres', {
        affiliates: 120,
        conversions: 6000,
        seed: 9,
        url: db.url,
      });
      a = await openCache({
        file: path.join(dirs[0]!.dir, 'cache.db'),
        workstationId: 'ws-a',
        credentials: memoryCredentials(),
      });
      b = await openCache({
        file: path.join(dirs[1]!.dir, 'cache.db'),
        workstationId: 'ws-b',
        credentials: memoryCredentials(),
      });
      // Online: both workstations fill their caches.
      await pull(s.tw.ws.central, a);
      await pull(s.tw.ws.central, b);

      // Offline from here until the push: only the caches are used.
      const makerA = offlineOperator(a, 'admin');
      const created = createOffline(a, makerA, { provider: 'xendit', currency: 'PHP' }, now());
      batchA = created.batchId;
      offlineBalance = {
        payouts: (
          a.sqlite.prepare('SELECT count(*) AS n FROM payouts WHERE batch_id = ?').get(batchA) as {
            n: bigint;
          }
        ).n,
        unbalanced: a.sqlite
          .prepare(
            `SELECT p.id FROM payouts p LEFT JOIN payout_items i ON i.payout_id = p.id AND i.live = 1
                  WHERE p.batch_id = ? GROUP BY p.id, p.source_amount_minor HAVING p.source_amount_minor <> coalesce(sum(i.amount_minor), 0)`,
          )
          .all(batchA).length,
      };
      submitOffline(a, makerA, batchA, now());
      approveOffline(a, offlineOperator(a, 'checker1'), batchA, now());
      if (created.requiredApprovals === 2)
        approveOffline(a, offlineOperator(a, 'checker2'), batchA, now());

      const makerB = offlineOperator(b, 'admin');
      const createdB = createOffline(b, makerB, { provider: 'xendit' }, now()); // PHP and IDR: overlaps A
      batchB = createdB.batchId;
      submitOffline(b, makerB, batchB, now());
      approveOffline(b, offlineOperator(b, 'checker2'), batchB, now());
      if (createdB.requiredApprovals === 2)
        approveOffline(b, offlineOperator(b, 'checker1'), batchB, now());

      // Online again: A pushes first, then B.
      const sessions: Record<string, string> = {
        admin: s.tw.token,
        checker1: s.checker1,
        checker2: s.checker2,
      };
      pushA = await push(s.tw.ws.router, a, {
        workstationId: 'ws-a',
        sessionFor: (u) => sessions[u] ?? null,
      });
      await pull(s.tw.ws.central, a);
      pushB = await push(s.tw.ws.router, b, {
        workstationId: 'ws-b',
        sessionFor: (u) => sessions[u] ?? null,
      });
      await pull(s.tw.ws.central, b);
    }, 300_000);

    afterAll(async () => {
      a?.close();
      b?.close();
      await s?.cleanup();
      await db?.drop();
      for (const d of dirs) d.remove();
    });

    it('offline, the second workstation could not see the first one’s batch: both prepared the PHP affiliates', () => {
      type Create = { expected: { affiliateId: string; commissionIds: string[] }[] };
      const inputOf = (cache: LocalCache) =>
        listOutbox(cache).find((e) => e.name === 'batch.create')!.input as Create;
      const commissionsA = new Set(inputOf(a).expected.flatMap((e) => e.commissionIds));
      const commissionsB = inputOf(b).expected.flatMap((e) => e.commissionIds);
      const shared = commissionsB.filter((id) => commissionsA.has(id));
      expect(commissionsA.size).toBeGreaterThan(0);
      expect(shared.length).toBe(commissionsA.size); // B took every commission A took, and more (IDR)
      expect(commissionsB.length).toBeGreaterThan(shared.length);
    });

    it('offline, the cache holds the prepared payouts with their items, each payout the sum of its items', () => {
      expect(offlineBalance.payouts).toBeGreaterThan(0n);
      expect(offlineBalance.unbalanced).toBe(0);
    });

    it('the first push wins: every command of workstation A applied, the batch APPROVED centrally with the same content hash', async () => {
      expect(pushA.rejected).toEqual([]);
      expect(pushA.applied).toBeGreaterThanOrEqual(3);
      const shown = await s.tw.call<{
        status: string;
        contentHash: string;
        approvals: { valid: boolean }[];
      }>('batch.show', { batch: batchA });
      expect(shown.status).toBe('APPROVED');
      expect(shown.approvals.every((x) => x.valid)).toBe(true);
    });

    it('the second gets exactly one conflict, listing the commissions already taken; its dependants are refused unsent', () => {
      const conflicts = pushB.rejected.filter((r) => r.code === 'CONFLICT');
      expect(conflicts.length).toBe(1);
      expect(conflicts[0]!.name).toBe('batch.create');
      expect(conflicts[0]!.message).toMatch(/already in another batch/);
      expect(
        pushB.rejected
          .filter((r) => r.code !== 'CONFLICT')
          .every((r) => r.code === 'DEPENDS_ON_REJECTED'),
      ).toBe(true);
      const kept = listOutbox(b, 'rejected');
      const create = kept.find((e) => e.name === 'batch.create')!;
      expect(create.rejection!.code).toBe('CONFLICT');
      expect(
        (create.rejection!.problems ?? []).some((p) =>
          /already taken by batch B-/.test(JSON.stringify(p)),
        ),
      ).toBe(true);
    });

    it('the rejected batch is rolled back in B’s cache; nothing of it reached the central store', async () => {
      expect(
        b.sqlite.prepare('SELECT count(*) AS n FROM payout_batches WHERE id = ?').get(batchB),
      ).toEqual({ n: 0n });
      const [central] = await rows<{ n: number }>(
        s.tw.ws.central.db,
        sql`SELECT count(*)::int AS n FROM payout_batches WHERE id = ${batchB}::uuid`,
      );
      expect(Number(central!.n)).toBe(0);
      // After the pull, B sees A's batch, and its offline preview no longer offers A's commissions.
      expect(
        b.sqlite.prepare('SELECT status FROM payout_batches WHERE id = ?').get(batchA),
      ).toEqual({ status: 'APPROVED' });
      const again = previewOffline(b, { provider: 'xendit', currency: 'PHP' }, new Date());
      expect(again.preview.eligibleCount).toBe(0);
    });

    it('the winner executes: both workstations start it at once, exactly one holds the lease', async () => {
      await s.tw.call('session.stepUp', { password: ADMIN_PASSWORD });
      const start = (workstationId: string) =>
        s.tw.ws.router.call<ExecuteResult>({
          name: 'batch.execute',
          payload: { batch: batchA, waitMs: 60_000 },
          session: s.tw.token,
          workstationId,
          id: randomUUID(),
        });
      const [ra, rb] = await Promise.allSettled([start('ws-a'), start('ws-b')]);
      const done = [ra, rb].filter(
        (r) => r.status === 'fulfilled',
      ) as PromiseFulfilledResult<ExecuteResult>[];
      const refused = [ra, rb].filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(done).toHaveLength(1);
      expect(refused.map((r) => (r.reason as { code: string }).code)).toEqual(['LEASE_HELD']);
      const r = done[0]!.value;
      expect(r.status).toBe('COMPLETED');
      expect([...s.fake.successfulByReference()].filter(([, n]) => n > 1)).toEqual([]);
      expect(await providerAgreement(s.tw, s.fake)).toEqual([]);
      expect(await invariantViolations(s.tw)).toEqual([]);
    });
  },
);
