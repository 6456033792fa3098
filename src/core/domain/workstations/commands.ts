/**
 * What a workstation does on its own files — pull the central store into its cache, rebuild the
 * cache, rotate its key — is done there, outside the central router; the central store authorises
 * and audits each first, so local work passes the one permission check and leaves its entry too.
 */
import { z } from 'zod';
import { defineCommand } from '../../platform/kernel/router.js';

/**
 * Maintenance of this workstation's cache (rebuild from the central store; key rotation while
 * online): done by the workstation on its own files, authorised and audited here first.
 */
export const authorizeCacheMaintenance = defineCommand({
  name: 'cache.authorize',
  permission: 'payables.view',
  input: z.strictObject({
    action: z.enum(['rebuild', 'rekey']),
    reason: z.string().max(500).optional(),
  }),
  async run(ctx, input) {
    ctx.audit({
      action: `cache.${input.action}`,
      entityType: 'workstation',
      entityId: ctx.workstationId,
      after: { reason: input.reason ?? null },
    });
    return { authorised: true };
  },
});

/**
 * Pulling the central store into the local cache reads it directly (the change log), outside the
 * command router; the host asks this first so the pull passes the one permission check and is
 * audited.
 */
export const authorizeSync = defineCommand({
  name: 'sync.authorize',
  permission: 'payables.view',
  input: z.strictObject({}),
  async run(ctx) {
    ctx.audit({ action: 'sync.pull', entityType: 'workstation', entityId: ctx.workstationId });
    return { authorised: true };
  },
});

/**
 * What an operator does with a command in this workstation's outbox — gives it up, or prepares a
 * refused one again from current data — is done in the workstation's cache; online, the central
 * store authorises and audits it first (offline the workstation's journal keeps it), so a refused
 * batch never disappears without a trace in the audit trail.
 */
export const authorizeOutbox = defineCommand({
  name: 'outbox.authorize',
  permission: 'batches.create',
  input: z.strictObject({
    action: z.enum(['discard', 'reprepare']),
    command: z.string().uuid('name the outbox command by its command id'),
    name: z.string().min(1).max(100),
    status: z.enum(['pending', 'rejected']),
    refusedBecause: z.string().max(2000).nullable(),
  }),
  async run(ctx, input) {
    ctx.audit({
      action: `outbox.${input.action}`,
      entityType: 'outbox_command',
      entityId: input.command,
      before: { name: input.name, status: input.status, refusedBecause: input.refusedBecause },
      after: { workstation: ctx.workstationId, action: input.action },
    });
    return { authorised: true };
  },
});
