/**
 * The outbox's calls (src/core/local/outbox-calls.ts) through a workstation's door: a batch
 * prepared offline, refused by the central store because another batch took one of its affiliates
 * meanwhile, listed with the reason and what can be done; prepared again from current data (a new
 * pending batch without the affiliate taken, which then syncs), or discarded — each journaled
 * locally and, online, audited centrally with the reason it was refused. Also `sync.auto` and
 * `sync.status` as the console reads them.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/core/platform/central/store.js';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import type { OutboxItem } from '../../src/core/local/outbox-calls.js';
import type { SyncRunResult } from '../../src/core/local/sync-calls.js';
import type { SchedulerView } from '../../src/core/local/sync-scheduler.js';
import { openWorkstation, type Workstation } from '../../src/core/host/workstation/workstation.js';
import { ADMIN_PASSWORD } from '../support/workstation.js';
import { openScenario, type Scenario } from '../support/payouts.js';

interface Created {
  batches: { id: string; number: string; payouts: number }[];
  commandId: string;
}
interface PreviewRow {
  affiliateId: string;
  eligible: boolean;
}

describe('the outbox: refused, prepared again, discarded', () => {
  let s: Scenario;
  let offline: Workstation;
  let onlineToken = '';
  let offlineToken = '';
  let refused: OutboxItem;
  let affiliates: string[] = [];
  const as =
    (ws: Workstation, token: () => string) =>
    <T>(name: string, payload: unknown = {}) =>
      ws.call<T>({ name, payload, session: token(), workstationId: ws.id, id: randomUUID() });
  const online = <T>(name: string, payload: unknown = {}) =>
    as(s.tw.ws, () => onlineToken)<T>(name, payload);
  const local = <T>(name: string, payload: unknown = {}) =>
    as(offline, () => offlineToken)<T>(name, payload);
  const audited = async (action: string) =>
    rows<{ entity_id: string; before: { refusedBecause: string | null } }>(
      s.tw.ws.central.db,
      sql`SELECT entity_id, before FROM audit_log WHERE action = ${action} ORDER BY seq`,
    );

  beforeAll(async () => {
    s = await openScenario('pglite', { affiliates: 80, conversions: 4000, seed: 9 });
    const signIn = async (ws: Workstation) => {
      const r = await ws.call<SignInResult>({
        name: 'session.signIn',
        payload: { username: 'admin', password: ADMIN_PASSWORD },
        workstationId: ws.id,
      });
      if (!r.ok) throw new Error(r.reason);
      return r.token;
    };
    onlineToken = await signIn(s.tw.ws);
    await online('sync.run');
    // The same data dir with the central store out of reach: the cache alone answers.
    offline = await openWorkstation({
      dataDir: s.tw.ws.dataDir,
      credentials: s.tw.ws.credentials,
      offline: true,
    });
    offlineToken = await signIn(offline);
    const preview = await online<{ rows: PreviewRow[] }>('batch.preview', {
      provider: 'xendit',
      currency: 'PHP',
    });
    expect(preview.rows.filter((r) => r.eligible).length).toBeGreaterThan(2);
  }, 180_000);
  afterAll(async () => {
    await offline?.close();
    await s?.cleanup();
  });

  it('a batch prepared offline waits in the outbox, described in words', async () => {
    const made = await local<Created>('batch.create', { provider: 'xendit', currency: 'PHP' });
    const [entry] = await local<OutboxItem[]>('outbox.list', { status: 'pending' });
    // The affiliates the offline preview found payable (the cache's view of "now").
    affiliates = (entry!.input as { affiliateIds: string[] }).affiliateIds;
    expect(affiliates.length).toBeGreaterThan(1);
    expect(entry).toMatchObject({
      commandId: made.commandId,
      name: 'batch.create',
      operator: 'admin',
      status: 'pending',
      canDiscard: true,
      canReprepare: false,
      about: {
        batch: made.batches[0]!.id,
        batchNumber: made.batches[0]!.number,
        payouts: affiliates.length,
        provider: 'xendit',
      },
    });
    expect(entry!.about.totals).toEqual([
      { currency: 'PHP', amountMinor: expect.stringMatching(/^[1-9][0-9]*$/) },
    ]);
    const status = await local<{ pending: number; auto: SchedulerView }>('sync.status');
    expect(status).toMatchObject({ pending: 1, auto: { automatic: false, state: 'off' } });
  });

  it('refused on push because another batch took an affiliate meanwhile: the reason is kept', async () => {
    // Meanwhile, centrally: a batch for one of the affiliates the offline batch pays.
    await online('batch.create', {
      provider: 'xendit',
      currency: 'PHP',
      affiliateIds: [affiliates[0]],
    });
    const r = await online<SyncRunResult>('sync.run');
    expect(r.pushed).toMatchObject({ applied: 0, rejected: [{ name: 'batch.create' }] });
    const [entry] = await online<OutboxItem[]>('outbox.list', { status: 'rejected' });
    refused = entry!;
    expect(refused).toMatchObject({ canReprepare: true, canDiscard: true });
    expect(refused!.rejection?.message).toMatch(/\S/);
    const status = await online<{ pending: number; rejected: number; auto: SchedulerView }>(
      'sync.status',
    );
    expect(status).toMatchObject({ pending: 0, rejected: 1, auto: { trigger: 'manual' } });
  });

  it('prepared again from current data: a new pending batch without the affiliate taken', async () => {
    const again = await online<{
      batchId: string;
      payouts: number;
      commandId: string;
      replaced: number;
    }>('outbox.reprepare', { entry: refused.commandId });
    // Payouts, not affiliates: one paid above its channel's maximum is sent in parts.
    expect(again).toMatchObject({ replaced: refused.seq });
    expect(again.payouts).toBeGreaterThanOrEqual(affiliates.length - 1);
    const list = await online<OutboxItem[]>('outbox.list');
    expect(list.find((e) => e.seq === refused.seq)).toMatchObject({
      status: 'discarded',
      canReprepare: false,
      rejection: { replacedBy: again.commandId },
    });
    expect(list.find((e) => e.commandId === again.commandId)).toMatchObject({
      status: 'pending',
      name: 'batch.create',
      about: { batch: again.batchId, payouts: affiliates.length - 1 },
    });
    const [entry] = await audited('outbox.reprepare');
    expect(entry).toMatchObject({ entity_id: refused.commandId });
    expect(entry!.before.refusedBecause).toBe(refused.rejection!.message);
    // …and it syncs: the central store accepts the new batch.
    const r = await online<SyncRunResult>('sync.run');
    expect(r.pushed).toMatchObject({ applied: 1, rejected: [] });
    const [central] = await rows<{ n: string; affiliates: string }>(
      s.tw.ws.central.db,
      sql`SELECT count(*)::text AS n, count(DISTINCT affiliate_id)::text AS affiliates FROM payouts WHERE batch_id = ${again.batchId}`,
    );
    expect(central).toEqual({
      n: String(again.payouts),
      affiliates: String(affiliates.length - 1),
    });
  });

  it('only a refused batch creation can be prepared again', async () => {
    await expect(online('outbox.reprepare', { entry: refused.commandId })).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
    });
    await expect(online('outbox.reprepare', { entry: '999999' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('discarded: undone in the cache, audited centrally when online, journaled offline', async () => {
    const made = await local<Created>('batch.create', { provider: 'xendit', currency: 'IDR' });
    await online('outbox.discard', { entry: made.commandId });
    const list = await online<OutboxItem[]>('outbox.list');
    expect(list.find((e) => e.commandId === made.commandId)).toMatchObject({
      status: 'discarded',
      canDiscard: false,
    });
    expect((await audited('outbox.discard')).map((e) => e.entity_id)).toEqual([made.commandId]);
    // Offline: no central entry, the workstation's journal has it.
    const second = await local<Created>('batch.create', { provider: 'xendit', currency: 'IDR' });
    await local('outbox.discard', { entry: String(second.commandId) });
    expect(await audited('outbox.discard')).toHaveLength(1);
    const cache = await offline.cache();
    const journaled = cache.sqlite
      .prepare("SELECT decision FROM local_journal WHERE name = 'outbox.discard'")
      .all() as { decision: string }[];
    expect(journaled.map((j) => j.decision)).toEqual(['allowed', 'allowed']);
  });

  it('a viewer may list the outbox but neither discard nor prepare again', async () => {
    const { addOperator } = await import('../support/workstation.js');
    const viewer = await addOperator(s.tw, 'viewer1', 'viewer');
    const asViewer = as(s.tw.ws, () => viewer);
    await online('sync.run'); // the viewer reaches the cache's operators
    await expect(asViewer('outbox.list')).resolves.toBeInstanceOf(Array);
    await expect(asViewer('outbox.discard', { entry: '1' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(asViewer('outbox.reprepare', { entry: '1' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('with the embedded store, sync.auto says why nothing runs by itself', async () => {
    const view = await online<SchedulerView>('sync.auto', { enabled: true });
    expect(view).toMatchObject({ automatic: false, state: 'off' });
    expect(view.note).toMatch(/embedded/);
  });
});
