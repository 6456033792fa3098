/**
 * Drill: two workstations whose clocks are hours apart — A three hours ahead, B two hours behind —
 * work on one central store (the real Postgres) through real flows: sign-in and step-up,
 * calculation and batch preparation around a hold period, offline preparation with their outboxes
 * interleaved, push, approvals across, execution against the fake Xendit over real HTTP (with a
 * transient failure retried), pulls, the audit trail.
 *
 * What matters must not follow a workstation's clock: sessions, step-up windows, hold periods,
 * retry times, settlement times and audit times are the central store's; the order of commands is
 * each outbox's sequence and, centrally, the commit order; sync cursors are transaction ids; keys
 * do not come from the clock. A workstation's own timestamps (an outbox entry's creation time) are
 * kept as written, for information only.
 *
 * The clocks are skewed with a replaced `Date` (test/support/skewed-clock.ts) around each
 * workstation's calls; the calls never overlap. Nothing here waits for time to pass: where time
 * matters, the central rows are aged with SQL (`now() - interval …`).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash } from '../../src/core/platform/kernel/router.js';
import type { ExecuteResult, ProviderResolver } from '../../src/core/domain/execution/executor.js';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import { idempotencyKey } from '../../src/core/platform/payments/provider.js';
import { xenditProvider } from '../../src/core/domain/providers/xendit/client.js';
import type { OutboxEntry } from '../../src/core/platform/cache/outbox.js';
import { cacheContentHash } from '../../src/core/local/sync/pull.js';
import type { PushResult } from '../../src/core/local/sync/push.js';
import { openWorkstation, type Workstation } from '../../src/core/host/workstation/workstation.js';
import { tempDir } from '../support/central.js';
import { openScenario, providerAgreement, type Scenario } from '../support/payouts.js';
import { createTestDatabase, pgAvailable } from '../support/pg.js';
import { installSkewedClock, type SkewedClock } from '../support/skewed-clock.js';
import { startWebhookRelay } from '../../src/core/domain/webhooks/relay.js';
import { addOperator, ADMIN_PASSWORD, memoryCredentials } from '../support/workstation.js';

const HOUR = 3_600_000;
const AHEAD = 3 * HOUR;
const BEHIND = -2 * HOUR;
/**
 * How far a timestamp may be from the central clock's window and still be "the central clock's".
 */
const SLACK_MS = 60_000;

interface Preview {
  rows: {
    affiliateId: string;
    sourceCurrency: string;
    eligible: boolean;
    commissionCount: number;
    heldCount: number;
  }[];
  eligibleCount: number;
  asOf: string;
}
interface Created {
  batches: { id: string; number: string; contentHash: string; payouts: number }[];
  offline?: boolean;
}
interface SyncRun {
  online: boolean;
  pushed: PushResult | null;
}

describe.skipIf(!pgAvailable)(
  'drill: workstation clocks hours apart (+3 h, −2 h) on one central store (real Postgres)',
  () => {
    let db: { url: string; drop: () => Promise<void> };
    let s: Scenario;
    let direct: postgres.Sql;
    let clock: SkewedClock;
    const dirs = { a: tempDir('treasury-clock-a-'), b: tempDir('treasury-clock-b-') };
    const credentials = { a: memoryCredentials(), b: memoryCredentials() };
    let A: Workstation;
    let B: Workstation;
    let aToken = '';
    let bToken = '';
    /** The central clock when the drill started and the first audit entry it wrote. */
    let t0 = 0;
    let seq0 = 0n;
    const held = { affiliate: '', commission: '' };
    let onlineBatch = { id: '', contentHash: '' };
    let offlineA: OutboxEntry[] = [];
    let offlineB: OutboxEntry[] = [];
    let realAtPreparation = 0;
    let batchB = '';
    let heldBatch = '';
    let pushA: SyncRun;
    let pushB: SyncRun;

    const centralNow = async () =>
      Number(
        (
          await direct`SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS ms`
        )[0]!.ms,
      );
    const on = <T>(offset: number, fn: () => Promise<T>) => clock.during(offset, fn);
    const callOn = <T>(
      ws: Workstation,
      offset: number,
      token: string | null,
      name: string,
      payload: unknown = {},
    ) =>
      on(offset, () =>
        ws.call<T>({ name, payload, session: token, workstationId: ws.id, id: randomUUID() }),
      );
    const callA = <T>(name: string, payload: unknown = {}) =>
      callOn<T>(A, AHEAD, aToken, name, payload);
    const callB = <T>(name: string, payload: unknown = {}) =>
      callOn<T>(B, BEHIND, bToken, name, payload);
    const refusal = async (p: Promise<unknown>) =>
      p.then(
        () => ({ code: 'none', message: 'it succeeded' }),
        (e: { code?: string; message?: string }) => ({
          code: e.code ?? '?',
          message: e.message ?? '',
        }),
      );
    const signIn = async (ws: Workstation, offset: number, username: string) => {
      const r = await callOn<SignInResult>(ws, offset, null, 'session.signIn', {
        username,
        password: ADMIN_PASSWORD,
      });
      if (!r.ok) throw new Error(r.reason);
      return r.token;
    };

    beforeAll(async () => {
      db = await createTestDatabase();
      direct = postgres(db.url, { max: 1, onnotice: () => {} });
      s = await openScenario('postgres', {
        url: db.url,
        affiliates: 40,
        conversions: 2_000,
        seed: 13,
        timeoutMs: 2_000,
      });
      await addOperator(s.tw, 'ops', 'admin'); // B's operator; A's is the bootstrap admin
      // One approver per batch here (the two-approver rule has its own tests).
      await direct`INSERT INTO settings (key, value) VALUES ('high_value_thresholds', ${direct.json({ IDR: '1000000000000', PHP: '100000000', USD: '10000000' })})
                 ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;
      // A conversion whose 30-day hold ends one hour from now, by the central clock.
      const [aff] = await direct<
        { id: string }[]
      >`SELECT id FROM affiliates WHERE payout_currency = 'PHP' AND payout_provider = 'xendit' AND status = 'active'
                                                AND kyc_status = 'approved' ORDER BY id LIMIT 1`;
      held.affiliate = aff!.id;
      await direct`INSERT INTO conversions (id, affiliate_id, occurred_at, product, gross_minor, discount_minor, currency, status)
                 VALUES ('drill-held-1', ${held.affiliate}, now() - interval '30 days' + interval '1 hour', 'pro-plan', 10000000, 0, 'PHP', 'approved')`;

      clock = installSkewedClock();
      const providers: ProviderResolver = async (name) => {
        if (name !== 'xendit') throw new Error(`the drill only wires xendit (asked for ${name})`);
        return xenditProvider({
          baseUrl: s.fake.url,
          secretKey: s.fake.secretKey,
          timeoutMs: 2_000,
        });
      };
      A = await on(AHEAD, () =>
        openWorkstation({
          dataDir: dirs.a.dir,
          centralUrl: db.url,
          credentials: credentials.a,
          providers,
        }),
      );
      B = await on(BEHIND, () =>
        openWorkstation({
          dataDir: dirs.b.dir,
          centralUrl: db.url,
          credentials: credentials.b,
          providers,
        }),
      );
      t0 = await centralNow();
      seq0 = BigInt((await direct`SELECT seq::text AS seq FROM audit_head`)[0]!.seq);
    }, 300_000);

    afterAll(async () => {
      clock?.uninstall();
      await A?.close();
      await B?.close();
      await direct?.end({ timeout: 5 });
      await s?.cleanup();
      await db?.drop();
      for (const d of Object.values(dirs)) d.remove();
    });

    // ------------------------------------------------------------------------------- sessions

    it('a workstation 3 h ahead signs in and works: sessions are timed by the central clock', async () => {
      aToken = await signIn(A, AHEAD, 'admin');
      const me = await callA<{ username: string }>('session.whoami');
      expect(me.username).toBe('admin');
      // The session's times are the central store's, not the workstation's.
      const [row] =
        await direct`SELECT extract(epoch FROM last_seen_at - now())::float8 AS off FROM sessions WHERE token_hash = ${tokenHash(aToken)}`;
      expect(Math.abs(Number(row!.off))).toBeLessThan(SLACK_MS / 1000);
    });

    it('a workstation 2 h behind: a session idle 31 minutes by the central clock has ended', async () => {
      bToken = await signIn(B, BEHIND, 'ops');
      await callB('batch.list');
      await direct`UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE token_hash = ${tokenHash(bToken)}`;
      const refused = await refusal(callB('batch.list'));
      expect(refused.code).toBe('UNAUTHENTICATED');
      expect(refused.message).toMatch(/expired after 30 minutes/);
      bToken = await signIn(B, BEHIND, 'ops');
    });

    it('a workstation 2 h behind: a step-up confirmed 6 minutes ago by the central clock must be confirmed again', async () => {
      await direct`UPDATE sessions SET created_at = now() - interval '6 minutes', stepped_up_at = NULL WHERE token_hash = ${tokenHash(bToken)}`;
      // Step-up is checked before the payload: a batch that does not exist shows which check
      // answered.
      expect((await refusal(callB('batch.execute', { batch: 'B-00000000-000' }))).code).toBe(
        'STEP_UP_REQUIRED',
      );
      expect(
        await callB<{ ok: boolean }>('session.stepUp', { password: ADMIN_PASSWORD }),
      ).toMatchObject({ ok: true });
      expect((await refusal(callB('batch.execute', { batch: 'B-00000000-000' }))).code).toBe(
        'NOT_FOUND',
      );
    });

    // ----------------------------------------------------------------------------- hold period

    it('calculation on the workstation 3 h ahead leaves a commission whose hold ends in an hour pending', async () => {
      await callA('commissions.calculate');
      const [c] = await direct<{ id: string; status: string; left: number }[]>`
      SELECT id::text AS id, status, extract(epoch FROM available_at - now())::float8 AS left FROM commissions WHERE conversion_id = 'drill-held-1'`;
      expect(c!.status).toBe('pending');
      expect(c!.left).toBeGreaterThan(0);
      expect(c!.left).toBeLessThanOrEqual(3600);
      held.commission = c!.id;
    });

    it('payable but still in its hold, it is neither previewed nor taken by the workstation 3 h ahead; the preview is as of the central clock', async () => {
      // What a calculation on a clock running ahead would have stored: the status alone must not
      // release it.
      await direct`UPDATE commissions SET status = 'payable' WHERE id = ${held.commission}::bigint`;
      const before = await centralNow();
      const preview = await callA<Preview>('batch.preview', {
        provider: 'xendit',
        currency: 'PHP',
      });
      expect(Math.abs(Date.parse(preview.asOf) - before)).toBeLessThan(SLACK_MS);
      // Held as the central clock sees it: the drill's commission and any other still in its hold.
      const [still] =
        await direct`SELECT count(*)::int AS n FROM commissions WHERE affiliate_id = ${held.affiliate} AND currency = 'PHP'
                                   AND (status = 'pending' AND reason = 'hold_period' OR status = 'payable' AND available_at > now())`;
      expect(still!.n).toBeGreaterThanOrEqual(1);
      expect(
        preview.rows.find((r) => r.affiliateId === held.affiliate && r.sourceCurrency === 'PHP')
          ?.heldCount,
      ).toBe(still!.n);
      const created = await callA<Created>('batch.create', { provider: 'xendit', currency: 'PHP' });
      expect(created.batches).toHaveLength(1);
      onlineBatch = { id: created.batches[0]!.id, contentHash: created.batches[0]!.contentHash };
      const taken =
        await direct`SELECT count(*)::int AS n FROM payout_items WHERE commission_id = ${held.commission}::bigint AND live`;
      expect(taken[0]!.n).toBe(0);
      await callA('batch.submit', { batch: onlineBatch.id });
    });

    // ------------------------------------------------------------------- offline, interleaved

    it('offline on both, interleaved: each outbox keeps its own order; the workstation times are kept as written, not used', async () => {
      await callA('sync.run');
      await callB('sync.run');
      const offA = await on(AHEAD, () =>
        openWorkstation({ dataDir: dirs.a.dir, offline: true, credentials: credentials.a }),
      );
      const offB = await on(BEHIND, () =>
        openWorkstation({ dataDir: dirs.b.dir, offline: true, credentials: credentials.b }),
      );
      try {
        const offCall = <T>(
          ws: Workstation,
          offset: number,
          token: string,
          name: string,
          payload: unknown,
        ) => callOn<T>(ws, offset, token, name, payload);
        realAtPreparation = clock.realNow();
        // A (3 h ahead) sees the held commission as released: offline, only its own clock can
        // answer.
        const heldOffline = await offCall<Preview>(offA, AHEAD, aToken, 'batch.preview', {
          provider: 'xendit',
          currency: 'PHP',
          affiliateIds: [held.affiliate],
        });
        expect(heldOffline.eligibleCount).toBe(1);
        heldBatch = (
          await offCall<Created>(offA, AHEAD, aToken, 'batch.create', {
            provider: 'xendit',
            currency: 'PHP',
            affiliateIds: [held.affiliate],
          })
        ).batches[0]!.id;
        batchB = (
          await offCall<Created>(offB, BEHIND, bToken, 'batch.create', {
            provider: 'xendit',
            currency: 'IDR',
          })
        ).batches[0]!.id;
        await offCall(offA, AHEAD, aToken, 'batch.submit', { batch: heldBatch });
        await offCall(offB, BEHIND, bToken, 'batch.submit', { batch: batchB });
        offlineA = await offCall<OutboxEntry[]>(offA, AHEAD, aToken, 'outbox.list', {
          status: 'pending',
        });
        offlineB = await offCall<OutboxEntry[]>(offB, BEHIND, bToken, 'outbox.list', {
          status: 'pending',
        });
      } finally {
        await offA.close();
        await offB.close();
      }
      expect(offlineA.map((e) => e.name)).toEqual(['batch.create', 'batch.submit']);
      expect(offlineB.map((e) => e.name)).toEqual(['batch.create', 'batch.submit']);
      for (const list of [offlineA, offlineB])
        expect(list.map((e) => e.seq)).toEqual([...list.map((e) => e.seq)].sort((x, y) => x - y));
      // Kept as each workstation's clock said: B's entries look older than A's although B wrote
      // after A.
      for (const e of offlineA)
        expect(Math.abs(Date.parse(e.createdAt) - (realAtPreparation + AHEAD))).toBeLessThan(
          10 * 60_000,
        );
      for (const e of offlineB)
        expect(Math.abs(Date.parse(e.createdAt) - (realAtPreparation + BEHIND))).toBeLessThan(
          10 * 60_000,
        );
      expect(Date.parse(offlineB[0]!.createdAt)).toBeLessThan(Date.parse(offlineA[0]!.createdAt));
    });

    it('pushed: the early release is refused by the central clock; commands apply in commit order and each workstation’s sequence, whatever their clocks said', async () => {
      pushA = await callA<SyncRun>('sync.run');
      pushB = await callB<SyncRun>('sync.run');
      // A's batch took a commission still in its hold: refused, with the commission named; its
      // submit falls with it.
      const rejected = new Map(pushA.pushed!.rejected.map((r) => [r.commandId, r]));
      expect([...rejected.values()].map((r) => [r.name, r.code])).toHaveLength(2);
      expect(rejected.get(offlineA[0]!.commandId)).toMatchObject({
        name: 'batch.create',
        code: 'CONFLICT',
        message: expect.stringMatching(/conflicts with the central store/),
      });
      expect(rejected.get(offlineA[1]!.commandId)).toMatchObject({
        name: 'batch.submit',
        code: 'DEPENDS_ON_REJECTED',
      });
      expect(pushA.pushed!.applied).toBe(0);
      expect(pushB.pushed).toMatchObject({ applied: 2, rejected: [] });
      const [heldInCentral] =
        await direct`SELECT count(*)::int AS n FROM payout_batches WHERE id = ${heldBatch}::uuid`;
      expect(heldInCentral!.n).toBe(0);
      // Central order is commit order: B's commands, stamped five hours before A's online batch by
      // the clocks, come after it in the audit trail — and B's create before its submit.
      const order = await direct<
        { command: string; seq: string }[]
      >`SELECT command_id::text AS command, min(seq)::text AS seq FROM audit_log
                                                                   WHERE command_id = ANY(${offlineB.map((e) => e.commandId)}::uuid[]) GROUP BY 1`;
      const seqOf = new Map(order.map((r) => [r.command, BigInt(r.seq)]));
      const [b1, b2] = offlineB.map((e) => seqOf.get(e.commandId)!);
      const [created] =
        await direct`SELECT min(seq)::text AS seq FROM audit_log WHERE action = 'batch.create' AND entity_id = ${onlineBatch.id}`;
      expect(BigInt(created!.seq) < b1!).toBe(true);
      expect(b1! < b2!).toBe(true);
    });

    // --------------------------------------------------------------------- approve and execute

    it('approved across, executed on each workstation: a transient failure is retried after its backoff by the central clock; paid once each', async () => {
      const shownB = await callA<{ contentHash: string }>('batch.show', { batch: batchB });
      await callA('session.stepUp', { password: ADMIN_PASSWORD });
      await callA('batch.approve', { batch: batchB, contentHash: shownB.contentHash });
      await callB('session.stepUp', { password: ADMIN_PASSWORD });
      await callB('batch.approve', { batch: onlineBatch.id, contentHash: onlineBatch.contentHash });

      // A (3 h ahead) executes its batch; its first payout fails transiently at the provider.
      s.fake.injectNext('temporary_failure', 1);
      await callA('session.stepUp', { password: ADMIN_PASSWORD });
      const ranA = await callA<ExecuteResult>('batch.execute', {
        batch: onlineBatch.id,
        waitMs: 60_000,
      });
      expect(ranA.status).toBe('COMPLETED');
      const retried =
        await direct`SELECT count(*)::int AS n FROM payout_attempts a JOIN payouts p ON p.id = a.payout_id WHERE p.batch_id = ${onlineBatch.id}::uuid AND a.attempt = 2`;
      expect(retried[0]!.n).toBe(1);
      // B (2 h behind) executes its own.
      await callB('session.stepUp', { password: ADMIN_PASSWORD });
      const ranB = await callB<ExecuteResult>('batch.execute', { batch: batchB, waitMs: 60_000 });
      expect(ranB.status).toBe('COMPLETED');

      expect(await providerAgreement(s.tw, s.fake)).toEqual([]);
      // Idempotency keys come from the payout and the attempt, nothing else.
      const attempts = await direct<
        { payout_id: string; attempt: number; idempotency_key: string }[]
      >`SELECT payout_id::text, attempt, idempotency_key FROM payout_attempts`;
      expect(attempts.length).toBeGreaterThan(0);
      expect(
        attempts.filter((a) => a.idempotency_key !== idempotencyKey(a.payout_id, a.attempt)),
      ).toEqual([]);
      // Settlement times are the central store's (reports put payouts in periods by them).
      const t1 = await centralNow();
      const settled = await direct<
        { id: string; at: number }[]
      >`SELECT id::text, (extract(epoch FROM settled_at) * 1000)::float8 AS at FROM payouts WHERE batch_id = ANY(${[onlineBatch.id, batchB]}::uuid[])`;
      expect(settled.length).toBeGreaterThan(0);
      expect(settled.filter((p) => !(p.at >= t0 - SLACK_MS && p.at <= t1 + SLACK_MS))).toEqual([]);
    }, 180_000);

    it('a reversal polled by the workstation 2 h behind is dated by the central clock (its payout and the amount owed again)', async () => {
      const [paid] = await direct<
        { id: string; provider_payout_id: string }[]
      >`SELECT id::text, provider_payout_id FROM payouts WHERE batch_id = ${batchB}::uuid AND status = 'SUCCEEDED' ORDER BY id LIMIT 1`;
      s.fake.setStatus(paid!.provider_payout_id, 'REVERSED');
      const since = new Date(t0 - HOUR).toISOString();
      await callB('payouts.poll', { batch: batchB, includeSucceededSince: since });
      const t1 = await centralNow();
      const [after] = await direct<
        { status: string; at: number }[]
      >`SELECT status, (extract(epoch FROM settled_at) * 1000)::float8 AS at FROM payouts WHERE id = ${paid!.id}::uuid`;
      expect(after!.status).toBe('REVERSED');
      expect(after!.at).toBeGreaterThanOrEqual(t0 - SLACK_MS);
      expect(after!.at).toBeLessThanOrEqual(t1 + SLACK_MS);
      const [owed] = await direct<
        { at: number }[]
      >`SELECT (extract(epoch FROM created_at) * 1000)::float8 AS at FROM adjustments WHERE id = ${`rev:${paid!.id}`}`;
      expect(owed!.at).toBeGreaterThanOrEqual(t0 - SLACK_MS);
      expect(owed!.at).toBeLessThanOrEqual(t1 + SLACK_MS);
    });

    it('a webhook relay running on the workstation 2 h behind checks Rise signatures and dates what it receives by the central clock', async () => {
      const [paid] = await direct<
        { id: string; provider_payout_id: string }[]
      >`SELECT id::text, provider_payout_id FROM payouts
                                                                              WHERE batch_id = ${batchB}::uuid AND status = 'SUCCEEDED' ORDER BY id LIMIT 1`;
      s.fake.setStatus(paid!.provider_payout_id, 'REVERSED');
      const token = 'drill-callback-token';
      const riseSecret = 'drill-rise-secret';
      const relay = await on(BEHIND, () =>
        startWebhookRelay({
          store: B.central,
          port: 0,
          xenditCallbackToken: token,
          riseWebhookSecret: riseSecret,
        }),
      );
      try {
        // Rise signs with the real time (t=…); its 5-minute window is judged on the central clock,
        // not on this machine's, 2 h behind, which would call every webhook stale.
        const rise = await on(BEHIND, async () => {
          const t = Math.floor((await centralNow()) / 1000);
          const body = JSON.stringify({
            object: 'event',
            created: t,
            request_id: 'rq-drill',
            event_type: 'payment.group.created',
            event_version: '1.0',
            idempotency_key: 'drill-rise-1',
            data: { payments: [] },
          });
          const signature = `t=${t},v1=${createHmac('sha256', riseSecret).update(`${t}.${body}`).digest('hex')}`;
          const res = await fetch(`${relay.url}/webhooks/rise`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-rise-signature': signature },
            body,
          });
          return res.status;
        });
        expect(rise).toBe(200);
        const r = await on(BEHIND, async () => {
          const got = await fetch(`${s.fake.url}/v2/payouts/${paid!.provider_payout_id}`, {
            headers: {
              Authorization: `Basic ${Buffer.from(`${s.fake.secretKey}:`).toString('base64')}`,
            },
          });
          const data = parseLossless(await got.text()) as Record<string, unknown>; // amounts beyond 2^53 stay exact
          const body = stringifyLossless({
            event: 'payout.reversed',
            business_id: s.fake.businessId,
            created: new Date().toISOString(),
            data: { ...data, status: 'REVERSED' },
          })!;
          const res = await fetch(`${relay.url}/webhooks/xendit`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-callback-token': token },
            body,
          });
          return (await res.json()) as { outcome: string };
        });
        expect(r.outcome).toBe('applied');
      } finally {
        await relay.close();
      }
      const t1 = await centralNow();
      const [after] = await direct<
        { status: string; at: number }[]
      >`SELECT status, (extract(epoch FROM settled_at) * 1000)::float8 AS at FROM payouts WHERE id = ${paid!.id}::uuid`;
      expect(after!.status).toBe('REVERSED');
      expect(after!.at).toBeGreaterThanOrEqual(t0 - SLACK_MS);
      expect(after!.at).toBeLessThanOrEqual(t1 + SLACK_MS);
      const [event] = await direct<
        { at: number }[]
      >`SELECT (extract(epoch FROM received_at) * 1000)::float8 AS at FROM provider_events
                                                   WHERE provider_payout_id = ${paid!.provider_payout_id} AND type = 'payout.reversed' ORDER BY id DESC LIMIT 1`;
      expect(event!.at).toBeGreaterThanOrEqual(t0 - SLACK_MS);
      expect(event!.at).toBeLessThanOrEqual(t1 + SLACK_MS);
    });

    // ------------------------------------------------------------------ pulls and the audit trail

    it('pulls after writes made on skewed clocks see them: both caches hold the same rows', async () => {
      await callA('sync.run');
      await callB('sync.run');
      const statusOf = async (ws: Workstation, id: string) =>
        (await ws.cache()).sqlite
          .prepare('SELECT status FROM payout_batches WHERE id = ?')
          .get(id) as { status: string } | undefined;
      expect(await statusOf(A, batchB)).toEqual({ status: 'COMPLETED' });
      expect(await statusOf(B, onlineBatch.id)).toEqual({ status: 'COMPLETED' });
      expect(await statusOf(A, heldBatch)).toBeUndefined(); // refused: rolled back in A's cache
      expect(cacheContentHash(await A.cache())).toBe(cacheContentHash(await B.cache()));
    });

    it('the audit chain verifies, in commit order, and every entry of the drill carries the central clock’s time', async () => {
      const verify = await callA<{ intact: boolean; problems: unknown[] }>('audit.verify');
      expect(verify).toMatchObject({ intact: true, problems: [] });
      const t1 = await centralNow();
      const entries = await direct<
        { seq: string; action: string; workstation_id: string | null; at: number }[]
      >`
      SELECT seq::text AS seq, action, workstation_id, (extract(epoch FROM at) * 1000)::float8 AS at FROM audit_log WHERE seq > ${seq0.toString()}::bigint ORDER BY seq`;
      const fromDrill = entries.filter(
        (e) => e.workstation_id === A.id || e.workstation_id === B.id,
      );
      expect(fromDrill.filter((e) => e.workstation_id === A.id).length).toBeGreaterThan(5);
      expect(fromDrill.filter((e) => e.workstation_id === B.id).length).toBeGreaterThan(5);
      const offClock = entries.filter((e) => !(e.at >= t0 - SLACK_MS && e.at <= t1 + SLACK_MS));
      expect(offClock.map((e) => `${e.seq} ${e.action} ${new Date(e.at).toISOString()}`)).toEqual(
        [],
      );
      console.info(
        `[drill] clocks +3 h / −2 h: ${entries.length} audit entries written during the drill (${fromDrill.length} by the two workstations), all within the central clock's ${Math.round((t1 - t0) / 1000)} s window; chain intact`,
      );
    });

    // ------------------------------------------------------------------------------ local keys

    it('offline keys do not come from the clock: two batches prepared in the same millisecond keep their own items', async () => {
      const off = await on(AHEAD, () =>
        openWorkstation({ dataDir: dirs.a.dir, offline: true, credentials: credentials.a }),
      );
      try {
        const cache = await off.cache();
        const preview = await callOn<Preview>(off, AHEAD, aToken, 'batch.preview', {
          provider: 'rise',
          currency: 'USD',
        });
        const usd = preview.rows.filter((r) => r.eligible).map((r) => r.affiliateId);
        expect(usd.length).toBeGreaterThanOrEqual(2);
        clock.freeze(clock.realNow() + AHEAD);
        const made: string[] = [];
        try {
          for (const half of [usd.slice(0, usd.length >> 1), usd.slice(usd.length >> 1)]) {
            const c = await off.call<Created>({
              name: 'batch.create',
              payload: { provider: 'rise', currency: 'USD', affiliateIds: half },
              session: aToken,
              workstationId: off.id,
            });
            made.push(c.batches[0]!.id);
          }
        } finally {
          clock.freeze(null);
        }
        // Every payout is the sum of its items, in both batches: no item of the first was
        // overwritten by the second.
        const unbalanced = cache.sqlite
          .prepare(
            `SELECT p.id FROM payouts p LEFT JOIN payout_items i ON i.payout_id = p.id AND i.live = 1
                  WHERE p.batch_id IN (?, ?) GROUP BY p.id, p.source_amount_minor HAVING p.source_amount_minor <> coalesce(sum(i.amount_minor), 0)`,
          )
          .all(made[0], made[1]);
        expect(unbalanced).toEqual([]);
        const items = cache.sqlite
          .prepare(
            'SELECT count(*) AS n FROM payout_items i JOIN payouts p ON p.id = i.payout_id WHERE p.batch_id IN (?, ?)',
          )
          .get(made[0], made[1]) as { n: bigint };
        expect(items.n).toBeGreaterThan(1n);
        for (const e of await off.call<OutboxEntry[]>({
          name: 'outbox.list',
          payload: { status: 'pending' },
          session: aToken,
          workstationId: off.id,
        })) {
          await off.call({
            name: 'outbox.discard',
            payload: { entry: e.commandId },
            session: aToken,
            workstationId: off.id,
          });
        }
      } finally {
        await off.close();
      }
    });
  },
);
