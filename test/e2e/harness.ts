/**
 * The end-to-end harness: real browser hosts over real workstations, started before Playwright's
 * tests and stopped after them (test/e2e/global-setup.ts runs this file with tsx and reads the one
 * JSON line it prints). The scenarios, each its own data dir and host:
 *
 * - **flow**: embedded PGlite central, demo data, operators maker (processor), checker (admin) and
 *   viewer; the fake Xendit server over real HTTP on loopback is the provider.
 * - **large**: over 100,000 affiliates with payables, for the grid that must scroll and filter.
 * - **fresh**: an empty data dir, for the first-run setup in the page.
 * - **offline**: the real PostgreSQL as central, reached through a TCP relay this harness can cut
 *   ("central stopped"); an approved batch waits for execution.
 * - **exceptions**: embedded PGlite, demo data, and an approved batch of some sixty IDR payouts
 *   through the sandbox provider set to fail about a third of them (seeded): a run with failures,
 *   the exception queue, retries and the desktop alert.
 * - **affiliates**: embedded PGlite, demo data, for acting on affiliates from their drawer: one
 *   affiliate to hold and release, and two paid through an e-wallet above its maximum (split
 *   payouts) — one already in a draft batch (its payouts are parts), one still in the preview.
 *
 * More scenarios plug in as files: test/e2e/scenarios/<name>.ts exports `build(root)` (kit.ts has
 * what they share), and its answer reaches the specs under <name> (`scenarioPart(name)`).
 * TREASURY_E2E_ONLY=flow,offline builds only those (to run one spec without the large one).
 *
 * Secrets come from the environment store (TREASURY_CREDENTIAL_STORE=env): the cache key and the
 * fake provider's key are random per run and never written anywhere.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import type { WorkstationDoor } from '../../src/core/host/workstation/thread/door.js';
import { startFakeXendit } from '../fakes/xendit.js';
import { tcpRelay } from '../support/tcp-relay.js';
import {
  approvedBatch,
  cleanups,
  E2E_PASSWORD,
  host,
  log,
  PG_URL,
  relayControl,
  seed,
  type SeedCall,
} from './kit.js';

/**
 * The scenarios to build: all, or those TREASURY_E2E_ONLY names (comma-separated), to run one spec
 * without waiting for the large one.
 */
const ONLY = process.env.TREASURY_E2E_ONLY?.split(',').map((s) => s.trim());
const wanted = (name: string) => !ONLY || ONLY.includes(name);

interface PreviewRowSeen {
  affiliateId: string;
  provider: string | null;
  channelCode: string | null;
  amountMinor: string;
  eligible: boolean;
  parts: string[] | null;
}

const previewIdr = async (call: SeedCall) =>
  (
    (await call('batch.preview', { provider: 'xendit', currency: 'IDR' })) as {
      rows: PreviewRowSeen[];
    }
  ).rows.filter((r) => r.eligible);
/**
 * Above this, an IDR payout through OVO is split (Xendit's e-wallet maximum, IDR 20,000,000, in
 * minor units).
 */
const OVO_MAXIMUM_MINOR = 2_000_000_000n;

/**
 * An eligible IDR affiliate whose payout the preview splits, not one of `taken`: one the demo data
 * has, else the biggest earner paid by bank moved to OVO (affiliate.setDestination) so that it is.
 */
async function splitAffiliate(call: SeedCall, taken: readonly string[]): Promise<string> {
  const rows = (await previewIdr(call)).filter((r) => !taken.includes(r.affiliateId));
  const split = rows.find((r) => r.parts !== null && r.parts.length > 1);
  if (split) return split.affiliateId;
  const big = rows
    .filter((r) => BigInt(r.amountMinor) > OVO_MAXIMUM_MINOR)
    .sort((a, b) => (BigInt(b.amountMinor) > BigInt(a.amountMinor) ? 1 : -1))[0];
  if (!big)
    throw new Error(
      'affiliates scenario: no IDR earner above IDR 20,000,000 to pay through OVO in parts',
    );
  await call('affiliate.setDestination', {
    affiliateId: big.affiliateId,
    provider: 'xendit',
    channelCode: 'ID_OVO',
    accountNumber: `0812${big.affiliateId.replace(/\D/g, '').padStart(8, '0')}`,
    accountHolderName: big.affiliateId,
    reason: 'e2e: an e-wallet destination above its maximum',
  });
  const now = (await previewIdr(call)).find((r) => r.affiliateId === big.affiliateId);
  if (!now?.parts || now.parts.length < 2)
    throw new Error(`affiliates scenario: ${big.affiliateId} on OVO is not split`);
  return big.affiliateId;
}

/**
 * The affiliates scenario's cast: whom to hold, whose split payouts are in a batch, whose in the
 * preview.
 */
async function affiliatesCast(
  call: SeedCall,
): Promise<{ held: string; splitInBatch: string; splitInPreview: string }> {
  const splitInBatch = await splitAffiliate(call, []);
  await call('batch.create', {
    provider: 'xendit',
    currency: 'IDR',
    affiliateIds: [splitInBatch],
    note: 'e2e: a split payout',
  });
  const splitInPreview = await splitAffiliate(call, [splitInBatch]);
  const held = (await previewIdr(call)).find(
    (r) => r.affiliateId !== splitInBatch && r.affiliateId !== splitInPreview && r.parts === null,
  );
  if (!held) throw new Error('affiliates scenario: no other eligible IDR affiliate');
  return { held: held.affiliateId, splitInBatch, splitInPreview };
}

/**
 * Builds the payables set the dashboard and the grids keep (console/kept.ts) before the browser
 * arrives: the first one over 125,000 affiliates is an aggregate of every commission, which on a
 * starved machine took longer than a spec waits, and the specs test permissions and paging here,
 * not a cold start (issue 18's subject: a long call must not hold the others up).
 */
async function warm(door: WorkstationDoor): Promise<void> {
  const signed = (await door.call({
    name: 'session.signIn',
    payload: { username: 'admin', password: E2E_PASSWORD },
    workstationId: door.id,
  })) as SignInResult;
  if (!signed.ok) throw new Error('admin sign-in failed');
  await door.call({
    name: 'dashboard.summary',
    payload: {},
    session: signed.token,
    workstationId: door.id,
  });
  await door.call({
    name: 'session.signOut',
    payload: { token: signed.token },
    session: signed.token,
    workstationId: door.id,
  });
}

const demo = { seed: 7, until: '2026-11-01' } as const;

/** flow: the working day (flow.spec.ts). */
async function flow(root: string) {
  const dir = path.join(root, 'flow');
  await seed(dir, undefined, async (call) => {
    await call('demo.generate', { affiliates: 60, conversions: 4000, ...demo });
    await call('commissions.calculate', {});
  });
  const { host: h } = await host(dir);
  return { url: h.url };
}

/** fresh: an empty data dir, as `npm start` opens it on a new machine (first-run setup). */
async function fresh(root: string) {
  const { host: h } = await host(path.join(root, 'fresh'));
  return { url: h.url };
}

/**
 * large: over 100,000 affiliates with open amounts (the demo leaves some affiliates without
 * conversions: 140,000 affiliates and three conversions each on average give about 125,000 rows).
 */
async function large(root: string) {
  const dir = path.join(root, 'large');
  await seed(dir, undefined, async (call) => {
    await call('demo.generate', {
      affiliates: 140_000,
      conversions: 420_000,
      seed: 5,
      until: demo.until,
    });
    await call('commissions.calculate', {});
  });
  const { door, host: h } = await host(dir);
  await warm(door);
  return { url: h.url };
}

/**
 * exceptions: the sandbox fails a share of payouts when they settle (a hash of its seed and each
 * attempt's key), with Xendit's codes — some final, some retried automatically first.
 */
async function exceptions(root: string) {
  const dir = path.join(root, 'exceptions');
  let failing = '';
  await seed(dir, undefined, async (call, ws) => {
    await ws.central.db.execute(
      sql`INSERT INTO settings (key, value) VALUES ('providers', ${JSON.stringify({ sandbox: { seed: 5, failureRate: 0.35 } })}::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    );
    await call('demo.generate', { affiliates: 1500, conversions: 30_000, ...demo });
    await call('commissions.calculate', {});
    failing = await approvedBatch(call, ws, { provider: 'sandbox', currency: 'IDR' });
  });
  const { host: h } = await host(dir);
  // A second link for look.spec.ts (each link opens the console once; exceptions.spec uses the first).
  return { url: h.url, lookUrl: h.newLink(), approvedBatch: failing };
}

/** affiliates: the same small demo as flow, with its cast picked (and made, if the demo lacks it). */
async function affiliates(root: string) {
  const dir = path.join(root, 'affiliates');
  let cast = { held: '', splitInBatch: '', splitInPreview: '' };
  await seed(dir, undefined, async (call) => {
    await call('demo.generate', { affiliates: 60, conversions: 4000, ...demo });
    await call('commissions.calculate', {});
    cast = await affiliatesCast(call);
  });
  const { host: h } = await host(dir);
  return { url: h.url, ...cast };
}

/** offline: real Postgres in a scratch database, through a relay the control server cuts. */
async function offline(root: string) {
  const dbName = `treasury_e2e_${randomBytes(4).toString('hex')}`;
  const admin = postgres(PG_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  await admin.end();
  cleanups.push(async () => {
    const a = postgres(PG_URL, { max: 1, onnotice: () => {} });
    await a.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await a.end();
  });
  const direct = new URL(PG_URL);
  direct.pathname = `/${dbName}`;
  const dir = path.join(root, 'offline');
  let approved = '';
  await seed(dir, direct.toString(), async (call, ws) => {
    await call('demo.generate', { affiliates: 30, conversions: 1500, seed: 9, until: demo.until });
    await call('commissions.calculate', {});
    approved = await approvedBatch(call, ws, { provider: 'xendit', currency: 'PHP' });
  });
  const pg = new URL(PG_URL);
  const cut = await tcpRelay({ host: pg.hostname, port: Number(pg.port || 5432) });
  cleanups.push(() => cut.stop());
  const viaRelay = new URL(direct.toString());
  viaRelay.host = `127.0.0.1:${cut.port()}`;
  const { host: h } = await host(dir, viaRelay.toString());
  return { url: h.url, approvedBatch: approved, control: await relayControl(cut) };
}

const BUILT_IN: Record<string, (root: string) => Promise<object>> = {
  flow,
  fresh,
  large,
  exceptions,
  affiliates,
  offline,
};

/** The scenarios in test/e2e/scenarios/: each file's `build(root)`, under the file's name. */
async function pluggedIn(): Promise<Record<string, (root: string) => Promise<object>>> {
  const dir = path.join(import.meta.dirname, 'scenarios');
  const found: Record<string, (root: string) => Promise<object>> = {};
  if (!existsSync(dir)) return found;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort()) {
    const m = (await import(path.join(dir, file))) as { build(root: string): Promise<object> };
    found[file.replace(/\.ts$/, '')] = m.build;
  }
  return found;
}

async function main(): Promise<void> {
  process.env.TREASURY_CREDENTIAL_STORE = 'env';
  process.env.TREASURY_CACHE_KEY = randomBytes(32).toString('hex');
  const xendit = await startFakeXendit({ seed: 11 });
  cleanups.push(() => xendit.close());
  process.env.TREASURY_XENDIT_URL = xendit.url;
  process.env.TREASURY_SECRET_PROVIDER_XENDIT_SECRET_KEY = xendit.secretKey;
  const root = mkdtempSync(path.join(os.tmpdir(), 'treasury-e2e-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const out: Record<string, unknown> = { password: E2E_PASSWORD };
  for (const [name, build] of Object.entries({ ...BUILT_IN, ...(await pluggedIn()) })) {
    if (!wanted(name)) continue;
    const started = Date.now();
    out[name] = await build(root);
    log(`${name} ready in ${Date.now() - started} ms`);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch (error) {
      log(`cleanup: ${(error as Error).message}`);
    }
  }
  process.exit(code);
}
process.once('SIGTERM', () => void stop(0));
process.once('SIGINT', () => void stop(0));
// The parent (Playwright's global setup) gone means the run is over: stop with it.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) void stop(0);
}, 1000).unref();

main().catch((error: unknown) => {
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  void stop(1);
});
