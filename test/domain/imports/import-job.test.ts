/**
 * Imports as jobs beside interactive calls (issue 18, item 1): validation holds no transaction, and
 * the writing is one transaction on PostgreSQL (a cancel keeps nothing) and short transactions the
 * console's calls run between on the embedded store (a cancel is honoured until the first rows are
 * in; then the import completes, and the job says it can no longer be cancelled).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import type { Progress } from '../../../src/core/platform/kernel/router.js';
import type { JobView } from '../../../src/core/platform/kernel/jobs.js';
import { tempDir } from '../../support/central.js';
import { drivers } from '../../support/pg.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';

const ROWS = 60_000;

describe.each(drivers())('imports as jobs (%s)', (driver) => {
  let tw: TestWorkstation;
  const dir = tempDir('treasury-import-job-');
  const call = <T>(name: string, payload: unknown = {}) =>
    tw.ws.call<T>({ name, payload, session: tw.token, workstationId: tw.ws.id });
  const conversions = async () =>
    Number(
      (
        await rows<{ n: number }>(tw.ws.central.db, sql`SELECT count(*)::int AS n FROM conversions`)
      )[0]!.n,
    );
  const trail = (commandId: string) =>
    rows<{ action: string; entity_type: string; decision: string }>(
      tw.ws.central.db,
      sql`SELECT action, entity_type, decision FROM audit_log WHERE command_id = ${commandId}::uuid ORDER BY seq`,
    );

  /** A conversions file of ROWS rows, ids from `prefix`, over the demo's affiliates. */
  const file = (prefix: string) => {
    const lines = [
      'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at',
    ];
    for (let i = 0; i < ROWS; i++)
      lines.push(
        `${prefix}-${i},aff-${String((i % 50) + 1).padStart(6, '0')},2026-05-0${(i % 9) + 1}T10:00:00Z,pro-plan,12.34,0,USD,approved,`,
      );
    const f = path.join(dir.dir, `${prefix}.csv`);
    writeFileSync(f, lines.join('\n') + '\n');
    return f;
  };

  /**
   * Starts an import on the board, calling `at` with each progress report (the board driven
   * directly, as in jobs.test.ts).
   */
  const start = (f: string, at: (p: Progress, job: JobView) => void) => {
    const job: JobView = tw.ws.jobs.start(
      (c) => tw.ws.call({ ...c, onProgress: (p) => (c.onProgress?.(p), at(p, job)) }),
      {
        name: 'conversions.import',
        payload: { file: f },
        session: tw.token,
        workstationId: tw.ws.id,
      },
      'admin',
      { kind: 'command', transactional: false, cancellable: true },
    );
    return job;
  };

  beforeAll(async () => {
    tw = await openTestWorkstation(driver);
    await tw.call('demo.generate', {
      affiliates: 50,
      conversions: 100,
      seed: 3,
      until: '2026-06-01T00:00:00Z',
    });
  });
  afterAll(async () => {
    await tw?.cleanup();
    dir.remove();
  });

  it('runs beside interactive calls and ends with its summary and audit entry', async () => {
    const before = await conversions();
    let answered: number | null = null;
    const job = start(file('beside'), (p) => {
      // While it writes, a console call is answered (a loose bound; bench figures are tight).
      if (p.phase === 'writing' && p.done > 0 && answered === null) {
        answered = -1;
        const t0 = Date.now();
        void call('payables.page', { offset: 0, limit: 50 }).then(
          () => (answered = Date.now() - t0),
        );
      }
    });
    await tw.ws.jobs.settled(job.id);
    const ended = tw.ws.jobs.get(job.id, 'admin');
    expect(ended).toMatchObject({
      state: 'succeeded',
      result: { rows: ROWS, inserted: ROWS, updated: 0, unchanged: 0 },
    });
    expect(answered).not.toBeNull();
    expect(answered!).toBeLessThan(2_000);
    expect(await conversions()).toBe(before + ROWS);
    const [start_] = await rows<{ command_id: string }>(
      tw.ws.central.db,
      sql`SELECT command_id FROM audit_log WHERE action = 'conversions.import' AND entity_type = 'import' ORDER BY seq DESC LIMIT 1`,
    );
    expect(await trail(start_!.command_id)).toEqual([
      { action: 'conversions.import', entity_type: 'command', decision: 'allowed' },
      { action: 'conversions.import', entity_type: 'import', decision: 'allowed' },
    ]);
  });

  it('cancelled while it validates: nothing written, and the audit trail says cancelled', async () => {
    const before = await conversions();
    const job = start(file('early'), (p, j) => {
      if (p.phase === 'validating' && tw.ws.jobs.get(j.id, 'admin').state === 'running')
        tw.ws.jobs.cancel(j.id, 'admin');
    });
    await tw.ws.jobs.settled(job.id);
    expect(tw.ws.jobs.get(job.id, 'admin')).toMatchObject({
      state: 'cancelled',
      error: { code: 'JOB_CANCELLED' },
    });
    expect(await conversions()).toBe(before);
    const [last] = await rows<{ decision: string; action: string }>(
      tw.ws.central.db,
      sql`SELECT decision, action FROM audit_log ORDER BY seq DESC LIMIT 1`,
    );
    expect(last).toEqual({ decision: 'cancelled', action: 'conversions.import' });
  });

  it(
    driver === 'postgres'
      ? 'cancelled while it writes: its one transaction rolls back, nothing is kept'
      : 'once its first rows are in, a cancel is refused and the import completes (whole, never half)',
    async () => {
      const before = await conversions();
      let refusal: unknown = null;
      const job = start(file('late'), (p, j) => {
        if (p.phase !== 'writing' || p.done === 0 || refusal !== null) return;
        try {
          tw.ws.jobs.cancel(j.id, 'admin');
          refusal = 'accepted';
        } catch (error) {
          refusal = error;
        }
      });
      await tw.ws.jobs.settled(job.id);
      const ended = tw.ws.jobs.get(job.id, 'admin');
      if (driver === 'postgres') {
        expect(refusal).toBe('accepted');
        expect(ended).toMatchObject({ state: 'cancelled', error: { code: 'JOB_CANCELLED' } });
        expect(await conversions()).toBe(before);
      } else {
        expect(refusal).toMatchObject({
          code: 'CONFLICT',
          message: expect.stringMatching(/cannot be cancelled half-way/),
        });
        expect(ended).toMatchObject({
          state: 'succeeded',
          cancellable: false,
          result: { rows: ROWS, inserted: ROWS },
        });
        expect(await conversions()).toBe(before + ROWS);
      }
    },
  );
});
