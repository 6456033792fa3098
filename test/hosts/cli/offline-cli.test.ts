/**
 * The CLI on the local cache alone. A workstation syncs with a real central Postgres, then the
 * central store becomes unreachable (the same data dir pointed at a port nothing listens on, as
 * when the network is gone): every read answers from the encrypted cache exactly as it did online,
 * batch preparation is queued in the outbox, execution is refused with OFFLINE, sign-in works
 * against the cached verifier. Back online, one sync pushes the prepared batch and the central
 * store has it.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, type CliResult } from '../../support/cli.js';
import { tempDir } from '../../support/central.js';
import { createTestDatabase, pgAvailable } from '../../support/pg.js';

const PASSWORD = 'correct-horse-battery-staple';
/** Nothing listens on port 1: connecting is refused at once, like a central store that is down. */
const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/test';

type Result = CliResult;

describe.skipIf(!pgAvailable)('treasury CLI offline: the encrypted cache alone', () => {
  const tmp = tempDir('treasury-cli-offline-');
  let db: { url: string; drop: () => Promise<void> };
  let env: NodeJS.ProcessEnv;

  const treasury = (
    args: string[],
    central: string,
    extra: NodeJS.ProcessEnv = {},
  ): Promise<Result> =>
    runCli(['--data-dir', path.join(tmp.dir, 'data'), '--central', central, ...args], {
      cwd: tmp.dir,
      env: { ...env, ...extra },
    });
  const ok = async (args: string[], central: string, extra: NodeJS.ProcessEnv = {}) => {
    const r = await treasury(args, central, extra);
    if (r.code !== 0) throw new Error(`treasury ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const online = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    ok(['--json', ...args], db.url, extra).then((r) => JSON.parse(r.stdout) as unknown);
  const offline = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    ok(['--json', ...args], UNREACHABLE, extra).then((r) => JSON.parse(r.stdout) as unknown);
  const action = (e: { action: string }) => e.action;
  const strip = (v: unknown) =>
    JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'offline' ? undefined : x))) as unknown;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = cliEnv({
      TREASURY_CACHE_KEY: randomBytes(32).toString('hex'),
      TREASURY_INIT_PASSWORD: PASSWORD,
      TREASURY_USERNAME: 'admin',
      TREASURY_PASSWORD: PASSWORD,
    });
    await ok(['init'], db.url);
    await ok(
      [
        'demo',
        '--affiliates',
        '60',
        '--conversions',
        '3000',
        '--seed',
        '5',
        '--until',
        '2026-11-01',
      ],
      db.url,
    );
    await ok(['calc'], db.url);
    await ok(['operators', 'add', '--username', 'checker', '--role', 'manager'], db.url, {
      TREASURY_NEW_PASSWORD: PASSWORD,
    });
    // Each operator signs in online once here (leaving the verifier), then the cache is filled.
    await ok(['whoami'], db.url, { TREASURY_USERNAME: 'checker' });
    await ok(['sync'], db.url);
  }, 240_000);
  afterAll(async () => {
    await db?.drop();
    tmp.remove();
  });

  it('answers reads from the cache exactly as the central store does', async () => {
    for (const args of [
      ['payables'],
      ['batch', 'preview', '--currency', 'PHP'],
      ['rules', 'show'],
      ['batch', 'list'],
    ]) {
      const central = await online(args);
      const local = await offline(args);
      // The preview is stamped with the instant it was made; everything else must agree.
      const unstamp = (v: unknown) =>
        JSON.parse(
          JSON.stringify(strip(v), (k, x: unknown) =>
            k === 'asOf' || k === 'generatedAt' ? undefined : x,
          ),
        ) as unknown;
      expect(unstamp(local), args.join(' ')).toEqual(unstamp(central));
    }
    const payables = (await offline(['payables'])) as unknown[];
    expect(payables.length).toBeGreaterThan(10);
    expect(await offline(['events'])).toEqual(await online(['events']));
    // The audit tail as last synced: every cached entry is the central entry of that seq, hash for
    // hash.
    type Entry = { seq: string; hash: string; action: string };
    const tail = (await offline(['audit', 'tail', '--limit', '50'])) as Entry[];
    const central = new Map(
      ((await online(['audit', 'tail', '--limit', '500'])) as Entry[]).map((e) => [e.seq, e.hash]),
    );
    expect(tail.length).toBeGreaterThan(5);
    expect(tail.map((e) => action(e))).toContain('sync.pull');
    for (const e of tail) expect(central.get(e.seq), `audit entry ${e.seq}`).toBe(e.hash);
  }, 120_000);

  it('prepares offline, refuses what needs the central store, and pushes when back online', async () => {
    const status0 = (await offline(['sync', 'status'])) as {
      connectivity: { online: boolean; reason: string };
      pending: number;
      lastPullAt: string | null;
    };
    expect(status0.connectivity.online).toBe(false);
    expect(status0.connectivity.reason).toMatch(/cannot reach the central Postgres/);
    expect(status0.lastPullAt).not.toBeNull();

    const created = (await offline([
      'batch',
      'create',
      '--currency',
      'PHP',
      '--provider',
      'xendit',
    ])) as {
      offline: boolean;
      batches: { id: string; number: string; payouts: number; contentHash: string }[];
    };
    expect(created.offline).toBe(true);
    const batch = created.batches[0]!;
    expect(batch.payouts).toBeGreaterThan(0);
    expect(batch.number).toMatch(/^LOCAL-/);
    await offline(['batch', 'submit', batch.id]);
    const approved = (await offline(['batch', 'approve', batch.id], {
      TREASURY_USERNAME: 'checker',
    })) as { status: string };
    expect(['APPROVED', 'SUBMITTED']).toContain(approved.status);
    const shown = (await offline(['batch', 'show', batch.id])) as {
      status: string;
      contentHash: string;
      approvals: { by: string; valid: boolean }[];
    };
    expect(shown.contentHash).toBe(batch.contentHash);
    expect(shown.approvals.map((a) => [a.by, a.valid])).toEqual([['checker', true]]);

    // Refused offline, with the reason and exit code 1 (the user's situation, not a bug).
    for (const args of [
      ['batch', 'execute', batch.id],
      ['reconcile', '--provider', 'xendit', '--from', '2026-10-01', '--to', '2026-11-01'],
      ['calc'],
      ['provider', 'balance', '--provider', 'xendit', '--currency', 'PHP'],
    ]) {
      const r = await treasury(args, UNREACHABLE);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/OFFLINE|needs the central store/);
    }
    // Offline sign-in checks the cached verifier: a wrong password is refused.
    const wrong = await treasury(['whoami'], UNREACHABLE, {
      TREASURY_PASSWORD: 'not-the-password-at-all',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/sign-in failed/);

    const pending = (await offline(['outbox', 'list'])) as { name: string; status: string }[];
    expect(pending.map((e) => [e.name, e.status])).toEqual([
      ['batch.create', 'pending'],
      ['batch.submit', 'pending'],
      ['batch.approve', 'pending'],
    ]);

    // Back online: the admin's commands go up under the admin's session; the checker's approval
    // waits for the checker, who syncs next.
    const first = (await online(['sync'])) as {
      online: boolean;
      pushed: { applied: number; rejected: unknown[]; stoppedBecause: string | null };
    };
    expect(first.online).toBe(true);
    expect(first.pushed.applied).toBe(2);
    expect(first.pushed.stoppedBecause).toMatch(/checker must sign in online/);
    const second = (await online(['sync'], { TREASURY_USERNAME: 'checker' })) as {
      pushed: { applied: number; rejected: unknown[] };
    };
    expect(second.pushed).toMatchObject({ applied: 1, rejected: [] });

    const central = (await online(['batch', 'show', batch.id])) as {
      status: string;
      contentHash: string;
      approvals: { by: string; valid: boolean }[];
    };
    expect(central.contentHash).toBe(batch.contentHash);
    expect(central.approvals.map((a) => [a.by, a.valid])).toEqual([['checker', true]]);
    expect(central.status).toBe(approved.status);
    const status1 = (await online(['sync', 'status'])) as {
      connectivity: { online: boolean };
      pending: number;
      rejected: number;
    };
    expect(status1).toMatchObject({ connectivity: { online: true }, pending: 0, rejected: 0 });
  }, 240_000);
});
