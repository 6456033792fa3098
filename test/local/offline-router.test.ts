/**
 * The offline router through `workstation.call`, on both central stores: the same workstation's
 * data dir opened offline (no central store at all) answers with the same names and permission
 * check; edit (remove payouts), reject and cancel are prepared offline with the content hash the
 * central store then computes; refusals are journaled; one sync per operator pushes it all.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toTreasuryError } from '../../src/core/shared/errors.js';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import { openWorkstation, type Workstation } from '../../src/core/host/workstation/workstation.js';
import { invariantViolations, openScenario, type Scenario } from '../support/payouts.js';
import { drivers } from '../support/pg.js';
import { ADMIN_PASSWORD } from '../support/workstation.js';

for (const driver of drivers()) {
  describe(`offline router (${driver})`, () => {
    let s: Scenario;
    let offline: Workstation;
    const tokens: Record<string, string> = {};
    const offlineTokens: Record<string, string> = {};

    const via =
      (ws: Workstation) =>
      <T>(name: string, payload: unknown, session: string | null) =>
        ws.call<T>({ name, payload, session, workstationId: ws.id, id: randomUUID() });
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => {
          throw new Error('expected a refusal');
        },
        (e: unknown) => toTreasuryError(e),
      );

    beforeAll(async () => {
      s = await openScenario(driver, { affiliates: 60, conversions: 3000, seed: 21 });
      const online = via(s.tw.ws);
      for (const u of ['admin', 'checker1', 'proc']) {
        const r = await online<SignInResult>(
          'session.signIn',
          { username: u, password: ADMIN_PASSWORD },
          null,
        );
        if (!r.ok) throw new Error(r.reason);
        tokens[u] = r.token;
      }
      const pulled = await online<{ online: boolean; pulled: { mode: string } }>(
        'sync.run',
        {},
        tokens.admin!,
      );
      expect(pulled).toMatchObject({ online: true, pulled: { mode: 'initial' } });
      // The same data dir, offline: no central store is opened (PGlite's lock is not even taken).
      offline = await openWorkstation({
        dataDir: s.tw.ws.dataDir,
        credentials: s.tw.ws.credentials,
        offline: true,
      });
      for (const u of ['admin', 'checker1', 'proc']) {
        const r = await via(offline)<SignInResult & { offline?: boolean }>(
          'session.signIn',
          { username: u, password: ADMIN_PASSWORD },
          null,
        );
        if (!r.ok) throw new Error(r.reason);
        expect(r.offline).toBe(true);
        offlineTokens[u] = r.token;
      }
    }, 240_000);
    afterAll(async () => {
      await offline?.close();
      await s?.cleanup();
    });

    it('edits, rejects and cancels offline; the central store agrees after the push', async () => {
      const call = via(offline);
      expect((await offline.connectivity()).online).toBe(false);
      expect(
        await failure(
          call(
            'session.signIn',
            { username: 'admin', password: 'wrong password, twelve+' },
            null,
          ).then((r) => {
            if (!(r as SignInResult).ok)
              throw Object.assign(new Error((r as { reason: string }).reason), {
                code: 'UNAUTHENTICATED',
              });
          }),
        ),
      ).toMatchObject({ message: expect.stringMatching(/wrong password/) });

      type Created = { batches: { id: string; contentHash: string; payouts: number }[] };
      const one = (
        await call<Created>(
          'batch.create',
          { provider: 'xendit', currency: 'PHP' },
          offlineTokens.admin!,
        )
      ).batches[0]!;
      const preview = await call<{
        rows: { affiliateId: string; eligible: boolean; parts: string[] | null }[];
      }>('batch.preview', { provider: 'xendit', currency: 'IDR' }, offlineTokens.admin!);
      const two = (
        await call<Created>(
          'batch.create',
          { provider: 'xendit', currency: 'IDR' },
          offlineTokens.admin!,
        )
      ).batches[0]!;
      expect(one.payouts).toBeGreaterThan(2);
      // Payouts: a payout above its channel's maximum is sent in parts, offline as online.
      expect(
        preview.rows.filter((r) => r.eligible).reduce((n, r) => n + (r.parts?.length ?? 1), 0),
      ).toBe(two.payouts);

      const shown = await call<{ payouts: { affiliate_id: string }[] }>(
        'batch.show',
        { batch: one.id, payouts: true },
        offlineTokens.admin!,
      );
      const removed = await call<{ contentHash: string; released: number }>(
        'batch.removePayouts',
        { batch: one.id, affiliateIds: [shown.payouts[0]!.affiliate_id] },
        offlineTokens.admin!,
      );
      expect(removed.released).toBe(1);
      expect(removed.contentHash).not.toBe(one.contentHash);
      await call('batch.submit', { batch: one.id }, offlineTokens.admin!);

      // Permission and maker-checker offline, as centrally.
      expect(
        await failure(call('batch.approve', { batch: one.id }, offlineTokens.proc!)),
      ).toMatchObject({ code: 'FORBIDDEN' });
      expect(
        await failure(call('batch.approve', { batch: one.id }, offlineTokens.admin!)),
      ).toMatchObject({ code: 'MAKER_CHECKER' });
      expect(
        await failure(
          call(
            'batch.approve',
            { batch: one.id, contentHash: one.contentHash },
            offlineTokens.checker1!,
          ),
        ),
      ).toMatchObject({ code: 'APPROVAL_VOID' });
      expect(
        await failure(call('batch.execute', { batch: one.id }, offlineTokens.admin!)),
      ).toMatchObject({ code: 'OFFLINE' });
      expect(await failure(call('commissions.calculate', {}, offlineTokens.admin!))).toMatchObject({
        code: 'OFFLINE',
      });
      await call(
        'batch.approve',
        { batch: one.id, contentHash: removed.contentHash },
        offlineTokens.checker1!,
      );
      // The batches grid's one query names the maker and the valid approvers, offline as online.
      const listed = await call<
        { id: string; createdBy: string | null; approvedBy: string[]; requiredApprovals: number }[]
      >('batch.list', {}, offlineTokens.admin!);
      expect(listed.find((b) => b.id === one.id)).toMatchObject({
        createdBy: 'admin',
        approvedBy: ['checker1'],
      });

      await call('batch.submit', { batch: two.id }, offlineTokens.admin!);
      expect(
        await call<{ status: string }>(
          'batch.reject',
          { batch: two.id, reason: 'wrong cutoff' },
          offlineTokens.checker1!,
        ),
      ).toMatchObject({ status: 'DRAFT' });
      expect(
        await call<{ status: string; payoutsReleased: number }>(
          'batch.cancel',
          { batch: two.id, reason: 'redo it' },
          offlineTokens.admin!,
        ),
      ).toMatchObject({ status: 'CANCELLED', payoutsReleased: two.payouts });

      const cache = await offline.cache();
      const journal = cache.sqlite
        .prepare('SELECT name, decision, username FROM local_journal ORDER BY seq')
        .all() as { name: string; decision: string; username: string | null }[];
      expect(journal).toContainEqual({
        name: 'batch.approve',
        decision: 'denied',
        username: 'proc',
      });
      expect(journal).toContainEqual({
        name: 'batch.execute',
        decision: 'denied',
        username: 'admin',
      });
      expect(journal).toContainEqual({
        name: 'session.signIn',
        decision: 'denied',
        username: null,
      });
      expect(
        journal
          .filter((j) => j.decision === 'allowed' && j.name.startsWith('batch.'))
          .map((j) => j.name),
      ).toEqual([
        'batch.create',
        'batch.create',
        'batch.removePayouts',
        'batch.submit',
        'batch.approve',
        'batch.submit',
        'batch.reject',
        'batch.cancel',
      ]);

      // An offline session cannot push: the central store never issued it.
      const online = via(s.tw.ws);
      const early = await online<{ pushed: { applied: number; stoppedBecause: string | null } }>(
        'sync.run',
        { pushOnly: true },
        tokens.admin!,
      );
      expect(early.pushed.applied).toBe(4); // create, create, remove, submit — then the checker's approval waits
      expect(early.pushed.stoppedBecause).toMatch(/checker1 must sign in online/);
      // Commands go up in order, each under its own operator's session: the two take turns.
      let applied = early.pushed.applied;
      let pending = 1;
      for (let round = 0; round < 8 && pending > 0; round++) {
        const who = round % 2 === 0 ? tokens.checker1! : tokens.admin!;
        const r = await online<{
          pushed: { applied: number; rejected: unknown[]; pending: number };
        }>('sync.run', {}, who);
        expect(r.pushed.rejected).toEqual([]);
        applied += r.pushed.applied;
        pending = r.pushed.pending;
      }
      expect({ applied, pending }).toEqual({ applied: 8, pending: 0 });

      const central = await online<{
        status: string;
        contentHash: string;
        approvals: { by: string; valid: boolean }[];
      }>('batch.show', { batch: one.id }, tokens.admin!);
      expect(central.contentHash).toBe(removed.contentHash);
      expect(central.approvals).toEqual([expect.objectContaining({ by: 'checker1', valid: true })]);
      expect(['APPROVED', 'SUBMITTED']).toContain(central.status);
      expect(await online('batch.show', { batch: two.id }, tokens.admin!)).toMatchObject({
        status: 'CANCELLED',
      });
      const outbox = await online<{ name: string; status: string }[]>(
        'outbox.list',
        {},
        tokens.admin!,
      );
      expect(outbox.every((e) => e.status === 'applied')).toBe(true);
      expect(outbox).toHaveLength(8);
      expect(await invariantViolations(s.tw)).toEqual([]);
    }, 240_000);
  });
}
