/**
 * Step-up: approve, execute, retry and credential changes need the password confirmed in the
 * session within the last five minutes (signing in counts). Checked at the router before anything
 * else about the call; a wrong confirmation counts towards the lockout, which also ends the
 * sessions.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { DEFINITIONS } from '../../../src/core/host/catalog.js';
import { toTreasuryError } from '../../../src/core/shared/errors.js';
import { tokenHash } from '../../../src/core/platform/kernel/router.js';
import { drivers } from '../../support/pg.js';
import {
  ADMIN_PASSWORD,
  addOperator,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => toTreasuryError(e).code,
  );

for (const driver of drivers()) {
  describe(`step-up (${driver})`, () => {
    let t: TestWorkstation;
    let manager = '';
    const raw = <T = unknown>(name: string, payload: unknown, token: string) =>
      t.ws.router.call<T>({
        name,
        payload,
        session: token,
        workstationId: t.ws.id,
        id: randomUUID(),
      });
    /** Makes the session look as if it had been opened (and last confirmed) `minutes` ago. */
    const age = (token: string, minutes: number) =>
      t.ws.central.db.execute(
        sql`UPDATE sessions SET created_at = now() - ${minutes} * interval '1 minute', stepped_up_at = NULL WHERE token_hash = ${tokenHash(token)}`,
      );

    beforeAll(async () => {
      t = await openTestWorkstation(driver);
      manager = await addOperator(t, 'manager1', 'manager');
    }, 120_000);
    afterAll(async () => t?.cleanup());

    it('asks for it exactly on approve, execute, retry and credential changes', () => {
      expect(
        DEFINITIONS.filter((d) => d.stepUp)
          .map((d) => d.name)
          .sort(),
      ).toEqual([
        'affiliate.setDestination',
        'batch.approve',
        'batch.execute',
        'batch.retry',
        'central.backup',
        'payout.cancelAtProvider',
        'provider.credentials.rotate',
        'provider.credentials.set',
      ]);
    });

    it('a fresh sign-in covers five minutes; after that the password is asked again, and a wrong one is counted', async () => {
      // Just signed in: the step-up check passes (the batch does not exist: NOT_FOUND comes after
      // it).
      expect(await codeOf(raw('batch.approve', { batch: 'B-20260101-001' }, manager))).toBe(
        'NOT_FOUND',
      );
      await age(manager, 6);
      expect(await codeOf(raw('batch.approve', { batch: 'B-20260101-001' }, manager))).toBe(
        'STEP_UP_REQUIRED',
      );
      expect(await codeOf(raw('batch.list', {}, manager))).toBe('ok'); // other calls are not affected
      const [denied] = await rows<{ after: unknown }>(
        t.ws.central.db,
        sql`SELECT after FROM audit_log WHERE action = 'batch.approve' AND decision = 'denied' ORDER BY seq DESC LIMIT 1`,
      );
      expect(JSON.stringify(denied!.after)).toMatch(/confirm their password/);

      expect(await raw('session.stepUp', { password: 'not the password at all' }, manager)).toEqual(
        {
          ok: false,
          kind: 'credentials',
          triesLeft: 4,
          reason: 'wrong password: 4 tries left before the lockout',
        },
      );
      const [op] = await rows<{ failed_attempts: number }>(
        t.ws.central.db,
        sql`SELECT failed_attempts FROM operators WHERE username = 'manager1'`,
      );
      expect(Number(op!.failed_attempts)).toBe(1);
      expect(await codeOf(raw('batch.approve', { batch: 'B-20260101-001' }, manager))).toBe(
        'STEP_UP_REQUIRED',
      );

      expect(await raw('session.stepUp', { password: ADMIN_PASSWORD }, manager)).toMatchObject({
        ok: true,
      });
      expect(await codeOf(raw('batch.approve', { batch: 'B-20260101-001' }, manager))).toBe(
        'NOT_FOUND',
      );
      expect(await codeOf(raw('batch.execute', { batch: 'B-20260101-001' }, t.token))).toBe(
        'NOT_FOUND',
      );
      // Confirmed long ago is as good as never.
      await age(manager, 10);
      await t.ws.central.db.execute(
        sql`UPDATE sessions SET stepped_up_at = now() - interval '6 minutes' WHERE token_hash = ${tokenHash(manager)}`,
      );
      expect(await codeOf(raw('batch.approve', { batch: 'B-20260101-001' }, manager))).toBe(
        'STEP_UP_REQUIRED',
      );
    });

    it('five wrong confirmations lock the operator out and end their sessions', async () => {
      const victim = await addOperator(t, 'manager2', 'manager');
      for (let i = 1; i <= 4; i++)
        expect(
          await raw('session.stepUp', { password: `wrong password number ${i}` }, victim),
        ).toMatchObject({ ok: false, kind: 'credentials', triesLeft: 5 - i });
      const fifth = await raw<{ ok: boolean; reason: string }>(
        'session.stepUp',
        { password: 'wrong password number 5' },
        victim,
      );
      expect(fifth.ok).toBe(false);
      expect(fifth.reason).toMatch(/locked until .* and signed out/);
      expect(await codeOf(raw('batch.list', {}, victim))).toBe('UNAUTHENTICATED');
      const signIn = await t.call<{ ok: boolean; reason?: string }>(
        'session.signIn',
        { username: 'manager2', password: ADMIN_PASSWORD },
        null,
      );
      expect(signIn).toMatchObject({ ok: false, reason: expect.stringMatching(/locked until/) });
      // An administrator vouches for them: enabling the (still active) operator clears the lockout.
      expect(
        await t.call('operators.setStatus', {
          username: 'manager2',
          status: 'active',
          reason: 'verified by phone',
        }),
      ).toMatchObject({ changed: true });
      expect(
        await t.call('session.signIn', { username: 'manager2', password: ADMIN_PASSWORD }, null),
      ).toMatchObject({ ok: true });
      expect(
        await t.call('operators.setStatus', {
          username: 'manager2',
          status: 'active',
          reason: 'again',
        }),
      ).toMatchObject({ changed: false });
    });
  });
}
