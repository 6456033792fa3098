/**
 * batch.execute: the executor behind the router. Not one router transaction — it commits as it
 * goes, each write with its audit entry, and running it again resumes it (executor.ts).
 */
import { z } from 'zod';
import { defineCommand } from '../../platform/kernel/router.js';
import { batchRef } from '../batches/commands.js';
import { executeBatch } from './executor.js';

export const execute = defineCommand({
  name: 'batch.execute',
  permission: 'batches.execute',
  stepUp: true,
  transactional: false,
  input: z.strictObject({
    batch: batchRef,
    /**
     * How long to wait for payouts still with the provider before returning (the batch stays
     * EXECUTING).
     */
    waitMs: z.number().int().min(0).max(3_600_000).optional(),
    concurrency: z.number().int().min(1).max(64).optional(),
  }),
  async run(ctx, input) {
    return executeBatch(input.batch, {
      store: ctx.store,
      providers: (name) => ctx.services.providers(name),
      audit: {
        operatorId: ctx.actor.operatorId,
        commandId: ctx.commandId,
        ip: ctx.call.ip,
        workstationId: ctx.workstationId,
      },
      waitMs: input.waitMs,
      concurrency: input.concurrency,
      onProgress: (p) =>
        ctx.progress({
          phase: p.phase,
          done: p.done,
          total: p.total,
          counts: {
            failed: p.failed,
            unknown: p.unknown,
            waiting: p.waiting,
            retrying: p.retrying,
          },
        }),
    });
  },
});
