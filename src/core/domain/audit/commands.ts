/** Reading the audit trail through the router (permission audit.view). */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows } from '../../platform/central/store.js';
import type { LocalCache } from '../../platform/cache/cache.js';
import { defineQuery } from '../../platform/kernel/router.js';
import { verifyAudit } from '../../platform/kernel/audit-chain.js';

export interface AuditTailEntry {
  seq: string;
  at: string;
  operatorId: string | null;
  username: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  commandId: string | null;
  ip: string | null;
  workstationId: string | null;
  decision: string;
  prevHash: string;
  hash: string;
}

export const TAIL_MAX = 10_000;

/**
 * The newest entries (or those after `afterSeq`, oldest first, for a workstation catching up).
 * Appends are serialised by the audit head's row lock, so seq order is commit order and a cursor
 * over seq never skips an entry that commits later.
 */
export const tail = defineQuery({
  name: 'audit.tail',
  permission: 'audit.view',
  input: z.strictObject({
    afterSeq: z.string().regex(/^\d+$/, 'must be an audit sequence number').optional(),
    limit: z.number().int().min(1).max(TAIL_MAX).optional(),
  }),
  async run(ctx, input) {
    const limit = input.limit ?? 100;
    const found = await rows<Record<string, unknown>>(
      ctx.tx,
      input.afterSeq === undefined
        ? sql`SELECT * FROM (SELECT a.*, o.username FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id ORDER BY a.seq DESC LIMIT ${limit}) t ORDER BY seq`
        : sql`SELECT a.*, o.username FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id WHERE a.seq > ${input.afterSeq}::bigint ORDER BY a.seq LIMIT ${limit}`,
    );
    return found.map((r): AuditTailEntry => ({
      seq: String(r.seq),
      at: new Date(r.at as string).toISOString(),
      operatorId: (r.operator_id as string | null) ?? null,
      username: (r.username as string | null) ?? null,
      action: r.action as string,
      entityType: r.entity_type as string,
      entityId: (r.entity_id as string | null) ?? null,
      before: typeof r.before === 'string' ? JSON.parse(r.before) : (r.before ?? null),
      after: typeof r.after === 'string' ? JSON.parse(r.after) : (r.after ?? null),
      commandId: (r.command_id as string | null) ?? null,
      ip: (r.ip as string | null) ?? null,
      workstationId: (r.workstation_id as string | null) ?? null,
      decision: r.decision as string,
      prevHash: r.prev_hash as string,
      hash: r.hash as string,
    }));
  },
  // Offline: the tail as last pulled into the cache (sync/audit-tail.ts), for audit.view only.
  offline: (ctx, input) => readAuditTail(ctx.cache, input),
});

/**
 * Recomputes the whole chain; reports each entry that was edited, or where entries were deleted,
 * inserted or reordered.
 */
export const verify = defineQuery({
  name: 'audit.verify',
  permission: 'audit.view',
  input: z.strictObject({}),
  async run(ctx) {
    const { entries, problems } = await verifyAudit(ctx.tx);
    return { entries, intact: problems.length === 0, problems };
  },
});

/**
 * The cached tail in `audit.tail`'s shape (newest `limit`, or those after `afterSeq`, oldest
 * first).
 */
function readAuditTail(
  cache: LocalCache,
  input: { afterSeq?: string; limit?: number },
): AuditTailEntry[] {
  const limit = input.limit ?? 100;
  const list = (
    input.afterSeq === undefined
      ? cache.sqlite
          .prepare(
            'SELECT * FROM (SELECT a.*, o.username FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id ORDER BY a.seq DESC LIMIT ?) ORDER BY seq',
          )
          .all(limit)
      : cache.sqlite
          .prepare(
            'SELECT a.*, o.username FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id WHERE a.seq > ? ORDER BY a.seq LIMIT ?',
          )
          .all(BigInt(input.afterSeq), limit)
  ) as Record<string, string | bigint | null>[];
  const parse = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : null);
  return list.map((r) => ({
    seq: String(r.seq),
    at: String(r.at),
    operatorId: (r.operator_id as string | null) ?? null,
    username: (r.username as string | null) ?? null,
    action: String(r.action),
    entityType: String(r.entity_type),
    entityId: (r.entity_id as string | null) ?? null,
    before: parse(r.before),
    after: parse(r.after),
    commandId: (r.command_id as string | null) ?? null,
    ip: (r.ip as string | null) ?? null,
    workstationId: (r.workstation_id as string | null) ?? null,
    decision: String(r.decision),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  }));
}
