/**
 * `central.backup`: a backup of the embedded central store (backup/backup.ts), through the router —
 * one permission check (admin.manage, with step-up: the file holds every record and the operators'
 * password hashes), one IP check, one audit entry when it starts and one when the file is complete.
 * Restoring runs without the router (backup/restore.ts).
 */
import { z } from 'zod';
import { defineCommand } from '../../platform/kernel/router.js';
import { takeBackup } from './backup.js';

export const backupCentral = defineCommand({
  name: 'central.backup',
  permission: 'admin.manage',
  stepUp: true,
  transactional: false,
  input: z.strictObject({
    /**
     * Path of the backup file to write (relative paths are relative to the host's working
     * directory).
     */
    out: z.string().min(1, 'name the file to write').max(4096),
    overwrite: z.boolean().optional(),
  }),
  run: (ctx, input) =>
    takeBackup(ctx.store, {
      out: input.out,
      overwrite: input.overwrite,
      createdBy: { operatorId: ctx.actor.operatorId, username: ctx.actor.username },
      audit: { commandId: ctx.commandId, ip: ctx.call.ip, workstationId: ctx.workstationId },
    }),
});
