/**
 * The workstation's record of a session (local-sessions.ts) keeps the same idle rule as the central
 * router: a background call (a poll, sync by itself) is checked like any call but is not activity.
 * Offline, the offline router resolves the session without touching it; online, followSession
 * leaves it alone after a background call; and through the workstation's door, a background call
 * (sync.run included: its whoami, sync.authorize and audit tail) leaves both idle clocks where
 * they were.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCache } from '../../../src/core/platform/cache/cache.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { IDLE_TIMEOUT_MS, tokenHash } from '../../../src/core/platform/kernel/router.js';
import { toTreasuryError } from '../../../src/core/shared/errors.js';
import {
  followSession,
  rememberSignIn,
  resolveLocalSession,
} from '../../../src/core/domain/operators/local-sessions.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import {
  ADMIN_PASSWORD,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

const MINUTE = 60_000;
const HERE = ['127.0.0.1'];

describe('idle timeout of the local session record and background calls', () => {
  let t: TestWorkstation;
  let cache: LocalCache;
  let operatorId = '';

  beforeAll(async () => {
    t = await openTestWorkstation('pglite', { addresses: () => HERE });
    cache = await t.ws.cache();
    // The operators mirror, which the local record checks the operator against.
    await t.ws.call({
      name: 'sync.run',
      payload: {},
      session: t.token,
      workstationId: t.ws.id,
      id: randomUUID(),
    });
    operatorId = (await t.call<{ operatorId: string }>('session.whoami')).operatorId;
  }, 60_000);
  afterAll(() => t?.cleanup());

  const remembered = async (at: number) => {
    const token = `local-idle-${randomUUID()}`;
    await rememberSignIn(
      cache,
      { token, operator: { id: operatorId, username: 'admin' }, password: ADMIN_PASSWORD },
      new Date(at),
    );
    return token;
  };
  const localSeen = (token: string) =>
    Number(
      (
        cache.sqlite
          .prepare('SELECT last_seen_at FROM local_sessions WHERE token_hash = ?')
          .get(tokenHash(token)) as { last_seen_at: bigint }
      ).last_seen_at,
    );
  const resolveAt = (token: string, at: number, background: boolean) =>
    Promise.resolve()
      .then(() => resolveLocalSession(cache, token, new Date(at), HERE, background))
      .then(
        () => 'ok',
        (e: unknown) => toTreasuryError(e).code,
      );

  it('offline: only background calls, and the session ends after the idle timeout', async () => {
    const t0 = Date.now();
    const token = await remembered(t0);
    expect(await resolveAt(token, t0 + 20 * MINUTE, true)).toBe('ok');
    expect(await resolveAt(token, t0 + 29 * MINUTE, true)).toBe('ok');
    expect(localSeen(token)).toBe(t0);
    expect(await resolveAt(token, t0 + IDLE_TIMEOUT_MS + MINUTE, true)).toBe('UNAUTHENTICATED');
    expect(await resolveAt(token, t0 + IDLE_TIMEOUT_MS + 2 * MINUTE, false)).toBe(
      'UNAUTHENTICATED',
    );
  });

  it("offline: the operator's own call resets the idle clock, a background one does not", async () => {
    const t0 = Date.now();
    const token = await remembered(t0);
    expect(await resolveAt(token, t0 + 25 * MINUTE, false)).toBe('ok');
    expect(localSeen(token)).toBe(t0 + 25 * MINUTE);
    expect(await resolveAt(token, t0 + 40 * MINUTE, true)).toBe('ok');
    expect(localSeen(token)).toBe(t0 + 25 * MINUTE);
    expect(await resolveAt(token, t0 + 56 * MINUTE, true)).toBe('UNAUTHENTICATED');
  });

  it('online: followSession touches the record after the operator’s own call only', async () => {
    const t0 = Date.now() - 10 * MINUTE;
    const token = await remembered(t0);
    const connection = { get: async () => cache, current: () => Promise.resolve(cache) };
    await followSession({}, connection, { payload: {}, session: token, background: true }, {});
    expect(localSeen(token)).toBe(t0);
    await followSession({}, connection, { payload: {}, session: token }, {});
    expect(localSeen(token)).toBeGreaterThan(t0);
  });

  it("through the workstation's door, background calls leave both idle clocks alone", async () => {
    const signed = await t.call<SignInResult>(
      'session.signIn',
      { username: 'admin', password: ADMIN_PASSWORD },
      null,
    );
    if (!signed.ok) throw new Error(signed.reason);
    const token = signed.token;
    const centralSeen = async () =>
      new Date(
        (
          await rows<{ at: Date | string }>(
            t.ws.central.db,
            sql`SELECT last_seen_at AS at FROM sessions WHERE token_hash = ${tokenHash(token)}`,
          )
        )[0]!.at,
      ).getTime();
    // The sign-in went through the router directly: the workstation remembers it as a sign-in
    // through its door would.
    await rememberSignIn(
      cache,
      { token, operator: { id: operatorId, username: 'admin' }, password: ADMIN_PASSWORD },
      new Date(Date.now() - 5 * MINUTE),
    );
    const central = await centralSeen();
    const local = localSeen(token);
    const call = (name: string, background: boolean) =>
      t.ws.call({
        name,
        payload: {},
        session: token,
        workstationId: t.ws.id,
        id: randomUUID(),
        ...(background ? { background: true } : {}),
      });
    await new Promise((r) => setTimeout(r, 20));
    for (const name of ['operators.list', 'sync.status', 'jobs.list', 'sync.run'])
      await call(name, true);
    expect(await centralSeen()).toBe(central);
    expect(localSeen(token)).toBe(local);
    await call('operators.list', false);
    expect(await centralSeen()).toBeGreaterThan(central);
    expect(localSeen(token)).toBeGreaterThan(local);
  });
});
