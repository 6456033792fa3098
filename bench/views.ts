/**
 * bench:views — the operator's wait for the console's interactive calls at real size, alone and
 * while a long export runs as a job beside them (the case that used to lock the console).
 *
 * Builds 100,000 affiliates / 1,000,000 conversions (by default) on a scratch store, calculates,
 * then through the workstation's door (as the console reaches it) times each interactive call
 * several times: payables first page, a sort, the quick filter, a currency filter, the affiliate
 * drawer, the dashboard, the exception queue, the batch list, whoami, the batch preview as the
 * builder asks for it (totals, a page, a page sorted by amount, one currency's page: paged at the
 * source) and each report of the Reports view. Then it starts a commissions export of every row
 * as a job and times the same calls while it runs (a round every 250 ms, until the job ends), and
 * prints the first call's time and p50 / p95 / max for each, with the export's own time; then the
 * same beside a recalculation job after a rule change (a large part of the ledger rewritten); then
 * the page's part (views-page.ts): the console in Chromium, time to rows and the longest page task
 * for payables, the builder's preview and the Reports view. Targets
 * (issue 18): pages and drawer ≤ 300 ms, dashboard ≤ 500 ms, batch preview ≤ 2 s, reports ≤ 1 s,
 * page long tasks ≤ 100 ms.
 *
 * Usage: npm run bench:views -- [--affiliates N] [--conversions N] [--store pglite|postgres]
 * [--runs N]
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Call } from '../src/core/platform/kernel/router.js';
import type { CredentialStore } from '../src/core/platform/credentials/store.js';
import type { SignInResult } from '../src/core/domain/operators/commands.js';
import type { JobView } from '../src/core/platform/kernel/jobs.js';
import { resourcePath } from '../src/core/platform/files/resources.js';
import { openWorkstation, type Workstation } from '../src/core/host/workstation/workstation.js';
import { arg, withScratchStore } from './support.js';
import { pagePart, pageSkipReason } from './views-page.js';

const PASSWORD = 'bench password for the views benchmark';
const noSecrets: CredentialStore = {
  kind: 'env',
  get: async () => null,
  set: async () => undefined,
  delete: async () => false,
};

type Caller = <T = unknown>(name: string, payload?: unknown) => Promise<T>;

/** The Reports view's default period (about six months, as the console opens it). */
const PERIOD = { from: '2026-05-25', to: '2026-11-22' };

/** The interactive calls, each as the console makes it. */
function interactive(affiliateId: string): [label: string, name: string, payload: unknown][] {
  return [
    ['payables first page', 'payables.page', { offset: 0, limit: 100 }],
    [
      'payables sorted by payable',
      'payables.page',
      { offset: 0, limit: 100, sort: { field: 'payableMinor', dir: 'desc' } },
    ],
    ['payables quick filter', 'payables.page', { offset: 0, limit: 100, search: 'SANTOS' }],
    ['payables currency filter', 'payables.page', { offset: 0, limit: 100, currency: 'PHP' }],
    // The grid's column filters (issue 22): provider and reason, and an amount range typed as shown.
    [
      'payables column filters',
      'payables.page',
      { offset: 0, limit: 100, filters: { provider: ['xendit'], reason: ['below_minimum'] } },
    ],
    [
      'payables amount range',
      'payables.page',
      { offset: 0, limit: 100, currency: 'PHP', filters: { payable: { min: '1,000.00' } } },
    ],
    ['affiliate drawer', 'affiliate.detail', { affiliateId }],
    ['dashboard', 'dashboard.summary', {}],
    ['exception queue', 'exceptions.list', { limit: 100 }],
    ['batch list', 'batch.list', {}],
    ['whoami', 'session.whoami', {}],
    // As the builder asks: totals (no rows), then pages sorted and filtered at the source.
    ['batch preview, all: totals', 'batch.previewPage', { offset: 0, limit: 0 }],
    ['batch preview, all: page', 'batch.previewPage', { offset: 0, limit: 100, show: 'all' }],
    [
      'batch preview, sorted by amount',
      'batch.previewPage',
      { offset: 0, limit: 100, show: 'all', sort: { field: 'amountMinor', dir: 'desc' } },
    ],
    [
      'batch preview, PHP: page',
      'batch.previewPage',
      { currency: 'PHP', offset: 0, limit: 100, show: 'all' },
    ],
    [
      'report: time series',
      'reports.timeSeries',
      { granularity: 'week', currency: 'USD', ...PERIOD },
    ],
    ['report: provider analysis', 'reports.providerAnalysis', PERIOD],
    ['report: journal', 'reports.journal', { ...PERIOD, currency: 'USD' }],
    [
      'report: affiliate perf.',
      'reports.affiliatePerformance',
      { offset: 0, limit: 100, currency: 'USD' },
    ],
    ['report: monitoring', 'reports.monitoring', { stuckAfterMinutes: 60 }],
  ];
}

interface Stat {
  p50: number;
  p95: number;
  max: number;
}
const stat = (ms: number[]): Stat => {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1]! };
};

/**
 * `runs` rounds of every call; beside a job, a round every `pauseMs` (an operator's pace) until it
 * ends.
 */
async function timeCalls(
  call: Caller,
  calls: ReturnType<typeof interactive>,
  runs: number,
  stillRunning: () => boolean = () => true,
  pauseMs = 0,
  say = false,
): Promise<Record<string, Stat>> {
  const times = new Map<string, number[]>();
  for (let r = 0; r < runs && stillRunning(); r++) {
    if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    for (const [label, name, payload] of calls) {
      const t0 = performance.now();
      await call(name, payload);
      const ms = Math.round(performance.now() - t0);
      (times.get(label) ?? times.set(label, []).get(label)!).push(ms);
      if (say) process.stdout.write(`    first ${label}: ${ms} ms\n`);
    }
  }
  return Object.fromEntries([...times].map(([label, ms]) => [label, stat(ms)]));
}

async function prepare(
  ws: Workstation,
  n: { affiliates: number; conversions: number },
): Promise<Caller> {
  const base = { workstationId: ws.id };
  await ws.call({
    ...base,
    name: 'operators.bootstrap',
    payload: { username: 'bench', password: PASSWORD },
  });
  const signed = await ws.call<SignInResult>({
    ...base,
    name: 'session.signIn',
    payload: { username: 'bench', password: PASSWORD },
  });
  if (!signed.ok) throw new Error('sign-in failed');
  const call: Caller = (name, payload = {}) =>
    ws.call({ ...base, session: signed.token, name, payload } as Call);
  let t0 = performance.now();
  await call('demo.generate', {
    affiliates: n.affiliates,
    conversions: n.conversions,
    seed: 7,
    until: '2026-11-01T00:00:00Z',
  });
  process.stdout.write(`  demo data in ${Math.round(performance.now() - t0)} ms; `);
  t0 = performance.now();
  await call('commissions.calculate', { asOf: '2026-11-21T00:00:00Z' });
  process.stdout.write(`calc in ${Math.round(performance.now() - t0)} ms\n`);
  return call;
}

/**
 * The same calls beside a recalculation job that rewrites a large part of the ledger: a new rule
 * version (the first tier at 12 % instead of 10 %) from 2026-08-01, as when the programme's terms
 * change.
 */
async function besideCalculation(
  ws: Workstation,
  call: Caller,
  calls: ReturnType<typeof interactive>,
) {
  const body = JSON.parse(readFileSync(resourcePath('examples/rules.json'), 'utf8')) as {
    tiers: { brackets: { percentBps: number }[] };
  };
  const brackets = body.tiers.brackets.map((b, i) => (i === 0 ? { ...b, percentBps: 1200 } : b));
  await call('rules.set', {
    body: { ...body, tiers: { ...body.tiers, brackets } },
    effectiveFrom: '2026-08-01T00:00:00Z',
  });
  const t0 = performance.now();
  const job = await call<JobView>('jobs.start', {
    name: 'commissions.calculate',
    payload: { asOf: '2026-11-21T00:00:00Z' },
  });
  let running = true;
  const ended = ws.jobs.settled(job.id).then(() => (running = false));
  const beside = await timeCalls(call, calls, 10_000, () => running, 250);
  await ended;
  const finished = ws.jobs.get(job.id, 'bench');
  const summary = finished.result as { updated: number } | null;
  return {
    beside,
    ms: Math.round(performance.now() - t0),
    state: finished.state,
    updated: summary?.updated ?? null,
  };
}

const row = (label: string, s: Stat | undefined) =>
  `    ${label.padEnd(32)} ${s ? `${String(s.p50).padStart(6)} ${String(s.p95).padStart(6)} ${String(s.max).padStart(6)}` : '     (the job ended first)'}`;

export async function main(args: string[]): Promise<void> {
  const n = {
    affiliates: Number(arg(args, 'affiliates', '100000')),
    conversions: Number(arg(args, 'conversions', '1000000')),
  };
  const store = arg(args, 'store', 'pglite') as 'pglite' | 'postgres';
  const runs = Number(arg(args, 'runs', '5'));
  process.stdout.write(
    `bench:views — interactive calls at ${n.affiliates.toLocaleString('en-US')} affiliates / ${n.conversions.toLocaleString('en-US')} conversions (${store}), alone and beside an export job; ${os.cpus().length} cores, Node ${process.version}\n`,
  );
  const result = await withScratchStore(store, async ({ dataDir, url }) => {
    const ws = await openWorkstation({ dataDir, centralUrl: url, credentials: noSecrets });
    let closed = false;
    const close = async () => {
      if (!closed) await ws.close();
      closed = true;
    };
    try {
      const call = await prepare(ws, n);
      // Every call, reports included (they sum the maintained aggregates, reports/aggregates.ts),
      // is timed in every round, alone and beside the export.
      const calls = interactive('aff-000042');
      const first = await timeCalls(call, calls, 1, () => true, 0, true); // the first of each builds what later ones reuse
      const alone = await timeCalls(call, calls, runs);
      const out = path.join(dataDir, 'bench-export.csv');
      const t0 = performance.now();
      const job = await call<JobView>('jobs.start', {
        name: 'export.commissions',
        payload: { format: 'csv', out },
      });
      let running = true;
      const ended = ws.jobs.settled(job.id).then(() => (running = false));
      const beside = await timeCalls(call, calls, 10_000, () => running, 250);
      await ended;
      const exportMs = Math.round(performance.now() - t0);
      const finished = ws.jobs.get(job.id, 'bench');
      const calc = await besideCalculation(ws, call, calls);
      await close(); // the page's part opens the data dir in a host of its own
      const skip = pageSkipReason();
      const page =
        skip ??
        (await pagePart({ dataDir, centralUrl: url, username: 'bench', password: PASSWORD }).catch(
          (e: unknown) => `it failed: ${(e as Error).message}`,
        ));
      const exported = {
        state: finished.state,
        rows: (finished.result as { rowCount?: number } | null)?.rowCount ?? null,
      };
      return { first, alone, beside, exportMs, export: exported, calc, page };
    } finally {
      await close();
    }
  });
  process.stdout.write(
    `  ms                               first   p50    p95    max   beside the export job: p50 / p95 / max   beside the calculation job\n`,
  );
  for (const label of Object.keys(result.first).filter((l) => !(l in result.alone)))
    process.stdout.write(
      `    ${label.padEnd(32)} ${String(result.first[label]!.max).padStart(6)}   (timed once)\n`,
    );
  for (const label of Object.keys(result.alone))
    process.stdout.write(
      `${row(label, result.alone[label]).replace(label.padEnd(32), `${label.padEnd(32)} ${String(result.first[label]!.max).padStart(6)}`)}   ${row('', result.beside[label]).trim().padEnd(22)}   ${row('', result.calc.beside[label]).trim()}\n`,
    );
  process.stdout.write(
    `  the export job: ${result.export.state}, ${result.export.rows?.toLocaleString('en-US') ?? '?'} rows in ${result.exportMs} ms\n`,
  );
  process.stdout.write(
    `  the calculation job (12 % from 2026-08-01): ${result.calc.state}, ${result.calc.updated?.toLocaleString('en-US') ?? '?'} commissions updated in ${result.calc.ms} ms\n`,
  );
  if (typeof result.page === 'string')
    process.stdout.write(`  in the page: skipped, ${result.page}\n`);
  else {
    process.stdout.write(
      `  in the page (Chromium, 1440×900)          time to rows   longest task\n`,
    );
    for (const f of result.page)
      process.stdout.write(
        `    ${f.label.padEnd(38)} ${String(f.toRowsMs).padStart(8)} ms ${String(f.longestTaskMs).padStart(9)} ms\n`,
      );
  }
  process.stdout.write(JSON.stringify({ store, ...n, runs, ...result }) + '\n');
}
