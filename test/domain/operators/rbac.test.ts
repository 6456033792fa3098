/**
 * Role-based access at the router, table-driven: every command and query the router knows × every
 * role. The permission is checked before the payload is looked at, so each call carries a payload
 * with an unknown field: a role without the permission gets FORBIDDEN (and a 'denied' audit entry),
 * a role with it gets VALIDATION (its payload was then checked, strictly) — no handler ever runs.
 * Then the role-management rules, on both central stores.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, ROLES, roleHas, type Role } from '../../../src/core/shared/permissions.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { DEFINITIONS } from '../../../src/core/host/catalog.js';
import { toTreasuryError } from '../../../src/core/shared/errors.js';
import { drivers } from '../../support/pg.js';
import {
  addOperator,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => toTreasuryError(e).code,
  );

describe('the permission catalogue', () => {
  it('every definition names one of the 14 permissions (or is public / any signed-in operator)', () => {
    expect(PERMISSIONS).toHaveLength(14);
    for (const d of DEFINITIONS)
      expect([...PERMISSIONS, 'public', 'signed_in'], d.name).toContain(d.permission);
    // Every permission guards something at the router, except approve_high_value, which approve
    // checks on a high-value batch (tested with the approvals in test/domain/execution/execution.test.ts).
    const used = new Set(DEFINITIONS.map((d) => d.permission));
    expect(PERMISSIONS.filter((p) => !used.has(p))).toEqual(['batches.approve_high_value']);
    // Only sign-in, bootstrap and the setup probe are public.
    expect(
      DEFINITIONS.filter((d) => d.permission === 'public')
        .map((d) => d.name)
        .sort(),
    ).toEqual(['operators.bootstrap', 'session.signIn', 'setup.status']);
  });
});

for (const driver of drivers()) {
  describe(`RBAC at the router (${driver})`, () => {
    let t: TestWorkstation;
    const tokens = {} as Record<Role, string>;
    const call = (name: string, payload: unknown, token: string) =>
      t.ws.router.call({ name, payload, session: token, workstationId: t.ws.id, id: randomUUID() });

    beforeAll(async () => {
      t = await openTestWorkstation(driver);
      for (const role of ROLES)
        tokens[role] =
          role === 'super_admin'
            ? t.token
            : await addOperator(t, `op.${role.replace('_', '-')}`, role);
    }, 120_000);
    afterAll(async () => t?.cleanup());

    it('every guarded definition × every role: FORBIDDEN exactly when the role lacks the permission', async () => {
      const guarded = DEFINITIONS.filter(
        (d) => d.permission !== 'public' && d.permission !== 'signed_in',
      );
      const [before] = await rows<{ n: number }>(
        t.ws.central.db,
        sql`SELECT count(*)::int AS n FROM audit_log WHERE decision = 'denied'`,
      );
      const table: string[] = [];
      let denials = 0;
      for (const d of guarded) {
        for (const role of ROLES) {
          const code = await codeOf(call(d.name, { probe: 'an unknown field' }, tokens[role]));
          const allowed = roleHas(role, d.permission as never);
          if (!allowed) denials++;
          table.push(`${d.name} ${role} ${code}`);
          expect(code, `${d.name} as ${role}`).toBe(allowed ? 'VALIDATION' : 'FORBIDDEN');
        }
      }
      expect(table.length).toBe(guarded.length * ROLES.length);
      // Each denial left its audit entry.
      const [after] = await rows<{ n: number }>(
        t.ws.central.db,
        sql`SELECT count(*)::int AS n FROM audit_log WHERE decision = 'denied'`,
      );
      expect(Number(after!.n) - Number(before!.n)).toBe(denials);
    }, 120_000);

    it('role management: never above your own, no self-grant of super_admin, no self-revocation, never the last super_admin', async () => {
      const admin = tokens.admin;
      const superAdmin = tokens.super_admin;
      const change = (token: string, username: string, role: Role) =>
        codeOf(call('operators.setRole', { username, role }, token));
      const status = (token: string, username: string, s: 'active' | 'disabled') =>
        codeOf(call('operators.setStatus', { username, status: s, reason: 'role test' }, token));

      expect(await change(admin, 'op.viewer', 'manager')).toBe('ok');
      expect(await change(admin, 'op.viewer', 'super_admin')).toBe('FORBIDDEN'); // above own
      expect(await change(admin, 'op.admin', 'super_admin')).toBe('FORBIDDEN'); // self-grant
      expect(await change(admin, 'op.admin', 'manager')).toBe('FORBIDDEN'); // self-revocation
      expect(await status(admin, 'op.admin', 'disabled')).toBe('FORBIDDEN');
      expect(await change(admin, 'admin', 'admin')).toBe('FORBIDDEN'); // the super_admin is above an admin
      expect(await change(tokens.manager, 'op.viewer', 'viewer')).toBe('FORBIDDEN'); // no admin.manage
      // The only super_admin cannot be demoted or disabled, not even by themselves…
      expect(await change(superAdmin, 'admin', 'admin')).toBe('FORBIDDEN');
      expect(await status(superAdmin, 'admin', 'disabled')).toBe('FORBIDDEN');
      // …but once there is a second one, the first may be demoted by the second.
      expect(await change(superAdmin, 'op.admin', 'super_admin')).toBe('ok');
      const second = tokens.admin; // op.admin, now a super_admin
      expect(await change(second, 'admin', 'admin')).toBe('ok');
      expect(await change(second, 'op.admin', 'admin')).toBe('FORBIDDEN'); // own role, and the last super_admin
      // A disabled operator's sessions end at once.
      expect(await status(second, 'op.processor', 'disabled')).toBe('ok');
      expect(await codeOf(call('payables.list', {}, tokens.processor))).toBe('UNAUTHENTICATED');
      expect(await status(second, 'op.processor', 'active')).toBe('ok');
      const list = (await call('operators.list', {}, second)) as {
        username: string;
        role: string;
        status: string;
      }[];
      expect(list.find((o) => o.username === 'op.viewer')).toMatchObject({
        role: 'manager',
        status: 'active',
      });
      const audit = await rows<{ action: string; decision: string }>(
        t.ws.central.db,
        sql`SELECT action, decision FROM audit_log WHERE action LIKE 'operators.set%' ORDER BY seq`,
      );
      expect(audit.filter((a) => a.decision === 'allowed').length).toBeGreaterThanOrEqual(4);
      expect(audit.filter((a) => a.decision === 'denied').length).toBeGreaterThanOrEqual(7);
    }, 120_000);
  });
}
