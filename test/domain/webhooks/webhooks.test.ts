/**
 * The webhook relay end to end: real payouts (demo → calc → batch → approvals → execution against
 * the fake providers), the fakes delivering their webhooks over HTTP to the relay, the relay
 * writing into the real central store (PGlite, and Postgres when reachable). Plus crafted
 * deliveries for what a fake does not do on its own: wrong tokens, bad bodies, out-of-order and
 * contradictory events.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../../src/core/platform/kernel/audit-chain.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { pollPayouts } from '../../../src/core/domain/payouts/poll.js';
import { createRiseProvider } from '../../../src/core/domain/providers/rise/client.js';
import { xenditProvider } from '../../../src/core/domain/providers/xendit/client.js';
import { startWebhookRelay, type WebhookRelay } from '../../../src/core/domain/webhooks/relay.js';
import { FAKE_RISE_WALLET_KEY, startFakeRise, type FakeRise } from '../../fakes/rise.js';
import { startFakeXendit, type FakeXendit } from '../../fakes/xendit.js';
import {
  openFlow,
  payBatch,
  payoutStates,
  wrapProvider,
  type Flow,
  type PaidBatch,
} from '../../support/payout-flow.js';
import { invariantViolations } from '../../support/payouts.js';
import { drivers } from '../../support/pg.js';

const TOKEN = 'xnd-callback-token-for-tests-0123456789';
const RISE_SECRET = 'whsec_rise_test_secret_0123456789';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await r.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: r.status, json };
}

function riseSignature(
  body: string,
  secret: string,
  tSeconds = Math.floor(Date.now() / 1000),
): string {
  return `t=${tSeconds},v1=${createHmac('sha256', secret).update(`${tSeconds}.${body}`).digest('hex')}`;
}

function riseEvent(
  key: string,
  type = 'payment.group.created',
  data: unknown = { payments: [] },
): string {
  return JSON.stringify({
    object: 'event',
    created: Math.floor(Date.now() / 1000),
    request_id: `rq-${key}`,
    event_type: type,
    event_version: '1.0',
    idempotency_key: key,
    data,
  });
}

/**
 * The payout exactly as the fake serves it (its own wire format), with a status of our choosing.
 */
async function xenditEvent(
  fake: FakeXendit,
  event: string,
  providerId: string,
  over: Record<string, unknown> = {},
): Promise<string> {
  const r = await fetch(`${fake.url}/v2/payouts/${providerId}`, {
    headers: { Authorization: `Basic ${Buffer.from(`${fake.secretKey}:`).toString('base64')}` },
  });
  const data = parseLossless(await r.text()) as Record<string, unknown>;
  return stringifyLossless({
    event,
    business_id: fake.businessId,
    created: new Date().toISOString(),
    data: { ...data, ...over },
  })!;
}

describe.each(drivers())('webhook relay on %s', (driver) => {
  let flow: Flow;
  let relay: WebhookRelay;
  let fake: FakeXendit;
  let skew = 0;
  let batch: PaidBatch;
  const db = () => flow.tw.ws.central.db;
  const store = () => flow.tw.ws.central;
  const xenditUrl = () => `${relay.url}/webhooks/xendit`;
  const riseUrl = () => `${relay.url}/webhooks/rise`;
  const count = async (query: ReturnType<typeof sql>) =>
    Number((await rows<{ n: number }>(db(), query))[0]!.n);
  const statusOf = async (id: string) =>
    (
      await rows<{ status: string }>(db(), sql`SELECT status FROM payouts WHERE id = ${id}::uuid`)
    )[0]!.status;
  /**
   * Held back from settling at the fake: they stay ACCEPTED there and here, for crafted deliveries.
   */
  let held: { id: string; ppid: string }[] = [];

  beforeAll(async () => {
    flow = await openFlow(driver);
    relay = await startWebhookRelay({
      store: store(),
      port: 0,
      xenditCallbackToken: TOKEN,
      riseWebhookSecret: RISE_SECRET,
    });
    // Settles an hour after creation on the fake's clock (moved by `skew`); every webhook is
    // delivered twice and the deliveries are shuffled.
    fake = await startFakeXendit({
      seed: 3,
      callbackUrl: `${relay.url}/webhooks/xendit`,
      callbackToken: TOKEN,
      settleAfterMs: 3_600_000,
      now: () => Date.now() + skew,
      webhookDuplicates: 1,
      webhookShuffle: true,
      webhookShuffleWindowMs: 60_000,
    });
    flow.providers.xendit = xenditProvider({
      baseUrl: fake.url,
      secretKey: fake.secretKey,
      timeoutMs: 3000,
    });
    batch = await payBatch(flow, { provider: 'xendit', currency: 'IDR', waitMs: 1000 });
  }, 180_000);
  afterAll(async () => {
    await relay?.close();
    await fake?.close();
    await flow?.cleanup();
  });

  it('leaves the executed payouts ACCEPTED while the provider has not settled them', async () => {
    const states = await payoutStates(flow, batch.batchId);
    expect(states.length).toBeGreaterThanOrEqual(5);
    expect(new Set(states.map((s) => s.status))).toEqual(new Set(['ACCEPTED']));
    held = states.slice(0, 3).map((s) => ({ id: s.id, ppid: s.provider_payout_id! }));
    for (const h of held) fake.setStatus(h.ppid, 'ACCEPTED');
  });

  it('refuses a wrong or missing x-callback-token with 401 and stores nothing', async () => {
    const body = await xenditEvent(fake, 'payout.succeeded', held[0]!.ppid, {
      status: 'SUCCEEDED',
    });
    const before = await count(sql`SELECT count(*)::int AS n FROM provider_events`);
    expect((await post(xenditUrl(), body, { 'x-callback-token': 'wrong-token' })).status).toBe(401);
    expect((await post(xenditUrl(), body, { 'x-callback-token': TOKEN.slice(0, -1) })).status).toBe(
      401,
    );
    expect((await post(xenditUrl(), body)).status).toBe(401);
    expect(await count(sql`SELECT count(*)::int AS n FROM provider_events`)).toBe(before);
    expect(await statusOf(held[0]!.id)).toBe('ACCEPTED');
  });

  it('answers 400 to a body that is not JSON or not an event, 413 to an oversized one, 404/405 elsewhere', async () => {
    const bad = await post(xenditUrl(), '{"event": "payout.succeeded", ', {
      'x-callback-token': TOKEN,
    });
    expect(bad.status).toBe(400);
    expect(String(bad.json?.error)).toMatch(/not JSON/);
    const notEvent = await post(xenditUrl(), '{"hello": "world"}', { 'x-callback-token': TOKEN });
    expect(notEvent.status).toBe(400);
    expect(String(notEvent.json?.error)).toMatch(/event/);
    const knownWithoutPayout = await post(
      xenditUrl(),
      JSON.stringify({ event: 'payout.succeeded', data: { id: 'x' } }),
      { 'x-callback-token': TOKEN },
    );
    expect(knownWithoutPayout.status).toBe(400);
    const huge = await post(
      xenditUrl(),
      JSON.stringify({ event: 'x', data: 'a'.repeat(300 * 1024) }),
      { 'x-callback-token': TOKEN },
    );
    expect(huge.status).toBe(413);
    expect((await fetch(`${relay.url}/webhooks/xendit`)).status).toBe(405);
    expect((await post(`${relay.url}/webhooks/other`, '{}')).status).toBe(404);
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
  });

  it('stores an unknown event, answers 200, and changes no status', async () => {
    const body = await xenditEvent(fake, 'payout.awaiting_compliance', held[0]!.ppid, {
      status: 'PENDING_COMPLIANCE_ASSESSMENT',
    });
    const r = await post(xenditUrl(), body, { 'x-callback-token': TOKEN });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: true, duplicate: false, outcome: 'unknown_event' });
    const [e] = await rows<{ type: string; payout_id: string | null }>(
      db(),
      sql`SELECT type, payout_id FROM provider_events WHERE event_key = ${`${held[0]!.ppid}:payout.awaiting_compliance`}`,
    );
    expect(e).toEqual({ type: 'payout.awaiting_compliance', payout_id: null });
    expect(await statusOf(held[0]!.id)).toBe('ACCEPTED');
  });

  it("applies the fake's shuffled, duplicated deliveries exactly once each", async () => {
    skew = 2 * 3_600_000;
    await fake.flushWebhooks();
    const states = await payoutStates(flow, batch.batchId);
    const settled = states.filter((s) => !held.some((h) => h.id === s.id));
    for (const s of settled) expect(s.status, s.id).toBe('SUCCEEDED');
    // Two deliveries of every event, one stored row and one status change per payout.
    const stats = fake.stats();
    expect(stats.webhooksSent).toBe(2 * settled.length);
    expect(
      await count(
        sql`SELECT count(*)::int AS n FROM provider_events WHERE provider = 'xendit' AND type = 'payout.succeeded'`,
      ),
    ).toBe(settled.length);
    expect(
      await count(
        sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'payout.status' AND after->>'source' = 'webhook'`,
      ),
    ).toBe(settled.length);
    expect(
      await count(
        sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'provider_event.received' AND workstation_id = 'webhook-relay' AND operator_id IS NULL`,
      ),
    ).toBe(settled.length + 1);
    const [unpaid] = await rows<{ n: number }>(
      db(),
      sql`SELECT count(*)::int AS n FROM payout_items i JOIN commissions c ON c.id = i.commission_id WHERE i.payout_id = ANY(${`{${settled.map((s) => s.id).join(',')}}`}::uuid[]) AND c.status <> 'paid'`,
    );
    expect(Number(unpaid!.n)).toBe(0);
    expect(await invariantViolations(flow.tw)).toEqual([]);
  });

  it('a duplicate delivery answers 200 and changes nothing', async () => {
    const settled = (await payoutStates(flow, batch.batchId)).find(
      (s) => s.status === 'SUCCEEDED',
    )!;
    const body = await xenditEvent(fake, 'payout.succeeded', settled.provider_payout_id!);
    const auditBefore = await count(sql`SELECT count(*)::int AS n FROM audit_log`);
    const r = await post(xenditUrl(), body, { 'x-callback-token': TOKEN });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ duplicate: true });
    expect(await count(sql`SELECT count(*)::int AS n FROM audit_log`)).toBe(auditBefore);
  });

  it('REVERSED after SUCCEEDED re-opens the amount as the rev:<payout> adjustment and keeps the commissions paid', async () => {
    // A payout holding commissions (not a later part of a split one, which holds a split
    // adjustment).
    const target = (await payoutStates(flow, batch.batchId)).find(
      (s) =>
        s.status === 'SUCCEEDED' && !held.some((h) => h.id === s.id) && Number(s.split_part) === 1,
    )!;
    fake.reverse(target.provider_payout_id!);
    await fake.flushWebhooks();
    expect(await statusOf(target.id)).toBe('REVERSED');
    const [adj] = await rows<{
      kind: string;
      amount_minor: string;
      currency: string;
      affiliate_id: string;
    }>(
      db(),
      sql`SELECT kind, amount_minor::text AS amount_minor, trim(currency) AS currency, affiliate_id FROM adjustments WHERE id = ${`rev:${target.id}`}`,
    );
    expect(adj).toEqual({
      kind: 'reversal',
      amount_minor: target.source_amount_minor,
      currency: target.source_currency,
      affiliate_id: target.affiliate_id,
    });
    const commissions = await rows<{ status: string }>(
      db(),
      sql`SELECT c.status FROM payout_items i JOIN commissions c ON c.id = i.commission_id WHERE i.payout_id = ${target.id}::uuid`,
    );
    expect(commissions.length).toBeGreaterThan(0);
    for (const c of commissions) expect(c.status).toBe('paid');
    // A stale "failed" and a late "succeeded" after the reversal change nothing.
    for (const [event, status] of [
      ['payout.failed', 'FAILED'],
      ['payout.succeeded', 'SUCCEEDED'],
    ] as const) {
      const r = await post(
        xenditUrl(),
        await xenditEvent(fake, event, target.provider_payout_id!, { status }),
        { 'x-callback-token': TOKEN },
      );
      expect(r.status).toBe(200);
    }
    expect(await statusOf(target.id)).toBe('REVERSED');
    expect(
      await count(sql`SELECT count(*)::int AS n FROM adjustments WHERE kind = 'reversal'`),
    ).toBe(1);
  });

  it('out of order: reversed before succeeded ends REVERSED; failed after succeeded stays SUCCEEDED', async () => {
    const [x1, x2] = held;
    expect(
      (
        await post(
          xenditUrl(),
          await xenditEvent(fake, 'payout.reversed', x1!.ppid, { status: 'REVERSED' }),
          { 'x-callback-token': TOKEN },
        )
      ).json,
    ).toMatchObject({ outcome: 'applied' });
    expect(
      (
        await post(
          xenditUrl(),
          await xenditEvent(fake, 'payout.succeeded', x1!.ppid, { status: 'SUCCEEDED' }),
          { 'x-callback-token': TOKEN },
        )
      ).json,
    ).toMatchObject({ outcome: 'no_change' });
    expect(await statusOf(x1!.id)).toBe('REVERSED');
    expect(
      await count(sql`SELECT count(*)::int AS n FROM adjustments WHERE id = ${`rev:${x1!.id}`}`),
    ).toBe(1);

    expect(
      (
        await post(
          xenditUrl(),
          await xenditEvent(fake, 'payout.succeeded', x2!.ppid, { status: 'SUCCEEDED' }),
          { 'x-callback-token': TOKEN },
        )
      ).json,
    ).toMatchObject({ outcome: 'applied' });
    expect(
      (
        await post(
          xenditUrl(),
          await xenditEvent(fake, 'payout.failed', x2!.ppid, {
            status: 'FAILED',
            failure_code: 'TRANSFER_ERROR',
          }),
          { 'x-callback-token': TOKEN },
        )
      ).json,
    ).toMatchObject({ outcome: 'no_change' });
    expect(await statusOf(x2!.id)).toBe('SUCCEEDED');
    const [attempt] = await rows<{ state: string }>(
      db(),
      sql`SELECT state FROM payout_attempts WHERE payout_id = ${x2!.id}::uuid`,
    );
    expect(attempt!.state).toBe('SUCCEEDED');
    expect(await invariantViolations(flow.tw)).toEqual([]);
  });

  it('does not act on an amount that differs from ours, or on a status contradicting the event; a poll settles it', async () => {
    const x3 = held[2]!;
    const [p] = await payoutStates(flow, batch.batchId).then((s) =>
      s.filter((q) => q.id === x3.id),
    );
    const wrong = await xenditEvent(fake, 'payout.succeeded', x3.ppid, {
      status: 'SUCCEEDED',
      amount: 1,
    });
    expect((await post(xenditUrl(), wrong, { 'x-callback-token': TOKEN })).json).toMatchObject({
      outcome: 'amount_mismatch',
    });
    const contradictory = await xenditEvent(fake, 'payout.failed', x3.ppid, {
      status: 'SUCCEEDED',
    });
    expect(
      (await post(xenditUrl(), contradictory, { 'x-callback-token': TOKEN })).json,
    ).toMatchObject({ outcome: 'event_status_conflict' });
    expect(await statusOf(x3.id)).toBe('ACCEPTED');
    const [audit] = await rows<{ after: { ours: { amountMinor: string } } }>(
      db(),
      sql`SELECT after FROM audit_log WHERE action = 'provider_event.received' AND after->>'outcome' = 'amount_mismatch'`,
    );
    expect(audit!.after.ours.amountMinor).toBe(p!.amount_minor);

    fake.setStatus(x3.ppid, 'SUCCEEDED');
    const polled = await pollPayouts(store(), async () => flow.providers.xendit!, {
      batch: batch.number,
    });
    expect(polled).toMatchObject({
      checked: 1,
      changed: { SUCCEEDED: 1 },
      errors: 0,
      unknownSkipped: 0,
    });
    expect(await statusOf(x3.id)).toBe('SUCCEEDED');
    const [entry] = await rows<{ after: { source: string } }>(
      db(),
      sql`SELECT after FROM audit_log WHERE action = 'payout.status' AND entity_id = ${x3.id} ORDER BY seq DESC LIMIT 1`,
    );
    expect(entry!.after.source).toBe('poll');
  });

  it('SUCCEEDED then ACCEPTED: a webhook that beats the create response home is not undone by it', async () => {
    // A second account whose payouts settle at once: its webhook reaches the relay while our payout
    // is still UNKNOWN, before the executor records the create answer (ACCEPTED).
    const quick = await startFakeXendit({
      seed: 4,
      callbackUrl: `${relay.url}/webhooks/xendit`,
      callbackToken: TOKEN,
      settleAfterMs: 0,
    });
    const inner = xenditProvider({
      baseUrl: quick.url,
      secretKey: quick.secretKey,
      timeoutMs: 3000,
    });
    let raced = 0;
    const racing = wrapProvider(inner, {
      create: async (request) => {
        const outcome = await inner.create(request);
        await quick.flushWebhooks(); // the relay has stored and applied payout.succeeded
        if (
          outcome.kind === 'created' &&
          outcome.payout.status === 'ACCEPTED' &&
          (await statusOf(request.reference)) === 'SUCCEEDED'
        )
          raced++;
        return outcome;
      },
    });
    flow.providers.xendit = racing;
    try {
      const php = await payBatch(flow, { provider: 'xendit', currency: 'PHP', waitMs: 10_000 });
      expect(raced).toBe(php.payoutIds.length);
      const states = await payoutStates(flow, php.batchId);
      for (const s of states) expect(s.status).toBe('SUCCEEDED');
      // Each payout's status history: UNKNOWN → SUCCEEDED by the webhook, and nothing after it.
      const history = await rows<{
        entity_id: string;
        before: { status: string };
        after: { status: string; source: string };
      }>(
        db(),
        sql`SELECT entity_id, before, after FROM audit_log WHERE action = 'payout.status' AND entity_id = ANY(${`{${php.payoutIds.join(',')}}`}::text[]) ORDER BY seq`,
      );
      expect(history.length).toBe(php.payoutIds.length);
      for (const h of history)
        expect([h.before.status, h.after.status, h.after.source]).toEqual([
          'UNKNOWN',
          'SUCCEEDED',
          'webhook',
        ]);
      const attempts = await rows<{ state: string; provider_payout_id: string | null }>(
        db(),
        sql`SELECT state, provider_payout_id FROM payout_attempts WHERE payout_id = ANY(${`{${php.payoutIds.join(',')}}`}::uuid[])`,
      );
      for (const a of attempts) {
        expect(a.state).toBe('SUCCEEDED');
        expect(a.provider_payout_id).toMatch(/^disb-/);
      }
      expect(await invariantViolations(flow.tw)).toEqual([]);
    } finally {
      flow.providers.xendit = xenditProvider({
        baseUrl: fake.url,
        secretKey: fake.secretKey,
        timeoutMs: 3000,
      });
      await quick.close();
    }
  });

  describe('Rise', () => {
    let rise: FakeRise;
    beforeAll(async () => {
      rise = await startFakeRise({
        webhookUrl: `${relay.url}/webhooks/rise`,
        webhookSecret: RISE_SECRET,
        settleAfterMs: 5000,
      });
      flow.providers.rise = createRiseProvider({
        baseUrl: rise.url,
        walletPrivateKey: FAKE_RISE_WALLET_KEY,
        riseId: 'ri-fake0001',
        teamId: 'te-fake0001',
        timeoutMs: 3000,
      });
    });
    afterAll(() => rise?.close());

    it('checks X-Rise-Signature: wrong secret, stale timestamp, missing or malformed header → 401', async () => {
      const body = riseEvent('ik-sig-1');
      const before = await count(
        sql`SELECT count(*)::int AS n FROM provider_events WHERE provider = 'rise'`,
      );
      expect(
        (await post(riseUrl(), body, { 'x-rise-signature': riseSignature(body, 'another-secret') }))
          .status,
      ).toBe(401);
      expect(
        (
          await post(riseUrl(), body, {
            'x-rise-signature': riseSignature(
              body,
              RISE_SECRET,
              Math.floor(Date.now() / 1000) - 3600,
            ),
          })
        ).status,
      ).toBe(401);
      expect((await post(riseUrl(), body)).status).toBe(401);
      expect((await post(riseUrl(), body, { 'x-rise-signature': 'v1=abc' })).status).toBe(401);
      // Signed over a different body than the one sent.
      expect(
        (
          await post(riseUrl(), body.replace('ik-sig-1', 'ik-sig-2'), {
            'x-rise-signature': riseSignature(body, RISE_SECRET),
          })
        ).status,
      ).toBe(401);
      expect(
        await count(sql`SELECT count(*)::int AS n FROM provider_events WHERE provider = 'rise'`),
      ).toBe(before);

      const ok = await post(riseUrl(), body, {
        'x-rise-signature': riseSignature(body, RISE_SECRET),
      });
      expect(ok).toMatchObject({
        status: 200,
        json: { duplicate: false, outcome: 'unknown_event' },
      });
      const again = await post(riseUrl(), body, {
        'x-rise-signature': riseSignature(body, RISE_SECRET),
      });
      expect(again).toMatchObject({ status: 200, json: { duplicate: true } });
      expect(
        await count(sql`SELECT count(*)::int AS n FROM provider_events WHERE provider = 'rise'`),
      ).toBe(before + 1);
      const bad = await post(riseUrl(), '{not json', {
        'x-rise-signature': riseSignature('{not json', RISE_SECRET),
      });
      expect(bad.status).toBe(400);
    });

    it('payment.sent marks the Rise payout SUCCEEDED; a duplicated delivery is stored once', async () => {
      rise.injectNext('webhook_duplicate', 1);
      const usd = await payBatch(flow, { provider: 'rise', currency: 'USD', waitMs: 1000 });
      expect(usd.payoutIds.length).toBeGreaterThan(0);
      for (const s of await payoutStates(flow, usd.batchId))
        expect(['ACCEPTED', 'SUCCEEDED']).toContain(s.status);
      const deadline = Date.now() + 20_000;
      for (;;) {
        await rise.flushWebhooks();
        const states = await payoutStates(flow, usd.batchId);
        if (states.every((s) => s.status === 'SUCCEEDED')) break;
        if (Date.now() > deadline)
          throw new Error(`still not settled: ${states.map((s) => s.status).join(',')}`);
        await sleep(200);
      }
      const deliveries = rise.webhooks();
      const keys = [...new Set(deliveries.map((w) => w.idempotencyKey))];
      expect(deliveries.length).toBe(keys.length + 1); // one delivered twice
      for (const w of deliveries) expect(w.status).toBe(200);
      expect(
        await count(
          sql`SELECT count(*)::int AS n FROM provider_events WHERE provider = 'rise' AND event_key = ANY(${`{${keys.join(',')}}`}::text[])`,
        ),
      ).toBe(keys.length);
      expect(
        deliveries.filter((w) => w.eventType === 'payment.sent').length,
      ).toBeGreaterThanOrEqual(usd.payoutIds.length);
      expect(
        await count(
          sql`SELECT count(*)::int AS n FROM provider_events WHERE provider = 'rise' AND type = 'payment.sent' AND payout_id IS NOT NULL`,
        ),
      ).toBe(usd.payoutIds.length);
      const sources = await rows<{ source: string }>(
        db(),
        sql`SELECT after->>'source' AS source FROM audit_log WHERE action = 'payout.status' AND after->>'status' = 'SUCCEEDED' AND entity_id = ANY(${`{${usd.payoutIds.join(',')}}`}::text[])`,
      );
      expect(sources.map((s) => s.source)).toEqual(usd.payoutIds.map(() => 'webhook'));
      expect(await invariantViolations(flow.tw)).toEqual([]);
    });
  });

  it('answers 503 for a provider whose secret is not configured', async () => {
    const bare = await startWebhookRelay({ store: store(), port: 0 });
    try {
      expect(
        (await post(`${bare.url}/webhooks/xendit`, '{}', { 'x-callback-token': TOKEN })).status,
      ).toBe(503);
      expect((await post(`${bare.url}/webhooks/rise`, '{}')).status).toBe(503);
    } finally {
      await bare.close();
    }
  });

  it('kept the audit chain intact through all of it', async () => {
    expect((await verifyAudit(db())).problems).toEqual([]);
  });
});
