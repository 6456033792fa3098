/**
 * Conformance of the Xendit client with Xendit's own Node SDK (xendit-node v7, a devDependency).
 *
 * The client runs against the fake over real HTTP through every operation; a recording `fetch`
 * (XenditOptions.fetch) keeps each request exactly as sent — method, path, query, headers, body —
 * and each answer. The checker then *replays* every request through the SDK: it finds the SDK
 * operation for the method and path, turns our query and headers into that operation's request
 * parameters (an unknown query key is a violation), calls the SDK with a capturing `fetchApi`, and
 * compares what the SDK would send with what we sent. So the SDK's own rules decide: its required
 * parameters (getPayouts without reference_id throws RequiredError), its query serialisation
 * (`types=…`, `created[gte]=…`), its paths, its headers, and its body models (a field the SDK's
 * CreatePayoutRequest does not know is dropped by its ToJSON and shows as a difference; a missing
 * required field fails its instanceOf…). The answers the fake gave are checked against the SDK's
 * response models the same way. The last tests prove the checker can fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Balance as BalanceApi,
  Configuration,
  Payout as PayoutApi,
  RequiredError,
  Transaction as TransactionApi,
} from 'xendit-node';
import {
  TransactionResponseFromJSON,
  TransactionStatuses,
  TransactionTypes,
  TransactionsResponseFromJSON,
  instanceOfTransactionResponse,
  instanceOfTransactionsResponse,
  BalanceFromJSON,
  instanceOfBalance,
} from 'xendit-node/balance_and_transaction/models/index.js';
import {
  ChannelFromJSON,
  CreatePayoutRequestFromJSON,
  GetPayouts200ResponseDataInnerFromJSON,
  ModelErrorFromJSON,
  instanceOfChannel,
  instanceOfCreatePayoutRequest,
  instanceOfDigitalPayoutChannelProperties,
  instanceOfGetPayouts200ResponseDataInner,
  instanceOfModelError,
} from 'xendit-node/payout/models/index.js';
import type { PayoutRequest } from '../../../src/core/platform/payments/provider.js';
import { XenditProvider } from '../../../src/core/domain/providers/xendit/client.js';
import { startFakeXendit, type FakeXendit } from '../../fakes/xendit.js';

// ---------------------------------------------------------------------------------------------
// Recording
// ---------------------------------------------------------------------------------------------

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string | undefined;
  status: number;
  answer: string;
}

function recordingFetch(log: Recorded[]): typeof fetch {
  return async (input, init = {}) => {
    const url = new URL(String(input));
    const headers: Record<string, string> = {};
    for (const [k, v] of new Headers(init.headers).entries()) headers[k.toLowerCase()] = v;
    const response = await fetch(input, init);
    const answer = await response.clone().text();
    log.push({
      method: init.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers,
      body: typeof init.body === 'string' ? init.body : undefined,
      status: response.status,
      answer,
    });
    return response;
  };
}

// ---------------------------------------------------------------------------------------------
// The checker: every request replayed through xendit-node
// ---------------------------------------------------------------------------------------------

type Params = Record<string, unknown>;
type Api = 'payout' | 'transaction' | 'balance';

interface Operation {
  /** The SDK method. */
  sdk: string;
  api: Api;
  method: 'GET' | 'POST';
  path: RegExp;
  /** Path captures → request parameters. */
  pathParams?: (m: RegExpExecArray) => Params;
  /**
   * Our query key → how it lands in the SDK's request parameters (xendit-node's Get…Request types).
   */
  query: Record<string, (params: Params, value: string) => void>;
  /** Response model check for a 2xx answer; a problem text or null. */
  answer: (json: unknown) => string | null;
  body?: 'CreatePayoutRequest';
}

const text = (name: string) => (p: Params, v: string) => void (p[name] = v);
const num = (name: string) => (p: Params, v: string) => void (p[name] = Number(v));
const list = (name: string) => (p: Params, v: string) =>
  void ((p[name] as string[] | undefined) ?? (p[name] = [])).push(v);
const csv = (name: string) => (p: Params, v: string) => void (p[name] = v.split(','));
const range = (name: string, bound: 'gte' | 'lte') => (p: Params, v: string) =>
  void (((p[name] ??= {}) as Record<string, Date>)[bound] = new Date(v));
const date = (name: string) => (p: Params, v: string) => void (p[name] = new Date(v));

/** A model object without the keys FromJSON filled with nothing (undefined, an invalid Date). */
function present(model: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(model).filter(
      ([, v]) => v !== undefined && !(v instanceof Date && Number.isNaN(v.getTime())),
    ),
  );
}

const payoutAnswer = (json: unknown): string | null =>
  instanceOfGetPayouts200ResponseDataInner(present(GetPayouts200ResponseDataInnerFromJSON(json)))
    ? null
    : `not a Payout (GetPayouts200ResponseDataInner): ${JSON.stringify(json).slice(0, 200)}`;

function transactionsAnswer(json: unknown): string | null {
  const page = json as { data?: unknown[] };
  if (
    !Array.isArray(page?.data) ||
    !instanceOfTransactionsResponse(present(TransactionsResponseFromJSON(json)))
  )
    return 'not a TransactionsResponse';
  for (const item of page.data) {
    const tx = TransactionResponseFromJSON(item);
    if (!instanceOfTransactionResponse(present(tx)))
      return `not a TransactionResponse: ${JSON.stringify(item).slice(0, 200)}`;
    if (
      tx.type === TransactionTypes.XenditEnumDefaultFallback ||
      tx.status === TransactionStatuses.XenditEnumDefaultFallback
    )
      return `type/status outside the SDK's enums: ${JSON.stringify(item).slice(0, 200)}`;
  }
  return null;
}

/** xendit-node v7's operations as this client uses them (PayoutApi, TransactionApi, BalanceApi). */
const OPERATIONS: Operation[] = [
  {
    sdk: 'createPayout',
    api: 'payout',
    method: 'POST',
    path: /^\/v2\/payouts$/,
    query: {},
    answer: payoutAnswer,
    body: 'CreatePayoutRequest',
  },
  {
    sdk: 'getPayoutById',
    api: 'payout',
    method: 'GET',
    path: /^\/v2\/payouts\/([^/]+)$/,
    pathParams: (m) => ({ id: decodeURIComponent(m[1]!) }),
    query: {},
    answer: payoutAnswer,
  },
  {
    sdk: 'cancelPayout',
    api: 'payout',
    method: 'POST',
    path: /^\/v2\/payouts\/([^/]+)\/cancel$/,
    pathParams: (m) => ({ id: decodeURIComponent(m[1]!) }),
    query: {},
    answer: payoutAnswer,
  },
  {
    sdk: 'getPayouts',
    api: 'payout',
    method: 'GET',
    path: /^\/v2\/payouts$/,
    query: {
      reference_id: text('referenceId'),
      limit: num('limit'),
      after_id: text('afterId'),
      before_id: text('beforeId'),
    },
    answer: (json) => {
      const data = Array.isArray(json) ? json : (json as { data?: unknown[] })?.data;
      if (!Array.isArray(data)) return 'not a payout list';
      return data.map(payoutAnswer).find((p) => p !== null) ?? null;
    },
  },
  {
    sdk: 'getAllTransactions',
    api: 'transaction',
    method: 'GET',
    path: /^\/transactions$/,
    query: {
      types: list('types'),
      statuses: list('statuses'),
      channel_categories: list('channelCategories'),
      reference_id: text('referenceId'),
      product_id: text('productId'),
      account_identifier: text('accountIdentifier'),
      amount: num('amount'),
      currency: text('currency'),
      'created[gte]': range('created', 'gte'),
      'created[lte]': range('created', 'lte'),
      'updated[gte]': range('updated', 'gte'),
      'updated[lte]': range('updated', 'lte'),
      limit: num('limit'),
      after_id: text('afterId'),
      before_id: text('beforeId'),
    },
    answer: transactionsAnswer,
  },
  {
    sdk: 'getBalance',
    api: 'balance',
    method: 'GET',
    path: /^\/balance$/,
    query: {
      account_type: text('accountType'),
      currency: text('currency'),
      at_timestamp: date('atTimestamp'),
    },
    answer: (json) => (instanceOfBalance(present(BalanceFromJSON(json))) ? null : 'not a Balance'),
  },
  {
    sdk: 'getPayoutChannels',
    api: 'payout',
    method: 'GET',
    path: /^\/payouts_channels$/,
    query: {
      currency: text('currency'),
      channel_category: csv('channelCategory'),
      channel_code: text('channelCode'),
    },
    answer: (json) =>
      Array.isArray(json) && json.every((c) => instanceOfChannel(present(ChannelFromJSON(c))))
        ? null
        : 'not a Channel list',
  },
];

/** Headers the SDK maps to request parameters, and transport headers any HTTP client may add. */
const HEADER_PARAMS: Record<string, string> = {
  'idempotency-key': 'idempotencyKey',
  'for-user-id': 'forUserId',
};
const TRANSPORT_HEADERS = new Set(['accept']);
const SDK_ONLY_HEADERS = new Set(['xendit-lib', 'xendit-lib-ver']);

class Captured extends Error {
  constructor(
    readonly url: string,
    readonly init: RequestInit,
  ) {
    super('captured');
  }
}

function sdkClient(
  api: Api,
  secretKey: string,
  baseUrl: string,
): Record<string, (p: Params) => Promise<unknown>> {
  const made =
    api === 'payout'
      ? new PayoutApi({ secretKey, xenditURL: baseUrl })
      : api === 'transaction'
        ? new TransactionApi({ secretKey, xenditURL: baseUrl })
        : new BalanceApi({ secretKey, xenditURL: baseUrl });
  // The generated APIs read `configuration.fetchApi` on every call: a capturing one stops each call
  // right where it would reach the network, with the exact URL and init the SDK built.
  const fetchApi = async (url: string, init: RequestInit): Promise<Response> => {
    throw new Captured(url, init);
  };
  (made as unknown as { configuration: Configuration }).configuration = new Configuration({
    basePath: baseUrl,
    fetchApi,
  });
  return made as unknown as Record<string, (p: Params) => Promise<unknown>>;
}

/** What the SDK would send for `params`, or the SDK's refusal. */
async function sdkRequest(
  op: Operation,
  secretKey: string,
  baseUrl: string,
  params: Params,
): Promise<Captured | string> {
  try {
    await sdkClient(op.api, secretKey, baseUrl)[op.sdk]!(params);
    return 'the SDK sent nothing';
  } catch (error) {
    if (error instanceof Captured) return error;
    if (error instanceof RequiredError) return `xendit-node ${op.sdk}: ${error.message}`;
    return `xendit-node ${op.sdk} threw: ${(error as Error).message}`;
  }
}

const pairs = (q: URLSearchParams) => [...q.entries()].map(([k, v]) => `${k}=${v}`).sort();

/** Every key path of a JSON value with its JSON type: the shape the SDK's models must agree on. */
function shape(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [`${prefix}:${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`];
  return Object.entries(value).flatMap(([k, v]) => shape(v, prefix ? `${prefix}.${k}` : k));
}

function bodyProblems(body: string | undefined): { data: unknown; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return { data: undefined, problems: ['the body is not JSON'] };
  }
  const model = CreatePayoutRequestFromJSON(json);
  const problems: string[] = [];
  if (!instanceOfCreatePayoutRequest(present(model)))
    problems.push(
      'CreatePayoutRequest: a required field (reference_id, channel_code, channel_properties, amount, currency) is missing',
    );
  if (
    model.channelProperties &&
    !instanceOfDigitalPayoutChannelProperties(present(model.channelProperties))
  )
    problems.push('DigitalPayoutChannelProperties: account_number is missing');
  return { data: model, problems };
}

function headerProblems(ours: Record<string, string>, sdk: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(sdk)) {
    if (SDK_ONLY_HEADERS.has(name)) continue;
    if (ours[name] !== value)
      problems.push(
        `header ${name}: the SDK sends ${JSON.stringify(value)}, we send ${JSON.stringify(ours[name])}`,
      );
  }
  for (const name of Object.keys(ours))
    if (!(name in sdk) && !TRANSPORT_HEADERS.has(name))
      problems.push(`header ${name} is not one the SDK sends for this operation`);
  return problems;
}

/**
 * Violations of one request against xendit-node; empty when the SDK, given the same operation and
 * parameters, would send exactly the same method, path, query, headers and body fields.
 */
async function violations(r: Recorded, secretKey: string, baseUrl: string): Promise<string[]> {
  const where = `${r.method} ${r.path}?${r.query}`;
  const candidates = OPERATIONS.filter((o) => o.method === r.method && o.path.test(r.path));
  if (candidates.length === 0)
    return [`${where}: no xendit-node operation has this method and path`];
  const op = candidates[0]!;
  const params: Params = { ...op.pathParams?.(op.path.exec(r.path)!) };
  const problems: string[] = [];
  for (const [key, value] of r.query.entries()) {
    const put = op.query[key];
    if (put) put(params, value);
    else problems.push(`query parameter ${key} is not a parameter of xendit-node ${op.sdk}`);
  }
  for (const [header, param] of Object.entries(HEADER_PARAMS))
    if (r.headers[header] !== undefined) params[param] = r.headers[header];
  if (op.body) {
    const body = bodyProblems(r.body);
    problems.push(...body.problems);
    params.data = body.data;
  }
  const sdk = await sdkRequest(op, secretKey, baseUrl, params);
  if (typeof sdk === 'string') return [...problems, sdk].map((p) => `${where}: ${p}`);
  const url = new URL(sdk.url);
  if (url.pathname !== r.path) problems.push(`path: the SDK uses ${url.pathname}`);
  if (sdk.init.method !== r.method) problems.push(`method: the SDK uses ${sdk.init.method}`);
  const [ourQuery, sdkQuery] = [pairs(r.query), pairs(url.searchParams)];
  if (ourQuery.join('&') !== sdkQuery.join('&'))
    problems.push(
      `query: the SDK would send ${sdkQuery.join('&') || '(none)'} for ${ourQuery.join('&') || '(none)'}`,
    );
  const sdkHeaders = Object.fromEntries(
    Object.entries(sdk.init.headers as Record<string, string>).map(([k, v]) => [
      k.toLowerCase(),
      v,
    ]),
  );
  problems.push(...headerProblems(r.headers, sdkHeaders));
  if (op.body) {
    const [ours, theirs] = [
      shape(JSON.parse(r.body!)).sort(),
      shape(JSON.parse(String(sdk.init.body))).sort(),
    ];
    const unknown = ours.filter((f) => !theirs.includes(f));
    if (unknown.length > 0)
      problems.push(`body: ${unknown.join(', ')} not in xendit-node CreatePayoutRequest`);
  } else if (r.body !== undefined) {
    problems.push('a body the SDK does not send');
  }
  return problems.map((p) => `${where}: ${p}`);
}

/**
 * The answer of a 2xx against the operation's response model (xendit-node's …FromJSON/instanceOf…).
 */
function answerViolation(r: Recorded): string | null {
  const op = OPERATIONS.find((o) => o.method === r.method && o.path.test(r.path));
  if (!op || r.status < 200 || r.status >= 300) return null;
  const problem = op.answer(JSON.parse(r.answer));
  return problem === null ? null : `${r.method} ${r.path} answer: ${problem}`;
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

let n = 0;
function request(overrides: Partial<PayoutRequest> = {}): PayoutRequest {
  n++;
  return {
    idempotencyKey: `tc-conf${n}-1`,
    reference: `conf-${n}`,
    amountMinor: 1_500_000n,
    currency: 'IDR',
    channelCode: 'ID_BCA',
    accountNumber: '1234567890',
    accountHolderName: 'Budi Santoso',
    description: 'Commission',
    metadata: { batch: 'b-1' },
    ...overrides,
  };
}

describe('the Xendit client speaks xendit-node v7', () => {
  let fake: FakeXendit;
  const log: Recorded[] = [];
  let client: XenditProvider;
  let listed: Awaited<ReturnType<XenditProvider['list']>>;

  beforeAll(async () => {
    fake = await startFakeXendit({ settleAfterMs: 60_000, maxPageSize: 3 });
    client = new XenditProvider({
      baseUrl: fake.url,
      secretKey: fake.secretKey,
      fetch: recordingFetch(log),
      forUserId: 'sub-account-1',
    });
    const t = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const made = await client.create(
        request(
          i === 4
            ? { description: '', currency: 'PHP', channelCode: 'PH_GCASH', amountMinor: 1234n }
            : {},
        ),
      );
      if (made.kind !== 'created') throw new Error(`create: ${made.kind}`);
      ids.push(made.payout.providerId);
    }
    fake.seedPayout({ reference: 'made-in-dashboard', amountMinor: 9_900_000n, currency: 'IDR' });
    await client.get(ids[0]!);
    await client.get('disb-unknown');
    await client.findByReference('conf-1');
    await client.findByReference('nobody');
    await client.cancel(ids[1]!);
    await client.cancel(ids[1]!); // refused (no longer ACCEPTED): the client re-reads
    await client.balance('IDR');
    await client.channelLimits('ID_BCA', 'IDR');
    listed = await client.list(new Date(t - 60_000), new Date(Date.now() + 60_000));
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('recorded every operation, including paging and status lookups', () => {
    expect(listed).toMatchObject({ complete: true });
    expect(listed.payouts).toHaveLength(6); // five of ours, one made elsewhere
    const ops = new Set(
      log.map((r) => OPERATIONS.find((o) => o.method === r.method && o.path.test(r.path))?.sdk),
    );
    expect([...ops].sort()).toEqual([
      'cancelPayout',
      'createPayout',
      'getAllTransactions',
      'getBalance',
      'getPayoutById',
      'getPayoutChannels',
      'getPayouts',
    ]);
    expect(log.filter((r) => r.path === '/transactions').length).toBeGreaterThan(1); // paged (3 a page)
    expect(
      log
        .filter((r) => r.path === '/transactions')
        .every((r) => r.query.getAll('types').join() === 'DISBURSEMENT'),
    ).toBe(true);
  });

  it('every request is one xendit-node would send: operation, path, query, headers, body fields', async () => {
    const found: string[] = [];
    for (const r of log) found.push(...(await violations(r, fake.secretKey, fake.url)));
    expect(found).toEqual([]);
  });

  it("every answer of the fake fits xendit-node's response models", () => {
    expect(log.map(answerViolation).filter((v) => v !== null)).toEqual([]);
    const errors = log.filter((r) => r.status >= 400).map((r) => JSON.parse(r.answer));
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(instanceOfModelError(present(ModelErrorFromJSON(e)))).toBe(true);
  });

  describe('the checker fails what the SDK would not send', () => {
    const recorded = (
      method: string,
      pathAndQuery: string,
      headers: Record<string, string> = {},
      body?: string,
    ): Recorded => {
      const url = new URL(pathAndQuery, 'http://x');
      return {
        method,
        path: url.pathname,
        query: url.searchParams,
        headers: { authorization: 'Basic ' + Buffer.from('k:').toString('base64'), ...headers },
        body,
        status: 200,
        answer: '{}',
      };
    };

    it('the old period listing GET /v2/payouts?created[gte]=… without reference_id', async () => {
      const old = recorded(
        'GET',
        '/v2/payouts?created%5Bgte%5D=2025-01-01T00%3A00%3A00.000Z&created%5Blt%5D=2025-02-01T00%3A00%3A00.000Z&limit=100',
      );
      const found = (await violations(old, 'k', 'http://x')).join('\n');
      expect(found).toMatch(
        /query parameter created\[gte\] is not a parameter of xendit-node getPayouts/,
      );
      expect(found).toMatch(/query parameter created\[lt\] is not a parameter/);
      expect(found).toMatch(
        /Required parameter requestParameters\.referenceId was null or undefined when calling getPayouts/,
      );
    });

    it("the fake refuses it too: 400 API_VALIDATION_ERROR in Xendit's error shape", async () => {
      const answer = await fetch(
        `${fake.url}/v2/payouts?created%5Bgte%5D=2025-01-01T00%3A00%3A00.000Z&limit=100`,
        {
          headers: {
            Authorization: 'Basic ' + Buffer.from(`${fake.secretKey}:`).toString('base64'),
          },
        },
      );
      expect(answer.status).toBe(400);
      const body = (await answer.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        error_code: 'API_VALIDATION_ERROR',
        message: expect.stringMatching(/created\[gte\]/),
      });
      expect(instanceOfModelError(present(ModelErrorFromJSON(body)))).toBe(true);
      const noReference = await fetch(`${fake.url}/v2/payouts?limit=10`, {
        headers: { Authorization: 'Basic ' + Buffer.from(`${fake.secretKey}:`).toString('base64') },
      });
      expect(await noReference.json()).toMatchObject({
        error_code: 'API_VALIDATION_ERROR',
        message: 'reference_id is required',
      });
    });

    it('a create body with a wrong field name, or without a required one', async () => {
      const good = JSON.parse(
        log.find((r) => r.method === 'POST' && r.path === '/v2/payouts')!.body!,
      ) as Record<string, unknown>;
      const headers = { 'content-type': 'application/json', 'idempotency-key': 'k-1' };
      const renamed = {
        ...good,
        channel_properties: { account_holder_name: 'A', account_no: '123' },
      };
      const found = (
        await violations(
          recorded('POST', '/v2/payouts', headers, JSON.stringify(renamed)),
          'k',
          'http://x',
        )
      ).join('\n');
      expect(found).toMatch(/account_number is missing/);
      expect(found).toMatch(
        /channel_properties\.account_no:string not in xendit-node CreatePayoutRequest/,
      );
      const camel = { ...good, referenceId: good.reference_id, reference_id: undefined };
      const found2 = (
        await violations(
          recorded('POST', '/v2/payouts', headers, JSON.stringify(camel)),
          'k',
          'http://x',
        )
      ).join('\n');
      expect(found2).toMatch(/required field .* is missing/);
      expect(found2).toMatch(/referenceId:string not in xendit-node CreatePayoutRequest/);
    });

    it('a create without the idempotency key, a header the SDK does not send, a wrong transactions filter', async () => {
      const body = log.find((r) => r.method === 'POST' && r.path === '/v2/payouts')!.body!;
      const noKey = (
        await violations(
          recorded('POST', '/v2/payouts', { 'content-type': 'application/json' }, body),
          'k',
          'http://x',
        )
      ).join('\n');
      expect(noKey).toMatch(/Required parameter requestParameters\.idempotencyKey/);
      const extra = (
        await violations(
          recorded('GET', '/balance?account_type=CASH&currency=IDR', { 'x-api-version': '2' }),
          'k',
          'http://x',
        )
      ).join('\n');
      expect(extra).toMatch(/header x-api-version is not one the SDK sends/);
      const lt = (
        await violations(
          recorded(
            'GET',
            '/transactions?types=DISBURSEMENT&created%5Blt%5D=2025-01-01T00%3A00%3A00.000Z',
          ),
          'k',
          'http://x',
        )
      ).join('\n');
      expect(lt).toMatch(
        /query parameter created\[lt\] is not a parameter of xendit-node getAllTransactions/,
      );
      const unknownPath = (
        await violations(recorded('GET', '/v2/payouts/disb-1/history'), 'k', 'http://x')
      ).join('\n');
      expect(unknownPath).toMatch(/no xendit-node operation/);
    });
  });
});
