/**
 * The central store's clock. The code that decides runs on each workstation, and workstations'
 * clocks disagree — a laptop hours off, a VM after a suspend. What a rule measures (a hold period,
 * a session's idle time, a step-up window, a lockout, a retry's backoff, when a payout settled,
 * when an audit entry was written) is therefore measured on one clock, the central store's,
 * whichever workstation asks. On the embedded store that is this machine's clock, the only one
 * there is. Offline there is no central clock: the offline router uses the workstation's, and the
 * central store judges again, by its own clock, what is pushed.
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows, type CentralTx } from './store.js';

/**
 * The central clock as a SQL expression in epoch milliseconds (text, exact): for queries that read
 * it along with other things.
 */
export const CENTRAL_MS: SQL = sql`floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint::text`;

/**
 * The central clock now (clock_timestamp(): the moment of reading, not the transaction's start).
 */
export async function centralNow(tx: CentralTx): Promise<Date> {
  const [row] = await rows<{ ms: string }>(tx, sql`SELECT ${CENTRAL_MS} AS ms`);
  return new Date(Number(row!.ms));
}
