/**
 * Crash test: up to 50 seeded runs, each SIGKILLs an executor process at a random moment of
 * executing its own batch, then resumes the batch in a new process (after the dead executor's lease
 * expires) until it finishes. Zero duplicate payments and zero stuck payouts are required.
 *
 * Sized to a time budget, not a count: on a machine starved of CPU it runs fewer seeds (no new run
 * starts after BUDGET_MS; every started one is finished), and it still fails if too few kills
 * landed in the middle of an execution. The executor child is bundled once (esbuild) rather than
 * transpiled at each of its ~90 starts.
 *
 * Real Postgres only: the embedded PGlite is a single-process store and is not meant to survive a
 * SIGKILL mid-write (the real server is). The fake Xendit lives in this process, so it outlives the
 * killed executors and remembers every payout it made.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateResult } from '../../src/core/domain/batches/create.js';
import type { Preview } from '../../src/core/domain/batches/preview.js';
import { rows } from '../../src/core/platform/central/store.js';
import { prng } from '../../src/core/domain/demo/generate.js';
import { tempDir } from '../support/central.js';
import {
  invariantViolations,
  openScenario,
  providerAgreement,
  type Scenario,
} from '../support/payouts.js';
import { createTestDatabase, pgAvailable } from '../support/pg.js';

const RUNS = 50;
const PARALLEL = 5;
const LEASE_TTL_MS = 800;
/**
 * No run starts once this much time has passed since the hook began (set-up included); on an idle
 * 2-core machine all 50 fit in well under it.
 */
const BUDGET_MS = 180_000;
/**
 * Fewer runs than this, or fewer kills mid-execution than MIN_MIDWAY, and the campaign proves too
 * little.
 */
const MIN_RUNS = 12;
const MIN_MIDWAY = 8;
/**
 * An executor that has not exited this long after it started has stalled (each call waits at most
 * 20 s for the batch): it is killed like the others — exactly once must hold for it too — and its
 * output is kept, so a stall shows in the report instead of as a hook timing out.
 */
const STALL_MS = 90_000;
/** More stalls than this and the executor's bounded waits are not bounded: the campaign fails. */
const MAX_STALLS = 2;
const SOURCE = fileURLToPath(new URL('../support/execute-child.ts', import.meta.url));
const ROOT = path.resolve(path.dirname(SOURCE), '../..');
/** The bundle sits under the checkout (out/): its packages and resources resolve from there. */
const CHILD = path.join(ROOT, 'out', 'test-children', `execute-child-${process.pid}.mjs`);

interface ChildEnv {
  url: string;
  dataDir: string;
  token: string;
  batch: string;
  xenditUrl: string;
  xenditKey: string;
}

/**
 * Runs the executor process; kills it `killAfterMs` after its execution has begun (or lets it
 * finish). "Begun" is read from the store (`executing()` resolves once the batch is EXECUTING), not
 * from the child's READY line: on a busy machine the pre-flight before it can take longer than the
 * kill window, and the kill would land before any payout is sent.
 */
function runChild(
  env: ChildEnv,
  killAfterMs: number | null,
  executing?: () => Promise<void>,
): Promise<{ killed: boolean; stalled: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD], {
      cwd: ROOT,
      env: {
        ...process.env,
        CHILD_CENTRAL_URL: env.url,
        CHILD_DATA_DIR: env.dataDir,
        CHILD_TOKEN: env.token,
        CHILD_BATCH: env.batch,
        CHILD_XENDIT_URL: env.xenditUrl,
        CHILD_XENDIT_KEY: env.xenditKey,
        TREASURY_LEASE_TTL_MS: String(LEASE_TTL_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let killed = false;
    let stalled = false;
    const watchdog = setTimeout(() => {
      stalled = true;
      child.kill('SIGKILL');
    }, STALL_MS);
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (killAfterMs !== null && output.includes('READY') && !killed) {
        killed = true;
        void (executing ? executing() : Promise.resolve()).then(() =>
          setTimeout(() => child.kill('SIGKILL'), killAfterMs),
        );
      }
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(watchdog);
      resolve({
        killed: killed && !output.includes('RESULT') && !output.includes('ERROR'),
        stalled,
        output,
      });
    });
  });
}

describe.skipIf(!pgAvailable)(
  'crash test: SIGKILL the executor at a random moment, resume, pay exactly once (real Postgres)',
  () => {
    let s: Scenario;
    let db: { url: string; drop: () => Promise<void> };
    const dirs = Array.from({ length: PARALLEL }, () => tempDir('treasury-crash-'));
    let batches: CreateResult['batches'] = [];
    const outcomes: {
      seed: number;
      killAfterMs: number;
      killedMidway: boolean;
      stateAtKill: string;
      resumes: number;
      final: string;
    }[] = [];
    const stalls: { batch: string; seed: number; output: string }[] = [];

    beforeAll(async () => {
      const started = Date.now();
      await build({
        entryPoints: [SOURCE],
        outfile: CHILD,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        logLevel: 'error',
      });
      db = await createTestDatabase();
      s = await openScenario('postgres', {
        affiliates: 500,
        conversions: 15_000,
        seed: 5,
        url: db.url,
        fake: { settleAfterMs: 120 },
      });
      s.fake.faults = {
        rate: 0.1,
        kinds: [
          'timeout_after_create',
          'server_error_after_create',
          'duplicate_error',
          'temporary_failure',
          'rate_limit',
          'server_error',
        ],
      };
      const preview = await s.tw.call<Preview>('batch.preview', { provider: 'xendit' });
      const maxPayouts = Math.max(1, Math.floor(preview.eligibleCount / RUNS));
      const created = await s.tw.call<CreateResult>('batch.create', {
        provider: 'xendit',
        maxPayouts,
      });
      batches = created.batches.slice(0, RUNS);
      for (const b of created.batches.slice(RUNS))
        await s.tw.call('batch.cancel', { batch: b.number, reason: 'beyond the 50 runs' });
      // Each run approves its own batch just before it: a starved machine spends no time approving
      // batches no run will reach.
      const approve = async (b: CreateResult['batches'][number]) => {
        await s.tw.call('batch.submit', { batch: b.number });
        await s.tw.call('batch.approve', { batch: b.number }, s.checker1);
        if (b.requiredApprovals === 2)
          await s.tw.call('batch.approve', { batch: b.number }, s.checker2);
      };

      const queue = batches.map((b, i) => ({ batch: b.number, seed: i + 1, created: b }));
      const worker = async (w: number) => {
        for (;;) {
          if (Date.now() - started > BUDGET_MS) return; // the budget is spent: the rest are cancelled below
          const job = queue.shift();
          if (!job) return;
          await approve(job.created);
          const random = prng(job.seed);
          // Within the first 0.6 s of the execution: a batch of about ten payouts is still sending
          // or settling then.
          const killAfterMs = Math.floor(random() * 600);
          const env: ChildEnv = {
            url: db.url,
            dataDir: dirs[w]!.dir,
            token: s.tw.token,
            batch: job.batch,
            xenditUrl: s.fake.url,
            xenditKey: s.fake.secretKey,
          };
          // The batch leaves APPROVED when the execution takes its lease; poll for that (or for the
          // end).
          const executing = async () => {
            for (let i = 0; i < 1000; i++) {
              const [b] = await rows<{ status: string }>(
                s.tw.ws.central.db,
                sql`SELECT status FROM payout_batches WHERE number = ${job.batch}`,
              );
              if (b && b.status !== 'APPROVED') return;
              await new Promise((r) => setTimeout(r, 10));
            }
          };
          const stalledIn = <R extends { stalled: boolean; output: string }>(r: R): R => {
            if (r.stalled) stalls.push({ batch: job.batch, seed: job.seed, output: r.output });
            return r;
          };
          const first = stalledIn(await runChild(env, killAfterMs, executing));
          const [state] = await rows<{ status: string }>(
            s.tw.ws.central.db,
            sql`SELECT status FROM payout_batches WHERE number = ${job.batch}`,
          );
          let resumes = 0;
          let final = state!.status;
          while (!['COMPLETED', 'COMPLETED_WITH_FAILURES', 'FAILED'].includes(final)) {
            if (++resumes > 30)
              throw new Error(
                `batch ${job.batch} did not finish after 30 resumes (seed ${job.seed})`,
              );
            const again = stalledIn(await runChild(env, null));
            // A child killed by the watchdog is resumed like any other kill — but it may have
            // finished the batch before it stalled, so the state is read again either way (a
            // resume of a finished batch is refused: ILLEGAL_TRANSITION).
            if (again.stalled) {
              // nothing to check in its output: the status below says where it got to
            } else if (again.output.includes('LEASE_HELD'))
              await new Promise((r) => setTimeout(r, LEASE_TTL_MS / 2));
            else if (!again.output.includes('RESULT'))
              throw new Error(`resume of ${job.batch} failed (seed ${job.seed}): ${again.output}`);
            const [now] = await rows<{ status: string }>(
              s.tw.ws.central.db,
              sql`SELECT status FROM payout_batches WHERE number = ${job.batch}`,
            );
            final = now!.status;
          }
          outcomes.push({
            seed: job.seed,
            killAfterMs,
            killedMidway: first.killed,
            stateAtKill: state!.status,
            resumes,
            final,
          });
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, (_, w) => worker(w)));
      // Batches no run reached are cancelled: nothing is left approved and waiting.
      for (const job of queue)
        await s.tw.call('batch.cancel', {
          batch: job.batch,
          reason: 'the crash campaign ran out of time before this run',
        });
    }, BUDGET_MS + 240_000);

    afterAll(async () => {
      rmSync(CHILD, { force: true });
      await s?.cleanup();
      await db?.drop();
      for (const d of dirs) d.remove();
    });

    it(`ran up to ${RUNS} seeded runs within its budget, most of them killed in the middle of execution`, () => {
      expect(
        outcomes.length,
        `only ${outcomes.length} runs fitted in ${BUDGET_MS / 1000} s`,
      ).toBeGreaterThanOrEqual(MIN_RUNS);
      const midway = outcomes.filter((o) => o.killedMidway && o.stateAtKill === 'EXECUTING').length;
      const resumes = outcomes.reduce((n, o) => n + o.resumes, 0);
      console.info(
        `[crash] ${outcomes.length} of ${RUNS} runs: ${midway} killed mid-execution, ${outcomes.filter((o) => !o.killedMidway).length} finished before the kill, ${resumes} resumes; finals ${JSON.stringify(Object.fromEntries(['COMPLETED', 'COMPLETED_WITH_FAILURES', 'FAILED'].map((f) => [f, outcomes.filter((o) => o.final === f).length])))}`,
      );
      // Not vacuous: the kill really lands while payouts are being sent or settled.
      expect(midway).toBeGreaterThanOrEqual(Math.max(MIN_MIDWAY, outcomes.length / 2));
    });

    it(`no more than ${MAX_STALLS} executors stalled (${STALL_MS / 1000} s without exiting)`, () => {
      for (const st of stalls)
        console.warn(`[crash] stalled: ${st.batch} (seed ${st.seed}):\n${st.output.slice(-2000)}`);
      expect(stalls.length).toBeLessThanOrEqual(MAX_STALLS);
    });

    it('every batch finished and no payout is stuck', async () => {
      for (const o of outcomes)
        expect(['COMPLETED', 'COMPLETED_WITH_FAILURES', 'FAILED']).toContain(o.final);
      const [stuck] = await rows<{ n: number }>(
        s.tw.ws.central.db,
        sql`SELECT count(*)::int AS n FROM payouts p JOIN payout_batches b ON b.id = p.batch_id WHERE b.status <> 'CANCELLED' AND p.status IN ('PENDING','UNKNOWN','ACCEPTED')`,
      );
      expect(Number(stuck!.n)).toBe(0);
    });

    it('zero duplicate payments: the provider paid each reference at most once, and agrees with us', async () => {
      expect(await providerAgreement(s.tw, s.fake)).toEqual([]);
    });

    it('the invariants hold', async () => {
      expect(await invariantViolations(s.tw)).toEqual([]);
    });
  },
);
