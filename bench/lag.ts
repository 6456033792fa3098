/**
 * bench:lag — how long the host's main event loop is held up while the workstation calculates
 * 1,000,000 conversions. The host (Electron's main process, the browser host) keeps the window's
 * IPC, dialogs and progress streaming on that loop; the workstation runs in its own thread
 * (src/core/host/workstation/thread//), so the loop only moves messages.
 *
 * Measured on this process's loop while `commissions.calculate` runs through the thread:
 *   - perf_hooks.monitorEventLoopDelay (10 ms resolution): max, p99, mean;
 *   - a 20 ms timer's worst lateness (what a UI tick would see);
 *   - progress events received (the stream keeps flowing).
 * With `--compare`, the same calculation in-process (no thread) on a second scratch store, to show
 * what the thread saves.
 *
 * Usage: npm run bench:lag -- [--conversions N] [--affiliates N] [--store pglite|postgres]
 * [--compare]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Call } from '../src/core/platform/kernel/router.js';
import type { CredentialStore } from '../src/core/platform/credentials/store.js';
import type { SignInResult } from '../src/core/domain/operators/commands.js';
import {
  openWorkstationThread,
  type WorkstationDoor,
} from '../src/core/host/workstation/thread/door.js';
import { openWorkstation } from '../src/core/host/workstation/workstation.js';
import { arg, withScratchStore } from './support.js';

const PASSWORD = 'bench password for the lag benchmark';
/** The central store needs no secret for a calculation; nothing is stored. */
const noSecrets: CredentialStore = {
  kind: 'env',
  get: async () => null,
  set: async () => undefined,
  delete: async () => false,
};

interface Lag {
  ms: number;
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  timerWorstLateMs: number;
  progressEvents: number;
}

/** Runs `work` while watching this process's event loop. */
async function watchLoop(work: (onProgress: () => void) => Promise<unknown>): Promise<Lag> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  let worst = 0;
  let expected = performance.now() + 20;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - expected);
    expected = now + 20;
  }, 20);
  let progressEvents = 0;
  histogram.enable();
  const started = performance.now();
  try {
    await work(() => progressEvents++);
  } finally {
    histogram.disable();
    clearInterval(timer);
  }
  const ns = (v: number) => Math.round(v / 1e4) / 100; // ns → ms, two decimals
  return {
    ms: Math.round(performance.now() - started),
    maxMs: ns(histogram.max),
    p99Ms: ns(histogram.percentile(99)),
    meanMs: ns(histogram.mean),
    timerWorstLateMs: Math.round(worst * 100) / 100,
    progressEvents,
  };
}

async function prepare(
  door: Pick<WorkstationDoor, 'call' | 'id'>,
  n: { conversions: number; affiliates: number },
): Promise<(c: Omit<Call, 'workstationId' | 'session'>) => Promise<unknown>> {
  const base = { workstationId: door.id };
  await door.call({
    ...base,
    name: 'operators.bootstrap',
    payload: { username: 'bench', password: PASSWORD },
  });
  const signed = await door.call<SignInResult>({
    ...base,
    name: 'session.signIn',
    payload: { username: 'bench', password: PASSWORD },
  });
  if (!signed.ok) throw new Error('sign-in failed');
  const session = signed.token;
  const call = (c: Omit<Call, 'workstationId' | 'session'>) =>
    door.call({ ...c, ...base, session });
  const t0 = performance.now();
  await call({
    name: 'demo.generate',
    payload: {
      affiliates: n.affiliates,
      conversions: n.conversions,
      seed: 7,
      until: '2026-11-01T00:00:00Z',
    },
  });
  process.stdout.write(
    `  demo data: ${n.conversions.toLocaleString('en-US')} conversions for ${n.affiliates.toLocaleString('en-US')} affiliates in ${Math.round(performance.now() - t0)} ms\n`,
  );
  return call;
}

export async function main(args: string[]): Promise<void> {
  const n = {
    conversions: Number(arg(args, 'conversions', '1000000')),
    affiliates: Number(arg(args, 'affiliates', '10000')),
  };
  const store = arg(args, 'store', 'pglite') as 'pglite' | 'postgres';
  process.stdout.write(
    `bench:lag — main-loop lag while calculating ${n.conversions.toLocaleString('en-US')} conversions (${store})\n`,
  );

  const threaded = await withScratchStore(store, async ({ dataDir, url }) => {
    const door = await openWorkstationThread({ dataDir, centralUrl: url, credentials: noSecrets });
    try {
      const call = await prepare(door, n);
      return await watchLoop((tick) =>
        call({
          name: 'commissions.calculate',
          payload: { asOf: '2026-11-21T00:00:00Z' },
          onProgress: tick,
        }),
      );
    } finally {
      await door.close();
    }
  });
  process.stdout.write(
    `  workstation thread: calc ${threaded.ms} ms; main-loop delay max ${threaded.maxMs} ms, p99 ${threaded.p99Ms} ms, mean ${threaded.meanMs} ms; 20 ms timer worst lateness ${threaded.timerWorstLateMs} ms; ${threaded.progressEvents} progress events\n`,
  );
  process.stdout.write(`  target: max < 50 ms — ${threaded.maxMs < 50 ? 'met' : 'NOT met'}\n`);

  if (args.includes('--compare')) {
    const inProcess = await withScratchStore(store, async ({ dataDir, url }) => {
      const ws = await openWorkstation({ dataDir, centralUrl: url, credentials: noSecrets });
      try {
        const call = await prepare(ws, n);
        return await watchLoop((tick) =>
          call({
            name: 'commissions.calculate',
            payload: { asOf: '2026-11-21T00:00:00Z' },
            onProgress: tick,
          }),
        );
      } finally {
        await ws.close();
      }
    });
    process.stdout.write(
      `  same calc in the main thread (no worker): calc ${inProcess.ms} ms; main-loop delay max ${inProcess.maxMs} ms, p99 ${inProcess.p99Ms} ms; timer worst lateness ${inProcess.timerWorstLateMs} ms\n`,
    );
  }
  process.stdout.write(JSON.stringify({ store, ...n, threaded }) + '\n');
}
