/**
 * The IP check of ip.ts inside a handler: the operator's ranges (own and role's) and the address
 * the server sees, read in one statement, against the workstation's addresses for this call.
 */
import { sql } from 'drizzle-orm';
import { rows } from '../../platform/central/store.js';
import type { HandlerContext } from '../../platform/kernel/router.js';
import { checkAddresses, type IpVerdict } from '../../platform/kernel/ip.js';

export interface IpCheck extends IpVerdict {
  /**
   * The address the central server sees (null on PGlite, whose answer is always 127.0.0.1, or a
   * Unix socket).
   */
  server: string | null;
}

export async function checkOperatorAddress(
  ctx: Pick<HandlerContext, 'tx' | 'store' | 'addresses'>,
  operator: { id: string; role: string },
): Promise<IpCheck> {
  const [where] = await rows<{ ranges: string | null; client_addr: string | null }>(
    ctx.tx,
    sql`SELECT (SELECT string_agg(cidr, ' ' ORDER BY cidr) FROM ip_allowlist WHERE operator_id = ${operator.id}::uuid OR role = ${operator.role}) AS ranges,
               host(inet_client_addr()) AS client_addr`,
  );
  const server = ctx.store.kind === 'postgres' ? (where?.client_addr ?? null) : null;
  return {
    ...checkAddresses({
      ranges: where?.ranges ? where.ranges.split(' ') : [],
      workstation: ctx.addresses,
      server,
    }),
    server,
  };
}
