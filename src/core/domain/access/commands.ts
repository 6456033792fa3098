/**
 * Managing the IP allowlists (permission admin.manage). An entry is a CIDR range for a role or for
 * one operator (see ip.ts for the rule). Nobody restricts a role or an operator above their own
 * rank, and nobody adds or removes a range so that their own session would be cut off at once.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type CentralTx } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { defineCommand, defineQuery, type ActorContext } from '../../platform/kernel/router.js';
import { normaliseCidr } from '../../platform/kernel/ip.js';
import { checkOperatorAddress } from './ranges.js';
import { ROLES, roleRank, type Role } from '../../shared/permissions.js';

const cidr = z.string().transform((v, ctx) => {
  const normal = normaliseCidr(v);
  if (!normal) {
    ctx.addIssue({
      code: 'custom',
      message: `"${v}" is not an IPv4 or IPv6 address or CIDR range (e.g. 10.20.0.0/16, 2001:db8::/48)`,
    });
    return z.NEVER;
  }
  return normal;
});

/** Refuses a change after which the acting operator's own address would be outside their ranges. */
async function keepsActorIn(ctx: ActorContext): Promise<void> {
  const actor = ctx.actor;
  const verdict = await checkOperatorAddress(ctx, { id: actor.operatorId, role: actor.role });
  if (!verdict.allowed)
    throw new TreasuryError(
      'CONFLICT',
      `refused: this would lock ${actor.username} out (${verdict.reason})`,
    );
}

async function operatorRole(tx: CentralTx, username: string): Promise<{ id: string; role: Role }> {
  const [op] = await rows<{ id: string; role: Role }>(
    tx,
    sql`SELECT id, role FROM operators WHERE lower(username) = lower(${username})`,
  );
  if (!op) throw new TreasuryError('NOT_FOUND', `no operator ${username}`);
  return op;
}

export const allow = defineCommand({
  name: 'ip.allow',
  permission: 'admin.manage',
  input: z
    .strictObject({
      role: z.enum(ROLES).optional(),
      username: z.string().min(1).max(64).optional(),
      cidr,
      note: z.string().max(200).optional(),
    })
    .refine(
      (v) => (v.role === undefined) !== (v.username === undefined),
      'name either a role or an operator (username), not both',
    ),
  async run(ctx, input) {
    const actor = ctx.actor;
    const target = input.username ? await operatorRole(ctx.tx, input.username) : null;
    const rank = roleRank(target?.role ?? input.role!);
    if (rank > roleRank(actor.role))
      throw new TreasuryError(
        'FORBIDDEN',
        `${actor.username} (${actor.role}) cannot restrict a role above their own`,
      );
    const [created] = await rows<{ id: string }>(
      ctx.tx,
      sql`INSERT INTO ip_allowlist (role, operator_id, cidr, note, created_by)
          VALUES (${input.role ?? null}, ${target?.id ?? null}::uuid, ${input.cidr}, ${input.note ?? null}, ${actor.operatorId}::uuid) RETURNING id`,
    );
    await keepsActorIn(ctx);
    ctx.audit({
      action: 'ip.allow',
      entityType: 'ip_allowlist',
      entityId: created!.id,
      after: {
        role: input.role ?? null,
        username: input.username ?? null,
        cidr: input.cidr,
        note: input.note ?? null,
      },
    });
    return {
      id: created!.id,
      role: input.role ?? null,
      username: input.username ?? null,
      cidr: input.cidr,
    };
  },
});

export const remove = defineCommand({
  name: 'ip.remove',
  permission: 'admin.manage',
  input: z.strictObject({
    id: z.string().uuid('must be an allowlist entry id (see `operators ip list`)'),
  }),
  async run(ctx, input) {
    const actor = ctx.actor;
    const [entry] = await rows<{
      id: string;
      role: Role | null;
      cidr: string;
      target_role: Role | null;
      username: string | null;
    }>(
      ctx.tx,
      sql`SELECT a.id, a.role, a.cidr, o.role AS target_role, o.username FROM ip_allowlist a LEFT JOIN operators o ON o.id = a.operator_id WHERE a.id = ${input.id}::uuid FOR UPDATE OF a`,
    );
    if (!entry) throw new TreasuryError('NOT_FOUND', `no allowlist entry ${input.id}`);
    if (roleRank((entry.role ?? entry.target_role)!) > roleRank(actor.role))
      throw new TreasuryError(
        'FORBIDDEN',
        `${actor.username} (${actor.role}) cannot change the ranges of a role above their own`,
      );
    await ctx.tx.execute(sql`DELETE FROM ip_allowlist WHERE id = ${input.id}::uuid`);
    await keepsActorIn(ctx);
    ctx.audit({
      action: 'ip.remove',
      entityType: 'ip_allowlist',
      entityId: entry.id,
      before: { role: entry.role, username: entry.username, cidr: entry.cidr },
    });
    return { id: entry.id, removed: true };
  },
});

export const list = defineQuery({
  name: 'ip.list',
  permission: 'admin.manage',
  input: z.strictObject({}),
  async run(ctx) {
    const found = await rows<{
      id: string;
      role: string | null;
      username: string | null;
      cidr: string;
      note: string | null;
      created_at: Date | string;
    }>(
      ctx.tx,
      sql`SELECT a.id, a.role, o.username, a.cidr, a.note, a.created_at FROM ip_allowlist a LEFT JOIN operators o ON o.id = a.operator_id ORDER BY a.role NULLS LAST, o.username, a.cidr`,
    );
    return found.map((e) => ({
      id: e.id,
      role: e.role,
      username: e.username,
      cidr: e.cidr,
      note: e.note,
      createdAt: new Date(e.created_at).toISOString(),
    }));
  },
});
