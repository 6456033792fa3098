/**
 * Suspicious-activity rules. Each hit is a security event (table security_events) with a risk:
 *
 * | rule                | when                                                                  | risk   | blocks                  |
 * |---------------------|-----------------------------------------------------------------------|--------|-------------------------|
 * | failed_sign_ins     | ≥ failedSignIns.count failures for one operator within the window     | medium | (the lockout does)      |
 * | operator_locked     | an operator locked out by wrong passwords (sign-in or step-up, online) | medium | no (the lockout itself) |
 * | new_address         | a sign-in from an address this operator never signed in from before  | medium | no                      |
 * | unusual_hour        | an approval outside business hours                                    | medium | no                      |
 * | high_value_burst    | ≥ highValueBurst.count high-value approvals by one operator in window | high   | that approval           |
 * | large_export        | an export of ≥ largeExportRows rows                                   | medium | no                      |
 * | destination_changed | a payout to a destination changed within destinationChangeDays       | high   | approving its batch     |
 * | shared_destination  | one destination (provider, channel, account) for several affiliates   | high   | approving its batch     |
 *
 * A high-risk hit holds the action: the command returns `{ held: true, … }` (it does not throw, so
 * the event and its audit entry commit) and changes nothing else. A second administrator — not the
 * operator who triggered it — acknowledges the event (`security.acknowledge`); the same action on
 * the same subject then passes. Thresholds live in the settings row `security_rules`.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { pgArray } from '../../platform/central/arrays.js';
import { rows, type CentralTx } from '../../platform/central/store.js';
import type { ActorContext, HandlerContext } from '../../platform/kernel/router.js';

export const SECURITY_SETTING = 'security_rules';

export const securityRulesSchema = z.strictObject({
  failedSignIns: z.strictObject({
    count: z.number().int().min(1),
    windowMinutes: z.number().int().min(1),
  }),
  /** Business hours in UTC, [from, to) in whole hours. */
  businessHours: z.strictObject({
    fromHour: z.number().int().min(0).max(23),
    toHour: z.number().int().min(1).max(24),
  }),
  highValueBurst: z.strictObject({
    count: z.number().int().min(1),
    windowMinutes: z.number().int().min(1),
  }),
  largeExportRows: z.number().int().min(1),
  destinationChangeDays: z.number().int().min(0),
});
export type SecurityRules = z.infer<typeof securityRulesSchema>;

export const DEFAULT_SECURITY_RULES: SecurityRules = {
  failedSignIns: { count: 3, windowMinutes: 15 },
  businessHours: { fromHour: 6, toHour: 20 },
  highValueBurst: { count: 5, windowMinutes: 60 },
  largeExportRows: 100_000,
  destinationChangeDays: 7,
};

export async function loadSecurityRules(tx: CentralTx): Promise<SecurityRules> {
  const [row] = await rows<{ value: unknown }>(
    tx,
    sql`SELECT value FROM settings WHERE key = ${SECURITY_SETTING}`,
  );
  if (!row) return DEFAULT_SECURITY_RULES;
  const value = typeof row.value === 'string' ? (JSON.parse(row.value) as unknown) : row.value;
  return securityRulesSchema.parse({ ...DEFAULT_SECURITY_RULES, ...(value as object) });
}

export type Risk = 'low' | 'medium' | 'high';

export interface Hit {
  kind: string;
  risk: Risk;
  /** What the event is about (a batch id, an export): the acknowledgement releases this subject. */
  subject: string;
  details: Record<string, unknown>;
}

/** Records a hit; returns its id. */
export async function recordEvent(
  tx: CentralTx,
  hit: Hit,
  who: { operatorId: string | null; ip: string | null },
  now: Date,
): Promise<string> {
  const [e] = await rows<{ id: string }>(
    tx,
    sql`INSERT INTO security_events (at, kind, risk, operator_id, ip, details)
        VALUES (${now.toISOString()}::timestamptz, ${hit.kind}, ${hit.risk}, ${who.operatorId}::uuid, ${who.ip}, ${JSON.stringify({ subject: hit.subject, ...hit.details })}::jsonb)
        RETURNING id::text AS id`,
  );
  return e!.id;
}

export interface Held {
  held: true;
  securityEventId: string;
  kind: string;
  reason: string;
}

/**
 * The gate before a guarded action: records every hit; for high-risk hits not yet acknowledged for
 * this subject, returns the hold (the caller returns it instead of acting). `operatorId`: whose
 * activity it is (the actor; at sign-in, the operator signing in).
 */
export async function gate(
  ctx: HandlerContext,
  hits: readonly Hit[],
  operatorId: string | null = ctx.actor?.operatorId ?? null,
): Promise<Held | null> {
  let held: Held | null = null;
  for (const hit of hits) {
    if (hit.risk === 'high') {
      const [ack] = await rows<{ id: string }>(
        ctx.tx,
        sql`SELECT id::text AS id FROM security_events WHERE kind = ${hit.kind} AND details->>'subject' = ${hit.subject} AND acknowledged_at IS NOT NULL LIMIT 1`,
      );
      if (ack) continue; // a second administrator released this subject
    }
    const id = await recordEvent(ctx.tx, hit, { operatorId, ip: ctx.call.ip }, ctx.now);
    ctx.audit({
      action: 'security.event',
      entityType: 'security_event',
      entityId: id,
      after: { kind: hit.kind, risk: hit.risk, subject: hit.subject },
    });
    if (hit.risk === 'high' && !held) {
      held = {
        held: true,
        securityEventId: id,
        kind: hit.kind,
        reason: `${String(hit.details.message)} — held until a second administrator acknowledges security event ${id}`,
      };
    }
  }
  return held;
}

// ------------------------------------------------------------------------------------ the rules

/** Approving a batch: unusual hour, high-value burst, destination changed, shared destination. */
export async function approvalHits(
  ctx: ActorContext,
  batch: { id: string; number: string; highValue: boolean },
): Promise<Hit[]> {
  const rules = await loadSecurityRules(ctx.tx);
  const hits = [
    unusualHourHit(ctx.now, rules, batch),
    batch.highValue ? await highValueBurstHit(ctx, rules, batch) : null,
    await destinationChangedHit(ctx, rules, batch),
    await sharedDestinationHit(ctx, batch),
  ];
  return hits.filter((h): h is Hit => h !== null);
}

type ApprovedBatch = { id: string; number: string };

/** An approval outside business hours (UTC). */
function unusualHourHit(now: Date, rules: SecurityRules, batch: ApprovedBatch): Hit | null {
  const hour = now.getUTCHours();
  const { fromHour, toHour } = rules.businessHours;
  if (hour >= fromHour && hour < toHour) return null;
  return {
    kind: 'unusual_hour',
    risk: 'medium',
    subject: batch.id,
    details: {
      message: `batch ${batch.number} approved at ${now.toISOString()}, outside business hours ${fromHour}:00–${toHour}:00 UTC`,
      batch: batch.number,
    },
  };
}

/** This approval would be the operator's highValueBurst.count-th high-value one within the window. */
async function highValueBurstHit(
  ctx: ActorContext,
  rules: SecurityRules,
  batch: ApprovedBatch,
): Promise<Hit | null> {
  const [{ n } = { n: 0 }] = await rows<{ n: number }>(
    ctx.tx,
    sql`SELECT count(*)::int AS n FROM batch_approvals WHERE operator_id = ${ctx.actor.operatorId}::uuid AND high_value
          AND created_at > ${ctx.now.toISOString()}::timestamptz - ${rules.highValueBurst.windowMinutes} * interval '1 minute'`,
  );
  if (Number(n) + 1 < rules.highValueBurst.count) return null;
  return {
    kind: 'high_value_burst',
    risk: 'high',
    subject: batch.id,
    details: {
      message: `${ctx.actor.username} is approving a ${Number(n) + 1}th high-value batch within ${rules.highValueBurst.windowMinutes} minutes (batch ${batch.number})`,
      batch: batch.number,
      approvals: Number(n) + 1,
    },
  };
}

/** The batch pays affiliates whose destination changed (after creation) within the window. */
async function destinationChangedHit(
  ctx: ActorContext,
  rules: SecurityRules,
  batch: ApprovedBatch,
): Promise<Hit | null> {
  const changed = await rows<{ affiliate_id: string; changed_at: Date | string }>(
    ctx.tx,
    sql`SELECT p.affiliate_id, a.destination_changed_at AS changed_at FROM payouts p JOIN affiliates a ON a.id = p.affiliate_id
        WHERE p.batch_id = ${batch.id}::uuid AND p.status <> 'CANCELLED'
          AND a.destination_changed_at > a.created_at
          AND a.destination_changed_at > ${ctx.now.toISOString()}::timestamptz - ${rules.destinationChangeDays} * interval '1 day'
        ORDER BY p.affiliate_id LIMIT 20`,
  );
  if (changed.length === 0) return null;
  return {
    kind: 'destination_changed',
    risk: 'high',
    subject: batch.id,
    details: {
      message: `batch ${batch.number} pays ${changed.length} affiliate(s) whose destination changed within ${rules.destinationChangeDays} days (${changed.map((c) => c.affiliate_id).join(', ')})`,
      batch: batch.number,
      affiliates: changed.map((c) => ({
        id: c.affiliate_id,
        changedAt: new Date(c.changed_at).toISOString(),
      })),
    },
  };
}

/** The batch pays a destination (provider, channel, account) that several affiliates share. */
async function sharedDestinationHit(ctx: ActorContext, batch: ApprovedBatch): Promise<Hit | null> {
  const shared = await rows<{
    provider: string;
    channel_code: string;
    account_number: string;
    affiliates: string;
  }>(
    ctx.tx,
    sql`SELECT a.payout_provider AS provider, a.payout_channel_code AS channel_code, a.payout_account_number AS account_number, string_agg(a.id, ',' ORDER BY a.id) AS affiliates
        FROM affiliates a
        WHERE (a.payout_provider, a.payout_channel_code, a.payout_account_number) IN (
          SELECT p.provider, p.channel_code, p.account_number FROM payouts p WHERE p.batch_id = ${batch.id}::uuid AND p.status <> 'CANCELLED')
        GROUP BY 1, 2, 3 HAVING count(*) > 1 ORDER BY 3 LIMIT 20`,
  );
  if (shared.length === 0) return null;
  return {
    kind: 'shared_destination',
    risk: 'high',
    subject: batch.id,
    details: {
      message: `batch ${batch.number} pays ${shared.length} destination(s) shared by several affiliates (${shared.map((s) => `${s.channel_code} …${s.account_number.slice(-4)}: ${s.affiliates}`).join('; ')})`,
      batch: batch.number,
      destinations: shared.map((s) => ({
        provider: s.provider,
        channel: s.channel_code,
        accountLast4: s.account_number.slice(-4),
        affiliates: s.affiliates.split(','),
      })),
    },
  };
}

/** A failed sign-in: repeated failures for one operator within the window. */
export async function failedSignInHits(
  tx: CentralTx,
  operator: { id: string; username: string },
  now: Date,
): Promise<Hit[]> {
  const rules = await loadSecurityRules(tx);
  const [{ n } = { n: 0 }] = await rows<{ n: number }>(
    tx,
    sql`SELECT count(*)::int AS n FROM audit_log WHERE entity_type = 'operator' AND entity_id = ${operator.id} AND action = 'session.signIn.failed'
          AND at > ${now.toISOString()}::timestamptz - ${rules.failedSignIns.windowMinutes} * interval '1 minute'`,
  );
  const failures = Number(n) + 1; // this one is being written with the event
  if (failures < rules.failedSignIns.count) return [];
  return [
    {
      kind: 'failed_sign_ins',
      risk: 'medium',
      subject: operator.id,
      details: {
        message: `${failures} failed sign-ins for ${operator.username} within ${rules.failedSignIns.windowMinutes} minutes`,
        username: operator.username,
        failures,
      },
    },
  ];
}

/**
 * An operator locked out after too many wrong passwords, at sign-in or step-up: administrators
 * see it among the security events (and may unlock, `operators.unlock`).
 */
export function lockoutHit(
  operator: { id: string; username: string },
  lockout: { until: Date; attempts: number; via: 'sign-in' | 'step-up' },
): Hit {
  return {
    kind: 'operator_locked',
    risk: 'medium',
    subject: operator.id,
    details: {
      message: `${operator.username} is locked until ${lockout.until.toISOString()} after ${lockout.attempts} wrong passwords (${lockout.via})`,
      username: operator.username,
      lockedUntil: lockout.until.toISOString(),
      attempts: lockout.attempts,
      via: lockout.via,
    },
  };
}

/** A successful sign-in from an address this operator never signed in from. */
export async function newAddressHits(
  tx: CentralTx,
  operator: { id: string; username: string },
  addresses: readonly string[],
): Promise<Hit[]> {
  if (addresses.length === 0) return [];
  const [seen] = await rows<{ any_before: boolean; known: boolean }>(
    tx,
    sql`SELECT EXISTS (SELECT 1 FROM sessions WHERE operator_id = ${operator.id}::uuid) AS any_before,
               EXISTS (SELECT 1 FROM sessions WHERE operator_id = ${operator.id}::uuid AND address = ANY(${pgArray([...addresses])}::text[])) AS known`,
  );
  if (!seen?.any_before || seen.known) return []; // a first sign-in has nothing to compare with
  return [
    {
      kind: 'new_address',
      risk: 'medium',
      subject: operator.id,
      details: {
        message: `${operator.username} signed in from a new address (${addresses.join(', ')})`,
        username: operator.username,
        addresses,
      },
    },
  ];
}

/** An export: large ones are noted. */
export async function exportHits(
  tx: CentralTx,
  what: { name: string; rows: number },
): Promise<Hit[]> {
  const rules = await loadSecurityRules(tx);
  if (what.rows < rules.largeExportRows) return [];
  return [
    {
      kind: 'large_export',
      risk: 'medium',
      subject: what.name,
      details: {
        message: `export ${what.name} of ${what.rows} rows (threshold ${rules.largeExportRows})`,
        export: what.name,
        rows: what.rows,
      },
    },
  ];
}
