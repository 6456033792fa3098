/**
 * The Rise client over real HTTP against the project's fake Rise (test/fakes/rise.ts): SIWE sign-in
 * and renewal, signed execution, the search-first duplicate protection that stands in for Rise's
 * missing idempotency key, exact cents, and the webhook verifier and parser.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CredentialStore } from '../../../src/core/platform/credentials/store.js';
import {
  idempotencyKey,
  ProviderError,
  type PayoutProvider,
  type PayoutRequest,
} from '../../../src/core/platform/payments/provider.js';
import {
  createRiseProvider,
  riseFromCredentials,
  type RiseOptions,
} from '../../../src/core/domain/providers/rise/client.js';
import { RISE_WALLET_KEY_ACCOUNT } from '../../../src/core/domain/providers/rise/credentials.js';
import {
  parseRiseWebhook,
  riseSignedPayload,
  verifyRiseSignature,
} from '../../../src/core/domain/providers/rise/webhook.js';
import { riseStatus, usdcUnitsToCents } from '../../../src/core/domain/providers/rise/wire.js';
import {
  FAKE_RISE_WALLET_KEY,
  startFakeRise,
  type FakeRise,
  type FakeRiseOptions,
} from '../../fakes/rise.js';

const RISE_ID = 'ri-fake0001';
const TEAM_ID = 'te-fake0001';
/**
 * Long enough that a loaded CI machine never times out a healthy call; short enough to keep the
 * suite quick.
 */
const HANG_TIMEOUT_MS = 1000;
const OTHER_KEY = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba' as const;

let fake: FakeRise;
let seq = 0;

function payout(over: Partial<PayoutRequest> = {}): PayoutRequest {
  const reference = over.reference ?? `po-${++seq}`;
  return {
    idempotencyKey: idempotencyKey(reference, 1),
    reference,
    amountMinor: 12_345n,
    currency: 'USD',
    channelCode: 'RISE_USD',
    accountNumber: 'us-alice01',
    accountHolderName: 'Alice Example',
    description: 'Commission March',
    metadata: {},
    ...over,
  };
}

function rise(over: Partial<RiseOptions> = {}): PayoutProvider {
  return createRiseProvider({
    baseUrl: fake.url,
    walletPrivateKey: FAKE_RISE_WALLET_KEY,
    riseId: RISE_ID,
    teamId: TEAM_ID,
    timeoutMs: 3000,
    ...over,
  });
}

async function restart(options: FakeRiseOptions = {}): Promise<void> {
  await fake.close();
  fake = await startFakeRise(options);
}

beforeEach(async () => {
  fake = await startFakeRise();
});
afterEach(async () => {
  await fake.close();
});

describe('Rise sign-in', () => {
  it('signs in with SIWE once and reuses the bearer token', async () => {
    const provider = rise();
    expect(await provider.balance('USD')).toBe(fake.balanceCents());
    expect(await provider.balance('USD')).toBe(fake.balanceCents());
    expect(fake.stats().signIns).toBe(1);
  });

  it('concurrent first calls share one sign-in', async () => {
    const provider = rise();
    await Promise.all([
      provider.balance('USD'),
      provider.balance('USD'),
      provider.findByReference('x'),
    ]);
    expect(fake.stats().signIns).toBe(1);
  });

  it('re-authenticates on JWT_EXPIRED and retries once', async () => {
    const provider = rise();
    await provider.balance('USD');
    fake.injectNext('jwt_expired');
    expect(await provider.balance('USD')).toBe(fake.balanceCents());
    expect(fake.stats().signIns).toBe(2);
  });

  it('a wallet Rise does not know cannot sign in, and the error names no secret', async () => {
    const provider = rise({ walletPrivateKey: OTHER_KEY });
    const error = await provider.balance('USD').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('WALLET_NOT_ALLOWED');
    expect((error as Error).message).not.toContain(OTHER_KEY.slice(2));
  });
});

describe('Rise create', () => {
  it('creates, signs the typed data and executes: SUCCEEDED, reference in the description', async () => {
    const provider = rise();
    const request = payout();
    const outcome = await provider.create(request);
    expect(outcome.kind).toBe('created');
    if (outcome.kind !== 'created') return;
    expect(outcome.payout).toMatchObject({
      reference: request.reference,
      amountMinor: 12_345n,
      currency: 'USD',
      status: 'SUCCEEDED',
      rawStatus: 'complete',
    });
    const [stored] = fake.payments();
    expect(stored!.id).toBe(outcome.payout.providerId);
    expect(stored!.invoice_description).toBe(`Commission March [ref:${request.reference}]`);
    expect(fake.successfulByReference().get(request.reference)).toBe(1);
    expect(await provider.get(outcome.payout.providerId)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await provider.get('pa-nope')).toBeNull();
  });

  it('never pays twice: a create after timeout_after_execute finds the executed payment', async () => {
    const provider = rise({ timeoutMs: HANG_TIMEOUT_MS });
    const request = payout();
    fake.injectNext('timeout_after_execute');
    const first = await provider.create(request);
    expect(first.kind).toBe('unknown');
    const again = await provider.create(request);
    expect(again.kind).toBe('created');
    expect(fake.successfulByReference().get(request.reference)).toBe(1);
    expect(fake.stats().intents).toBe(1);
    const found = await provider.findByReference(request.reference);
    expect(found).toHaveLength(1);
    if (again.kind === 'created') expect(found[0]!.providerId).toBe(again.payout.providerId);
  });

  it('a leftover intent (crash before execution) is signed and executed, not duplicated', async () => {
    const provider = rise({ timeoutMs: HANG_TIMEOUT_MS });
    const request = payout();
    fake.injectNext('timeout_before_execute');
    expect((await provider.create(request)).kind).toBe('unknown');
    expect(fake.payments().map((p) => p.state)).toEqual(['intent']);
    const again = await provider.create(request);
    expect(again.kind).toBe('created');
    expect(fake.stats().intents).toBe(1);
    expect(fake.payments().map((p) => p.state)).toEqual(['complete']);
  });

  it('a leftover intent whose typed data is (about to be) expired is removed and replaced', async () => {
    await restart({ typedDataTtlSeconds: 1 });
    const provider = rise({ timeoutMs: HANG_TIMEOUT_MS });
    const request = payout();
    fake.injectNext('timeout_before_execute');
    expect((await provider.create(request)).kind).toBe('unknown');
    expect((await provider.create(request)).kind).toBe('created');
    expect(fake.payments().map((p) => p.state)).toEqual(['removed', 'complete']);
    expect(fake.successfulByReference().get(request.reference)).toBe(1);
  });

  it('EXPIRED_TYPED_DATA: searches again, then creates and executes a fresh intent', async () => {
    const provider = rise();
    const request = payout();
    fake.injectNext('expired_typed_data');
    const outcome = await provider.create(request);
    expect(outcome.kind).toBe('created');
    expect(fake.stats().intents).toBe(2);
    expect(fake.payments().map((p) => p.state)).toEqual(['removed', 'complete']);
    expect(fake.successfulByReference().get(request.reference)).toBe(1);
  });

  it('an intent under our reference with a different amount is removed, never executed', async () => {
    const provider = rise({ timeoutMs: HANG_TIMEOUT_MS });
    fake.injectNext('timeout_before_execute');
    await provider.create(payout({ reference: 'po-edit', amountMinor: 500n }));
    const outcome = await provider.create(payout({ reference: 'po-edit', amountMinor: 700n }));
    expect(outcome.kind).toBe('created');
    expect(fake.payments().map((p) => [p.state, p.amount_cents])).toEqual([
      ['removed', 500n],
      ['complete', 700n],
    ]);
  });

  it('insufficient balance is a rejection (at intent creation and when injected)', async () => {
    await restart({ balanceCents: 1_000n });
    const provider = rise();
    expect(await provider.create(payout({ amountMinor: 5_000n }))).toMatchObject({
      kind: 'rejected',
      code: 'INSUFFICIENT_BALANCE',
    });
    fake.injectNext('insufficient_balance');
    expect(await provider.create(payout({ amountMinor: 500n }))).toMatchObject({
      kind: 'rejected',
      code: 'INSUFFICIENT_BALANCE',
    });
    expect(fake.successfulByReference().size).toBe(0);
  });

  it('a wrong signature is INVALID_SIGNATURE (the fake verifies EIP-712 with viem)', async () => {
    // Tamper with the signature on its way out, as a broken signer would.
    const tampering: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT' && typeof init.body === 'string') {
        const body = init.body.replace(
          /"signature":"0x([0-9a-f])/,
          (_m, c: string) => `"signature":"0x${c === 'a' ? 'b' : 'a'}`,
        );
        return fetch(input, { ...init, body });
      }
      return fetch(input, init);
    };
    const outcome = await rise({ fetch: tampering }).create(payout());
    expect(outcome).toMatchObject({ kind: 'rejected', code: 'INVALID_SIGNATURE' });
    expect(fake.stats().executions).toBe(0);
  });

  it('rejects other currencies and channels without calling Rise', async () => {
    const provider = rise();
    expect(await provider.create(payout({ currency: 'EUR' }))).toMatchObject({
      kind: 'rejected',
      code: 'CURRENCY_NOT_SUPPORTED',
    });
    expect(await provider.create(payout({ channelCode: 'ID_BCA' }))).toMatchObject({
      kind: 'rejected',
      code: 'CHANNEL_NOT_SUPPORTED',
    });
    expect(await provider.create(payout({ reference: 'bad]ref' }))).toMatchObject({
      kind: 'rejected',
      code: 'INVALID_REFERENCE',
    });
    expect(fake.stats().requests).toBe(0);
  });

  it('keeps cents exact, far beyond 2^53', async () => {
    await restart({ balanceCents: 10n ** 20n });
    const provider = rise();
    for (const amount of [123_456_789_012n, 9_007_199_254_740_993n]) {
      const outcome = await provider.create(payout({ amountMinor: amount }));
      expect(outcome.kind).toBe('created');
      if (outcome.kind === 'created') expect(outcome.payout.amountMinor).toBe(amount);
    }
    expect(fake.payments().map((p) => p.amount_cents)).toEqual([
      123_456_789_012n,
      9_007_199_254_740_993n,
    ]);
    expect(await provider.balance('USD')).toBe(
      10n ** 20n - 123_456_789_012n - 9_007_199_254_740_993n,
    );
  });

  it('5xx and timeouts are unknown; the resend pays once', async () => {
    const provider = rise({ timeoutMs: HANG_TIMEOUT_MS });
    const request = payout();
    fake.injectNext('server_error');
    expect((await provider.create(request)).kind).toBe('unknown');
    fake.injectNext('timeout');
    expect((await provider.create(request)).kind).toBe('unknown');
    expect((await provider.create(request)).kind).toBe('created');
    expect((await provider.create(request)).kind).toBe('created');
    expect(fake.successfulByReference().get(request.reference)).toBe(1);
  });

  it('a network failure is unknown', async () => {
    const provider = rise({ baseUrl: 'http://127.0.0.1:1' });
    expect((await provider.create(payout())).kind).toBe('unknown');
  });
});

describe('Rise reads', () => {
  it('maps states; an unknown state is OTHER with the raw text, and blocks a second payment', async () => {
    expect(['intent', 'scheduled', 'complete', 'removed', 'on_hold'].map(riseStatus)).toEqual([
      'ACCEPTED',
      'REQUESTED',
      'SUCCEEDED',
      'CANCELLED',
      'OTHER',
    ]);
    const provider = rise();
    const request = payout();
    const outcome = await provider.create(request);
    if (outcome.kind !== 'created') throw new Error(outcome.kind);
    fake.setState(outcome.payout.providerId, 'on_hold');
    expect(await provider.get(outcome.payout.providerId)).toMatchObject({
      status: 'OTHER',
      rawStatus: 'on_hold',
    });
    const again = await provider.create(request);
    expect(again).toMatchObject({
      kind: 'created',
      payout: { providerId: outcome.payout.providerId, status: 'OTHER' },
    });
    expect(fake.successfulByReference().get(request.reference)).toBe(1);
  });

  it('scheduled payments complete after settleAfterMs', async () => {
    await restart({ settleAfterMs: 100 });
    const provider = rise();
    const outcome = await provider.create(payout());
    expect(outcome).toMatchObject({
      kind: 'created',
      payout: { status: 'REQUESTED', rawStatus: 'scheduled' },
    });
    await new Promise((r) => setTimeout(r, 150));
    if (outcome.kind === 'created')
      expect(await provider.get(outcome.payout.providerId)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('cancel removes an unsigned intent and leaves an executed payment as it is', async () => {
    const provider = rise({ timeoutMs: HANG_TIMEOUT_MS });
    fake.injectNext('timeout_before_execute');
    await provider.create(payout());
    const intent = fake.payments()[0]!;
    expect(await provider.cancel(intent.id)).toMatchObject({
      status: 'CANCELLED',
      rawStatus: 'removed',
    });
    const done = await provider.create(payout());
    if (done.kind !== 'created') throw new Error(done.kind);
    expect(await provider.cancel(done.payout.providerId)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('findByReference pages through the search; list keeps [from, to)', async () => {
    const provider = rise();
    for (let i = 0; i < 105; i++)
      await provider.create(payout({ reference: `bulk-${i}`, accountNumber: `us-p${i % 3}` }));
    expect(await provider.findByReference('bulk-104')).toHaveLength(1);
    expect(await provider.findByReference('bulk-1')).toHaveLength(1); // not bulk-10…
    const all = await provider.list(new Date(Date.now() - 60_000), new Date(Date.now() + 60_000));
    expect(all).toMatchObject({ complete: true });
    expect(all.payouts).toHaveLength(105);
    const none = await provider.list(new Date(Date.now() + 60_000), new Date(Date.now() + 120_000));
    expect(none).toEqual({ payouts: [], complete: true });
  });

  it('list reports an incomplete answer on errors', async () => {
    const provider = rise();
    fake.injectNext('server_error', 2);
    const r = await provider.list(new Date(0), new Date());
    expect(r.complete).toBe(false);
    expect(r.problem).toMatch(/500/);
  });

  it('balance and channel limits', async () => {
    const provider = rise();
    expect(await provider.balance('USD')).toBe(fake.balanceCents());
    await expect(provider.balance('EUR')).rejects.toMatchObject({ code: 'CURRENCY_NOT_SUPPORTED' });
    expect(await provider.channelLimits('RISE_USD', 'USD')).toEqual({
      channelCode: 'RISE_USD',
      currency: 'USD',
      minimumMinor: 100n,
      maximumMinor: null,
      incrementMinor: 1n,
    });
    expect(await provider.channelLimits('ID_BCA', 'USD')).toBeNull();
  });
});

describe('Rise secrets', () => {
  it('neither the wallet key nor the JWT appears in an error, even when a server echoes them', async () => {
    let jwt = '';
    const echoing: typeof fetch = async (input, init) => {
      const auth = new Headers(init?.headers).get('authorization');
      if (auth) {
        jwt = auth.slice('Bearer '.length);
        const echo = JSON.stringify({
          success: false,
          error: { code: 'BAD', message: `you sent ${auth} and ${FAKE_RISE_WALLET_KEY}` },
        });
        return new Response(echo, { status: 400, headers: { 'content-type': 'application/json' } });
      }
      return fetch(input, init);
    };
    const provider = rise({ fetch: echoing });
    const error = (await provider.balance('USD').catch((e: unknown) => e)) as Error;
    const outcome = await provider.create(payout());
    expect(jwt).not.toBe('');
    for (const text of [error.message, JSON.stringify(outcome)]) {
      expect(text).not.toContain(jwt);
      expect(text.toLowerCase()).not.toContain(FAKE_RISE_WALLET_KEY.slice(2).toLowerCase());
    }
    expect(error.message).toContain('[redacted]');
  });

  it('riseFromCredentials: reads the key from the store, explains a missing one', async () => {
    const secrets = new Map<string, string>();
    const store: CredentialStore = {
      kind: 'env',
      get: async (account) => secrets.get(account) ?? null,
      set: async (account, secret) => void secrets.set(account, secret),
      delete: async (account) => secrets.delete(account),
    };
    const missing = await riseFromCredentials(store, { riseId: RISE_ID, teamId: TEAM_ID }).catch(
      (e: Error) => e,
    );
    expect((missing as Error).message).toContain(RISE_WALLET_KEY_ACCOUNT);
    expect((missing as Error).message).toContain('treasury provider credentials set rise');
    secrets.set(RISE_WALLET_KEY_ACCOUNT, 'not-a-key-0123');
    const bad = (await riseFromCredentials(store, { riseId: RISE_ID, teamId: TEAM_ID }).catch(
      (e: Error) => e,
    )) as Error;
    expect(bad.message).not.toContain('not-a-key-0123');
    secrets.set(RISE_WALLET_KEY_ACCOUNT, FAKE_RISE_WALLET_KEY.slice(2));
    const previous = process.env.TREASURY_RISE_URL;
    process.env.TREASURY_RISE_URL = fake.url;
    try {
      const provider = await riseFromCredentials(store, { riseId: RISE_ID, teamId: TEAM_ID });
      expect(await provider.balance('USD')).toBe(fake.balanceCents());
    } finally {
      if (previous === undefined) delete process.env.TREASURY_RISE_URL;
      else process.env.TREASURY_RISE_URL = previous;
    }
  });
});

describe('Rise amounts', () => {
  it('usdcUnitsToCents is exact', () => {
    expect(usdcUnitsToCents('1000000000', 6)).toBe(100_000n);
    expect(usdcUnitsToCents('0', 6)).toBe(0n);
    expect(usdcUnitsToCents('1234567890120000', 6)).toBe(123_456_789_012n);
    expect(usdcUnitsToCents('90071992547409930000', 6)).toBe(9_007_199_254_740_993n);
    expect(usdcUnitsToCents('5', 0)).toBe(500n);
    expect(usdcUnitsToCents('123', 2)).toBe(123n);
  });

  it('usdcUnitsToCents refuses fractions of a cent and non-integers', () => {
    expect(() => usdcUnitsToCents('1000001', 6)).toThrow(/whole number of cents/);
    for (const bad of ['1.5', '-100', '1e6', '', ' 100', '0x10'])
      expect(() => usdcUnitsToCents(bad, 6)).toThrow();
    expect(() => usdcUnitsToCents('100', -1)).toThrow();
    expect(() => usdcUnitsToCents('100', 1.5)).toThrow();
  });
});

describe('Rise webhooks', () => {
  const secret = 'whsec_test_0123';
  const body = '{"object":"event","event_type":"payment.sent"}';
  const nowMs = 1_750_000_000_000;
  const t = String(nowMs / 1000);
  const sign = (ts: string, raw: string, key = secret): string =>
    createHmac('sha256', key).update(`${ts}.${raw}`).digest('hex');

  it('accepts the right signature; the signed string is `${t}.${body}`', () => {
    expect(riseSignedPayload(t, body)).toBe(`${t}.${body}`);
    expect(verifyRiseSignature(`t=${t},v1=${sign(t, body)}`, body, secret, nowMs)).toBe(true);
    expect(
      verifyRiseSignature(`t=${t}, v1=${'0'.repeat(64)}, v1=${sign(t, body)}`, body, secret, nowMs),
    ).toBe(true);
  });

  it('refuses a wrong signature, body or secret', () => {
    expect(verifyRiseSignature(`t=${t},v1=${sign(t, body, 'other')}`, body, secret, nowMs)).toBe(
      false,
    );
    expect(verifyRiseSignature(`t=${t},v1=${sign(t, body)}`, body + ' ', secret, nowMs)).toBe(
      false,
    );
    expect(verifyRiseSignature(`t=${t},v1=${sign(t, body)}`, body, '', nowMs)).toBe(false);
  });

  it('refuses a stale or future timestamp', () => {
    const old = String(nowMs / 1000 - 301);
    expect(verifyRiseSignature(`t=${old},v1=${sign(old, body)}`, body, secret, nowMs)).toBe(false);
    expect(
      verifyRiseSignature(`t=${old},v1=${sign(old, body)}`, body, secret, nowMs, 600_000),
    ).toBe(true);
    const future = String(nowMs / 1000 + 301);
    expect(verifyRiseSignature(`t=${future},v1=${sign(future, body)}`, body, secret, nowMs)).toBe(
      false,
    );
  });

  it('refuses malformed headers without throwing', () => {
    for (const header of [
      undefined,
      '',
      'garbage',
      `v1=${sign(t, body)}`,
      `t=${t}`,
      `t=abc,v1=${sign(t, body)}`,
      `t=${t},v1=xyz`,
      `t=${t},v1=${sign(t, body).slice(2)}`,
      `t=${t};v1=${sign(t, body)}`,
    ]) {
      expect(verifyRiseSignature(header, body, secret, nowMs)).toBe(false);
    }
  });

  it('parses payment.sent with the token amount checked against amount_cents', () => {
    const event = (amount: string, cents: string) =>
      `{"object":"event","created":1750000000,"request_id":"rq-1","event_type":"payment.sent","event_version":"1.0","idempotency_key":"ik-1",` +
      `"data":{"payment":{"id":"pa-1","state":"complete","to":"us-a","invoice_description":"x [ref:po-9]","currency_symbol":"USD","amount_cents":${cents},"amount":"${amount}","decimals":6}}}`;
    const parsed = parseRiseWebhook(event('90071992547409930000', '9007199254740993'));
    expect(parsed).toMatchObject({
      eventType: 'payment.sent',
      idempotencyKey: 'ik-1',
      payment: {
        providerId: 'pa-1',
        reference: 'po-9',
        amountMinor: 9_007_199_254_740_993n,
        tokenDecimals: 6,
      },
    });
    expect(() => parseRiseWebhook(event('1000000000', '100001'))).toThrow(/amount_cents/);
    expect(() => parseRiseWebhook(event('1000000001', '100000'))).toThrow(/whole number of cents/);
    expect(() => parseRiseWebhook('{"object":"charge"}')).toThrow();
    const other = parseRiseWebhook(
      '{"object":"event","created":"2025-06-15T00:00:00Z","request_id":"r","event_type":"payment.group.created","event_version":1,"idempotency_key":"k","data":{}}',
    );
    expect(other).toMatchObject({
      eventType: 'payment.group.created',
      eventVersion: '1',
      payment: null,
    });
  });

  it('fake webhooks: duplicates and out-of-order deliveries verify, parse and dedupe on idempotency_key', async () => {
    const received: { verified: boolean; type: string; key: string; sent: bigint | null }[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const verified = verifyRiseSignature(
          req.headers['x-rise-signature'] as string | undefined,
          raw,
          secret,
          Date.now(),
        );
        const event = parseRiseWebhook(raw);
        received.push({
          verified,
          type: event.eventType,
          key: event.idempotencyKey,
          sent: event.payment?.amountMinor ?? null,
        });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      await restart({
        webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        webhookSecret: secret,
        balanceCents: 10n ** 15n,
      });
      const provider = rise();
      fake.injectNext('webhook_out_of_order');
      fake.injectNext('webhook_duplicate');
      expect((await provider.create(payout({ amountMinor: 123_456_789_012n }))).kind).toBe(
        'created',
      );
      await fake.flushWebhooks();
      expect(received.every((r) => r.verified)).toBe(true);
      // group.created was held back and then delivered twice; payment.sent overtook it.
      expect(received.map((r) => r.type)).toEqual([
        'payment.sent',
        'payment.group.created',
        'payment.group.created',
      ]);
      const unique = new Map(received.map((r) => [r.key, r]));
      expect(unique.size).toBe(2);
      expect(received[0]!.sent).toBe(123_456_789_012n);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});
