/**
 * Sync = push the outbox, then pull the change log. Online/offline is decided by actually reaching
 * the central store (a bounded `select 1` on a connection of its own, so a busy store is not an
 * unreachable one), not guessed from the network interface. Pulling is a
 * read of the central store that bypasses the command router, so it is authorised through the
 * router first (permission `payables.view`, audited like any command).
 */
import type { LocalCache } from '../../platform/cache/cache.js';
import type { CentralStore } from '../../platform/central/store.js';
import type { Router } from '../../platform/kernel/router.js';
import { listOutbox } from '../../platform/cache/outbox.js';
import { pull, syncStatus } from './pull.js';
import { push, type PushResult } from './push.js';

export interface SyncResult {
  online: boolean;
  pushed: PushResult | null;
  pulled: Awaited<ReturnType<typeof pull>> | null;
}

export async function sync(
  ws: { central: CentralStore; router: Router; id: string },
  cache: LocalCache,
  options: {
    session: string;
    operator: string;
    pullOnly?: boolean;
    pushOnly?: boolean;
    ip?: string | null;
  },
): Promise<SyncResult> {
  if (!(await ws.central.reachable())) return { online: false, pushed: null, pulled: null };
  const pushed = options.pullOnly
    ? null
    : await push(ws.router, cache, {
        workstationId: ws.id,
        ip: options.ip ?? null,
        sessionFor: (u) =>
          u.toLowerCase() === options.operator.toLowerCase() ? options.session : null,
      });
  let pulled = null;
  if (!options.pushOnly) {
    await ws.router.call({
      name: 'sync.authorize',
      payload: {},
      session: options.session,
      workstationId: ws.id,
      ip: options.ip ?? null,
    });
    pulled = await pull(ws.central, cache);
  }
  return { online: true, pushed, pulled };
}

/** What the operator needs to know: last sync, commands pending, conflicts to review. */
export async function status(cache: LocalCache, central: CentralStore | null) {
  const outbox = listOutbox(cache);
  return {
    online: central ? await central.reachable() : false,
    ...syncStatus(cache),
    pending: outbox.filter((e) => e.status === 'pending').length,
    rejected: outbox.filter((e) => e.status === 'rejected').length,
  };
}
