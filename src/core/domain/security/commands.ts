/**
 * Security events: listing them, and the second administrator's acknowledgement that releases a
 * hold.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows } from '../../platform/central/store.js';
import { TreasuryError } from '../../shared/errors.js';
import { defineCommand, defineQuery } from '../../platform/kernel/router.js';

export const events = defineQuery({
  name: 'security.events',
  permission: 'audit.view',
  input: z.strictObject({
    open: z.boolean().optional(),
    risk: z.enum(['low', 'medium', 'high']).optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  }),
  async run(ctx, input) {
    const list = await rows<{
      id: string;
      at: Date | string;
      kind: string;
      risk: string;
      username: string | null;
      ip: string | null;
      details: unknown;
      acknowledged_by: string | null;
      acknowledged_at: Date | string | null;
    }>(
      ctx.tx,
      sql`SELECT e.id::text AS id, e.at, e.kind, e.risk, o.username, e.ip, e.details, k.username AS acknowledged_by, e.acknowledged_at
          FROM security_events e LEFT JOIN operators o ON o.id = e.operator_id LEFT JOIN operators k ON k.id = e.acknowledged_by
          WHERE (${input.open ?? false} = false OR e.acknowledged_at IS NULL) AND (${input.risk ?? null}::text IS NULL OR e.risk = ${input.risk ?? null}::text)
          ORDER BY e.id DESC LIMIT ${input.limit ?? 100}`,
    );
    return list.map((e) => {
      const details = (typeof e.details === 'string' ? JSON.parse(e.details) : e.details) as {
        message?: string;
        subject?: string;
      };
      return {
        id: e.id,
        at: new Date(e.at).toISOString(),
        kind: e.kind,
        risk: e.risk,
        operator: e.username,
        ip: e.ip,
        message: details.message ?? '',
        details,
        acknowledgedBy: e.acknowledged_by,
        acknowledgedAt: e.acknowledged_at ? new Date(e.acknowledged_at).toISOString() : null,
      };
    });
  },
});

/** A second administrator — never the operator whose action raised the event — releases it. */
export const acknowledge = defineCommand({
  name: 'security.acknowledge',
  permission: 'admin.manage',
  input: z.strictObject({
    id: z.string().regex(/^\d+$/, 'must be a security event id'),
    note: z.string().min(3, 'say why it is fine (at least 3 characters)').max(500),
  }),
  async run(ctx, input) {
    const actor = ctx.actor;
    const [e] = await rows<{
      id: string;
      kind: string;
      risk: string;
      operator_id: string | null;
      acknowledged_at: Date | null;
    }>(
      ctx.tx,
      sql`SELECT id::text AS id, kind, risk, operator_id, acknowledged_at FROM security_events WHERE id = ${input.id}::bigint FOR UPDATE`,
    );
    if (!e) throw new TreasuryError('NOT_FOUND', `no security event ${input.id}`);
    if (e.acknowledged_at)
      throw new TreasuryError('CONFLICT', `security event ${input.id} was already acknowledged`);
    if (e.operator_id === actor.operatorId)
      throw new TreasuryError(
        'MAKER_CHECKER',
        `${actor.username} raised security event ${input.id}: a second administrator must acknowledge it`,
      );
    await ctx.tx
      .execute(sql`UPDATE security_events SET acknowledged_by = ${actor.operatorId}::uuid, acknowledged_at = ${ctx.now.toISOString()}::timestamptz,
                                    details = details || ${JSON.stringify({ acknowledgement: input.note })}::jsonb
                             WHERE id = ${input.id}::bigint`);
    ctx.audit({
      action: 'security.acknowledge',
      entityType: 'security_event',
      entityId: e.id,
      after: { kind: e.kind, risk: e.risk, note: input.note },
    });
    return { id: e.id, kind: e.kind, risk: e.risk, acknowledgedBy: actor.username };
  },
});
