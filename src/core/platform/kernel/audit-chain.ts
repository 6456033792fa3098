/**
 * The tamper-evident audit trail: each entry's hash covers its content and the previous entry's
 * hash. Appends serialise on the single `audit_head` row (SELECT … FOR UPDATE), inside the same
 * transaction as the change they record, so the chain has exactly one order and an entry exists if
 * and only if its change committed.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../central/store.js';

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A value that is JSON by construction — parsed from JSON, read from a jsonb column, or validated by
 * a schema of JSON types — typed as such for an audit entry. TypeScript cannot see that a schema's
 * output or `JSON.parse`'s `unknown` is JSON; this is the one place that says so.
 */
export const asJson = (value: unknown): JsonValue => value as JsonValue;

/**
 * What the trail says of a call: allowed (and done), denied (permission, session, step-up,
 * address), cancelled by its operator, or failed — a command that commits as it goes and stopped on
 * an error.
 */
export const AUDIT_DECISIONS = ['allowed', 'denied', 'cancelled', 'failed'] as const;
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: JsonValue;
  after?: JsonValue;
}

export interface AuditContext {
  operatorId: string | null;
  commandId: string | null;
  ip: string | null;
  workstationId: string | null;
  decision: AuditDecision;
  at: Date;
}

export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with sorted keys: the same value always serialises to the same text (jsonb reorders keys).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}

export interface StoredAuditFields {
  seq: string;
  at: string; // ISO
  operatorId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  before: JsonValue | null;
  after: JsonValue | null;
  commandId: string | null;
  ip: string | null;
  workstationId: string | null;
  decision: string;
}

export function entryHash(prevHash: string, fields: StoredAuditFields): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalJson(fields))
    .digest('hex');
}

/**
 * Appends entries in order; returns the last sequence number. One round trip per call, not per
 * entry.
 */
export async function appendAudit(
  tx: CentralTx,
  context: AuditContext,
  entries: readonly AuditEntry[],
): Promise<bigint> {
  if (entries.length === 0) throw new Error('appendAudit needs at least one entry');
  const [head] = await rows<{ seq: string; hash: string }>(
    tx,
    sql`SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1 FOR UPDATE`,
  );
  if (!head) throw new Error('audit_head row is missing: the central store was not migrated');
  let seq = BigInt(head.seq);
  let prev = head.hash;
  // Millisecond precision so the stored timestamptz round-trips to the same ISO text.
  const at = new Date(Math.floor(context.at.getTime())).toISOString();
  const records: (StoredAuditFields & { prevHash: string; hash: string })[] = [];
  for (const e of entries) {
    seq += 1n;
    const fields: StoredAuditFields = {
      seq: seq.toString(),
      at,
      operatorId: context.operatorId,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId ?? null,
      before: e.before ?? null,
      after: e.after ?? null,
      commandId: context.commandId,
      ip: context.ip,
      workstationId: context.workstationId,
      decision: context.decision,
    };
    const hash = entryHash(prev, fields);
    records.push({ ...fields, prevHash: prev, hash });
    prev = hash;
  }
  await tx.execute(sql`
    INSERT INTO audit_log (seq, at, operator_id, action, entity_type, entity_id, before, after, command_id, ip, workstation_id, decision, prev_hash, hash)
    SELECT r.seq, r.at, r.operator_id, r.action, r.entity_type, r.entity_id, r.before, r.after, r.command_id, r.ip, r.workstation_id, r.decision, r.prev_hash, r.hash
    FROM json_to_recordset(${canonicalJson(
      records.map((r) => ({
        seq: r.seq,
        at: r.at,
        operator_id: r.operatorId,
        action: r.action,
        entity_type: r.entityType,
        entity_id: r.entityId,
        before: r.before,
        after: r.after,
        command_id: r.commandId,
        ip: r.ip,
        workstation_id: r.workstationId,
        decision: r.decision,
        prev_hash: r.prevHash,
        hash: r.hash,
      })),
    )}::json) AS r(seq bigint, at timestamptz, operator_id uuid, action text, entity_type text, entity_id text, before jsonb, after jsonb,
                   command_id uuid, ip text, workstation_id text, decision text, prev_hash text, hash text)`);
  await tx.execute(
    sql`UPDATE audit_head SET seq = ${seq.toString()}::bigint, hash = ${prev} WHERE id = 1`,
  );
  return seq;
}

export interface ChainProblem {
  seq: string;
  problem: 'edited' | 'broken_link' | 'gap' | 'head_mismatch';
  message: string;
}

/** An audit_log row as stored. */
interface StoredAuditRow {
  seq: string;
  at: Date | string;
  operator_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: JsonValue | null;
  after: JsonValue | null;
  command_id: string | null;
  ip: string | null;
  workstation_id: string | null;
  decision: string;
  prev_hash: string;
  hash: string;
}

function readAuditPage(tx: CentralTx, after: bigint, pageSize: number): Promise<StoredAuditRow[]> {
  return rows<StoredAuditRow>(
    tx,
    sql`SELECT seq::text AS seq, at, operator_id, action, entity_type, entity_id, before, after, command_id, ip, workstation_id,
                    decision, prev_hash, hash FROM audit_log WHERE audit_log.seq > ${after.toString()}::bigint ORDER BY audit_log.seq LIMIT ${pageSize}`,
  );
}

/** The fields a stored row's hash covers, exactly as appendAudit hashed them. */
function storedFields(r: StoredAuditRow): StoredAuditFields {
  return {
    seq: r.seq,
    at: new Date(r.at).toISOString(),
    operatorId: r.operator_id,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    before: r.before,
    after: r.after,
    commandId: r.command_id,
    ip: r.ip,
    workstationId: r.workstation_id,
    decision: r.decision,
  };
}

/**
 * Adds to `problems` what is wrong with one entry, given the sequence number and hash the chain
 * expects before it: a gap in the numbers, a broken link to the previous entry, contents that no
 * longer hash (no array per entry: a log may hold millions).
 */
function checkEntry(
  r: StoredAuditRow,
  expectedSeq: bigint,
  prev: string,
  problems: ChainProblem[],
): void {
  const seq = BigInt(r.seq);
  if (seq !== expectedSeq) {
    problems.push({
      seq: r.seq,
      problem: 'gap',
      message: `expected entry ${expectedSeq} but found ${seq}: entries deleted or inserted`,
    });
  }
  if (r.prev_hash !== prev) {
    problems.push({
      seq: r.seq,
      problem: 'broken_link',
      message: `entry ${seq} does not follow the previous entry (deleted, inserted or reordered entries)`,
    });
  }
  if (entryHash(r.prev_hash, storedFields(r)) !== r.hash) {
    problems.push({
      seq: r.seq,
      problem: 'edited',
      message: `entry ${seq} was changed after it was written`,
    });
  }
}

/** The chain head must name the last entry read: entries deleted at the end show only here. */
async function headProblem(
  tx: CentralTx,
  prev: string,
  expectedSeq: bigint,
): Promise<ChainProblem | null> {
  const [head] = await rows<{ seq: string; hash: string }>(
    tx,
    sql`SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1`,
  );
  if (head && (head.hash !== prev || BigInt(head.seq) !== expectedSeq - 1n))
    return {
      seq: head.seq,
      problem: 'head_mismatch',
      message: `the chain head says entry ${head.seq} but the log ends at ${expectedSeq - 1n}: entries at the end were deleted`,
    };
  return null;
}

/** Recomputes the chain. Reads in pages, so it works on any size of log. */
export async function verifyAudit(
  tx: CentralTx,
  pageSize = 5000,
): Promise<{ entries: number; problems: ChainProblem[] }> {
  const problems: ChainProblem[] = [];
  let prev = GENESIS_HASH;
  let expectedSeq = 1n;
  let entries = 0;
  let after = 0n;
  for (;;) {
    const page = await readAuditPage(tx, after, pageSize);
    if (page.length === 0) break;
    for (const r of page) {
      entries++;
      checkEntry(r, expectedSeq, prev, problems);
      const seq = BigInt(r.seq);
      prev = r.hash;
      expectedSeq = seq + 1n;
      after = seq;
    }
  }
  const head = await headProblem(tx, prev, expectedSeq);
  if (head) problems.push(head);
  return { entries, problems };
}
