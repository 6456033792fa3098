/**
 * The audit entry of a command that commits as it goes (transactional: false): written in the
 * transaction that commits its change, with the call's own audit context, so that the change and its
 * entry land together or not at all.
 */
import type { CentralTx } from '../central/store.js';
import { centralNow } from '../central/clock.js';
import { appendAudit, type AuditEntry } from './audit-chain.js';
import type { HandlerContext } from './router.js';

export async function auditIn(
  ctx: HandlerContext,
  tx: CentralTx,
  entry: AuditEntry,
): Promise<void> {
  const at = await centralNow(tx);
  await appendAudit(
    tx,
    {
      operatorId: ctx.actor?.operatorId ?? null,
      commandId: ctx.commandId,
      ip: ctx.call.ip,
      workstationId: ctx.workstationId,
      decision: 'allowed',
      at,
    },
    [entry],
  );
}
