/**
 * The idle timeout against background calls (router.ts Call.background): a console's polls and
 * sync by itself are checked and audited like any call, but only the operator's own calls refresh
 * the session's idle clock — a session whose only calls are background ones ends after
 * IDLE_TIMEOUT_MS. The router's clock is injected (its `clock` argument), over the workstation's
 * real central store.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { DEFINITIONS } from '../../../src/core/host/catalog.js';
import { IDLE_TIMEOUT_MS, Router, tokenHash } from '../../../src/core/platform/kernel/router.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import { TreasuryError } from '../../../src/core/shared/errors.js';
import { pgAvailable } from '../../support/pg.js';
import {
  ADMIN_PASSWORD,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';
import type { Driver } from '../../support/central.js';

const drivers: Driver[] = pgAvailable ? ['pglite', 'postgres'] : ['pglite'];
const MINUTE = 60_000;

describe.each(drivers)('idle timeout and background calls on %s', (driver) => {
  let t: TestWorkstation;
  let router: Router;
  let now = 0;
  let token = '';
  let signedInAt = 0;

  const callAt = <T>(
    minutes: number,
    name: string,
    options: { background?: boolean; id?: string } = {},
  ) => {
    now = signedInAt + minutes * MINUTE;
    return router.call<T>({
      name,
      payload: {},
      session: token,
      workstationId: t.ws.id,
      id: options.id ?? randomUUID(),
      ...(options.background ? { background: true } : {}),
    });
  };
  const lastSeen = async () => {
    const [s] = await rows<{ at: Date | string }>(
      t.ws.central.db,
      sql`SELECT last_seen_at AS at FROM sessions WHERE token_hash = ${tokenHash(token)}`,
    );
    return new Date(s!.at).getTime();
  };

  beforeAll(async () => {
    t = await openTestWorkstation(driver);
    router = new Router(t.ws.central, DEFINITIONS, () => new Date(now));
  });
  afterAll(() => t.cleanup());

  // A new session for each case, its idle clock starting where the router's clock starts.
  beforeEach(async () => {
    const r = await t.call<SignInResult>(
      'session.signIn',
      { username: 'admin', password: ADMIN_PASSWORD },
      null,
    );
    if (!r.ok) throw new Error(r.reason);
    token = r.token;
    signedInAt = await lastSeen();
  });

  it('a session whose only calls are background ones is refused once idle too long', async () => {
    await callAt(10, 'session.whoami', { background: true });
    await callAt(20, 'session.whoami', { background: true });
    await callAt(29, 'session.whoami', { background: true });
    expect(await lastSeen()).toBe(signedInAt);
    const refused = await callAt(31, 'session.whoami', { background: true }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(TreasuryError);
    expect((refused as TreasuryError).code).toBe('UNAUTHENTICATED');
    expect((refused as TreasuryError).message).toMatch(/expired after 30 minutes without activity/);
    // The session has ended: the operator's own call a moment later is refused too.
    const after = await callAt(31.5, 'session.whoami').catch((e: unknown) => e);
    expect((after as TreasuryError).code).toBe('UNAUTHENTICATED');
    expect(IDLE_TIMEOUT_MS).toBe(30 * MINUTE);
  });

  it("the operator's own call resets the idle clock; background calls after it do not", async () => {
    await callAt(20, 'session.whoami', { background: true });
    await callAt(25, 'session.whoami');
    expect(await lastSeen()).toBe(signedInAt + 25 * MINUTE);
    // 40 minutes after signing in, 15 after the operator's own call: still signed in.
    await callAt(40, 'session.whoami', { background: true });
    expect(await lastSeen()).toBe(signedInAt + 25 * MINUTE);
    const refused = await callAt(56, 'session.whoami', { background: true }).catch(
      (e: unknown) => e,
    );
    expect((refused as TreasuryError).code).toBe('UNAUTHENTICATED');
  });

  it('background calls are audited as any call, and so is their refusal', async () => {
    const allowedId = randomUUID();
    await callAt(5, 'sync.authorize', { background: true, id: allowedId });
    const deniedId = randomUUID();
    await callAt(40, 'sync.authorize', { background: true, id: deniedId }).catch(() => undefined);
    const entries = await rows<{ command_id: string; decision: string; action: string }>(
      t.ws.central.db,
      sql`SELECT command_id::text AS command_id, decision, action FROM audit_log
          WHERE command_id IN (${allowedId}::uuid, ${deniedId}::uuid) ORDER BY seq`,
    );
    expect(entries).toEqual([
      { command_id: allowedId, decision: 'allowed', action: 'sync.pull' },
      { command_id: deniedId, decision: 'denied', action: 'sync.authorize' },
    ]);
  });
});
