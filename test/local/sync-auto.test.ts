/**
 * Sync by itself, wired into a real workstation (src/core/host/workstation/workstation.ts) on a
 * real PostgreSQL reached through a TCP relay the test cuts: once the operator's console asks
 * (`sync.auto`), the cache fills without a `sync.run`; cut off, a batch created goes to the outbox;
 * back online, it is pushed by itself on reconnect; a command made online that leaves work in the
 * outbox (a batch prepared again) is pushed shortly after, debounced; signing out stops it.
 * Timings are shortened (probe 50 ms, debounce 100 ms); the scheduler's own rules are in
 * sync-scheduler.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import type { SchedulerView } from '../../src/core/local/sync-scheduler.js';
import { openWorkstation, type Workstation } from '../../src/core/host/workstation/workstation.js';
import { tempDir } from '../support/central.js';
import { createTestDatabase, PG_URL, pgAvailable } from '../support/pg.js';
import { tcpRelay, type TcpRelay } from '../support/tcp-relay.js';
import { ADMIN_PASSWORD, memoryCredentials } from '../support/workstation.js';

interface Status {
  connectivity: { online: boolean };
  lastPullAt: string | null;
  pending: number;
  rejected: number;
  auto: SchedulerView;
}

describe.skipIf(!pgAvailable)('sync by itself on a workstation (real Postgres, cut)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let relay: TcpRelay;
  let ws: Workstation;
  let token = '';
  let currency = '';
  const dir = tempDir('treasury-sync-auto-');
  const call = <T>(name: string, payload: unknown = {}, session: string | null = token) =>
    ws.call<T>({ name, payload, session, workstationId: ws.id, id: randomUUID() });
  const status = () => call<Status>('sync.status');

  beforeAll(async () => {
    db = await createTestDatabase();
    const pg = new URL(PG_URL);
    relay = await tcpRelay({ host: pg.hostname, port: Number(pg.port || 5432) });
    ws = await openWorkstation({
      dataDir: dir.dir,
      centralUrl: relay.via(db.url),
      credentials: memoryCredentials(),
      retryAfterMs: 50,
      autoSync: { probeMs: 50, debounceMs: 100, intervalMs: 60_000 },
    });
    await call('operators.bootstrap', { username: 'admin', password: ADMIN_PASSWORD }, null);
    const signed = await call<SignInResult>(
      'session.signIn',
      { username: 'admin', password: ADMIN_PASSWORD },
      null,
    );
    if (!signed.ok) throw new Error(signed.reason);
    token = signed.token;
    await call('demo.generate', {
      affiliates: 40,
      conversions: 2000,
      seed: 3,
      until: '2026-11-01',
    });
    await call('commissions.calculate');
    for (const c of ['PHP', 'IDR', 'VND', 'THB', 'MYR']) {
      const preview = await call<{ rows: { eligible: boolean }[] }>('batch.preview', {
        provider: 'xendit',
        currency: c,
      }).catch(() => ({ rows: [] }));
      if (preview.rows.some((r) => r.eligible)) {
        currency = c;
        break;
      }
    }
    expect(currency).not.toBe('');
  }, 180_000);
  afterAll(async () => {
    await ws?.close();
    await relay?.stop();
    await db?.drop();
    dir.remove();
  });

  it('asked once, the cache fills by itself', async () => {
    expect((await status()).lastPullAt).toBeNull();
    const view = await call<SchedulerView>('sync.auto', { enabled: true });
    expect(view).toMatchObject({ automatic: true, note: null });
    await vi.waitFor(async () => expect((await status()).lastPullAt).not.toBeNull(), {
      timeout: 30_000,
    });
    expect((await status()).auto).toMatchObject({ state: 'idle', trigger: 'start' });
  });

  it('cut off, a batch waits in the outbox; back online, it is pushed by itself', async () => {
    await relay.stop();
    await vi.waitFor(async () => expect((await status()).connectivity.online).toBe(false), {
      timeout: 10_000,
    });
    const made = await call<{ offline?: boolean }>('batch.create', {
      provider: 'xendit',
      currency,
    });
    expect(made.offline).toBe(true);
    await vi.waitFor(async () => expect((await status()).auto.state).toBe('offline'));
    expect((await status()).pending).toBe(1);
    await relay.start();
    await vi.waitFor(
      async () =>
        expect(await status()).toMatchObject({ pending: 0, rejected: 0, auto: { state: 'idle' } }),
      { timeout: 30_000 },
    );
    // Pushed by itself (nothing here asked for a sync): the command is applied centrally. Which
    // automatic trigger pushed it (reconnect, or the outbox's own debounce) is a race, and the
    // other may run after it with nothing left to push, so the last run's figures say nothing.
    expect(await call<unknown[]>('outbox.list', { status: 'applied' })).toHaveLength(1);
    const auto = (await status()).auto;
    expect(auto.state).toBe('idle');
    expect(['reconnect', 'outbox']).toContain(auto.trigger);
  });

  it('signing out stops it', async () => {
    await call('session.signOut', { token });
    expect(ws.scheduler.status()).toMatchObject({ automatic: false });
  });
});
