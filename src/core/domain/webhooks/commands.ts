/** Router definitions of the webhook relay (the relay itself is relay.ts). */
import { z } from 'zod';
import { defineCommand } from '../../platform/kernel/router.js';

/**
 * Starting the webhook relay is a privileged act (it writes provider news into the central store
 * for as long as it runs): the host asks the router first, so it passes the one permission check
 * and leaves its audit entry like every other command.
 */
export const startRelay = defineCommand({
  name: 'webhooks.relay.start',
  permission: 'admin.manage',
  input: z.strictObject({ host: z.string().min(1), port: z.number().int().min(0).max(65_535) }),
  async run(ctx, input) {
    ctx.audit({
      action: 'webhooks.relay.start',
      entityType: 'webhook_relay',
      entityId: `${input.host}:${input.port}`,
      after: { host: input.host, port: input.port },
    });
    return { authorised: true };
  },
});
