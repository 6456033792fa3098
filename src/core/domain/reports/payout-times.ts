/**
 * The instants reports date a payout by, as SQL over a payouts row under the alias given, shared by
 * the journal, the payouts report, the time series, provider analysis and the tie-outs so that they
 * all date a payout the same way; and how an instant is written in a report (`iso`).
 */
import { sql, type SQL } from 'drizzle-orm';

/** An instant as ISO 8601 UTC text with milliseconds. */
export function iso(column: SQL): SQL {
  return sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * When a SUCCEEDED or REVERSED payout succeeded (cash left). A reversal overwrites settled_at with
 * the reversal time, so for REVERSED payouts the success time is read from the payout's audit trail
 * (its `payout.status` entry to SUCCEEDED); a payout reversed without a recorded success (straight
 * from ACCEPTED) counts as paid when it was reversed.
 */
export function paidAt(p: string): SQL {
  const t = sql.raw(p);
  return sql`CASE WHEN ${t}.status = 'SUCCEEDED' THEN coalesce(${t}.settled_at, ${t}.updated_at)
                  WHEN ${t}.status = 'REVERSED' THEN coalesce(
                    (SELECT min(x.at) FROM audit_log x WHERE x.entity_type = 'payout' AND x.entity_id = ${t}.id::text
                       AND x.action = 'payout.status' AND x.after->>'status' = 'SUCCEEDED'),
                    ${t}.settled_at, ${t}.updated_at) END`;
}

/** When a REVERSED payout was reversed. */
export function reversedAt(p: string): SQL {
  const t = sql.raw(p);
  return sql`CASE WHEN ${t}.status = 'REVERSED' THEN coalesce(${t}.settled_at, ${t}.updated_at) END`;
}

/** When the payout was first sent: its first attempt (null when none was made). */
export function submittedAt(p: string): SQL {
  return sql`(SELECT min(t.created_at) FROM payout_attempts t WHERE t.payout_id = ${sql.raw(p)}.id)`;
}
