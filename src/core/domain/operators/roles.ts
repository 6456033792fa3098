/**
 * Role management: who may change whose role or status. The rules, each refused with FORBIDDEN and
 * a reason (and audited as a denial by the router like any refusal):
 * - nobody grants a role above their own, nor changes an operator whose role is above their own;
 * - nobody grants themselves super_admin;
 * - nobody lowers their own role or disables themselves (no self-revocation: another admin must);
 * - the last active super_admin can be neither demoted nor disabled.
 * Disabling an operator ends their sessions in the same transaction.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { ROLES, roleRank, type Role } from '../../shared/permissions.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { defineCommand, defineQuery, type Actor } from '../../platform/kernel/router.js';

interface Target {
  id: string;
  username: string;
  role: Role;
  status: string;
  /** Locked out after failed passwords (or on the way to it). */
  locked: boolean;
}

async function loadTarget(tx: CentralTx, username: string): Promise<Target> {
  const [t] = await rows<Target>(
    tx,
    sql`SELECT id, username, role, status, (locked_until IS NOT NULL OR failed_attempts > 0) AS locked FROM operators WHERE lower(username) = lower(${username}) FOR UPDATE`,
  );
  if (!t) throw new TreasuryError('NOT_FOUND', `no operator ${username}`);
  return t;
}

const forbid = (message: string): never => {
  throw new TreasuryError('FORBIDDEN', message);
};

/** Serialises changes to super_admins so two admins cannot each remove "the other last one". */
async function activeSuperAdmins(tx: CentralTx): Promise<number> {
  await tx.execute(sql`SELECT id FROM operators WHERE role = 'super_admin' FOR UPDATE`);
  const [{ n } = { n: 0 }] = await rows<{ n: number }>(
    tx,
    sql`SELECT count(*)::int AS n FROM operators WHERE role = 'super_admin' AND status = 'active'`,
  );
  return Number(n);
}

/** The rules for `actor` changing `target` to `role`/`status`; throws FORBIDDEN with the reason. */
export async function checkRoleChange(
  tx: CentralTx,
  actor: Actor,
  target: Target,
  change: { role?: Role; status?: 'active' | 'disabled' },
): Promise<void> {
  const self = target.id === actor.operatorId;
  if (roleRank(target.role) > roleRank(actor.role))
    forbid(
      `${actor.username} (${actor.role}) cannot change ${target.username}, whose role ${target.role} is above theirs`,
    );
  if (change.role) {
    if (roleRank(change.role) > roleRank(actor.role))
      forbid(`${actor.username} (${actor.role}) cannot grant the higher role ${change.role}`);
    if (self && change.role === 'super_admin' && actor.role !== 'super_admin')
      forbid('nobody grants themselves super_admin');
    if (self && roleRank(change.role) < roleRank(target.role))
      forbid(`${actor.username} cannot lower their own role: another administrator must`);
  }
  if (self && change.status === 'disabled')
    forbid(`${actor.username} cannot disable themselves: another administrator must`);
  const removesSuperAdmin =
    target.role === 'super_admin' &&
    target.status === 'active' &&
    ((change.role && change.role !== 'super_admin') || change.status === 'disabled');
  if (removesSuperAdmin && (await activeSuperAdmins(tx)) <= 1)
    forbid(`${target.username} is the last active super_admin and cannot be demoted or disabled`);
}

const username = z.string().min(1).max(64);

export const setRole = defineCommand({
  name: 'operators.setRole',
  permission: 'admin.manage',
  input: z.strictObject({ username, role: z.enum(ROLES) }),
  async run(ctx, input) {
    const target = await loadTarget(ctx.tx, input.username);
    await checkRoleChange(ctx.tx, ctx.actor, target, { role: input.role });
    if (target.role === input.role)
      return { username: target.username, role: target.role, changed: false };
    await ctx.tx.execute(
      sql`UPDATE operators SET role = ${input.role}, updated_at = now() WHERE id = ${target.id}::uuid`,
    );
    ctx.audit({
      action: 'operators.setRole',
      entityType: 'operator',
      entityId: target.id,
      before: { role: target.role },
      after: { role: input.role },
    });
    return { username: target.username, role: input.role, changed: true };
  },
});

export const setStatus = defineCommand({
  name: 'operators.setStatus',
  permission: 'admin.manage',
  input: z.strictObject({
    username,
    status: z.enum(['active', 'disabled']),
    reason: z.string().min(3, 'say why (at least 3 characters)').max(500),
  }),
  async run(ctx, input) {
    const target = await loadTarget(ctx.tx, input.username);
    await checkRoleChange(ctx.tx, ctx.actor, target, { status: input.status });
    // Enabling an active operator who is locked out clears the lockout: an administrator vouched
    // for them.
    if (target.status === input.status && !(input.status === 'active' && target.locked))
      return { username: target.username, status: target.status, changed: false, sessionsEnded: 0 };
    await ctx.tx.execute(
      sql`UPDATE operators SET status = ${input.status}, failed_attempts = 0, locked_until = NULL, updated_at = now() WHERE id = ${target.id}::uuid`,
    );
    const ended =
      input.status === 'disabled'
        ? await rows<{ token_hash: string }>(
            ctx.tx,
            sql`UPDATE sessions SET ended_at = now() WHERE operator_id = ${target.id}::uuid AND ended_at IS NULL RETURNING token_hash`,
          )
        : [];
    ctx.audit({
      action: 'operators.setStatus',
      entityType: 'operator',
      entityId: target.id,
      before: { status: target.status },
      after: { status: input.status, reason: input.reason, sessionsEnded: ended.length },
    });
    return {
      username: target.username,
      status: input.status,
      changed: true,
      sessionsEnded: ended.length,
    };
  },
});

/**
 * Unlocks an operator locked out by wrong passwords (or on the way to it): the failure count and the
 * lockout are cleared, audited with the reason. The same rules as a status change: nobody unlocks
 * an operator ranked above them, nor themselves (another administrator vouches for them). Offline
 * lockouts on a workstation clear with that operator's next online sign-in there.
 */
export const unlock = defineCommand({
  name: 'operators.unlock',
  permission: 'admin.manage',
  input: z.strictObject({
    username,
    reason: z.string().min(3, 'say why (at least 3 characters)').max(500),
  }),
  async run(ctx, input) {
    const target = await loadTarget(ctx.tx, input.username);
    await checkRoleChange(ctx.tx, ctx.actor, target, {});
    if (target.id === ctx.actor.operatorId)
      forbid(`${ctx.actor.username} cannot unlock themselves: another administrator must`);
    const [before] = await rows<{ failed_attempts: number; locked_until: Date | string | null }>(
      ctx.tx,
      sql`SELECT failed_attempts, locked_until FROM operators WHERE id = ${target.id}::uuid`,
    );
    const lockedUntil = before?.locked_until ? new Date(before.locked_until).toISOString() : null;
    if (!target.locked) return { username: target.username, changed: false, lockedUntil };
    await ctx.tx.execute(
      sql`UPDATE operators SET failed_attempts = 0, locked_until = NULL, updated_at = now() WHERE id = ${target.id}::uuid`,
    );
    ctx.audit({
      action: 'operators.unlock',
      entityType: 'operator',
      entityId: target.id,
      before: { failedAttempts: Number(before?.failed_attempts ?? 0), lockedUntil },
      after: { failedAttempts: 0, lockedUntil: null, reason: input.reason },
    });
    return { username: target.username, changed: true, lockedUntil };
  },
});

export const list = defineQuery({
  name: 'operators.list',
  permission: 'admin.manage',
  input: z.strictObject({}),
  async run(ctx) {
    const found = await rows<{
      id: string;
      username: string;
      display_name: string;
      role: string;
      status: string;
      failed_attempts: number;
      locked_until: Date | string | null;
      created_at: Date | string;
    }>(
      ctx.tx,
      sql`SELECT id, username, display_name, role, status, failed_attempts, locked_until, created_at FROM operators ORDER BY lower(username)`,
    );
    return found.map((o) => ({
      id: o.id,
      username: o.username,
      displayName: o.display_name,
      role: o.role,
      status: o.status,
      failedAttempts: Number(o.failed_attempts),
      lockedUntil: o.locked_until ? new Date(o.locked_until).toISOString() : null,
      createdAt: new Date(o.created_at).toISOString(),
    }));
  },
});
