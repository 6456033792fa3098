/**
 * Jobs beside interactive calls: an export started as a job returns at once, reports its progress,
 * and ends with its result; while it runs, interactive calls are answered and the workstation stays
 * online. A cancelled job leaves nothing half-done — no file, no partial file — and the audit trail
 * says it was cancelled. Execution cannot be cancelled half-way (it commits as it goes).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import type { JobView } from '../../../src/core/platform/kernel/jobs.js';
import { tempDir } from '../../support/central.js';
import { drivers } from '../../support/pg.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';

describe.each(drivers())('jobs (%s)', (driver) => {
  let tw: TestWorkstation;
  const out = tempDir('treasury-jobs-out-');
  const call = <T>(name: string, payload: unknown = {}) =>
    tw.ws.call<T>({ name, payload, session: tw.token, workstationId: tw.ws.id });
  const jobs = () => call<JobView[]>('jobs.list');

  beforeAll(async () => {
    tw = await openTestWorkstation(driver);
    await tw.call('demo.generate', {
      affiliates: 400,
      conversions: 30_000,
      seed: 11,
      until: '2026-06-01T00:00:00Z',
    });
    await tw.call('commissions.calculate', {});
  });
  afterAll(async () => {
    await tw?.cleanup();
    out.remove();
  });

  it('an export job returns at once, answers interactive calls meanwhile, and ends with its file', async () => {
    const file = path.join(out.dir, 'all.csv');
    const started = await call<JobView>('jobs.start', {
      name: 'export.commissions',
      payload: { format: 'csv', out: file },
    });
    expect(started).toMatchObject({
      name: 'export.commissions',
      operator: 'admin',
      state: 'running',
      cancellable: true,
    });
    // Interactive calls while it runs: answered, online (a loose bound; the benchmark has the
    // figures). On PGlite the export reads in short slices, so the call is answered while the job
    // still runs (it used to wait for the whole export: one snapshot transaction on the one
    // connection).
    const t0 = Date.now();
    const me = await call<{ username: string }>('session.whoami');
    expect(me.username).toBe('admin');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(tw.ws.jobs.get(started.id, 'admin').state).toBe('running');
    expect((await tw.ws.connectivity()).online).toBe(true);
    await tw.ws.jobs.settled(started.id);
    const [done] = await jobs();
    expect(done).toMatchObject({
      id: started.id,
      state: 'succeeded',
      error: null,
      result: { rowCount: 30_000, file },
    });
    expect(done!.done).toBeGreaterThan(0);
    expect(existsSync(file)).toBe(true);
  });

  it('cancelled at its first progress report: no file, no partial file, and the audit trail says cancelled', async () => {
    const file = path.join(out.dir, 'cancelled.csv');
    // The operator's cancel arrives right after the job's first progress report (it has more to do:
    // 30,000 rows); the board is driven directly so the moment is the same on any machine.
    let asked: JobView | null = null;
    const started = tw.ws.jobs.start(
      (c) =>
        tw.ws.call({
          ...c,
          onProgress: (p) => {
            c.onProgress?.(p);
            asked ??= tw.ws.jobs.cancel(started.id, 'admin');
          },
        }),
      {
        name: 'export.commissions',
        payload: { format: 'csv', out: file },
        session: tw.token,
        workstationId: tw.ws.id,
      },
      'admin',
      { kind: 'command', transactional: false, cancellable: true },
    );
    await tw.ws.jobs.settled(started.id);
    expect(asked).toMatchObject({ state: 'running' });
    const ended = await call<JobView>('jobs.get', { id: started.id });
    expect(ended).toMatchObject({
      state: 'cancelled',
      result: null,
      error: {
        code: 'JOB_CANCELLED',
        message: expect.stringMatching(
          /export\.commissions was cancelled while .*nothing it did was kept/,
        ),
      },
    });
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(out.dir).filter((n) => n.startsWith('cancelled.csv'))).toEqual([]);
    const audit = await rows<{ action: string; decision: string }>(
      tw.ws.central.db,
      sql`SELECT action, decision FROM audit_log WHERE command_id = (SELECT command_id FROM audit_log WHERE decision = 'cancelled' ORDER BY seq DESC LIMIT 1) ORDER BY seq`,
    );
    expect(audit).toEqual([
      { action: 'export.commissions', decision: 'allowed' },
      { action: 'export.commissions', decision: 'cancelled' },
    ]);
    await expect(call('jobs.cancel', { id: started.id })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('a job runs its call with the operator’s own permission, and only its operator sees it', async () => {
    await expect(call('jobs.start', { name: 'jobs.list' })).rejects.toMatchObject({
      code: 'UNKNOWN_COMMAND',
    });
    await expect(
      call('jobs.get', { id: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bad = await call<JobView>('jobs.start', {
      name: 'export.commissions',
      payload: { format: 'xlsx', out: path.join(out.dir, 'x') },
    });
    await tw.ws.jobs.settled(bad.id);
    expect(await call<JobView>('jobs.get', { id: bad.id })).toMatchObject({
      state: 'failed',
      error: { code: 'VALIDATION' },
    });
  });

  it('execution commits as it goes: its job cannot be cancelled half-way', () => {
    const view = tw.ws.jobs.start(
      async () => new Promise(() => {}),
      { name: 'batch.execute', payload: {}, workstationId: tw.ws.id },
      'admin',
      { kind: 'command', transactional: false },
    );
    expect(view.cancellable).toBe(false);
    expect(() => tw.ws.jobs.cancel(view.id, 'admin')).toThrow(/cannot be cancelled half-way/);
    expect(() => tw.ws.jobs.get(view.id, 'someone-else')).toThrow(/no job/);
  });
});
