/**
 * The Xendit client over real HTTP: against the project's fake Xendit (test/fakes/xendit.ts) for
 * the documented behaviour, and against tiny ad-hoc servers for the answers the fake never gives
 * (garbage, bare 404s, echoed secrets, other wire shapes).
 */
import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialStore } from '../../../src/core/platform/credentials/store.js';
import {
  ProviderError,
  type CreateOutcome,
  type PayoutRequest,
} from '../../../src/core/platform/payments/provider.js';
import {
  xenditFromCredentials,
  XenditProvider,
} from '../../../src/core/domain/providers/xendit/client.js';
import {
  xenditAmountToMinor,
  XenditRequestError,
} from '../../../src/core/domain/providers/xendit/money.js';
import { xenditRetryAt } from '../../../src/core/domain/providers/xendit/rate-limit.js';
import {
  parseXenditWebhook,
  verifyXenditCallbackToken,
} from '../../../src/core/domain/providers/xendit/webhook.js';
import {
  classifyXenditFailure,
  xenditCreateBody,
} from '../../../src/core/domain/providers/xendit/wire.js';
import { startFakeXendit, type FakeXendit, type FakeXenditOptions } from '../../fakes/xendit.js';

let counter = 0;
function payoutRequest(overrides: Partial<PayoutRequest> = {}): PayoutRequest {
  counter++;
  return {
    idempotencyKey: `tc-po${counter}-1`,
    reference: `po${counter}`,
    amountMinor: 1_500_000n, // 15,000 IDR
    currency: 'IDR',
    channelCode: 'ID_BCA',
    accountNumber: '1234567890',
    accountHolderName: 'Budi Santoso',
    description: 'Commission March',
    metadata: { affiliate: 'aff-1', batch: 'b-7' },
    ...overrides,
  };
}

const fakes: FakeXendit[] = [];
async function fake(
  options: FakeXenditOptions = {},
): Promise<{ fake: FakeXendit; client: XenditProvider }> {
  const f = await startFakeXendit(options);
  fakes.push(f);
  return {
    fake: f,
    client: new XenditProvider({ baseUrl: f.url, secretKey: f.secretKey, timeoutMs: 2000 }),
  };
}

interface AdHoc {
  url: string;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}
type Reply = { status: number; body: string; headers?: Record<string, string> };
const adhocs: AdHoc[] = [];
async function adhoc(handler: (req: http.IncomingMessage, body: string) => Reply): Promise<AdHoc> {
  const requests: AdHoc['requests'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const reply = handler(req, body);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const a: AdHoc = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  adhocs.push(a);
  return a;
}

afterAll(async () => {
  await Promise.all([
    ...fakes.splice(0).map((f) => f.close()),
    ...adhocs.splice(0).map((a) => a.close()),
  ]);
});

async function rejects(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

function expectKind<K extends CreateOutcome['kind']>(
  outcome: CreateOutcome,
  kind: K,
): Extract<CreateOutcome, { kind: K }> {
  expect(
    outcome.kind,
    JSON.stringify(outcome, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
  ).toBe(kind);
  return outcome as Extract<CreateOutcome, { kind: K }>;
}

describe('xenditCreateBody', () => {
  it('is exact, in major units, with a fixed key order and sorted metadata', () => {
    const request = payoutRequest({ reference: 'po-1', metadata: { z: '1', a: '2' } });
    expect(xenditCreateBody(request)).toBe(
      '{"reference_id":"po-1","channel_code":"ID_BCA","channel_properties":{"account_holder_name":"Budi Santoso","account_number":"1234567890"},' +
        '"amount":15000,"currency":"IDR","description":"Commission March","metadata":{"a":"2","z":"1"}}',
    );
    const same = { ...request, metadata: { a: '2', z: '1' } };
    expect(xenditCreateBody(same)).toBe(xenditCreateBody(request));
  });

  it('writes PHP with up to two decimals and never through a float', () => {
    const body = (amountMinor: bigint) =>
      xenditCreateBody(payoutRequest({ currency: 'PHP', channelCode: 'PH_BDO', amountMinor }));
    expect(body(12_345_678_901_234n)).toContain('"amount":123456789012.34,');
    expect(body(9_007_199_254_740_993n)).toContain('"amount":90071992547409.93,'); // beyond 2^53 minor units
    expect(body(1230n)).toContain('"amount":12.3,');
    expect(body(100n)).toContain('"amount":1,');
    expect(body(1n)).toContain('"amount":0.01,');
  });

  it('refuses what Xendit cannot take: non-whole IDR, negative amounts, unknown currencies', () => {
    expect(() => xenditCreateBody(payoutRequest({ amountMinor: 1_500_050n }))).toThrow(
      XenditRequestError,
    );
    expect(() => xenditCreateBody(payoutRequest({ amountMinor: -100n }))).toThrow(/negative/);
    expect(() => xenditCreateBody(payoutRequest({ currency: 'XYZ' }))).toThrow(XenditRequestError);
  });

  it('leaves out an empty description', () => {
    expect(xenditCreateBody(payoutRequest({ description: '' }))).not.toContain('description');
  });
});

describe('exact amounts from the wire', () => {
  it('converts JSON number text to minor units exactly', () => {
    expect(xenditAmountToMinor('15000', 'IDR')).toBe(1_500_000n);
    expect(xenditAmountToMinor('123456789012.34', 'PHP')).toBe(12_345_678_901_234n);
    expect(xenditAmountToMinor('12.3', 'PHP')).toBe(1230n);
    expect(xenditAmountToMinor('100.00', 'IDR')).toBe(10_000n);
    expect(xenditAmountToMinor('1.5e3', 'PHP')).toBe(150_000n);
    expect(xenditAmountToMinor('150000e-2', 'VND')).toBe(1500n);
    expect(() => xenditAmountToMinor('12.345', 'PHP')).toThrow(/decimals/);
    expect(() => xenditAmountToMinor('1.5', 'VND')).toThrow(/decimals/);
    expect(() => xenditAmountToMinor('1e30', 'PHP')).toThrow(/range/);
  });
});

describe('create against the fake', () => {
  let f: FakeXendit;
  let client: XenditProvider;
  beforeAll(async () => ({ fake: f, client } = await fake()));

  it('creates: exact amount, ACCEPTED, the provider id', async () => {
    const request = payoutRequest();
    const created = expectKind(await client.create(request), 'created');
    expect(created.payout).toMatchObject({
      reference: request.reference,
      amountMinor: 1_500_000n,
      currency: 'IDR',
      status: 'ACCEPTED',
      rawStatus: 'ACCEPTED',
      failureCode: null,
    });
    expect(created.payout.providerId).toMatch(/^disb-/);
    expect(f.payouts().find((p) => p.id === created.payout.providerId)?.amountMinor).toBe(
      1_500_000n,
    );
  });

  it('round-trips 123456789012.34 PHP exactly', async () => {
    const request = payoutRequest({
      currency: 'PHP',
      channelCode: 'PH_BDO',
      amountMinor: 12_345_678_901_234n,
    });
    const created = expectKind(await client.create(request), 'created');
    expect(created.payout.amountMinor).toBe(12_345_678_901_234n);
    expect((await client.get(created.payout.providerId))?.amountMinor).toBe(12_345_678_901_234n);
    expect((await client.findByReference(request.reference))[0]?.amountMinor).toBe(
      12_345_678_901_234n,
    );
  });

  it('replays: same key and body returns the first payout, and nothing new is created', async () => {
    const request = payoutRequest();
    const first = expectKind(await client.create(request), 'created');
    const again = expectKind(await client.create(request), 'created');
    expect(again.payout.providerId).toBe(first.payout.providerId);
    expect(f.payouts().filter((p) => p.reference === request.reference)).toHaveLength(1);
  });

  it('same key with a different body is a duplicate, never a failure', async () => {
    const request = payoutRequest();
    expectKind(await client.create(request), 'created');
    const duplicate = expectKind(
      await client.create({ ...request, amountMinor: 2_000_000n }),
      'duplicate',
    );
    expect(duplicate.message).toMatch(/used before/);
  });

  it('an injected duplicate_error means the payout exists: lookup finds it', async () => {
    f.injectNext('duplicate_error');
    const request = payoutRequest();
    expectKind(await client.create(request), 'duplicate');
    const found = await client.findByReference(request.reference);
    expect(found).toHaveLength(1);
  });

  it('rejects by channel limits, validation and channel support', async () => {
    const low = expectKind(
      await client.create(payoutRequest({ amountMinor: 100_000n })),
      'rejected',
    );
    expect(low.code).toBe('MINIMUM_TRANSFER_LIMIT_ERROR');
    const high = expectKind(
      await client.create(payoutRequest({ channelCode: 'ID_OVO', amountMinor: 2_000_000_100n })),
      'rejected',
    );
    expect(high.code).toBe('MAXIMUM_TRANSFER_LIMIT_ERROR');
    const channel = expectKind(
      await client.create(payoutRequest({ channelCode: 'PH_GCASH' })),
      'rejected',
    );
    expect(channel.code).toBe('CHANNEL_CODE_NOT_SUPPORTED');
    const validation = expectKind(
      await client.create(payoutRequest({ description: 'x'.repeat(101) })),
      'rejected',
    );
    expect(validation.code).toBe('API_VALIDATION_ERROR');
    expect(validation.message).toMatch(/description/);
  });

  it('rejects locally, without sending, what Xendit cannot take', async () => {
    const before = f.createRequests;
    const local = expectKind(
      await client.create(payoutRequest({ amountMinor: 1_500_050n })),
      'rejected',
    );
    expect(local.code).toBe('AMOUNT_NOT_REPRESENTABLE');
    expect(f.createRequests).toBe(before);
  });

  it('is rate limited with retryAt from Rate-Limit-Reset', async () => {
    f.injectNext('rate_limit');
    const t = Date.now();
    const limited = expectKind(await client.create(payoutRequest()), 'rate_limited');
    expect(limited.retryAt).toBeGreaterThanOrEqual(t + 1000);
    expect(limited.retryAt).toBeLessThan(Date.now() + 1100);
  });

  it('a 500 before creating is unknown and created nothing', async () => {
    f.injectNext('server_error');
    const request = payoutRequest();
    const unknown = expectKind(await client.create(request), 'unknown');
    expect(unknown.reason).toMatch(/500 SERVER_ERROR/);
    expect(await client.findByReference(request.reference)).toEqual([]);
  });

  it('a 500 after creating is unknown; resending the same key and body returns the payout', async () => {
    f.injectNext('server_error_after_create');
    const request = payoutRequest();
    expectKind(await client.create(request), 'unknown');
    const resent = expectKind(await client.create(request), 'created');
    expect(await client.findByReference(request.reference)).toEqual([
      expect.objectContaining({ providerId: resent.payout.providerId }),
    ]);
  });

  it('a timeout is unknown; the payout may exist and the same key finds it', async () => {
    const quick = new XenditProvider({ baseUrl: f.url, secretKey: f.secretKey, timeoutMs: 200 });
    f.injectNext('timeout_after_create');
    const request = payoutRequest();
    const t = Date.now();
    const unknown = expectKind(await quick.create(request), 'unknown');
    expect(unknown.reason).toMatch(/no answer within 200 ms/);
    expect(Date.now() - t).toBeLessThan(1500);
    const resent = expectKind(await quick.create(request), 'created');
    expect(
      f
        .payouts()
        .filter((p) => p.reference === request.reference)
        .map((p) => p.id),
    ).toEqual([resent.payout.providerId]);
  });

  it('a wrong key is rejected with INVALID_API_KEY', async () => {
    const wrong = new XenditProvider({
      baseUrl: f.url,
      secretKey: 'xnd_development_wrong_key_123',
    });
    const rejected = expectKind(await wrong.create(payoutRequest()), 'rejected');
    expect(rejected.code).toBe('INVALID_API_KEY');
  });

  it('a closed port is unknown (network error)', async () => {
    const gone = await adhoc(() => ({ status: 200, body: '{}' }));
    await gone.close();
    const client2 = new XenditProvider({ baseUrl: gone.url, secretKey: 'k-123456' });
    const unknown = expectKind(await client2.create(payoutRequest()), 'unknown');
    expect(unknown.reason).toMatch(/network error/);
  });

  it('sends the exact persisted body, the idempotency key, Basic auth and for-user-id', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const spy: typeof fetch = (input, init) => {
      seen.push({ url: String(input), init: init ?? {} });
      return fetch(input, init);
    };
    const sub = new XenditProvider({
      baseUrl: f.url + '/',
      secretKey: f.secretKey,
      fetch: spy,
      forUserId: 'sub-1',
    });
    const request = payoutRequest();
    expectKind(await sub.create(request), 'created');
    const headers = seen[0]!.init.headers as Record<string, string>;
    expect(seen[0]!.url).toBe(f.url + '/v2/payouts');
    expect(seen[0]!.init.body).toBe(xenditCreateBody(request));
    expect(sub.wireBody(request)).toBe(seen[0]!.init.body);
    expect(headers['Idempotency-key']).toBe(request.idempotencyKey);
    expect(headers['for-user-id']).toBe('sub-1');
    expect(headers.Authorization).toBe(
      'Basic ' + Buffer.from(f.secretKey + ':').toString('base64'),
    );
  });
});

describe('create answers the fake never gives', () => {
  it('a 200 that is not JSON, or not a payout, or not exact, is unknown', async () => {
    const replies: Reply[] = [
      { status: 200, body: '<html>ok</html>' },
      { status: 200, body: '{"id":"disb-1"}' },
      {
        status: 200,
        body: '{"id":"disb-1","reference_id":"po-x","amount":15000.001,"currency":"IDR","status":"ACCEPTED"}',
      },
    ];
    const server = await adhoc(() => replies.shift()!);
    const client = new XenditProvider({ baseUrl: server.url, secretKey: 'k-123456' });
    const request = payoutRequest({ reference: 'po-x' });
    expect(expectKind(await client.create(request), 'unknown').reason).toMatch(/not JSON/);
    expect(expectKind(await client.create(request), 'unknown').reason).toMatch(/invalid payout/);
    expect(expectKind(await client.create(request), 'unknown').reason).toMatch(/more decimals/);
  });

  it('a payout that does not match the request is unknown, not created', async () => {
    const server = await adhoc(() => ({
      status: 200,
      body: '{"id":"disb-9","reference_id":"someone-else","amount":15000,"currency":"IDR","status":"ACCEPTED"}',
    }));
    const client = new XenditProvider({ baseUrl: server.url, secretKey: 'k-123456' });
    expect(expectKind(await client.create(payoutRequest()), 'unknown').reason).toMatch(
      /does not match/,
    );
  });

  it('a 4xx without an error code, or a 409, is unknown', async () => {
    const replies: Reply[] = [
      { status: 404, body: 'Not Found' },
      { status: 409, body: '{"error_code":"IDEMPOTENCY_IN_PROGRESS","message":"busy"}' },
    ];
    const server = await adhoc(() => replies.shift()!);
    const client = new XenditProvider({ baseUrl: server.url, secretKey: 'k-123456' });
    expectKind(await client.create(payoutRequest()), 'unknown');
    expectKind(await client.create(payoutRequest()), 'unknown');
  });
});

describe('the other error body shape {error_code, error_message}', () => {
  it('gives the same outcomes', async () => {
    const { fake: f, client } = await fake({ errorShape: 'error_message', duplicateMode: 'error' });
    const low = expectKind(
      await client.create(payoutRequest({ amountMinor: 100n * 100n })),
      'rejected',
    );
    expect(low).toEqual({
      kind: 'rejected',
      code: 'MINIMUM_TRANSFER_LIMIT_ERROR',
      message: expect.stringMatching(/minimum/),
    });
    const request = payoutRequest();
    expectKind(await client.create(request), 'created');
    // v2 semantics: any reused key is DUPLICATE_ERROR, even with the same body.
    expect(expectKind(await client.create(request), 'duplicate').message).toMatch(/used before/);
    const missing = await client.cancel('disb-nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ProviderError);
    expect((missing as ProviderError).code).toBe('DATA_NOT_FOUND');
    expect(f.stats().duplicateErrors).toBe(1);
  });
});

describe('statuses and reads', () => {
  let f: FakeXendit;
  let client: XenditProvider;
  beforeAll(async () => ({ fake: f, client } = await fake({ balances: { IDR: 10_000_000n } })));

  it('settles on the next read; known statuses map to themselves', async () => {
    const created = expectKind(await client.create(payoutRequest()), 'created');
    expect(created.payout.status).toBe('ACCEPTED');
    expect(await client.get(created.payout.providerId)).toMatchObject({
      status: 'SUCCEEDED',
      rawStatus: 'SUCCEEDED',
    });
    f.reverse(created.payout.providerId);
    expect(await client.get(created.payout.providerId)).toMatchObject({ status: 'REVERSED' });
  });

  it('unknown and non-terminal statuses are OTHER with the raw text kept', async () => {
    for (const raw of [
      'PENDING_COMPLIANCE_ASSESSMENT',
      'COMPLIANCE_REJECTED',
      'LOCKED',
      'SOMETHING_NEW',
    ]) {
      const created = expectKind(await client.create(payoutRequest()), 'created');
      f.setStatus(created.payout.providerId, raw);
      expect(await client.get(created.payout.providerId)).toMatchObject({
        status: 'OTHER',
        rawStatus: raw,
      });
    }
  });

  it('failures carry their code; the balance is refunded', async () => {
    const before = await client.balance('IDR');
    f.injectNext('temporary_failure');
    const created = expectKind(await client.create(payoutRequest()), 'created');
    const failed = await client.get(created.payout.providerId);
    expect(failed).toMatchObject({ status: 'FAILED', failureCode: 'TEMPORARY_TRANSFER_ERROR' });
    expect(classifyXenditFailure(failed!.failureCode)).toBe('retryable');
    expect(await client.balance('IDR')).toBe(before);
  });

  it('a payout beyond the balance is accepted, then FAILED with INSUFFICIENT_BALANCE', async () => {
    const balance = await client.balance('IDR');
    const created = expectKind(
      await client.create(payoutRequest({ amountMinor: balance + 100n * 100n })),
      'created',
    );
    expect(await client.get(created.payout.providerId)).toMatchObject({
      status: 'FAILED',
      failureCode: 'INSUFFICIENT_BALANCE',
    });
    expect(await client.balance('IDR')).toBe(balance);
  });

  it('balance is exact and debited by a successful payout', async () => {
    const before = await client.balance('IDR');
    expectKind(await client.create(payoutRequest({ amountMinor: 1_500_000n })), 'created');
    expect(await client.balance('IDR')).toBe(before - 1_500_000n);
    f.setBalance('PHP', 12_345_678_901_234n);
    expect(await client.balance('PHP')).toBe(12_345_678_901_234n);
  });

  it('get of an unknown id is null (404 DATA_NOT_FOUND)', async () => {
    expect(await client.get('disb-does-not-exist')).toBeNull();
  });

  it('read errors are ProviderErrors: 5xx unavailable, 429 rate_limited, garbage invalid_response', async () => {
    f.injectRead('server_error', { path: '/balance' });
    expect((await rejects(client.balance('IDR'))).reason).toBe('unavailable');
    f.injectRead('rate_limit', { path: '/balance' });
    const limited = await rejects(client.balance('IDR'));
    expect(limited.reason).toBe('rate_limited');
    expect(limited.retryAt).toBeGreaterThan(Date.now());
    f.injectRead('invalid_json', { path: '/v2/payouts' });
    expect((await rejects(client.get('disb-x'))).reason).toBe('invalid_response');
    const quick = new XenditProvider({ baseUrl: f.url, secretKey: f.secretKey, timeoutMs: 150 });
    f.injectRead('timeout', { path: '/balance' });
    const timeout = await rejects(quick.balance('IDR'));
    expect(timeout.reason).toBe('unavailable');
    expect(timeout.message).toMatch(/no answer within 150 ms/);
  });

  it('cancel while ACCEPTED cancels and refunds; later it returns the current state', async () => {
    const { fake: slow, client: c } = await fake({ settleAfterMs: 60_000 });
    const before = slow.balanceOf('IDR');
    const created = expectKind(await c.create(payoutRequest()), 'created');
    expect(slow.balanceOf('IDR')).toBe(before - 1_500_000n);
    expect(await c.cancel(created.payout.providerId)).toMatchObject({ status: 'CANCELLED' });
    expect(slow.balanceOf('IDR')).toBe(before);
    // A second cancel is refused (no longer ACCEPTED): the client re-reads and returns the truth.
    expect(await c.cancel(created.payout.providerId)).toMatchObject({ status: 'CANCELLED' });
    const settled = expectKind(await client.create(payoutRequest()), 'created');
    expect(await client.cancel(settled.payout.providerId)).toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('lookup by reference', () => {
  it('finds every attempt, oldest first, in the {data, has_more} shape, across pages', async () => {
    const { client } = await fake({ maxPageSize: 2 });
    const base = payoutRequest();
    const ids: string[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      ids.push(
        expectKind(
          await client.create({ ...base, idempotencyKey: `tc-${base.reference}-${attempt}` }),
          'created',
        ).payout.providerId,
      );
    }
    expect((await client.findByReference(base.reference)).map((p) => p.providerId)).toEqual(ids);
    expect(await client.findByReference('nobody')).toEqual([]);
  });

  it('parses the documented bare-array shape', async () => {
    const { client } = await fake({ listShape: 'array' });
    const base = payoutRequest();
    const a = expectKind(await client.create(base), 'created');
    const b = expectKind(
      await client.create({ ...base, idempotencyKey: base.idempotencyKey + 'b' }),
      'created',
    );
    expect((await client.findByReference(base.reference)).map((p) => p.providerId)).toEqual([
      a.payout.providerId,
      b.payout.providerId,
    ]);
  });

  it('sorts by creation time, treats DATA_NOT_FOUND as none and a failed page as an error', async () => {
    const payout = (id: string, created: string) => ({
      id,
      reference_id: 'po-r',
      amount: 1,
      currency: 'PHP',
      status: 'FAILED',
      created,
    });
    const replies: Reply[] = [
      {
        status: 200,
        body: JSON.stringify([
          payout('disb-2', '2025-01-02T00:00:00Z'),
          payout('disb-1', '2025-01-01T00:00:00Z'),
          { ...payout('disb-x', '2025-01-01T00:00:00Z'), reference_id: 'other' },
        ]),
      },
      { status: 404, body: '{"error_code":"DATA_NOT_FOUND","message":"none"}' },
      { status: 404, body: 'no such route' },
      {
        status: 200,
        body: JSON.stringify({ data: [payout('disb-1', '2025-01-01T00:00:00Z')], has_more: true }),
      },
      { status: 502, body: 'bad gateway' },
    ];
    const server = await adhoc(() => replies.shift()!);
    const client = new XenditProvider({ baseUrl: server.url, secretKey: 'k-123456' });
    expect((await client.findByReference('po-r')).map((p) => p.providerId)).toEqual([
      'disb-1',
      'disb-2',
    ]);
    expect(await client.findByReference('po-r')).toEqual([]);
    expect((await rejects(client.findByReference('po-r'))).reason).toBe('invalid_response');
    expect((await rejects(client.findByReference('po-r'))).reason).toBe('unavailable');
    expect(server.requests[0]!.url).toBe('/v2/payouts?reference_id=po-r');
    expect(server.requests[4]!.url).toBe('/v2/payouts?reference_id=po-r&after_id=disb-1');
  });
});

describe('list for reconciliation: the Transactions API', () => {
  const start = Date.parse('2025-03-01T00:00:00.000Z');
  let clock = start;
  let f: FakeXendit;
  let client: XenditProvider;
  const seen: string[] = [];
  const recording: typeof fetch = (input, init) => {
    seen.push(`${init?.method ?? 'GET'} ${String(input).replace(/^http:\/\/[^/]+/, '')}`);
    return fetch(input, init);
  };
  beforeAll(async () => {
    ({ fake: f } = await fake({ now: () => clock }));
    client = new XenditProvider({
      baseUrl: f.url,
      secretKey: f.secretKey,
      timeoutMs: 2000,
      fetch: recording,
    });
    for (let i = 0; i < 260; i++) {
      clock = start + i * 1000; // one per second
      expectKind(await client.create(payoutRequest()), 'created');
    }
    clock = start + 400_000; // everything settled: every transaction SUCCESS
    seen.length = 0;
  });
  afterEach(() => {
    seen.length = 0;
  });

  it('pages GET /transactions by has_more/after_id and keeps [from, to) — no lookup needed for SUCCESS', async () => {
    const result = await client.list(new Date(start + 5_000), new Date(start + 255_000));
    expect(result.complete).toBe(true);
    expect(result.problem).toBeUndefined();
    // created[lte] is inclusive: the payout at exactly `to` comes back and is left to the next
    // period.
    expect(result.payouts).toHaveLength(250);
    expect(result.payouts[0]!.createdAt).toBe('2025-03-01T00:00:05.000Z');
    expect(result.payouts.at(-1)!.createdAt).toBe('2025-03-01T00:04:14.000Z');
    expect(new Set(result.payouts.map((p) => p.providerId)).size).toBe(250);
    expect(
      result.payouts.every(
        (p) =>
          p.status === 'SUCCEEDED' &&
          p.rawStatus === 'SUCCEEDED' &&
          p.amountMinor === 1_500_000n &&
          /^disb-/.test(p.providerId),
      ),
    ).toBe(true);
    expect(seen).toHaveLength(6); // 251 transactions, 50 a page
    expect(
      seen.every((r) =>
        r.startsWith(
          'GET /transactions?types=DISBURSEMENT&created%5Bgte%5D=2025-03-01T00%3A00%3A05.000Z&created%5Blte%5D=2025-03-01T00%3A04%3A15.000Z&limit=50',
        ),
      ),
    ).toBe(true);
    expect(seen.slice(1).every((r) => /&after_id=txn_/.test(r))).toBe(true);
  });

  it('is incomplete, with the problem, when a page fails', async () => {
    f.injectRead('server_error', { skip: 1, path: '/transactions' });
    const result = await client.list(new Date(start), new Date(start + 300_000));
    expect(result.complete).toBe(false);
    expect(result.problem).toMatch(/page 2: .*HTTP 500/);
    expect(result.payouts).toHaveLength(50);
  });

  it('stops, incomplete, when the cursor does not advance', async () => {
    const tx = {
      id: 'txn_1',
      product_id: 'disb-1',
      type: 'DISBURSEMENT',
      status: 'SUCCESS',
      reference_id: 'r',
      amount: 1,
      currency: 'PHP',
      created: '2025-01-01T00:00:00Z',
    };
    const server = await adhoc(() => ({
      status: 200,
      body: JSON.stringify({ data: [tx], has_more: true }),
    }));
    const c = new XenditProvider({ baseUrl: server.url, secretKey: 'k-123456' });
    const result = await c.list(new Date(0), new Date('2026-01-01T00:00:00Z'));
    expect(result).toMatchObject({
      complete: false,
      problem: expect.stringMatching(/page 2: .*cursor did not advance/),
    });
    expect(server.requests.map((r) => r.url)).toEqual([
      '/transactions?types=DISBURSEMENT&created%5Bgte%5D=1970-01-01T00%3A00%3A00.000Z&created%5Blte%5D=2026-01-01T00%3A00%3A00.000Z&limit=50',
      '/transactions?types=DISBURSEMENT&created%5Bgte%5D=1970-01-01T00%3A00%3A00.000Z&created%5Blte%5D=2026-01-01T00%3A00%3A00.000Z&limit=50&after_id=txn_1',
    ]);
  });
});

describe('list: transaction statuses → payout statuses', () => {
  const at = '2025-05-01T00:00:00.000Z';
  const tx = (productId: string, status: string, more: Record<string, unknown> = {}) => ({
    id: `txn_${productId}_${status}`,
    product_id: productId,
    type: 'DISBURSEMENT',
    status,
    reference_id: `ref-${productId}`,
    amount: 15000,
    currency: 'IDR',
    created: at,
    updated: at,
    ...more,
  });
  const payout = (id: string, status: string) => ({
    id,
    reference_id: `ref-${id}`,
    amount: 15000,
    currency: 'IDR',
    status,
    created: at,
    updated: at,
  });
  const page = [
    tx('disb-s', 'SUCCESS', { amount: 123456789012.34, currency: 'PHP' }),
    tx('disb-f', 'FAILED'),
    tx('disb-v', 'VOIDED'),
    tx('disb-r', 'REVERSED'),
    tx('disb-p', 'PENDING'),
    tx('disb-n', 'ON_HOLD_SOMETHING_NEW'),
    tx('disb-twice', 'SUCCESS'),
    tx('disb-twice', 'REVERSED'),
    tx('legacy-1', 'PENDING'),
    tx('py-1', 'SUCCESS', { type: 'PAYMENT' }),
    tx('disb-late', 'SUCCESS', { created: '2025-06-01T00:00:00.000Z' }),
  ];
  const payouts: Record<string, ReturnType<typeof payout>> = {
    'disb-p': payout('disb-p', 'ACCEPTED'),
    'disb-n': payout('disb-n', 'LOCKED'),
    'disb-twice': payout('disb-twice', 'REVERSED'),
  };
  // 123456789012.34 is written back as exactly that text by JSON.stringify (shortest round trip).
  const body = JSON.stringify({ data: page, has_more: false });

  it('maps SUCCESS/FAILED/VOIDED/REVERSED, reads the payout for PENDING, unknown and conflicting ones, skips other types and the period end', async () => {
    const server = await adhoc((req) => {
      const one = /^\/v2\/payouts\/([^/?]+)$/.exec(req.url ?? '');
      if (!one) return { status: 200, body };
      const p = payouts[decodeURIComponent(one[1]!)];
      return p
        ? { status: 200, body: JSON.stringify(p) }
        : { status: 404, body: '{"error_code":"DATA_NOT_FOUND","message":"no such payout"}' };
    });
    const c = new XenditProvider({ baseUrl: server.url, secretKey: 'k-123456' });
    const result = await c.list(new Date('2025-04-01T00:00:00Z'), new Date('2025-06-01T00:00:00Z'));
    expect(result).toMatchObject({ complete: true });
    const by = new Map(result.payouts.map((p) => [p.providerId, p]));
    expect([...by.keys()].sort()).toEqual([
      'disb-f',
      'disb-n',
      'disb-p',
      'disb-r',
      'disb-s',
      'disb-twice',
      'disb-v',
      'legacy-1',
    ]);
    expect(by.get('disb-s')).toMatchObject({
      status: 'SUCCEEDED',
      rawStatus: 'SUCCEEDED',
      amountMinor: 12_345_678_901_234n,
      currency: 'PHP',
      reference: 'ref-disb-s',
    });
    expect(by.get('disb-f')).toMatchObject({
      status: 'FAILED',
      rawStatus: 'FAILED',
      failureCode: null,
      amountMinor: 1_500_000n,
    });
    expect(by.get('disb-v')).toMatchObject({ status: 'CANCELLED', rawStatus: 'CANCELLED' });
    expect(by.get('disb-r')).toMatchObject({ status: 'REVERSED', rawStatus: 'REVERSED' });
    expect(by.get('disb-p')).toMatchObject({ status: 'ACCEPTED', rawStatus: 'ACCEPTED' });
    expect(by.get('disb-n')).toMatchObject({ status: 'OTHER', rawStatus: 'LOCKED' });
    expect(by.get('disb-twice')).toMatchObject({ status: 'REVERSED' });
    // Not a Payouts v2 id: get does not know it, the transaction's own status stays (non-terminal).
    expect(by.get('legacy-1')).toMatchObject({
      status: 'OTHER',
      rawStatus: 'PENDING',
      amountMinor: 1_500_000n,
    });
    const gets = server.requests
      .filter((r) => r.url.startsWith('/v2/payouts/'))
      .map((r) => r.url)
      .sort();
    expect(gets).toEqual([
      '/v2/payouts/disb-n',
      '/v2/payouts/disb-p',
      '/v2/payouts/disb-twice',
      '/v2/payouts/legacy-1',
    ]);
  });

  it('an amount that is not exact makes the listing incomplete; the rest is kept', async () => {
    const bad = JSON.stringify({
      data: [
        tx('disb-ok', 'SUCCESS'),
        tx('disb-bad', 'SUCCESS', { amount: 1.234, currency: 'PHP' }),
      ],
      has_more: false,
    });
    const server = await adhoc(() => ({ status: 200, body: bad }));
    const c = new XenditProvider({ baseUrl: server.url, secretKey: 'k-123456' });
    const result = await c.list(new Date('2025-04-01T00:00:00Z'), new Date('2025-06-01T00:00:00Z'));
    expect(result).toMatchObject({
      complete: false,
      problem: expect.stringMatching(/txn_disb-bad_SUCCESS: .*more decimals/),
    });
    expect(result.payouts.map((p) => p.providerId)).toEqual(['disb-ok']);
  });
});

describe('list: status lookups against the fake', () => {
  it('reads the payouts of pending transactions, at most three at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const f = await startFakeXendit({ settleAfterMs: 60_000 });
    fakes.push(f);
    const counting: typeof fetch = async (input, init) => {
      const isGet = /\/v2\/payouts\/disb-/.test(String(input));
      if (isGet) most = Math.max(most, ++inFlight);
      try {
        return await fetch(input, init);
      } finally {
        if (isGet) inFlight--;
      }
    };
    const client = new XenditProvider({ baseUrl: f.url, secretKey: f.secretKey, fetch: counting });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++)
      ids.push(expectKind(await client.create(payoutRequest()), 'created').payout.providerId);
    f.setStatus(ids[0]!, 'PENDING_COMPLIANCE_ASSESSMENT');
    const result = await client.list(new Date(Date.now() - 60_000), new Date(Date.now() + 60_000));
    expect(result).toMatchObject({ complete: true });
    // Every one, by creation time; two created in the same millisecond may come either way.
    expect(result.payouts.map((p) => p.providerId).sort()).toEqual([...ids].sort());
    expect(result.payouts.find((p) => p.providerId === ids[0])).toMatchObject({
      status: 'OTHER',
      rawStatus: 'PENDING_COMPLIANCE_ASSESSMENT',
    });
    expect(
      result.payouts.filter((p) => p.providerId !== ids[0]).every((p) => p.status === 'ACCEPTED'),
    ).toBe(true);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
  });

  it('waits out a 429 (Rate-Limit-Reset) on a page and on lookups, then completes', async () => {
    const { fake: f, client } = await fake({ settleAfterMs: 60_000, faultRateLimitReset: '0.3' });
    for (let i = 0; i < 4; i++) expectKind(await client.create(payoutRequest()), 'created');
    f.injectRead('rate_limit', { path: '/transactions' });
    f.injectRead('rate_limit', { path: '/v2/payouts/', count: 2 });
    const t = Date.now();
    const result = await client.list(new Date(Date.now() - 60_000), new Date(Date.now() + 60_000));
    expect(result).toMatchObject({ complete: true });
    expect(result.payouts).toHaveLength(4);
    expect(Date.now() - t).toBeGreaterThanOrEqual(550); // two waits of 0.3 s
    expect(f.stats().faults.read_rate_limit).toBe(3);
  });

  it('a lookup that fails keeps the transaction status and makes the listing incomplete', async () => {
    const { fake: f, client } = await fake({ settleAfterMs: 60_000 });
    const created = expectKind(await client.create(payoutRequest()), 'created');
    f.injectRead('server_error', { path: '/v2/payouts/' });
    const result = await client.list(new Date(Date.now() - 60_000), new Date(Date.now() + 60_000));
    expect(result.complete).toBe(false);
    expect(result.problem).toMatch(/status of 1 payout\(s\) could not be read .*HTTP 500/);
    expect(result.payouts).toEqual([
      expect.objectContaining({
        providerId: created.payout.providerId,
        status: 'OTHER',
        rawStatus: 'PENDING',
      }),
    ]);
  });
});

describe('channel limits', () => {
  it('reads minimum, maximum and increment exactly', async () => {
    const { client } = await fake({
      channels: [
        {
          channelCode: 'ID_BCA',
          currency: 'IDR',
          minimumMinor: 1_000_000n,
          maximumMinor: 5_000_000_000_000n,
          incrementMinor: 100n,
        },
        {
          channelCode: 'ID_ODD',
          currency: 'IDR',
          minimumMinor: 100n,
          maximumMinor: null,
          incrementMinor: 50n,
        },
        {
          channelCode: 'PH_BDO',
          currency: 'PHP',
          minimumMinor: 100n,
          maximumMinor: null,
          incrementMinor: 1n,
        },
      ],
    });
    expect(await client.channelLimits('ID_BCA', 'IDR')).toEqual({
      channelCode: 'ID_BCA',
      currency: 'IDR',
      minimumMinor: 1_000_000n,
      maximumMinor: 5_000_000_000_000n,
      incrementMinor: 100n,
    });
    expect(await client.channelLimits('PH_BDO', 'PHP')).toEqual({
      channelCode: 'PH_BDO',
      currency: 'PHP',
      minimumMinor: 100n,
      maximumMinor: null,
      incrementMinor: 1n,
    });
    // 0.5 IDR steps cannot be sent (IDR payouts are whole): the wire rule is folded into the
    // increment.
    expect((await client.channelLimits('ID_ODD', 'IDR'))?.incrementMinor).toBe(100n);
    expect(await client.channelLimits('ID_NOPE', 'IDR')).toBeNull();
    expect(await client.channelLimits('ID_BCA', 'PHP')).toBeNull();
  });

  it('the fake enforces a channel increment', async () => {
    const { client } = await fake({
      channels: [
        {
          channelCode: 'ID_BCA',
          currency: 'IDR',
          minimumMinor: 100n,
          maximumMinor: null,
          incrementMinor: 100_000n,
        },
      ],
    });
    expect(
      expectKind(await client.create(payoutRequest({ amountMinor: 1_550_000n })), 'rejected').code,
    ).toBe('AMOUNT_INCREMENT_NOT_SUPPORTED');
  });
});

describe('rate limits', () => {
  it('Rate-Limit-Reset: seconds left (documented), epoch seconds, epoch ms, a date; else Retry-After; else 1 s', () => {
    const now = 1_700_000_000_000;
    const at = (h: Record<string, string>) => xenditRetryAt(new Headers(h), now);
    expect(at({ 'Rate-Limit-Reset': '58.37' })).toBe(now + 58_370);
    expect(at({ 'Rate-Limit-Reset': '0.25' })).toBe(now + 250);
    expect(at({ 'Rate-Limit-Reset': String(now / 1000 + 30) })).toBe(now + 30_000);
    expect(at({ 'Rate-Limit-Reset': String(now + 4_000) })).toBe(now + 4_000);
    expect(at({ 'Rate-Limit-Reset': new Date(now + 10_000).toUTCString() })).toBe(now + 10_000);
    expect(at({ 'Retry-After': '3' })).toBe(now + 3_000);
    expect(at({})).toBe(now + 1_000);
    expect(at({ 'Rate-Limit-Reset': 'soon' })).toBe(now + 1_000);
    expect(at({ 'Rate-Limit-Reset': String(now / 1000 - 30) })).toBe(now); // already past: now
    expect(at({ 'Rate-Limit-Reset': '86400' })).toBe(now + 3_600_000); // capped at an hour
  });

  it('the fake enforces a real per-endpoint limit with the documented headers', async () => {
    const { client } = await fake({ rateLimitPerSecond: 3 });
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await client.create(payoutRequest()));
    expect(outcomes.map((o) => o.kind)).toEqual(['created', 'created', 'created', 'rate_limited']);
    const retryAt = (outcomes[3] as { retryAt: number }).retryAt;
    expect(retryAt).toBeGreaterThanOrEqual(Date.now() - 5);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await client.balance('IDR')).toBeGreaterThan(0n); // another endpoint, another window
  });
});

describe('webhooks', () => {
  const received: Array<{ token: string | undefined; body: string }> = [];
  let receiver: AdHoc;
  beforeAll(async () => {
    receiver = await adhoc((req, body) => {
      received.push({ token: req.headers['x-callback-token'] as string | undefined, body });
      return { status: 200, body: '{}' };
    });
  });
  afterEach(() => {
    received.length = 0;
  });

  it('verifies the callback token in constant time', () => {
    expect(verifyXenditCallbackToken('tok-123', 'tok-123')).toBe(true);
    expect(verifyXenditCallbackToken('tok-124', 'tok-123')).toBe(false);
    expect(verifyXenditCallbackToken('tok-1234567', 'tok-123')).toBe(false);
    expect(verifyXenditCallbackToken('', 'tok-123')).toBe(false);
    expect(verifyXenditCallbackToken(undefined, 'tok-123')).toBe(false);
    expect(verifyXenditCallbackToken('', '')).toBe(false);
  });

  it('delivers succeeded, failed and reversed events with the token; they parse exactly', async () => {
    const { fake: f, client } = await fake({
      callbackUrl: receiver.url,
      callbackToken: 'cb-secret',
    });
    const ok = expectKind(
      await client.create(
        payoutRequest({ currency: 'PHP', channelCode: 'PH_GCASH', amountMinor: 1_234_567n }),
      ),
      'created',
    );
    f.injectNext('fail_transfer');
    const bad = expectKind(await client.create(payoutRequest()), 'created');
    await f.flushWebhooks();
    f.reverse(ok.payout.providerId);
    await f.flushWebhooks();
    expect(received).toHaveLength(3);
    expect(received.every((r) => verifyXenditCallbackToken(r.token, 'cb-secret'))).toBe(true);
    const events = received.map((r) => parseXenditWebhook(r.body));
    const byType = new Map(events.map((e) => [`${e.type} ${e.payout?.providerId}`, e]));
    expect(byType.get(`payout.succeeded ${ok.payout.providerId}`)?.payout).toMatchObject({
      status: 'SUCCEEDED',
      amountMinor: 1_234_567n,
      currency: 'PHP',
    });
    expect(byType.get(`payout.failed ${bad.payout.providerId}`)?.payout).toMatchObject({
      status: 'FAILED',
      failureCode: 'TRANSFER_ERROR',
    });
    expect(byType.get(`payout.reversed ${ok.payout.providerId}`)).toMatchObject({
      known: true,
      businessId: f.businessId,
      payout: { status: 'REVERSED' },
    });
    expect(classifyXenditFailure('TRANSFER_ERROR')).toBe('final');
  });

  it('can duplicate and shuffle deliveries', async () => {
    const { fake: f, client } = await fake({
      callbackUrl: receiver.url,
      webhookDuplicates: 1,
      webhookShuffle: true,
      seed: 7,
    });
    for (let i = 0; i < 10; i++) expectKind(await client.create(payoutRequest()), 'created');
    await f.flushWebhooks();
    expect(received).toHaveLength(20);
    const ids = received.map((r) => parseXenditWebhook(r.body).payout!.providerId);
    expect(new Set(ids).size).toBe(10);
    expect(ids).not.toEqual([...ids].sort());
    expect(f.stats()).toMatchObject({ webhooksSent: 20, webhooksFailed: 0 });
  });

  it('keeps unknown events with their type; rejects malformed ones', () => {
    expect(
      parseXenditWebhook(
        '{"event":"payout.held","business_id":"b","created":"2025-01-01T00:00:00Z","data":{"x":1}}',
      ),
    ).toEqual({
      type: 'payout.held',
      known: false,
      businessId: 'b',
      created: '2025-01-01T00:00:00Z',
      payout: null,
    });
    expect(() => parseXenditWebhook('not json')).toThrow(ProviderError);
    expect(() => parseXenditWebhook('{"data":{}}')).toThrow(/not an event/);
    expect(() => parseXenditWebhook('{"event":"payout.succeeded","data":{"id":"disb-1"}}')).toThrow(
      ProviderError,
    );
    const tooPrecise =
      '{"event":"payout.succeeded","data":{"id":"disb-1","reference_id":"r","amount":1.234,"currency":"PHP","status":"SUCCEEDED"}}';
    expect(() => parseXenditWebhook(tooPrecise)).toThrow(/more decimals/);
  });
});

describe('failure classification', () => {
  it('retries only transient failures; insufficient balance after a top-up; everything else is final', () => {
    expect(classifyXenditFailure('TEMPORARY_TRANSFER_ERROR')).toBe('retryable');
    expect(classifyXenditFailure('UNKNOWN_BANK_NETWORK_ERROR')).toBe('retryable');
    expect(classifyXenditFailure('INSUFFICIENT_BALANCE')).toBe('retryable_after_topup');
    for (const code of [
      'INVALID_DESTINATION',
      'REJECTED_BY_CHANNEL',
      'TRANSFER_ERROR',
      'DESTINATION_MAXIMUM_LIMIT',
      'SOMETHING_NEW',
      null,
    ]) {
      expect(classifyXenditFailure(code)).toBe('final');
    }
  });
});

describe('the secret', () => {
  const SECRET = 'xnd_development_TOP_SECRET_0123456789abcdef';
  const BASIC = Buffer.from(SECRET + ':').toString('base64');

  it('never appears in an outcome or a thrown message, even when the server echoes it', async () => {
    // A hostile server: every answer repeats the Authorization header and the decoded key.
    const statuses = [400, 500, 200, 404, 429];
    let i = 0;
    const server = await adhoc((req) => {
      const auth = String(req.headers.authorization);
      const key = Buffer.from(auth.replace('Basic ', ''), 'base64').toString();
      const status = statuses[i++ % statuses.length]!;
      return {
        status,
        body: JSON.stringify({
          error_code: `E_${key}`,
          message: `bad key ${key} ${auth}`,
          id: key,
        }),
      };
    });
    const client = new XenditProvider({ baseUrl: server.url, secretKey: SECRET, timeoutMs: 100 });
    const texts: string[] = [];
    const outcome = async (p: Promise<CreateOutcome>) => texts.push(JSON.stringify(await p));
    const thrown = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (error) {
        texts.push(String((error as Error).message), String(error));
      }
    };
    for (let k = 0; k < statuses.length; k++) await outcome(client.create(payoutRequest()));
    for (let k = 0; k < statuses.length; k++) await thrown(client.get('disb-1'));
    for (let k = 0; k < statuses.length; k++) await thrown(client.balance('IDR'));
    await thrown(client.cancel('disb-1'));
    const gone = new XenditProvider({ baseUrl: 'http://127.0.0.1:1', secretKey: SECRET });
    await outcome(gone.create(payoutRequest()));
    await thrown(gone.get('disb-1'));
    expect(texts.length).toBeGreaterThan(15);
    for (const text of texts) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(BASIC);
    }
    expect(texts.some((t) => t.includes('[redacted]'))).toBe(true);
  });

  it('xenditFromCredentials reads the key, names the account and command when it is missing', async () => {
    const store = (secret: string | null): CredentialStore => ({
      kind: 'env',
      get: async (account) => (account === 'provider:xendit:secret-key' ? secret : null),
      set: async () => {},
      delete: async () => false,
    });
    await expect(xenditFromCredentials(store(null))).rejects.toThrow(
      /provider:xendit:secret-key.*treasury provider credentials set xendit/,
    );
    const { fake: f } = await fake();
    const client = await xenditFromCredentials(store(f.secretKey), f.url);
    expect(client.baseUrl).toBe(f.url);
    expect(await client.balance('IDR')).toBeGreaterThan(0n);
    const previous = process.env.TREASURY_XENDIT_URL;
    try {
      process.env.TREASURY_XENDIT_URL = 'http://127.0.0.1:9';
      expect((await xenditFromCredentials(store('k-1'))).baseUrl).toBe('http://127.0.0.1:9');
      delete process.env.TREASURY_XENDIT_URL;
      expect((await xenditFromCredentials(store('k-1'))).baseUrl).toBe('https://api.xendit.co');
    } finally {
      if (previous === undefined) delete process.env.TREASURY_XENDIT_URL;
      else process.env.TREASURY_XENDIT_URL = previous;
    }
  });
});

describe('the fake is fast enough for the benchmark', () => {
  it('spends well under 5 s of its own time on 10,000 creates and never pays a reference twice', async () => {
    const { fake: f, client } = await fake({ seed: 3, failureRate: 0.1 });
    f.faults = {
      rate: 0.05,
      kinds: ['server_error', 'server_error_after_create', 'duplicate_error', 'rate_limit'],
    };
    const requests = Array.from({ length: 10_000 }, () => payoutRequest());
    const t = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < requests.length) await client.create(requests[next++]!);
      }),
    );
    const elapsed = performance.now() - t;
    expect(f.createRequests).toBe(10_000);
    // The fake's own handling time is what this promises; the wall clock also holds the client's
    // fetch stack and whatever else shares the machine, so it only gets a loose bound.
    expect(f.stats().busyMs).toBeLessThan(2500);
    expect(elapsed).toBeLessThan(60_000);
    expect([...f.successfulByReference().values()].every((n) => n <= 1)).toBe(true);
    expect(f.stats().faults.server_error).toBeGreaterThan(0);
  });
});
