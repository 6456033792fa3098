/**
 * The one door: every call is validated, authenticated and permission-checked; commands commit with
 * their audit entries and are deduplicated by command id; the audit chain detects tampering.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, permissionsOf, ROLES } from '../../../src/core/shared/permissions.js';
import { verifyAudit } from '../../../src/core/platform/kernel/audit-chain.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { TreasuryError } from '../../../src/core/shared/errors.js';
import { hashPassword } from '../../../src/core/domain/operators/password.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import { pgAvailable } from '../../support/pg.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';
import type { Driver } from '../../support/central.js';

const drivers: Driver[] = pgAvailable ? ['pglite', 'postgres'] : ['pglite'];
const RULES = JSON.stringify({
  currencies: ['USD'],
  holdDays: 0,
  percentBps: 1000,
  minimumPayout: { USD: '10.00' },
  payoutSchedule: { frequency: 'monthly', day: 1 },
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(TreasuryError);
    return (error as TreasuryError).code;
  }
}

describe('roles and permissions table', () => {
  it('has 14 permissions, 6 roles, strictly growing, super_admin holding all', () => {
    expect(PERMISSIONS).toHaveLength(14);
    expect(ROLES).toHaveLength(6);
    for (let i = 1; i < ROLES.length; i++) {
      const lower = permissionsOf(ROLES[i - 1]!);
      const higher = permissionsOf(ROLES[i]!);
      for (const p of lower) expect(higher.has(p), `${ROLES[i]} should hold ${p}`).toBe(true);
    }
    expect(permissionsOf('super_admin').size).toBe(14);
    expect(permissionsOf('viewer').has('commissions.calculate')).toBe(false);
  });
});

describe.each(drivers)('router on %s', (driver) => {
  let t: TestWorkstation;
  let viewerToken: string;
  beforeAll(async () => {
    t = await openTestWorkstation(driver);
    await t.ws.central.db
      .execute(sql`INSERT INTO operators (username, display_name, role, password_hash)
      VALUES ('vera', 'Vera Viewer', 'viewer', ${await hashPassword('viewer-password-1')})`);
    const r = await t.call<SignInResult>(
      'session.signIn',
      { username: 'vera', password: 'viewer-password-1' },
      null,
    );
    if (!r.ok) throw new Error(r.reason);
    viewerToken = r.token;
  });
  afterAll(() => t.cleanup());

  it('refuses unknown names, bad payloads, missing sessions and missing permissions — each denial audited', async () => {
    const [before] = await rows<{ n: number }>(
      t.ws.central.db,
      sql`SELECT count(*)::int AS n FROM audit_log WHERE decision = 'denied'`,
    );
    expect(await codeOf(t.call('payouts.steal', {}))).toBe('UNKNOWN_COMMAND');
    const bad = await t
      .call('commissions.calculate', { asOf: 'yesterday' })
      .catch((e: TreasuryError) => e);
    expect((bad as TreasuryError).code).toBe('VALIDATION');
    expect((bad as TreasuryError).problems[0]!.path).toBe('asOf');
    expect(await codeOf(t.call('payables.list', {}, null))).toBe('UNAUTHENTICATED');
    expect(await codeOf(t.call('payables.list', {}, 'not-a-token'))).toBe('UNAUTHENTICATED');
    const forbidden = await t
      .call('commissions.calculate', {}, viewerToken)
      .catch((e: TreasuryError) => e);
    expect((forbidden as TreasuryError).code).toBe('FORBIDDEN');
    expect((forbidden as TreasuryError).message).toMatch(
      /vera \(viewer\) lacks the permission commissions\.calculate/,
    );
    const [after] = await rows<{ n: number }>(
      t.ws.central.db,
      sql`SELECT count(*)::int AS n FROM audit_log WHERE decision = 'denied'`,
    );
    expect(Number(after!.n) - Number(before!.n)).toBe(3); // the two unauthenticated calls and the forbidden one
  });

  it('a viewer may read what viewers may read', async () => {
    await t.call('rules.set', { body: JSON.parse(RULES) });
    const shown = await t.call<{ current: number }>('rules.show', {}, viewerToken);
    expect(shown.current).toBe(1);
  });

  it('replaying a command id returns the first result and changes nothing', async () => {
    const id = randomUUID();
    const call = () =>
      t.ws.router.call<{ version: number }>({
        name: 'rules.set',
        id,
        payload: { body: JSON.parse(RULES), effectiveFrom: '2030-01-01' },
        session: t.token,
        workstationId: t.ws.id,
      });
    const first = await call();
    const second = await call();
    expect(second).toEqual(first);
    const versions = await rows<{ n: number }>(
      t.ws.central.db,
      sql`SELECT count(*)::int AS n FROM commission_rules`,
    );
    expect(Number(versions[0]!.n)).toBe(2);
    // The same id for another command is a conflict, not a silent replay.
    const clash = await t.ws.router
      .call({
        name: 'batch.reject',
        id,
        payload: { batch: 'B-20300101-001', reason: 'never looked up' },
        session: t.token,
        workstationId: t.ws.id,
      })
      .catch((e: TreasuryError) => e.code);
    expect(clash).toBe('CONFLICT');
  });

  it('a failed command leaves no change and no audit entry', async () => {
    const [before] = await rows<{ seq: string }>(
      t.ws.central.db,
      sql`SELECT seq::text AS seq FROM audit_head`,
    );
    expect(
      await codeOf(t.call('rules.set', { body: JSON.parse(RULES), effectiveFrom: '2029-01-01' })),
    ).toBe('CONFLICT');
    const [after] = await rows<{ seq: string }>(
      t.ws.central.db,
      sql`SELECT seq::text AS seq FROM audit_head`,
    );
    expect(after!.seq).toBe(before!.seq);
  });

  it('sign-in failures are counted and lock the operator out after 5', async () => {
    await t.ws.central.db
      .execute(sql`INSERT INTO operators (username, display_name, role, password_hash)
      VALUES ('otto', 'Otto', 'operator', ${await hashPassword('operator-password-1')})`);
    for (let i = 0; i < 5; i++) {
      const r = await t.call<SignInResult>(
        'session.signIn',
        { username: 'otto', password: 'wrong-password-x' },
        null,
      );
      expect(r.ok).toBe(false);
    }
    const locked = await t.call<SignInResult>(
      'session.signIn',
      { username: 'otto', password: 'operator-password-1' },
      null,
    );
    expect(locked).toMatchObject({ ok: false, reason: expect.stringMatching(/locked until/) });
    const [row] = await rows<{ failed_attempts: number }>(
      t.ws.central.db,
      sql`SELECT failed_attempts FROM operators WHERE username = 'otto'`,
    );
    expect(Number(row!.failed_attempts)).toBe(5);
    // The token of a successful sign-in is never stored for replay.
    const stored = await rows<{ result: unknown }>(
      t.ws.central.db,
      sql`SELECT result FROM applied_commands WHERE name = 'session.signIn'`,
    );
    expect(JSON.stringify(stored)).not.toMatch(/"token"/);
  });

  it('sessions end on sign-out', async () => {
    const r = await t.call<SignInResult>(
      'session.signIn',
      { username: 'vera', password: 'viewer-password-1' },
      null,
    );
    if (!r.ok) throw new Error(r.reason);
    expect(await t.call<{ username: string }>('session.whoami', {}, r.token)).toMatchObject({
      username: 'vera',
      role: 'viewer',
    });
    await t.call('session.signOut', { token: r.token }, r.token);
    expect(await codeOf(t.call('session.whoami', {}, r.token))).toBe('UNAUTHENTICATED');
  });

  it('the audit chain verifies, and an edited, deleted or reordered entry is found', async () => {
    const db = t.ws.central.db;
    const clean = await verifyAudit(db);
    expect(clean.problems, JSON.stringify(clean.problems)).toEqual([]);
    expect(clean.entries).toBeGreaterThan(5);

    // The table refuses edits (trigger); someone with the power to disable triggers is still
    // caught.
    await expect(db.execute(sql`DELETE FROM audit_log WHERE seq = 1`)).rejects.toThrow();
    await db.execute(sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`);
    await db.execute(
      sql`UPDATE audit_log SET after = '{"reason":"nothing to see"}'::jsonb WHERE seq = 3`,
    );
    expect((await verifyAudit(db)).problems).toContainEqual(
      expect.objectContaining({ seq: '3', problem: 'edited' }),
    );

    await db.execute(sql`DELETE FROM audit_log WHERE seq = 5`);
    const deleted = await verifyAudit(db);
    expect(deleted.problems).toContainEqual(expect.objectContaining({ seq: '6', problem: 'gap' }));
    expect(deleted.problems).toContainEqual(
      expect.objectContaining({ seq: '6', problem: 'broken_link' }),
    );
  });
});
