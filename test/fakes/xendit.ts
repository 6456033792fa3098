/**
 * A fake Xendit Payouts v2 server (node:http on 127.0.0.1, a free port) for integration tests, the
 * crash test and the benchmark. It implements the documented behaviour the client relies on — auth,
 * validation, channel limits, idempotency, the status lifecycle, balances, paging, webhooks — plus
 * seeded, reproducible fault injection. State lives in Maps so 10,000 creates stay well under a
 * second of server time.
 *
 * Listing follows the real API: `GET /v2/payouts` is a lookup by `reference_id` (required, as
 * Xendit's reference and xendit-node mark it: without it the answer is 400 API_VALIDATION_ERROR),
 * and a period is listed through the Transactions API, `GET /transactions`, which this fake builds
 * from every payout it holds — including ones made outside the client under test (`seedPayout`).
 * Query parameters an endpoint does not take are refused, so a client typo cannot pass unnoticed.
 *
 * It deliberately does not share code with the client (src/core/domain/providers/xendit/)
 * beyond the money module: a fake built from the client's own helpers would agree with the client's
 * bugs.
 */
import { prng } from '../../src/core/domain/demo/generate.js';
import http from 'node:http';
import {
  isLosslessNumber,
  LosslessNumber,
  parse as parseLossless,
  stringify as stringifyLossless,
} from 'lossless-json';
import {
  exponentOf,
  formatAmount,
  isCurrency,
  parseAmount,
} from '../../src/core/shared/money/index.js';
import type { ChannelLimits } from '../../src/core/platform/payments/provider.js';

export type FakeFaultKind =
  | 'timeout_after_create'
  | 'server_error'
  | 'server_error_after_create'
  | 'rate_limit'
  | 'duplicate_error'
  | 'insufficient_balance'
  | 'fail_transfer'
  | 'temporary_failure';

/** Faults for calls other than create (GET lookups, list pages, balance, channels, cancel). */
export type FakeReadFaultKind = 'server_error' | 'rate_limit' | 'timeout' | 'invalid_json';

export interface FakeChannel extends ChannelLimits {
  category?: 'BANK' | 'EWALLET' | 'OTC';
  name?: string;
}

export interface FakeXenditOptions {
  secretKey?: string;
  seed?: number;
  /**
   * Opening balance in minor units per currency; currencies not listed start at DEFAULT_BALANCE.
   */
  balances?: Record<string, bigint>;
  channels?: FakeChannel[];
  callbackUrl?: string;
  callbackToken?: string;
  businessId?: string;
  /**
   * 'return_first' (v3 docs, default): same key + same body returns the first payout. 'error' (v2
   * docs): any reused key is DUPLICATE_ERROR.
   */
  duplicateMode?: 'return_first' | 'error';
  /** Time from creation to the terminal status; 0 (default) = terminal on the next request. */
  settleAfterMs?: number;
  /** Probability (seeded) that a new payout ends FAILED with one of `failureCodes`. */
  failureRate?: number;
  failureCodes?: string[];
  /** Real per-endpoint rate limit (fixed 1 s windows); unset = unlimited. */
  rateLimitPerSecond?: number;
  /**
   * `Rate-Limit-Reset` sent with an injected rate_limit fault (seconds, Xendit's documented form).
   */
  faultRateLimitReset?: string;
  /** Probability that a webhook is delivered twice. */
  webhookDuplicates?: number;
  /**
   * Hold webhooks and deliver them in a random order (every `webhookShuffleWindowMs`, or on
   * flushWebhooks).
   */
  webhookShuffle?: boolean;
  webhookShuffleWindowMs?: number;
  /**
   * Error body shape: `{error_code, message, errors?}` (default) or `{error_code, error_message}`.
   */
  errorShape?: 'message' | 'error_message';
  /**
   * Lookup/list answer shape: `{data, has_more, links}` (default, as the SDK models it) or a bare
   * array (as documented).
   */
  listShape?: 'paged' | 'array';
  /** Largest page the list endpoint returns (Xendit: 100). */
  maxPageSize?: number;
  /** Clock (epoch ms), for tests that need fixed creation times. */
  now?: () => number;
  /**
   * Keep a log of every request (`requests()`); off by default so long benchmarks do not grow it.
   */
  recordRequests?: boolean;
}

/** One request as the fake received it. */
export interface FakeRequest {
  method: string;
  path: string;
  /** The raw query string, without '?'. */
  query: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A payout made outside the client under test (the Dashboard, another integration). */
export interface FakeSeedPayout {
  reference: string;
  amountMinor: bigint;
  currency: string;
  channelCode?: string;
  accountNumber?: string;
  accountHolderName?: string;
  /** Default SUCCEEDED. */
  status?: string;
  failureCode?: string | null;
  /** Default now. */
  createdMs?: number;
}

export interface FakePayout {
  id: string;
  reference: string;
  idempotencyKey: string;
  amountMinor: bigint;
  currency: string;
  channelCode: string;
  accountHolderName: string;
  accountNumber: string;
  description: string | null;
  status: string;
  failureCode: string | null;
  created: string;
  updated: string;
}

export interface FakeXenditStats {
  requests: number;
  createRequests: number;
  created: number;
  replayed: number;
  duplicateErrors: number;
  rejected: number;
  rateLimited: number;
  faults: Partial<Record<FakeFaultKind | `read_${FakeReadFaultKind}`, number>>;
  byStatus: Record<string, number>;
  webhooksSent: number;
  webhooksFailed: number;
  /**
   * CPU time spent inside the fake's request handling (ms), HTTP parsing excluded: its own cost in
   * a benchmark, whatever else shares the machine.
   */
  busyMs: number;
}

export interface FakeXendit {
  readonly url: string;
  readonly secretKey: string;
  readonly callbackToken: string;
  readonly businessId: string;
  /** Random faults for create requests, changeable at any time. */
  faults: { rate: number; kinds: FakeFaultKind[] };
  /** The next `count` create requests get `kind` (before any random fault). */
  injectNext(kind: FakeFaultKind, count?: number): void;
  /**
   * After `skip` matching non-create requests, the next `count` get `kind`. `path` limits it to
   * paths starting with it.
   */
  injectRead(
    kind: FakeReadFaultKind,
    options?: { count?: number; skip?: number; path?: string },
  ): void;
  /** SUCCEEDED → REVERSED (the money returns to the balance); throws for any other state. */
  reverse(providerId: string): FakePayout;
  /**
   * Forces a raw status (e.g. an unseen one) with no balance or webhook effect, and stops
   * settlement.
   */
  setStatus(providerId: string, status: string, failureCode?: string | null): FakePayout;
  /**
   * Adds a payout the client never created (no balance effect, no webhook); it is looked up and
   * listed like any other.
   */
  seedPayout(payout: FakeSeedPayout): FakePayout;
  /** Every request received so far (only with `recordRequests`). */
  requests(): FakeRequest[];
  setBalance(currency: string, amountMinor: bigint): void;
  balanceOf(currency: string): bigint;
  payouts(): FakePayout[];
  /**
   * Per reference_id: how many payouts are SUCCEEDED or REVERSED (money left). Must never exceed 1.
   */
  successfulByReference(): Map<string, number>;
  readonly createRequests: number;
  stats(): FakeXenditStats;
  /** Resolves when every webhook emitted so far (held ones included) has been attempted. */
  flushWebhooks(): Promise<void>;
  close(): Promise<void>;
}

/** 10^15 major units of a two-decimal currency: "large" for every test and benchmark. */
export const DEFAULT_BALANCE = 10n ** 17n;

const IDR = (major: bigint) => major * 100n;
const PHP = (major: bigint) => major * 100n;

/**
 * Default channels: plausible limits; PH banks have no maximum (PESONet) so huge amounts can be
 * tested.
 */
export const DEFAULT_CHANNELS: readonly FakeChannel[] = [
  ...['ID_BCA', 'ID_BNI', 'ID_BRI', 'ID_MANDIRI'].map((code) => ({
    channelCode: code,
    currency: 'IDR',
    category: 'BANK' as const,
    name: code.slice(3),
    minimumMinor: IDR(10_000n),
    maximumMinor: IDR(50_000_000_000n),
    incrementMinor: IDR(1n),
  })),
  ...['ID_OVO', 'ID_DANA'].map((code) => ({
    channelCode: code,
    currency: 'IDR',
    category: 'EWALLET' as const,
    name: code.slice(3),
    minimumMinor: IDR(10_000n),
    maximumMinor: IDR(20_000_000n),
    incrementMinor: IDR(1n),
  })),
  ...['PH_BDO', 'PH_BPI'].map((code) => ({
    channelCode: code,
    currency: 'PHP',
    category: 'BANK' as const,
    name: code.slice(3),
    minimumMinor: PHP(1n),
    maximumMinor: null,
    incrementMinor: 1n,
  })),
  ...['PH_GCASH', 'PH_PAYMAYA'].map((code) => ({
    channelCode: code,
    currency: 'PHP',
    category: 'EWALLET' as const,
    name: code.slice(3),
    minimumMinor: PHP(1n),
    maximumMinor: PHP(100_000n),
    incrementMinor: 1n,
  })),
];

/** The query GET /v2/payouts takes (xendit-node getPayouts). */
const LOOKUP_PARAMS: ReadonlySet<string> = new Set([
  'reference_id',
  'limit',
  'after_id',
  'before_id',
]);
/**
 * The query GET /transactions takes (xendit-node getAllTransactions; dates as `created[gte]` …).
 */
const TRANSACTION_PARAMS: ReadonlySet<string> = new Set([
  'types',
  'statuses',
  'channel_categories',
  'reference_id',
  'product_id',
  'account_identifier',
  'amount',
  'currency',
  'created[gte]',
  'created[lte]',
  'updated[gte]',
  'updated[lte]',
  'limit',
  'after_id',
  'before_id',
]);
const DATE_FILTERS: ReadonlyArray<[string, (value: number, bound: number) => boolean]> = [
  ['created[gte]', (v, b) => v >= b],
  ['created[lte]', (v, b) => v <= b],
  ['updated[gte]', (v, b) => v >= b],
  ['updated[lte]', (v, b) => v <= b],
];
/** xendit-node TransactionTypes. */
const TRANSACTION_TYPES: ReadonlySet<string> = new Set([
  'BATCH_DISBURSEMENT',
  'DISBURSEMENT',
  'PAYMENT',
  'REMITTANCE',
  'REMITTANCE_PAYOUT',
  'REMITTANCE_COLLECTION',
  'TRANSFER',
  'PLATFORM_FEE',
  'REFUND',
  'CASHBACK',
  'TOPUP',
  'WITHDRAWAL',
  'OTHER',
]);
/**
 * A payout's status as its transaction shows it (Xendit's money-out table: created → PENDING,
 * success → SUCCESS, partner rejected → FAILED, cancelled → VOIDED, reversed → REVERSED). Holds and
 * anything unknown are still PENDING: the money is on hold.
 */
const TRANSACTION_STATUS: Record<string, string> = {
  ACCEPTED: 'PENDING',
  REQUESTED: 'PENDING',
  SUCCEEDED: 'SUCCESS',
  FAILED: 'FAILED',
  CANCELLED: 'VOIDED',
  REVERSED: 'REVERSED',
};

const DEFAULT_FAILURE_CODES = [
  'INVALID_DESTINATION',
  'REJECTED_BY_CHANNEL',
  'TEMPORARY_TRANSFER_ERROR',
  'TRANSFER_ERROR',
  'UNKNOWN_BANK_NETWORK_ERROR',
];

interface PayoutRecord extends FakePayout {
  index: number;
  createdMs: number;
  settleAt: number;
  fingerprint: string;
  metadata: Record<string, unknown>;
  outcome: { status: 'SUCCEEDED' } | { status: 'FAILED'; code: string };
  debited: boolean;
  settled: boolean;
}

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** Exact major-unit JSON number text, written the way Xendit writes it ("12.3", "15000"). */
function wireAmount(amountMinor: bigint, currency: string): LosslessNumber {
  const text = formatAmount(amountMinor, currency);
  return new LosslessNumber(text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);
}

/** Decimals Xendit accepts in a create: IDR and VND whole numbers, others their ISO exponent. */
function wireDecimals(currency: string): number {
  return currency === 'IDR' || currency === 'VND' ? 0 : exponentOf(currency);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, min: number, max: number): v is string =>
  typeof v === 'string' && v.length >= min && v.length <= max;

export async function startFakeXendit(options: FakeXenditOptions = {}): Promise<FakeXendit> {
  const secretKey = options.secretKey ?? 'xnd_development_fake_secret_key_0123456789';
  const expectedAuth = 'Basic ' + Buffer.from(`${secretKey}:`).toString('base64');
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const businessId = options.businessId ?? '5f0000000000000000000001';
  const callbackToken = options.callbackToken ?? 'fake-callback-token';
  const duplicateMode = options.duplicateMode ?? 'return_first';
  const settleAfterMs = options.settleAfterMs ?? 0;
  const failureCodes = options.failureCodes ?? DEFAULT_FAILURE_CODES;
  const maxPageSize = options.maxPageSize ?? 100;
  const errorShape = options.errorShape ?? 'message';
  const listShape = options.listShape ?? 'paged';

  const faultRandom = prng(seed);
  const outcomeRandom = prng(seed ^ 0x5bd1e995);
  const webhookRandom = prng(seed ^ 0x27d4eb2f);
  const idPrefix = (seed >>> 0).toString(16).padStart(8, '0');

  const channels = new Map<string, FakeChannel>(
    (options.channels ?? DEFAULT_CHANNELS).map((c) => [c.channelCode, c]),
  );
  const balances = new Map<string, bigint>(Object.entries(options.balances ?? {}));
  const balance = (currency: string) => balances.get(currency) ?? DEFAULT_BALANCE;
  const credit = (currency: string, amount: bigint) =>
    balances.set(currency, balance(currency) + amount);

  const all: PayoutRecord[] = [];
  const byId = new Map<string, PayoutRecord>();
  const byKey = new Map<string, PayoutRecord>();
  const byReference = new Map<string, PayoutRecord[]>();
  /** Unsettled payouts in creation order (settleAt is monotonic in it, so the head is next due). */
  let pending: PayoutRecord[] = [];
  let pendingHead = 0;

  const log: FakeRequest[] = [];
  const injected: FakeFaultKind[] = [];
  const readFaults: Array<{ kind: FakeReadFaultKind; skip: number; count: number; path: string }> =
    [];
  const windows = new Map<string, { start: number; count: number }>();
  const hanging = new Set<http.ServerResponse>();

  const stats: FakeXenditStats = {
    requests: 0,
    createRequests: 0,
    created: 0,
    replayed: 0,
    duplicateErrors: 0,
    rejected: 0,
    rateLimited: 0,
    faults: {},
    byStatus: {},
    webhooksSent: 0,
    webhooksFailed: 0,
    busyMs: 0,
  };
  const countFault = (name: keyof FakeXenditStats['faults']) =>
    (stats.faults[name] = (stats.faults[name] ?? 0) + 1);

  // ---------------------------------------------------------------- answers

  const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
    new HttpAnswer(status, stringifyLossless(value) ?? 'null', headers);

  const error = (
    status: number,
    code: string,
    message: string,
    errors?: unknown[],
    headers: Record<string, string> = {},
  ) =>
    json(
      status,
      errorShape === 'message'
        ? { error_code: code, message, ...(errors ? { errors } : {}) }
        : { error_code: code, error_message: message },
      headers,
    );

  const payoutJson = (p: PayoutRecord) => ({
    id: p.id,
    amount: wireAmount(p.amountMinor, p.currency),
    channel_code: p.channelCode,
    currency: p.currency,
    ...(p.description !== null ? { description: p.description } : {}),
    reference_id: p.reference,
    status: p.status,
    ...(p.failureCode !== null ? { failure_code: p.failureCode } : {}),
    created: p.created,
    updated: p.updated,
    estimated_arrival_time: new Date(p.createdMs + 15 * 60_000).toISOString(),
    business_id: businessId,
    channel_properties: {
      account_number: p.accountNumber,
      account_holder_name: p.accountHolderName,
    },
    metadata: p.metadata,
  });

  const rateLimitAnswer = (reset: string) => {
    stats.rateLimited++;
    return error(
      429,
      'RATE_LIMIT_EXCEEDED',
      'Too many requests, please try again later',
      undefined,
      {
        'Rate-Limit-Limit': String(options.rateLimitPerSecond ?? 60),
        'Rate-Limit-Remaining': '0',
        'Rate-Limit-Reset': reset,
      },
    );
  };

  // ---------------------------------------------------------------- lifecycle

  const snapshot = (p: PayoutRecord): FakePayout => ({
    id: p.id,
    reference: p.reference,
    idempotencyKey: p.idempotencyKey,
    amountMinor: p.amountMinor,
    currency: p.currency,
    channelCode: p.channelCode,
    accountHolderName: p.accountHolderName,
    accountNumber: p.accountNumber,
    description: p.description,
    status: p.status,
    failureCode: p.failureCode,
    created: p.created,
    updated: p.updated,
  });

  const setStatus = (p: PayoutRecord, status: string, failureCode: string | null) => {
    stats.byStatus[p.status] = (stats.byStatus[p.status] ?? 1) - 1;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    p.status = status;
    p.failureCode = failureCode;
    p.updated = new Date(now()).toISOString();
  };

  const settle = (p: PayoutRecord) => {
    p.settled = true;
    if (p.outcome.status === 'SUCCEEDED') {
      setStatus(p, 'SUCCEEDED', null);
      emitWebhook('payout.succeeded', p);
    } else {
      if (p.debited) credit(p.currency, p.amountMinor); // a failed payout returns its money
      p.debited = false;
      setStatus(p, 'FAILED', p.outcome.code);
      emitWebhook('payout.failed', p);
    }
  };

  const settleDue = () => {
    const t = now();
    while (pendingHead < pending.length) {
      const p = pending[pendingHead]!;
      if (!p.settled) {
        if (p.settleAt > t) break;
        settle(p);
      }
      pendingHead++;
    }
    if (pendingHead > 1024 && pendingHead * 2 > pending.length) {
      pending = pending.slice(pendingHead);
      pendingHead = 0;
    }
  };

  // With a callback URL, payouts settle by themselves (webhooks need no reader); without, lazily.
  let settleTimer: NodeJS.Timeout | null = null;
  let closed = false;
  const armSettleTimer = () => {
    if (!options.callbackUrl || settleTimer || closed) return;
    let next: PayoutRecord | undefined;
    for (let i = pendingHead; i < pending.length; i++)
      if (!pending[i]!.settled) {
        next = pending[i];
        break;
      }
    if (!next) return;
    settleTimer = setTimeout(
      () => {
        settleTimer = null;
        settleDue();
        armSettleTimer();
      },
      Math.max(0, next.settleAt - now()),
    );
    settleTimer.unref();
  };

  // ---------------------------------------------------------------- webhooks

  const held: string[] = [];
  const inflight = new Set<Promise<void>>();
  let shuffleTimer: NodeJS.Timeout | null = null;

  const deliver = (body: string) => {
    const url = options.callbackUrl!;
    const attempt: Promise<void> = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-callback-token': callbackToken },
      body,
      signal: AbortSignal.timeout(30_000),
    })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.ok) stats.webhooksSent++;
        else stats.webhooksFailed++;
      })
      .catch(() => {
        stats.webhooksFailed++;
      })
      .finally(() => inflight.delete(attempt));
    inflight.add(attempt);
  };

  const releaseHeld = () => {
    if (shuffleTimer) clearTimeout(shuffleTimer);
    shuffleTimer = null;
    // Fisher–Yates with the webhook stream: out-of-order delivery, reproducible per seed.
    for (let i = held.length - 1; i > 0; i--) {
      const j = Math.floor(webhookRandom() * (i + 1));
      [held[i], held[j]] = [held[j]!, held[i]!];
    }
    for (const body of held.splice(0)) deliver(body);
  };

  const emitWebhook = (event: string, p: PayoutRecord) => {
    if (!options.callbackUrl || closed) return;
    const body = stringifyLossless({
      event,
      business_id: businessId,
      created: new Date(now()).toISOString(),
      data: payoutJson(p),
    })!;
    const copies = webhookRandom() < (options.webhookDuplicates ?? 0) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (options.webhookShuffle) held.push(body);
      else deliver(body);
    }
    if (options.webhookShuffle && !shuffleTimer) {
      shuffleTimer = setTimeout(releaseHeld, options.webhookShuffleWindowMs ?? 20);
      shuffleTimer.unref();
    }
  };

  // ---------------------------------------------------------------- create

  const drawFault = (): FakeFaultKind | null => {
    const queued = injected.shift();
    if (queued) return queued;
    if (fake.faults.rate > 0 && fake.faults.kinds.length > 0 && faultRandom() < fake.faults.rate) {
      return fake.faults.kinds[Math.floor(faultRandom() * fake.faults.kinds.length)]!;
    }
    return null;
  };

  type Parsed = {
    reference: string;
    channelCode: string;
    accountHolderName: string;
    accountNumber: string;
    amountMinor: bigint;
    currency: string;
    description: string | null;
    metadata: Record<string, unknown>;
    fingerprint: string;
  };

  /** Validates a create body; an HttpAnswer is the refusal. */
  const validate = (text: string): Parsed | HttpAnswer => {
    let body: unknown;
    try {
      body = parseLossless(text);
    } catch {
      return error(400, 'INVALID_JSON_FORMAT', 'Request body is not valid JSON');
    }
    const problems: string[] = [];
    if (!isRecord(body))
      return error(400, 'API_VALIDATION_ERROR', 'Request body must be an object', [
        'body must be an object',
      ]);
    const props = body.channel_properties;
    if (!isText(body.reference_id, 1, 255))
      problems.push('reference_id must be a string of 1 to 255 characters');
    if (!isText(body.channel_code, 1, 64)) problems.push('channel_code is required');
    if (!isRecord(props)) problems.push('channel_properties is required');
    else {
      if (!isText(props.account_holder_name, 1, 255))
        problems.push('channel_properties.account_holder_name is required');
      if (!isText(props.account_number, 1, 64))
        problems.push('channel_properties.account_number is required');
    }
    if (typeof body.currency !== 'string' || !isCurrency(body.currency))
      problems.push('currency must be a supported currency');
    if (body.description !== undefined && !isText(body.description, 1, 100))
      problems.push('description must be 1 to 100 characters');
    if (body.metadata !== undefined) {
      const m = body.metadata;
      if (!isRecord(m) || Object.keys(m).length > 50)
        problems.push('metadata must be an object of at most 50 keys');
      else
        for (const [k, v] of Object.entries(m)) {
          if (k.length > 40) problems.push(`metadata key "${k}" is longer than 40 characters`);
          if (!(typeof v === 'string' && v.length <= 500) && !isLosslessNumber(v))
            problems.push(`metadata.${k} must be a string of at most 500 characters`);
        }
    }
    let amountMinor = 0n;
    const amount = body.amount;
    if (!isLosslessNumber(amount) || !/^\d+(\.\d+)?$/.test(amount.value))
      problems.push('amount must be a number >= 0');
    else if (typeof body.currency === 'string' && isCurrency(body.currency)) {
      const decimals = (amount.value.split('.')[1] ?? '').length;
      const allowed = wireDecimals(body.currency);
      if (decimals > allowed)
        problems.push(
          allowed === 0
            ? `amount must be a whole number for ${body.currency}`
            : `amount allows at most ${allowed} decimals for ${body.currency}`,
        );
      else amountMinor = parseAmount(amount.value, body.currency);
    }
    if (problems.length > 0) return error(400, 'API_VALIDATION_ERROR', problems[0]!, problems);
    const p = props as Record<string, string>;
    const parsed = {
      reference: body.reference_id as string,
      channelCode: body.channel_code as string,
      accountHolderName: p.account_holder_name!,
      accountNumber: p.account_number!,
      amountMinor,
      currency: body.currency as string,
      description: (body.description as string | undefined) ?? null,
      metadata: (body.metadata as Record<string, unknown> | undefined) ?? {},
    };
    const fingerprint = [
      parsed.reference,
      parsed.channelCode,
      parsed.accountHolderName,
      parsed.accountNumber,
      parsed.amountMinor,
      parsed.currency,
      parsed.description,
      stringifyLossless(parsed.metadata),
    ].join('\u0000');
    return { ...parsed, fingerprint };
  };

  const checkChannel = (r: Parsed): HttpAnswer | null => {
    const channel = channels.get(r.channelCode);
    if (!channel || channel.currency !== r.currency)
      return error(
        400,
        'CHANNEL_CODE_NOT_SUPPORTED',
        `${r.channelCode} does not support ${r.currency} payouts`,
      );
    if (r.amountMinor < channel.minimumMinor)
      return error(
        400,
        'MINIMUM_TRANSFER_LIMIT_ERROR',
        `amount is below the minimum of ${formatAmount(channel.minimumMinor, r.currency)} ${r.currency}`,
      );
    if (channel.maximumMinor !== null && r.amountMinor > channel.maximumMinor)
      return error(
        400,
        'MAXIMUM_TRANSFER_LIMIT_ERROR',
        `amount is above the maximum of ${formatAmount(channel.maximumMinor, r.currency)} ${r.currency}`,
      );
    if (channel.incrementMinor > 0n && r.amountMinor % channel.incrementMinor !== 0n)
      return error(
        400,
        'AMOUNT_INCREMENT_NOT_SUPPORTED',
        `amount must be a multiple of ${formatAmount(channel.incrementMinor, r.currency)} ${r.currency}`,
      );
    return null;
  };

  const createPayout = (r: Parsed, key: string, fault: FakeFaultKind | null): PayoutRecord => {
    const t = now();
    const index = all.length;
    const iso = new Date(t).toISOString();
    let outcome: PayoutRecord['outcome'] = { status: 'SUCCEEDED' };
    const rate = options.failureRate ?? 0;
    if (rate > 0 && outcomeRandom() < rate)
      outcome = {
        status: 'FAILED',
        code: failureCodes[Math.floor(outcomeRandom() * failureCodes.length)]!,
      };
    if (fault === 'fail_transfer') outcome = { status: 'FAILED', code: 'TRANSFER_ERROR' };
    if (fault === 'temporary_failure')
      outcome = { status: 'FAILED', code: 'TEMPORARY_TRANSFER_ERROR' };
    // Xendit accepts the payout and fails it afterwards when the balance cannot cover it.
    const covered = fault !== 'insufficient_balance' && balance(r.currency) >= r.amountMinor;
    if (!covered) outcome = { status: 'FAILED', code: 'INSUFFICIENT_BALANCE' };
    else credit(r.currency, -r.amountMinor);
    const p: PayoutRecord = {
      id: `disb-${idPrefix}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
      reference: r.reference,
      idempotencyKey: key,
      amountMinor: r.amountMinor,
      currency: r.currency,
      channelCode: r.channelCode,
      accountHolderName: r.accountHolderName,
      accountNumber: r.accountNumber,
      description: r.description,
      metadata: r.metadata,
      status: 'ACCEPTED',
      failureCode: null,
      created: iso,
      updated: iso,
      index,
      createdMs: t,
      settleAt: t + settleAfterMs,
      fingerprint: r.fingerprint,
      outcome,
      debited: covered,
      settled: false,
    };
    all.push(p);
    byId.set(p.id, p);
    byKey.set(key, p);
    const list = byReference.get(p.reference);
    if (list) list.push(p);
    else byReference.set(p.reference, [p]);
    pending.push(p);
    stats.byStatus.ACCEPTED = (stats.byStatus.ACCEPTED ?? 0) + 1;
    stats.created++;
    armSettleTimer();
    return p;
  };

  /** POST /v2/payouts. `null` means "hang": the payout exists, the answer never comes. */
  const handleCreate = (req: http.IncomingMessage, text: string): HttpAnswer | null => {
    stats.createRequests++;
    const fault = drawFault();
    if (fault) countFault(fault);
    if (fault === 'server_error')
      return error(
        500,
        'SERVER_ERROR',
        'An unexpected error occurred, please retry with the same idempotency key',
      );
    if (fault === 'rate_limit') return rateLimitAnswer(options.faultRateLimitReset ?? '1');
    const key = req.headers['idempotency-key'];
    if (!isText(key, 1, 100))
      return reject(
        error(
          400,
          'API_VALIDATION_ERROR',
          'Idempotency-key header is required (1 to 100 characters)',
        ),
      );
    const r = validate(text);
    if (r instanceof HttpAnswer) return reject(r);
    const existing = byKey.get(key);
    let payout: PayoutRecord;
    if (existing) {
      if (
        duplicateMode === 'error' ||
        existing.fingerprint !== r.fingerprint ||
        fault === 'duplicate_error'
      ) {
        stats.duplicateErrors++;
        return error(400, 'DUPLICATE_ERROR', `Idempotency key ${key} has been used before`);
      }
      stats.replayed++;
      payout = existing;
    } else {
      const refused = checkChannel(r);
      if (refused) return reject(refused);
      payout = createPayout(r, key, fault);
      // The fault stands for "an earlier request with this key got through and this is the retry".
      if (fault === 'duplicate_error') {
        stats.duplicateErrors++;
        return error(400, 'DUPLICATE_ERROR', `Idempotency key ${key} has been used before`);
      }
    }
    if (fault === 'timeout_after_create') return null;
    if (fault === 'server_error_after_create')
      return error(
        500,
        'SERVER_ERROR',
        'An unexpected error occurred, please retry with the same idempotency key',
      );
    return json(200, payoutJson(payout));
  };

  const reject = (answer: HttpAnswer) => {
    stats.rejected++;
    return answer;
  };

  // ---------------------------------------------------------------- reads

  /** Query parameters an endpoint does not take (the fake refuses them, so a client typo shows). */
  const unknownParams = (query: URLSearchParams, allowed: ReadonlySet<string>): string[] =>
    [...new Set(query.keys())].filter((k) => !allowed.has(k));

  const positiveLimit = (query: URLSearchParams, fallback: number): number | HttpAnswer => {
    const text = query.get('limit');
    if (text === null) return fallback;
    const limit = /^\d+$/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
    return limit >= 1
      ? Math.min(limit, maxPageSize)
      : error(400, 'API_VALIDATION_ERROR', 'limit must be a positive integer');
  };

  /** GET /v2/payouts: the lookup by `reference_id` (required), `limit`, `after_id` cursor. */
  const handleLookup = (query: URLSearchParams): HttpAnswer => {
    const unknown = unknownParams(query, LOOKUP_PARAMS);
    if (unknown.length > 0)
      return error(
        400,
        'API_VALIDATION_ERROR',
        `${unknown.join(', ')} is not a parameter of GET /v2/payouts (reference_id, limit, after_id, before_id)`,
      );
    const reference = query.get('reference_id');
    if (reference === null || reference === '')
      return error(400, 'API_VALIDATION_ERROR', 'reference_id is required');
    if (query.has('before_id'))
      return error(400, 'API_VALIDATION_ERROR', 'before_id is not implemented by this fake');
    const source = byReference.get(reference) ?? [];
    let start = 0;
    const afterId = query.get('after_id');
    if (afterId !== null) {
      const after = byId.get(afterId);
      if (!after || after.reference !== reference)
        return error(
          400,
          'API_VALIDATION_ERROR',
          `after_id ${afterId} is not a payout of this reference`,
        );
      start = source.indexOf(after) + 1;
    }
    // The documented-array answer gives everything unless a limit is asked for; otherwise pages.
    const limit = positiveLimit(query, maxPageSize);
    if (limit instanceof HttpAnswer) return limit;
    const size = listShape === 'array' && !query.has('limit') ? Number.POSITIVE_INFINITY : limit;
    const page = source.slice(start, start + size);
    const hasMore = start + page.length < source.length;
    const data = page.map(payoutJson);
    if (listShape === 'array') return json(200, data);
    const next = new URLSearchParams(query);
    if (page.length > 0) next.set('after_id', page[page.length - 1]!.id);
    // xendit-node models these links as one object (GetPayouts200ResponseLinks), the transactions'
    // as a list.
    return json(200, {
      data,
      has_more: hasMore,
      ...(hasMore ? { links: { href: `/v2/payouts?${next}`, rel: 'next', method: 'GET' } } : {}),
    });
  };

  /** The transaction recording a payout: its id derives from the payout's, so it is stable. */
  const transactionJson = (p: PayoutRecord) => {
    const status = TRANSACTION_STATUS[p.status] ?? 'PENDING';
    const category = channels.get(p.channelCode)?.category ?? 'BANK';
    return {
      id: `txn_${p.id.slice('disb-'.length)}`,
      product_id: p.id,
      type: 'DISBURSEMENT',
      status,
      channel_category: category === 'OTC' ? 'RETAIL_OUTLET' : category,
      channel_code: p.channelCode,
      account_identifier: p.accountNumber,
      reference_id: p.reference,
      currency: p.currency,
      amount: wireAmount(p.amountMinor, p.currency),
      cashflow: 'MONEY_OUT',
      settlement_status:
        status === 'SUCCESS' || status === 'REVERSED'
          ? 'SETTLED'
          : status === 'PENDING'
            ? 'PENDING'
            : null,
      estimated_settlement_time: null,
      business_id: businessId,
      fee: { xendit_fee: 0, value_added_tax: 0, status: 'NOT_APPLICABLE' },
      created: p.created,
      updated: p.updated,
    };
  };

  type TransactionFilter = (p: PayoutRecord, tx: ReturnType<typeof transactionJson>) => boolean;

  /** Filters of GET /transactions from its query, or the refusal. */
  const transactionFilters = (query: URLSearchParams): TransactionFilter[] | HttpAnswer => {
    const unknown = unknownParams(query, TRANSACTION_PARAMS);
    if (unknown.length > 0)
      return error(
        400,
        'API_VALIDATION_ERROR',
        `${unknown.join(', ')} is not a parameter of GET /transactions`,
      );
    const types = query.getAll('types');
    const badType = types.find((t) => !TRANSACTION_TYPES.has(t));
    if (badType !== undefined)
      return error(400, 'API_VALIDATION_ERROR', `types: ${badType} is not a transaction type`);
    const statuses = query.getAll('statuses');
    const filters: TransactionFilter[] = [];
    if (types.length > 0) filters.push((_p, tx) => types.includes(tx.type));
    if (statuses.length > 0) filters.push((_p, tx) => statuses.includes(tx.status));
    for (const key of ['reference_id', 'product_id', 'currency'] as const) {
      const value = query.get(key);
      if (value !== null) filters.push((_p, tx) => tx[key] === value);
    }
    for (const [key, test] of DATE_FILTERS) {
      const text = query.get(key);
      if (text === null) continue;
      const at = Date.parse(text);
      if (Number.isNaN(at))
        return error(400, 'API_VALIDATION_ERROR', `${key} must be an ISO 8601 timestamp`);
      const field = key.startsWith('created') ? 'created' : 'updated';
      filters.push((p) => test(Date.parse(field === 'created' ? p.created : p.updated), at));
    }
    return filters;
  };

  /**
   * GET /transactions: one DISBURSEMENT per payout held, newest made first (the API orders by
   * creation date), filtered, `limit` (default 10) and the `after_id` cursor, `{data, has_more,
   * links}`.
   */
  const handleTransactions = (query: URLSearchParams): HttpAnswer => {
    const filters = transactionFilters(query);
    if (filters instanceof HttpAnswer) return filters;
    if (query.has('before_id'))
      return error(400, 'API_VALIDATION_ERROR', 'before_id is not implemented by this fake');
    const limit = positiveLimit(query, 10);
    if (limit instanceof HttpAnswer) return limit;
    let start = all.length - 1;
    const afterId = query.get('after_id');
    if (afterId !== null) {
      const after = afterId.startsWith('txn_')
        ? byId.get(`disb-${afterId.slice('txn_'.length)}`)
        : undefined;
      if (!after)
        return error(400, 'API_VALIDATION_ERROR', `after_id ${afterId} is not a transaction`);
      start = after.index - 1;
    }
    const data: Array<ReturnType<typeof transactionJson>> = [];
    let hasMore = false;
    for (let i = start; i >= 0; i--) {
      const p = all[i]!;
      const tx = transactionJson(p);
      if (!filters.every((f) => f(p, tx))) continue;
      if (data.length >= limit) {
        hasMore = true;
        break;
      }
      data.push(tx);
    }
    const next = new URLSearchParams(query);
    if (data.length > 0) next.set('after_id', data[data.length - 1]!.id);
    return json(200, {
      data,
      has_more: hasMore,
      links: hasMore ? [{ href: `/transactions?${next}`, rel: 'next', method: 'GET' }] : [],
    });
  };

  const handleCancel = (id: string): HttpAnswer => {
    const p = byId.get(id);
    if (!p) return error(404, 'DATA_NOT_FOUND', `Payout ${id} not found`);
    if (p.status !== 'ACCEPTED')
      return error(
        400,
        'PAYOUT_NOT_CANCELLABLE',
        `Payout ${id} is ${p.status} and can no longer be cancelled`,
      );
    p.settled = true;
    if (p.debited) credit(p.currency, p.amountMinor);
    p.debited = false;
    setStatus(p, 'CANCELLED', null);
    return json(200, payoutJson(p));
  };

  const handleChannels = (query: URLSearchParams): HttpAnswer => {
    const code = query.get('channel_code');
    const currency = query.get('currency');
    const list = [...channels.values()].filter(
      (c) =>
        (code === null || c.channelCode === code) && (currency === null || c.currency === currency),
    );
    return json(
      200,
      list.map((c) => ({
        channel_code: c.channelCode,
        channel_category: c.category ?? 'BANK',
        currency: c.currency,
        channel_name: c.name ?? c.channelCode,
        amount_limits: {
          minimum: wireAmount(c.minimumMinor, c.currency),
          maximum: c.maximumMinor === null ? null : wireAmount(c.maximumMinor, c.currency),
          minimum_increment: wireAmount(c.incrementMinor, c.currency),
        },
      })),
    );
  };

  const handleBalance = (query: URLSearchParams): HttpAnswer => {
    const currency = query.get('currency') ?? 'IDR';
    if (!isCurrency(currency))
      return error(400, 'API_VALIDATION_ERROR', `currency ${currency} is not supported`);
    const type = query.get('account_type') ?? 'CASH';
    return json(200, { balance: wireAmount(type === 'CASH' ? balance(currency) : 0n, currency) });
  };

  /** A read fault due for this request, if any. */
  const readFault = (path: string): FakeReadFaultKind | null => {
    for (let i = 0; i < readFaults.length; i++) {
      const f = readFaults[i]!;
      if (!path.startsWith(f.path)) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      f.count--;
      if (f.count <= 0) readFaults.splice(i, 1);
      return f.kind;
    }
    return null;
  };

  // ---------------------------------------------------------------- routing

  const overRealLimit = (endpoint: string): string | null => {
    const limit = options.rateLimitPerSecond;
    if (limit === undefined) return null;
    const t = now();
    let w = windows.get(endpoint);
    if (!w || t - w.start >= 1000) windows.set(endpoint, (w = { start: t, count: 0 }));
    if (w.count >= limit) return String((w.start + 1000 - t) / 1000);
    w.count++;
    return null;
  };

  const route = (req: http.IncomingMessage, body: string): HttpAnswer | null => {
    stats.requests++;
    if (req.headers.authorization !== expectedAuth)
      return error(401, 'INVALID_API_KEY', 'API key is not valid');
    settleDue();
    // Split by hand: new URL() per request is a measurable share of the fake's time.
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = () => new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
    const method = req.method ?? 'GET';
    const endpoint = `${method} ${path.replace(/^\/v2\/payouts\/[^/]+/, '/v2/payouts/:id')}`;
    const reset = overRealLimit(endpoint);
    if (reset !== null) return rateLimitAnswer(reset);
    if (method === 'POST' && path === '/v2/payouts') return handleCreate(req, body);

    const fault = readFault(path);
    if (fault) {
      countFault(`read_${fault}`);
      if (fault === 'server_error')
        return error(500, 'SERVER_ERROR', 'An unexpected error occurred');
      if (fault === 'rate_limit') return rateLimitAnswer(options.faultRateLimitReset ?? '1');
      if (fault === 'timeout') return null;
      return new HttpAnswer(200, '{"data": [', { 'content-type': 'application/json' });
    }
    const cancel = /^\/v2\/payouts\/([^/]+)\/cancel$/.exec(path);
    if (method === 'POST' && cancel) return handleCancel(decodeURIComponent(cancel[1]!));
    if (method !== 'GET') return error(404, 'NOT_FOUND', `${method} ${path} is not an endpoint`);
    if (path === '/v2/payouts') return handleLookup(query());
    if (path === '/transactions') return handleTransactions(query());
    const one = /^\/v2\/payouts\/([^/]+)$/.exec(path);
    if (one) {
      const p = byId.get(decodeURIComponent(one[1]!));
      return p
        ? json(200, payoutJson(p))
        : error(404, 'DATA_NOT_FOUND', `Payout ${one[1]} not found`);
    }
    if (path === '/balance') return handleBalance(query());
    if (path === '/payouts_channels') return handleChannels(query());
    return error(404, 'NOT_FOUND', `${method} ${path} is not an endpoint`);
  };

  const server = http.createServer({ keepAliveTimeout: 10_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (options.recordRequests) {
        const raw = req.url ?? '/';
        const q = raw.indexOf('?');
        log.push({
          method: req.method ?? 'GET',
          path: q < 0 ? raw : raw.slice(0, q),
          query: q < 0 ? '' : raw.slice(q + 1),
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      }
      // CPU time, not the wall clock: on a loaded machine the OS may pause the process mid-route,
      // and that pause is not the fake's cost.
      const started = process.cpuUsage();
      let answer: HttpAnswer | null;
      try {
        answer = route(req, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        answer = error(500, 'SERVER_ERROR', `fake xendit crashed: ${(e as Error).message}`);
      }
      const spent = process.cpuUsage(started);
      stats.busyMs += (spent.user + spent.system) / 1000;
      if (answer === null) {
        // Hang: the client's own timeout is what ends this request.
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      const headers = {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(answer.body)),
        ...answer.headers,
      };
      res.writeHead(answer.status, headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake xendit: no port');

  const find = (id: string): PayoutRecord => {
    const p = byId.get(id);
    if (!p) throw new Error(`fake xendit: no payout ${id}`);
    return p;
  };

  const fake: FakeXendit = {
    url: `http://127.0.0.1:${address.port}`,
    secretKey,
    callbackToken,
    businessId,
    faults: { rate: 0, kinds: [] },
    injectNext(kind, count = 1) {
      for (let i = 0; i < count; i++) injected.push(kind);
    },
    injectRead(kind, o = {}) {
      readFaults.push({ kind, skip: o.skip ?? 0, count: o.count ?? 1, path: o.path ?? '/' });
    },
    reverse(providerId) {
      settleDue();
      const p = find(providerId);
      if (p.status !== 'SUCCEEDED')
        throw new Error(
          `fake xendit: ${providerId} is ${p.status}, only SUCCEEDED can be reversed`,
        );
      credit(p.currency, p.amountMinor);
      setStatus(p, 'REVERSED', null);
      emitWebhook('payout.reversed', p);
      return snapshot(p);
    },
    setStatus(providerId, status, failureCode = null) {
      settleDue();
      const p = find(providerId);
      p.settled = true;
      setStatus(p, status, failureCode);
      return snapshot(p);
    },
    seedPayout(seed) {
      const t = seed.createdMs ?? now();
      const index = all.length;
      const iso = new Date(t).toISOString();
      const status = seed.status ?? 'SUCCEEDED';
      const p: PayoutRecord = {
        id: `disb-${idPrefix}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
        reference: seed.reference,
        idempotencyKey: `seeded-${index}`,
        amountMinor: seed.amountMinor,
        currency: seed.currency,
        channelCode: seed.channelCode ?? 'ID_BCA',
        accountHolderName: seed.accountHolderName ?? 'SEEDED PAYEE',
        accountNumber: seed.accountNumber ?? '0000000000',
        description: null,
        metadata: {},
        status,
        failureCode: seed.failureCode ?? null,
        created: iso,
        updated: iso,
        index,
        createdMs: t,
        settleAt: t,
        fingerprint: `seeded-${index}`,
        outcome:
          status === 'FAILED'
            ? { status: 'FAILED', code: seed.failureCode ?? 'TRANSFER_ERROR' }
            : { status: 'SUCCEEDED' },
        debited: false,
        settled: true,
      };
      all.push(p);
      byId.set(p.id, p);
      byKey.set(p.idempotencyKey, p);
      const list = byReference.get(p.reference);
      if (list) list.push(p);
      else byReference.set(p.reference, [p]);
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
      return snapshot(p);
    },
    requests() {
      return [...log];
    },
    setBalance(currency, amountMinor) {
      balances.set(currency, amountMinor);
    },
    balanceOf(currency) {
      settleDue();
      return balance(currency);
    },
    payouts() {
      settleDue();
      return all.map(snapshot);
    },
    successfulByReference() {
      settleDue();
      const counts = new Map<string, number>();
      for (const p of all)
        if (p.status === 'SUCCEEDED' || p.status === 'REVERSED')
          counts.set(p.reference, (counts.get(p.reference) ?? 0) + 1);
      return counts;
    },
    get createRequests() {
      return stats.createRequests;
    },
    stats() {
      settleDue();
      return {
        ...stats,
        faults: { ...stats.faults },
        byStatus: Object.fromEntries(Object.entries(stats.byStatus).filter(([, n]) => n > 0)),
      };
    },
    async flushWebhooks() {
      settleDue();
      releaseHeld();
      while (inflight.size > 0) await Promise.all([...inflight]);
    },
    async close() {
      closed = true;
      if (settleTimer) clearTimeout(settleTimer);
      if (shuffleTimer) clearTimeout(shuffleTimer);
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
