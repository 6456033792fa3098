/**
 * "Offline" means unreachable, nothing else: a central store busy with long work is online, and a
 * call made meanwhile goes to the central router, not to the offline router over the cache. The
 * embedded store lives in the process and is never offline; a server is probed over a connection of
 * its own, outside the pool the work queues on.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drivers } from '../../support/pg.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';

describe.each(drivers())('connectivity while the central store is busy (%s)', (driver) => {
  let tw: TestWorkstation;
  beforeAll(async () => {
    tw = await openTestWorkstation(driver);
  });
  afterAll(async () => tw?.cleanup());

  it('a store busy with long queries is online, and calls made meanwhile are answered by the central router', async () => {
    // Postgres: as many long statements as the pool has connections (4). PGlite: one transaction
    // holds its only connection for 4 s (as an export's snapshot does), its event loop turning
    // between statements (timers fire: a probe that queued behind it would time out at 3 s).
    // Drizzle's queries are lazy: `then` starts them.
    const db = tw.ws.central.db;
    const busy =
      driver === 'postgres'
        ? Array.from({ length: 4 }, () => db.execute(sql`select pg_sleep(4)`).then(() => {}))
        : [
            db.transaction(async (tx) => {
              for (let i = 0; i < 16; i++) {
                await tx.execute(sql`select 1`);
                await new Promise((resolve) => setTimeout(resolve, 250));
              }
            }),
          ];
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      const connectivity = await tw.ws.connectivity();
      const waited = Date.now() - started;
      expect(connectivity).toMatchObject({ online: true, reason: null });
      // The probe does not queue behind the 4 s statements (a loose bound: a loaded machine is
      // slow).
      expect(waited).toBeLessThan(3000);
      // The call queues behind the work but is answered online: the session is not "unknown here".
      const me = await tw.ws.call<{ username: string }>({
        name: 'session.whoami',
        payload: {},
        session: tw.token,
        workstationId: tw.ws.id,
      });
      expect(me.username).toBe('admin');
    } finally {
      await Promise.allSettled(busy);
    }
  });
});
