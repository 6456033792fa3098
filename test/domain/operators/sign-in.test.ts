/**
 * Sign-in and step-up that explain themselves (issue 21): the password is checked before the
 * operator's state, so with a wrong one an unknown, locked, disabled or address-refused operator
 * gets the same generic answer; with the right one they are told which. A wrong step-up says the
 * tries left; a lockout (sign-in or step-up) is a security event; an administrator unlocks. The
 * offline paths answer the same way.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { toTreasuryError } from '../../../src/core/shared/errors.js';
import type { SignInResult, StepUpResult } from '../../../src/core/domain/operators/commands.js';
import {
  rememberSignIn,
  signInOffline,
  stepUpOffline,
} from '../../../src/core/domain/operators/local-sessions.js';
import { BridgeSession } from '../../../src/core/host/bridge/session-host.js';
import { drivers } from '../../support/pg.js';
import {
  ADMIN_PASSWORD,
  addOperator,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

const WRONG = 'not the password at all';

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => toTreasuryError(e).code,
  );

for (const driver of drivers()) {
  describe(`sign-in and step-up refusals (${driver})`, () => {
    let t: TestWorkstation;
    // The workstation's addresses, as the router sees them (an allowlist can exclude them).
    const here = ['127.0.0.1'];
    const raw = <T = unknown>(name: string, payload: unknown, token: string | null) =>
      t.ws.router.call<T>({
        name,
        payload,
        session: token,
        workstationId: t.ws.id,
        id: randomUUID(),
      });
    const signIn = (username: string, password = ADMIN_PASSWORD) =>
      raw<SignInResult>('session.signIn', { username, password }, null);
    const operator = async (username: string) =>
      (
        await rows<{ id: string; failed_attempts: number; locked_until: Date | string | null }>(
          t.ws.central.db,
          sql`SELECT id, failed_attempts, locked_until FROM operators WHERE username = ${username}`,
        )
      )[0]!;
    const events = (operatorId: string, kind: string) =>
      rows<{ risk: string; details: { via?: string; lockedUntil?: string } }>(
        t.ws.central.db,
        sql`SELECT risk, details FROM security_events WHERE operator_id = ${operatorId}::uuid AND kind = ${kind}`,
      );
    const lockOut = async (username: string) => {
      for (let i = 0; i < 5; i++)
        expect(await signIn(username, WRONG)).toMatchObject({ ok: false });
    };

    beforeAll(async () => {
      t = await openTestWorkstation(driver, { addresses: () => here });
    }, 120_000);
    afterAll(async () => t?.cleanup());

    it('a wrong password is the same generic refusal for unknown, locked and disabled operators', async () => {
      const generic = {
        ok: false,
        kind: 'credentials',
        reason: 'unknown username or wrong password',
      };
      expect(await signIn('nobody-here', WRONG)).toEqual(generic);

      await addOperator(t, 'locky', 'viewer');
      await lockOut('locky');
      const locked = await operator('locky');
      expect(Number(locked.failed_attempts)).toBe(5);
      expect(await signIn('locky', WRONG)).toEqual(generic);
      // While locked, a wrong password does not extend the lockout.
      const still = await operator('locky');
      expect(Number(still.failed_attempts)).toBe(5);
      expect(new Date(still.locked_until!).getTime()).toBe(
        new Date(locked.locked_until!).getTime(),
      );

      await addOperator(t, 'gone', 'viewer');
      await t.call('operators.setStatus', { username: 'gone', status: 'disabled', reason: 'left' });
      expect(await signIn('gone', WRONG)).toEqual(generic);
      expect(Number((await operator('gone')).failed_attempts)).toBe(0);
    });

    it('the right password is told why: locked until when, disabled', async () => {
      const lockedUntil = new Date((await operator('locky')).locked_until!).toISOString();
      expect(await signIn('locky')).toEqual({
        ok: false,
        kind: 'locked',
        lockedUntil,
        reason: `too many wrong passwords: locked until ${lockedUntil}`,
      });
      expect(await signIn('gone')).toMatchObject({ ok: false, kind: 'disabled' });
      const [audited] = await rows<{ after: { kind: string } }>(
        t.ws.central.db,
        sql`SELECT after FROM audit_log WHERE action = 'session.signIn.failed' ORDER BY seq DESC LIMIT 1`,
      );
      expect(audited!.after.kind).toBe('disabled');
    });

    it('an address outside the allowlist: the right password is told so, a wrong one is generic', async () => {
      await addOperator(t, 'remote', 'viewer');
      await t.call('ip.allow', { username: 'remote', cidr: '10.99.0.0/16' });
      expect(await signIn('remote')).toMatchObject({
        ok: false,
        kind: 'address',
        reason: expect.stringMatching(/^sign-in refused: .*127\.0\.0\.1/),
      });
      expect(await signIn('remote', WRONG)).toMatchObject({ ok: false, kind: 'credentials' });
      const [audited] = await rows<{ n: number }>(
        t.ws.central.db,
        sql`SELECT count(*)::int AS n FROM audit_log a JOIN operators o ON o.id::text = a.entity_id
            WHERE o.username = 'remote' AND a.action = 'session.signIn.failed' AND a.after->>'kind' = 'address'`,
      );
      expect(Number(audited!.n)).toBe(1);
    });

    it('a sign-in lockout is a security event (medium, not blocking)', async () => {
      const { id } = await operator('locky');
      const found = await events(id, 'operator_locked');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ risk: 'medium', details: { via: 'sign-in' } });
      const listed = await t.call<{ kind: string }[]>('security.events', {});
      expect(listed.map((e) => e.kind)).toContain('operator_locked');
    });

    it('a wrong step-up says the tries left; the fifth locks, signs out, and is an event', async () => {
      const token = await addOperator(t, 'stepper', 'manager');
      for (let left = 4; left >= 1; left--)
        expect(await raw<StepUpResult>('session.stepUp', { password: WRONG }, token)).toEqual({
          ok: false,
          kind: 'credentials',
          triesLeft: left,
          reason: `wrong password: ${left} ${left === 1 ? 'try' : 'tries'} left before the lockout`,
        });
      const fifth = await raw<StepUpResult>('session.stepUp', { password: WRONG }, token);
      expect(fifth).toMatchObject({ ok: false, kind: 'locked', lockedUntil: expect.any(String) });
      expect(await codeOf(raw('batch.list', {}, token))).toBe('UNAUTHENTICATED');
      const { id } = await operator('stepper');
      expect(await events(id, 'operator_locked')).toMatchObject([
        { risk: 'medium', details: { via: 'step-up' } },
      ]);
      expect(await signIn('stepper')).toMatchObject({
        ok: false,
        kind: 'locked',
        lockedUntil: (fifth as { lockedUntil: string }).lockedUntil,
      });
    });

    it('an administrator unlocks (audited with the reason); nobody else, nor oneself', async () => {
      const viewer = await addOperator(t, 'looker', 'viewer');
      expect(
        await codeOf(raw('operators.unlock', { username: 'stepper', reason: 'called' }, viewer)),
      ).toBe('FORBIDDEN');
      expect(
        await codeOf(t.call('operators.unlock', { username: 'admin', reason: 'me myself' })),
      ).toBe('FORBIDDEN');
      expect(
        await t.call('operators.unlock', { username: 'stepper', reason: 'verified by phone' }),
      ).toMatchObject({ username: 'stepper', changed: true, lockedUntil: expect.any(String) });
      const [audited] = await rows<{ after: { reason: string; lockedUntil: null } }>(
        t.ws.central.db,
        sql`SELECT after FROM audit_log WHERE action = 'operators.unlock' AND decision = 'allowed' ORDER BY seq DESC LIMIT 1`,
      );
      expect(audited!.after).toMatchObject({ reason: 'verified by phone', lockedUntil: null });
      expect((await operator('stepper')).locked_until).toBeNull();
      expect((await signIn('stepper')).ok).toBe(true);
      expect(
        await t.call('operators.unlock', { username: 'stepper', reason: 'again' }),
      ).toMatchObject({ changed: false });
    });

    it('the host says whether it holds a session; showing sign-in audits nothing', async () => {
      const auditCount = async () =>
        Number(
          (
            await rows<{ n: number }>(
              t.ws.central.db,
              sql`SELECT count(*)::int AS n FROM audit_log`,
            )
          )[0]!.n,
        );
      const bridge = new BridgeSession(t.ws, () => undefined);
      const before = await auditCount();
      // What the console does on load without a session: the host's facts and setup.status only.
      expect((await bridge.info('test', 'browser')).signedIn).toBe(false);
      expect(await bridge.call({ name: 'setup.status', payload: {} })).toMatchObject({ ok: true });
      expect(await auditCount()).toBe(before);
      expect(
        await bridge.call({
          name: 'session.signIn',
          payload: { username: 'looker', password: ADMIN_PASSWORD },
        }),
      ).toMatchObject({ ok: true });
      expect((await bridge.info('test', 'browser')).signedIn).toBe(true);
      // The session ended elsewhere (disabled): the first refusal drops it from the host.
      await t.call('operators.setStatus', {
        username: 'looker',
        status: 'disabled',
        reason: 'test',
      });
      expect(await bridge.call({ name: 'batch.list', payload: {} })).toMatchObject({
        ok: false,
        error: { code: 'UNAUTHENTICATED' },
      });
      expect((await bridge.info('test', 'browser')).signedIn).toBe(false);
      await t.call('operators.setStatus', { username: 'looker', status: 'active', reason: 'back' });
    });

    it('offline: the same order, tries left and lockout against the cached verifier', async () => {
      const cache = await t.ws.cache();
      await t.ws.call({
        name: 'sync.run',
        payload: {},
        session: t.token,
        workstationId: t.ws.id,
        id: randomUUID(),
      });
      const { id } = await operator('looker');
      const now = new Date();
      const token = 'offline-test-token';
      await rememberSignIn(
        cache,
        { token, operator: { id, username: 'looker' }, password: ADMIN_PASSWORD },
        now,
      );
      const offline = (password: string) =>
        signInOffline(cache, 'looker', password, now, ['127.0.0.1']);
      expect(await signInOffline(cache, 'nobody-here', WRONG, now, [])).toMatchObject({
        ok: false,
        kind: 'credentials',
      });
      for (let left = 4; left >= 1; left--)
        expect(await stepUpOffline(cache, token, id, WRONG, now)).toMatchObject({
          ok: false,
          kind: 'credentials',
          triesLeft: left,
        });
      expect(await stepUpOffline(cache, token, id, WRONG, now)).toMatchObject({
        ok: false,
        kind: 'locked',
      });
      expect(await offline(WRONG)).toMatchObject({ ok: false, kind: 'credentials' });
      expect(await offline(ADMIN_PASSWORD)).toMatchObject({
        ok: false,
        kind: 'locked',
        lockedUntil: expect.any(String),
      });
      cache.sqlite
        .prepare('UPDATE local_verifiers SET failed_attempts = 0, locked_until = NULL')
        .run();
      cache.sqlite.prepare("UPDATE operators SET status = 'disabled' WHERE id = ?").run(id);
      expect(await offline(WRONG)).toMatchObject({ ok: false, kind: 'credentials' });
      expect(await offline(ADMIN_PASSWORD)).toMatchObject({ ok: false, kind: 'disabled' });
      cache.sqlite.prepare("UPDATE operators SET status = 'active' WHERE id = ?").run(id);
      const remote = await operator('remote');
      await rememberSignIn(
        cache,
        {
          token: 'remote-token',
          operator: { id: remote.id, username: 'remote' },
          password: ADMIN_PASSWORD,
        },
        now,
      );
      expect(
        await signInOffline(cache, 'remote', ADMIN_PASSWORD, now, ['127.0.0.1']),
      ).toMatchObject({ ok: false, kind: 'address' });
      expect(await signInOffline(cache, 'remote', WRONG, now, ['127.0.0.1'])).toMatchObject({
        ok: false,
        kind: 'credentials',
      });
      expect((await offline(ADMIN_PASSWORD)).ok).toBe(true);
    });
  });
}
