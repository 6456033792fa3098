/**
 * A fake Xendit Payouts v2 server (node:http on 127.0.0.1, a free port) for integration tests, the
 * crash test and the benchmark. It implements the documented behaviour the client relies on — auth,
 * validation, channel limits, idempotency, the status lifecycle, balances, paging, webhooks — plus
 * seeded, reproducible fault injection. State lives in Maps so 10,000 creates stay well under a
 * second of server time.
 *
 * It deliberately does not share code with the client (src/core/providers/xendit.ts) beyond the
 * money module: a fake built from the client's own helpers would agree with the client's bugs.
 */
import { prng } from '../../src/core/demo/generate.js';
import http from 'node:http';
import { isLosslessNumber, LosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { exponentOf, formatAmount, isCurrency, parseAmount } from '../../src/core/money/index.js';
import type { ChannelLimits } from '../../src/core/providers/provider.js';

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
  /** Opening balance in minor units per currency; currencies not listed start at DEFAULT_BALANCE. */
  balances?: Record<string, bigint>;
  channels?: FakeChannel[];
  callbackUrl?: string;
  callbackToken?: string;
  businessId?: string;
  /** 'return_first' (v3 docs, default): same key + same body returns the first payout. 'error' (v2 docs): any reused key is DUPLICATE_ERROR. */
  duplicateMode?: 'return_first' | 'error';
  /** Time from creation to the terminal status; 0 (default) = terminal on the next request. */
  settleAfterMs?: number;
  /** Probability (seeded) that a new payout ends FAILED with one of `failureCodes`. */
  failureRate?: number;
  failureCodes?: string[];
  /** Real per-endpoint rate limit (fixed 1 s windows); unset = unlimited. */
  rateLimitPerSecond?: number;
  /** `Rate-Limit-Reset` sent with an injected rate_limit fault (seconds, Xendit's documented form). */
  faultRateLimitReset?: string;
  /** Probability that a webhook is delivered twice. */
  webhookDuplicates?: number;
  /** Hold webhooks and deliver them in a random order (every `webhookShuffleWindowMs`, or on flushWebhooks). */
  webhookShuffle?: boolean;
  webhookShuffleWindowMs?: number;
  /** Error body shape: `{error_code, message, errors?}` (default) or `{error_code, error_message}`. */
  errorShape?: 'message' | 'error_message';
  /** Lookup/list answer shape: `{data, has_more, links}` (default, as the SDK models it) or a bare array (as documented). */
  listShape?: 'paged' | 'array';
  /** Largest page the list endpoint returns (Xendit: 100). */
  maxPageSize?: number;
  /** Clock (epoch ms), for tests that need fixed creation times. */
  now?: () => number;
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
  /** Time spent inside the fake's request handling (ms), HTTP parsing excluded: its own cost in a benchmark. */
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
  /** After `skip` matching non-create requests, the next `count` get `kind`. `path` limits it to paths starting with it. */
  injectRead(kind: FakeReadFaultKind, options?: { count?: number; skip?: number; path?: string }): void;
  /** SUCCEEDED → REVERSED (the money returns to the balance); throws for any other state. */
  reverse(providerId: string): FakePayout;
  /** Forces a raw status (e.g. an unseen one) with no balance or webhook effect, and stops settlement. */
  setStatus(providerId: string, status: string, failureCode?: string | null): FakePayout;
  setBalance(currency: string, amountMinor: bigint): void;
  balanceOf(currency: string): bigint;
  payouts(): FakePayout[];
  /** Per reference_id: how many payouts are SUCCEEDED or REVERSED (money left). Must never exceed 1. */
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

/** Default channels: plausible limits; PH banks have no maximum (PESONet) so huge amounts can be tested. */
export const DEFAULT_CHANNELS: readonly FakeChannel[] = [
  ...['ID_BCA', 'ID_BNI', 'ID_BRI', 'ID_MANDIRI'].map((code) => ({
    channelCode: code, currency: 'IDR', category: 'BANK' as const, name: code.slice(3),
    minimumMinor: IDR(10_000n), maximumMinor: IDR(50_000_000_000n), incrementMinor: IDR(1n),
  })),
  ...['ID_OVO', 'ID_DANA'].map((code) => ({
    channelCode: code, currency: 'IDR', category: 'EWALLET' as const, name: code.slice(3),
    minimumMinor: IDR(10_000n), maximumMinor: IDR(20_000_000n), incrementMinor: IDR(1n),
  })),
  ...['PH_BDO', 'PH_BPI'].map((code) => ({
    channelCode: code, currency: 'PHP', category: 'BANK' as const, name: code.slice(3),
    minimumMinor: PHP(1n), maximumMinor: null, incrementMinor: 1n,
  })),
  ...['PH_GCASH', 'PH_PAYMAYA'].map((code) => ({
    channelCode: code, currency: 'PHP', category: 'EWALLET' as const, name: code.slice(3),
    minimumMinor: PHP(1n), maximumMinor: PHP(100_000n), incrementMinor: 1n,
  })),
];

const DEFAULT_FAILURE_CODES = ['INVALID_DESTINATION', 'REJECTED_BY_CHANNEL', 'TEMPORARY_TRANSFER_ERROR', 'TRANSFER_ERROR', 'UNKNOWN_BANK_NETWORK_ERROR'];

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

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max;

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

  const channels = new Map<string, FakeChannel>((options.channels ?? DEFAULT_CHANNELS).map((c) => [c.channelCode, c]));
  const balances = new Map<string, bigint>(Object.entries(options.balances ?? {}));
  const balance = (currency: string) => balances.get(currency) ?? DEFAULT_BALANCE;
  const credit = (currency: string, amount: bigint) => balances.set(currency, balance(currency) + amount);

  const all: PayoutRecord[] = [];
  const byId = new Map<string, PayoutRecord>();
  const byKey = new Map<string, PayoutRecord>();
  const byReference = new Map<string, PayoutRecord[]>();
  /** Unsettled payouts in creation order (settleAt is monotonic in it, so the head is next due). */
  let pending: PayoutRecord[] = [];
  let pendingHead = 0;

  const injected: FakeFaultKind[] = [];
  const readFaults: Array<{ kind: FakeReadFaultKind; skip: number; count: number; path: string }> = [];
  const windows = new Map<string, { start: number; count: number }>();
  const hanging = new Set<http.ServerResponse>();

  const stats: FakeXenditStats = {
    requests: 0, createRequests: 0, created: 0, replayed: 0, duplicateErrors: 0, rejected: 0, rateLimited: 0,
    faults: {}, byStatus: {}, webhooksSent: 0, webhooksFailed: 0, busyMs: 0,
  };
  const countFault = (name: keyof FakeXenditStats['faults']) => (stats.faults[name] = (stats.faults[name] ?? 0) + 1);

  // ---------------------------------------------------------------- answers

  const json = (status: number, value: unknown, headers: Record<string, string> = {}) =>
    new HttpAnswer(status, stringifyLossless(value) ?? 'null', headers);

  const error = (status: number, code: string, message: string, errors?: unknown[], headers: Record<string, string> = {}) =>
    json(status, errorShape === 'message' ? { error_code: code, message, ...(errors ? { errors } : {}) } : { error_code: code, error_message: message }, headers);

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
    channel_properties: { account_number: p.accountNumber, account_holder_name: p.accountHolderName },
    metadata: p.metadata,
  });

  const rateLimitAnswer = (reset: string) => {
    stats.rateLimited++;
    return error(429, 'RATE_LIMIT_EXCEEDED', 'Too many requests, please try again later', undefined, {
      'Rate-Limit-Limit': String(options.rateLimitPerSecond ?? 60),
      'Rate-Limit-Remaining': '0',
      'Rate-Limit-Reset': reset,
    });
  };

  // ---------------------------------------------------------------- lifecycle

  const snapshot = (p: PayoutRecord): FakePayout => ({
    id: p.id, reference: p.reference, idempotencyKey: p.idempotencyKey, amountMinor: p.amountMinor, currency: p.currency,
    channelCode: p.channelCode, accountHolderName: p.accountHolderName, accountNumber: p.accountNumber,
    description: p.description, status: p.status, failureCode: p.failureCode, created: p.created, updated: p.updated,
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
    for (let i = pendingHead; i < pending.length; i++) if (!pending[i]!.settled) { next = pending[i]; break; }
    if (!next) return;
    settleTimer = setTimeout(() => {
      settleTimer = null;
      settleDue();
      armSettleTimer();
    }, Math.max(0, next.settleAt - now()));
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
    const body = stringifyLossless({ event, business_id: businessId, created: new Date(now()).toISOString(), data: payoutJson(p) })!;
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
    reference: string; channelCode: string; accountHolderName: string; accountNumber: string; amountMinor: bigint;
    currency: string; description: string | null; metadata: Record<string, unknown>; fingerprint: string;
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
    if (!isRecord(body)) return error(400, 'API_VALIDATION_ERROR', 'Request body must be an object', ['body must be an object']);
    const props = body.channel_properties;
    if (!isText(body.reference_id, 1, 255)) problems.push('reference_id must be a string of 1 to 255 characters');
    if (!isText(body.channel_code, 1, 64)) problems.push('channel_code is required');
    if (!isRecord(props)) problems.push('channel_properties is required');
    else {
      if (!isText(props.account_holder_name, 1, 255)) problems.push('channel_properties.account_holder_name is required');
      if (!isText(props.account_number, 1, 64)) problems.push('channel_properties.account_number is required');
    }
    if (typeof body.currency !== 'string' || !isCurrency(body.currency)) problems.push('currency must be a supported currency');
    if (body.description !== undefined && !isText(body.description, 1, 100)) problems.push('description must be 1 to 100 characters');
    if (body.metadata !== undefined) {
      const m = body.metadata;
      if (!isRecord(m) || Object.keys(m).length > 50) problems.push('metadata must be an object of at most 50 keys');
      else
        for (const [k, v] of Object.entries(m)) {
          if (k.length > 40) problems.push(`metadata key "${k}" is longer than 40 characters`);
          if (!(typeof v === 'string' && v.length <= 500) && !isLosslessNumber(v)) problems.push(`metadata.${k} must be a string of at most 500 characters`);
        }
    }
    let amountMinor = 0n;
    const amount = body.amount;
    if (!isLosslessNumber(amount) || !/^\d+(\.\d+)?$/.test(amount.value)) problems.push('amount must be a number >= 0');
    else if (typeof body.currency === 'string' && isCurrency(body.currency)) {
      const decimals = (amount.value.split('.')[1] ?? '').length;
      const allowed = wireDecimals(body.currency);
      if (decimals > allowed) problems.push(allowed === 0 ? `amount must be a whole number for ${body.currency}` : `amount allows at most ${allowed} decimals for ${body.currency}`);
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
    const fingerprint = [parsed.reference, parsed.channelCode, parsed.accountHolderName, parsed.accountNumber, parsed.amountMinor, parsed.currency, parsed.description, stringifyLossless(parsed.metadata)].join('\u0000');
    return { ...parsed, fingerprint };
  };

  const checkChannel = (r: Parsed): HttpAnswer | null => {
    const channel = channels.get(r.channelCode);
    if (!channel || channel.currency !== r.currency) return error(400, 'CHANNEL_CODE_NOT_SUPPORTED', `${r.channelCode} does not support ${r.currency} payouts`);
    if (r.amountMinor < channel.minimumMinor) return error(400, 'MINIMUM_TRANSFER_LIMIT_ERROR', `amount is below the minimum of ${formatAmount(channel.minimumMinor, r.currency)} ${r.currency}`);
    if (channel.maximumMinor !== null && r.amountMinor > channel.maximumMinor) return error(400, 'MAXIMUM_TRANSFER_LIMIT_ERROR', `amount is above the maximum of ${formatAmount(channel.maximumMinor, r.currency)} ${r.currency}`);
    if (channel.incrementMinor > 0n && r.amountMinor % channel.incrementMinor !== 0n) return error(400, 'AMOUNT_INCREMENT_NOT_SUPPORTED', `amount must be a multiple of ${formatAmount(channel.incrementMinor, r.currency)} ${r.currency}`);
    return null;
  };

  const createPayout = (r: Parsed, key: string, fault: FakeFaultKind | null): PayoutRecord => {
    const t = now();
    const index = all.length;
    const iso = new Date(t).toISOString();
    let outcome: PayoutRecord['outcome'] = { status: 'SUCCEEDED' };
    const rate = options.failureRate ?? 0;
    if (rate > 0 && outcomeRandom() < rate) outcome = { status: 'FAILED', code: failureCodes[Math.floor(outcomeRandom() * failureCodes.length)]! };
    if (fault === 'fail_transfer') outcome = { status: 'FAILED', code: 'TRANSFER_ERROR' };
    if (fault === 'temporary_failure') outcome = { status: 'FAILED', code: 'TEMPORARY_TRANSFER_ERROR' };
    // Xendit accepts the payout and fails it afterwards when the balance cannot cover it.
    const covered = fault !== 'insufficient_balance' && balance(r.currency) >= r.amountMinor;
    if (!covered) outcome = { status: 'FAILED', code: 'INSUFFICIENT_BALANCE' };
    else credit(r.currency, -r.amountMinor);
    const p: PayoutRecord = {
      id: `disb-${idPrefix}-0000-4000-8000-${index.toString(16).padStart(12, '0')}`,
      reference: r.reference, idempotencyKey: key, amountMinor: r.amountMinor, currency: r.currency, channelCode: r.channelCode,
      accountHolderName: r.accountHolderName, accountNumber: r.accountNumber, description: r.description, metadata: r.metadata,
      status: 'ACCEPTED', failureCode: null, created: iso, updated: iso,
      index, createdMs: t, settleAt: t + settleAfterMs, fingerprint: r.fingerprint, outcome, debited: covered, settled: false,
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
    if (fault === 'server_error') return error(500, 'SERVER_ERROR', 'An unexpected error occurred, please retry with the same idempotency key');
    if (fault === 'rate_limit') return rateLimitAnswer(options.faultRateLimitReset ?? '1');
    const key = req.headers['idempotency-key'];
    if (!isText(key, 1, 100)) return reject(error(400, 'API_VALIDATION_ERROR', 'Idempotency-key header is required (1 to 100 characters)'));
    const r = validate(text);
    if (r instanceof HttpAnswer) return reject(r);
    const existing = byKey.get(key);
    let payout: PayoutRecord;
    if (existing) {
      if (duplicateMode === 'error' || existing.fingerprint !== r.fingerprint || fault === 'duplicate_error') {
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
    if (fault === 'server_error_after_create') return error(500, 'SERVER_ERROR', 'An unexpected error occurred, please retry with the same idempotency key');
    return json(200, payoutJson(payout));
  };

  const reject = (answer: HttpAnswer) => {
    stats.rejected++;
    return answer;
  };

  // ---------------------------------------------------------------- reads

  /** Lookup/list: `reference_id` or `created[gte]`/`created[lt]`, `limit`, `after_id` cursor. */
  const handleList = (query: URLSearchParams): HttpAnswer => {
    const reference = query.get('reference_id');
    const gte = query.get('created[gte]');
    const lt = query.get('created[lt]');
    const from = gte ? Date.parse(gte) : Number.NEGATIVE_INFINITY;
    const to = lt ? Date.parse(lt) : Number.POSITIVE_INFINITY;
    if (Number.isNaN(from) || Number.isNaN(to)) return error(400, 'API_VALIDATION_ERROR', 'created filters must be ISO 8601 timestamps');
    const limitText = query.get('limit');
    const limit = limitText === null ? null : Number.parseInt(limitText, 10);
    if (limit !== null && !(limit >= 1)) return error(400, 'API_VALIDATION_ERROR', 'limit must be a positive integer');
    const source = reference !== null ? (byReference.get(reference) ?? []) : all;
    let start = 0;
    const afterId = query.get('after_id');
    if (afterId !== null) {
      const after = byId.get(afterId);
      if (!after) return error(400, 'API_VALIDATION_ERROR', `after_id ${afterId} is not a payout`);
      start = reference !== null ? source.indexOf(after) + 1 : after.index + 1;
    }
    // A documented-array answer to a lookup without a limit gives everything; otherwise pages.
    const size = listShape === 'array' && limit === null ? Number.POSITIVE_INFINITY : Math.min(limit ?? maxPageSize, maxPageSize);
    const page: PayoutRecord[] = [];
    let hasMore = false;
    for (let i = start; i < source.length; i++) {
      const p = source[i]!;
      if (p.createdMs < from || p.createdMs >= to) continue;
      if (page.length >= size) {
        hasMore = true;
        break;
      }
      page.push(p);
    }
    const data = page.map(payoutJson);
    if (listShape === 'array') return json(200, data);
    const next = new URLSearchParams(query);
    if (page.length > 0) next.set('after_id', page[page.length - 1]!.id);
    return json(200, { data, has_more: hasMore, links: hasMore ? [{ href: `/v2/payouts?${next}`, rel: 'next', method: 'GET' }] : [] });
  };

  const handleCancel = (id: string): HttpAnswer => {
    const p = byId.get(id);
    if (!p) return error(404, 'DATA_NOT_FOUND', `Payout ${id} not found`);
    if (p.status !== 'ACCEPTED') return error(400, 'PAYOUT_NOT_CANCELLABLE', `Payout ${id} is ${p.status} and can no longer be cancelled`);
    p.settled = true;
    if (p.debited) credit(p.currency, p.amountMinor);
    p.debited = false;
    setStatus(p, 'CANCELLED', null);
    return json(200, payoutJson(p));
  };

  const handleChannels = (query: URLSearchParams): HttpAnswer => {
    const code = query.get('channel_code');
    const currency = query.get('currency');
    const list = [...channels.values()].filter((c) => (code === null || c.channelCode === code) && (currency === null || c.currency === currency));
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
    if (!isCurrency(currency)) return error(400, 'API_VALIDATION_ERROR', `currency ${currency} is not supported`);
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
    if (req.headers.authorization !== expectedAuth) return error(401, 'INVALID_API_KEY', 'API key is not valid');
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
      if (fault === 'server_error') return error(500, 'SERVER_ERROR', 'An unexpected error occurred');
      if (fault === 'rate_limit') return rateLimitAnswer(options.faultRateLimitReset ?? '1');
      if (fault === 'timeout') return null;
      return new HttpAnswer(200, '{"data": [', { 'content-type': 'application/json' });
    }
    const cancel = /^\/v2\/payouts\/([^/]+)\/cancel$/.exec(path);
    if (method === 'POST' && cancel) return handleCancel(decodeURIComponent(cancel[1]!));
    if (method !== 'GET') return error(404, 'NOT_FOUND', `${method} ${path} is not an endpoint`);
    if (path === '/v2/payouts') return handleList(query());
    const one = /^\/v2\/payouts\/([^/]+)$/.exec(path);
    if (one) {
      const p = byId.get(decodeURIComponent(one[1]!));
      return p ? json(200, payoutJson(p)) : error(404, 'DATA_NOT_FOUND', `Payout ${one[1]} not found`);
    }
    if (path === '/balance') return handleBalance(query());
    if (path === '/payouts_channels') return handleChannels(query());
    return error(404, 'NOT_FOUND', `${method} ${path} is not an endpoint`);
  };

  const server = http.createServer({ keepAliveTimeout: 10_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const started = performance.now();
      let answer: HttpAnswer | null;
      try {
        answer = route(req, Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        answer = error(500, 'SERVER_ERROR', `fake xendit crashed: ${(e as Error).message}`);
      }
      stats.busyMs += performance.now() - started;
      if (answer === null) {
        // Hang: the client's own timeout is what ends this request.
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(answer.body)), ...answer.headers };
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
      if (p.status !== 'SUCCEEDED') throw new Error(`fake xendit: ${providerId} is ${p.status}, only SUCCEEDED can be reversed`);
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
      for (const p of all) if (p.status === 'SUCCEEDED' || p.status === 'REVERSED') counts.set(p.reference, (counts.get(p.reference) ?? 0) + 1);
      return counts;
    },
    get createRequests() {
      return stats.createRequests;
    },
    stats() {
      settleDue();
      return { ...stats, faults: { ...stats.faults }, byStatus: Object.fromEntries(Object.entries(stats.byStatus).filter(([, n]) => n > 0)) };
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
