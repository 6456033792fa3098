/**
 * A fake Rise B2B API v2 on 127.0.0.1 (random port), faithful where it matters for exactly-once:
 * real SIWE (viem verifies the personal_sign signature against the allowed wallet), real EIP-712
 * typed data whose signature is verified on execution, expiring typed data, no idempotency key,
 * and a search endpoint — plus injectable faults and signed webhooks (duplicates, out of order).
 *
 * Wire shapes the public docs leave open follow src/core/domain/providers/rise/client.ts (its header
 * lists them). Amounts are parsed and written with lossless-json, so a client that rounds through a
 * float shows. The webhook HMAC is computed here independently of the client's verifier, on
 * purpose.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  LosslessNumber,
  parse as parseLossless,
  stringify as stringifyLossless,
} from 'lossless-json';
import {
  isAddressEqual,
  stringToHex,
  verifyMessage,
  verifyTypedData,
  type Address,
  type Hex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';

/** A throwaway test key (never holds funds anywhere): the wallet the fake lets sign in. */
export const FAKE_RISE_WALLET_KEY: Hex =
  '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
export const FAKE_RISE_WALLET: Address = privateKeyToAccount(FAKE_RISE_WALLET_KEY).address;
export const FAKE_RISE_FORWARDER: Address = '0x00000000000000000000000000000000000f0a4d';
const FAKE_RISE_ACCOUNT: Address = '0x000000000000000000000000000000000000a11c';
const FAKE_RISE_PAYMENTS: Address = '0x00000000000000000000000000000000000be7a1';

export type FakeRiseFault =
  /** The next authenticated request answers 401 JWT_EXPIRED (and the token dies). */
  | 'jwt_expired'
  /** The next API request (not sign-in) answers 500 having done nothing. */
  | 'server_error'
  /** The next API request (not sign-in) never answers, having done nothing. */
  | 'timeout'
  /** The next PUT /v2/payments executes the payment, then never answers. */
  | 'timeout_after_execute'
  /** The next PUT /v2/payments never answers and executes nothing (a leftover intent). */
  | 'timeout_before_execute'
  /** The next PUT /v2/payments answers EXPIRED_TYPED_DATA and that intent can never execute. */
  | 'expired_typed_data'
  /** The next POST /v2/payments answers INSUFFICIENT_BALANCE. */
  | 'insufficient_balance'
  /** The next webhook is delivered twice (same idempotency key). */
  | 'webhook_duplicate'
  /** The next webhook is delivered after the one that follows it. */
  | 'webhook_out_of_order';

export interface FakeRiseOptions {
  riseId?: string;
  teamId?: string;
  /** The address allowed to sign in (default: FAKE_RISE_WALLET_KEY's). */
  wallet?: Address;
  balanceCents?: bigint;
  seed?: number;
  webhookUrl?: string;
  webhookSecret?: string;
  /** 0 (default): complete on execution; otherwise 'scheduled' until this much later. */
  settleAfterMs?: number;
  typedDataTtlSeconds?: number;
  jwtTtlMs?: number;
}

export interface FakeRisePayment {
  id: string;
  salt: string;
  state: string;
  from: string;
  to: string;
  amount_cents: bigint;
  currency_symbol: string;
  invoice_description: string;
  created_at: string;
  updated_at: string;
  executedAtMs: number | null;
}

export interface FakeRiseWebhook {
  eventType: string;
  idempotencyKey: string;
  status: number | null;
}

export interface FakeRise {
  url: string;
  close(): Promise<void>;
  /** Pending injected faults by kind (mutable). */
  faults: Record<FakeRiseFault, number>;
  injectNext(kind: FakeRiseFault, n?: number): void;
  payments(): FakeRisePayment[];
  /** Executed payments (scheduled or complete) per `[ref:…]` reference: >1 means paid twice. */
  successfulByReference(): Map<string, number>;
  stats(): {
    requests: number;
    byRoute: Record<string, number>;
    signIns: number;
    intents: number;
    executions: number;
    webhooks: number;
  };
  /** Test hook: force a payment into any state (e.g. one the client has never heard of). */
  setState(id: string, state: string): void;
  balanceCents(): bigint;
  webhooks(): FakeRiseWebhook[];
  /** Resolves when every queued webhook has been delivered. */
  flushWebhooks(): Promise<void>;
}

class Reply {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
  ) {}
}

interface Intent {
  salt: bigint;
  expires: bigint;
  wire: Record<string, unknown>;
  paymentIds: string[];
  dead: boolean;
}

const RISE_REQUEST_TYPES = {
  RiseRequest: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'salt', type: 'uint256' },
    { name: 'expires', type: 'uint256' },
    { name: 'data', type: 'bytes' },
  ],
} as const;

function referenceOf(description: string): string | null {
  const all = [...description.matchAll(/\[ref:([^[\]]+)\]/g)];
  return all.length ? all[all.length - 1]![1]! : null;
}

function integer(value: unknown): bigint | null {
  const text =
    value instanceof LosslessNumber ? value.value : typeof value === 'string' ? value : null;
  return text !== null && /^-?\d+$/.test(text) ? BigInt(text) : null;
}

export async function startFakeRise(options: FakeRiseOptions = {}): Promise<FakeRise> {
  const riseId = options.riseId ?? 'ri-fake0001';
  const teamId = options.teamId ?? 'te-fake0001';
  const wallet = options.wallet ?? FAKE_RISE_WALLET;
  const seed = options.seed ?? 1;
  const settleAfterMs = options.settleAfterMs ?? 0;
  const ttlSeconds = BigInt(options.typedDataTtlSeconds ?? 600);
  const jwtTtlMs = options.jwtTtlMs ?? 10 * 60_000;
  let balance = options.balanceCents ?? 1_000_000_000_00n;

  const faults: Record<FakeRiseFault, number> = {
    jwt_expired: 0,
    server_error: 0,
    timeout: 0,
    timeout_after_execute: 0,
    timeout_before_execute: 0,
    expired_typed_data: 0,
    insufficient_balance: 0,
    webhook_duplicate: 0,
    webhook_out_of_order: 0,
  };
  const take = (kind: FakeRiseFault): boolean =>
    faults[kind] > 0 ? (faults[kind]--, true) : false;

  const nonces = new Map<string, { message: string; expiresMs: number; used: boolean }>();
  const tokens = new Map<string, number>();
  const intents = new Map<string, Intent>();
  const payments = new Map<string, FakeRisePayment>();
  const hanging = new Set<http.ServerResponse>();
  const counters = { requests: 0, signIns: 0, intents: 0, executions: 0, webhooks: 0 };
  const byRoute: Record<string, number> = {};
  const deliveries: FakeRiseWebhook[] = [];
  let counter = 0;
  let baseUrl = '';

  /** Ids and salts are deterministic from the seed, so a failing run can be replayed. */
  const nextHash = (): string => createHash('sha256').update(`${seed}:${counter++}`).digest('hex');
  const nextId = (prefix: string): string =>
    `${prefix}-${BigInt('0x' + nextHash().slice(0, 16)).toString(36)}`;

  // ------------------------------------------------------------------------ webhooks
  let queue: Promise<void> = Promise.resolve();
  /** An event held back by 'webhook_out_of_order', sent after the next one (or after 200 ms). */
  let held: {
    body: string;
    eventType: string;
    key: string;
    times: number;
    timer: NodeJS.Timeout;
  } | null = null;

  function deliver(body: string, eventType: string, key: string): void {
    queue = queue.then(async () => {
      if (!options.webhookUrl) return;
      const t = Math.floor(Date.now() / 1000).toString();
      const v1 = createHmac('sha256', options.webhookSecret ?? '')
        .update(`${t}.${body}`)
        .digest('hex');
      const record: FakeRiseWebhook = { eventType, idempotencyKey: key, status: null };
      deliveries.push(record);
      counters.webhooks++;
      try {
        const r = await fetch(options.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-rise-signature': `t=${t},v1=${v1}` },
          body,
        });
        record.status = r.status;
        await r.text();
      } catch {
        record.status = null;
      }
    });
  }

  function releaseHeld(): void {
    if (!held) return;
    const h = held;
    held = null;
    clearTimeout(h.timer);
    for (let i = 0; i < h.times; i++) deliver(h.body, h.eventType, h.key);
  }

  function emit(eventType: string, data: unknown): void {
    if (!options.webhookUrl) return;
    const key = nextId('ik');
    const body = stringifyLossless({
      object: 'event',
      id: nextId('ev'),
      created: Math.floor(Date.now() / 1000),
      request_id: nextId('rq'),
      event_type: eventType,
      event_version: '1.0',
      idempotency_key: key,
      data,
    })!;
    const times = take('webhook_duplicate') ? 2 : 1;
    if (!held && take('webhook_out_of_order')) {
      const timer = setTimeout(releaseHeld, 200);
      timer.unref();
      held = { body, eventType, key, times, timer };
      return;
    }
    for (let i = 0; i < times; i++) deliver(body, eventType, key);
    releaseHeld();
  }

  // ------------------------------------------------------------------------ payments
  function wirePayment(p: FakeRisePayment): Record<string, unknown> {
    const intent = intents.get(p.salt);
    return {
      id: p.id,
      state: p.state,
      from: p.from,
      to: p.to,
      amount_cents: p.amount_cents,
      currency_symbol: p.currency_symbol,
      invoice_description: p.invoice_description,
      created_at: p.created_at,
      updated_at: p.updated_at,
      // An unsigned intent carries its typed data so its owner can still sign it.
      ...(p.state === 'intent' && intent ? { typed_data: intent.wire } : {}),
    };
  }

  function complete(p: FakeRisePayment): void {
    p.state = 'complete';
    p.updated_at = new Date().toISOString();
    emit('payment.sent', {
      payment: { ...wirePayment(p), amount: (p.amount_cents * 10_000n).toString(), decimals: 6 },
    });
  }

  /** Scheduled payments complete once settleAfterMs has passed (checked lazily and by a timer). */
  function settle(): void {
    for (const p of payments.values()) {
      if (
        p.state === 'scheduled' &&
        p.executedAtMs !== null &&
        Date.now() >= p.executedAtMs + settleAfterMs
      )
        complete(p);
    }
  }

  function requireAuth(req: http.IncomingMessage): void {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expiry = token ? tokens.get(token) : undefined;
    if (!token || expiry === undefined)
      throw new Reply(401, 'UNAUTHORIZED', 'missing or unknown bearer token');
    if (take('jwt_expired') || Date.now() > expiry) {
      tokens.delete(token);
      throw new Reply(401, 'JWT_EXPIRED', 'jwt expired');
    }
  }

  async function siwe(url: URL): Promise<unknown> {
    if (url.searchParams.get('riseid') !== riseId)
      throw new Reply(400, 'INVALID_RISE_ID', 'unknown rise id');
    const w = url.searchParams.get('wallet') ?? '';
    if (!/^0x[0-9a-fA-F]{40}$/.test(w) || !isAddressEqual(w as Address, wallet))
      throw new Reply(400, 'WALLET_NOT_ALLOWED', 'wallet is not a signer of this rise id');
    const nonce = randomBytes(12).toString('hex');
    const host = new URL(baseUrl).host;
    const message = createSiweMessage({
      address: wallet,
      chainId: 42161,
      domain: host,
      nonce,
      uri: baseUrl,
      version: '1',
      statement: 'Sign in to Rise',
      issuedAt: new Date(),
      expirationTime: new Date(Date.now() + 5 * 60_000),
    });
    nonces.set(nonce, { message, expiresMs: Date.now() + 5 * 60_000, used: false });
    return { siwe: message };
  }

  async function verify(body: Record<string, unknown>): Promise<unknown> {
    const { message, sig, nonce } = body as { message?: unknown; sig?: unknown; nonce?: unknown };
    const record = typeof nonce === 'string' ? nonces.get(nonce) : undefined;
    if (!record || record.used || Date.now() > record.expiresMs)
      throw new Reply(400, 'EXPIRED_NONCE', 'nonce unknown, used or expired');
    if (message !== record.message)
      throw new Reply(400, 'INVALID_MESSAGE', 'message differs from the one issued');
    if (typeof sig !== 'string' || !/^0x[0-9a-fA-F]+$/.test(sig))
      throw new Reply(400, 'INVALID_SIGNATURE', 'sig is not hex');
    const ok = await verifyMessage({
      address: wallet,
      message: record.message,
      signature: sig as Hex,
    }).catch(() => false);
    if (!ok) throw new Reply(401, 'INVALID_SIGNATURE', 'signature does not match the wallet');
    record.used = true;
    const jwt = `fjwt.${randomBytes(24).toString('hex')}`;
    tokens.set(jwt, Date.now() + jwtTtlMs);
    counters.signIns++;
    return { jwt };
  }

  function createIntent(body: Record<string, unknown>): unknown {
    if (body.from !== teamId)
      throw new Reply(403, 'TEAM_ROLE_SETTINGS_NOT_FOUND', 'no payer role for this team');
    if (body.pay_now !== true || body.network !== 'arbitrum')
      throw new Reply(400, 'VALIDATION_ERROR', 'pay_now must be true and network arbitrum');
    if (!Array.isArray(body.to) || body.to.length === 0)
      throw new Reply(400, 'VALIDATION_ERROR', 'to must be a non-empty array');
    const entries = body.to.map((raw: unknown) => {
      const e = raw as Record<string, unknown>;
      const amount = integer(e.amount_cents);
      if (typeof e.to !== 'string' || !/^us-[A-Za-z0-9]+$/.test(e.to))
        throw new Reply(400, 'INVALID_RECIPIENT', 'recipient is not a Rise user id');
      if (amount === null || amount <= 0n)
        throw new Reply(400, 'VALIDATION_ERROR', 'amount_cents must be a positive integer');
      if (e.currency_symbol !== 'USD')
        throw new Reply(400, 'VALIDATION_ERROR', 'currency_symbol must be USD');
      return {
        to: e.to,
        amount,
        description: typeof e.invoice_description === 'string' ? e.invoice_description : '',
      };
    });
    const total = entries.reduce((s, e) => s + e.amount, 0n);
    if (take('insufficient_balance') || total > balance)
      throw new Reply(400, 'INSUFFICIENT_BALANCE', 'team balance is too low');
    const salt = BigInt('0x' + nextHash()) >> 8n; // a uint256 far beyond 2^53: a float would mangle it
    const expires = BigInt(Math.floor(Date.now() / 1000)) + ttlSeconds;
    const now = new Date().toISOString();
    const ids = entries.map((e) => {
      const p: FakeRisePayment = {
        id: nextId('pa'),
        salt: salt.toString(),
        state: 'intent',
        from: teamId,
        to: e.to,
        amount_cents: e.amount,
        currency_symbol: 'USD',
        invoice_description: e.description,
        created_at: now,
        updated_at: now,
        executedAtMs: null,
      };
      payments.set(p.id, p);
      return p.id;
    });
    const wire = {
      domain: {
        name: 'RiseAccountForwarder',
        version: '1',
        chainId: 42161,
        verifyingContract: FAKE_RISE_FORWARDER,
      },
      types: RISE_REQUEST_TYPES,
      primaryType: 'RiseRequest',
      message: {
        from: FAKE_RISE_ACCOUNT,
        to: FAKE_RISE_PAYMENTS,
        salt,
        expires,
        data: stringToHex(JSON.stringify(entries.map((e) => [e.to, e.amount.toString()]))),
      },
    };
    intents.set(salt.toString(), { salt, expires, wire, paymentIds: ids, dead: false });
    counters.intents++;
    return wire;
  }

  async function execute(
    body: Record<string, unknown>,
    res: http.ServerResponse,
  ): Promise<unknown> {
    const td = body.typed_data as { message?: { salt?: unknown } } | undefined;
    const salt = integer(td?.message?.salt);
    const intent = salt === null ? undefined : intents.get(salt.toString());
    if (!intent) throw new Reply(404, 'INTENT_NOT_FOUND', 'no intent with this salt');
    if (take('timeout_before_execute')) return hang(res);
    // What was issued must come back unchanged (numbers included).
    if (
      stringifyLossless(parseLossless(stringifyLossless(intent.wire)!)) !==
      stringifyLossless(body.typed_data)
    ) {
      throw new Reply(400, 'INVALID_TYPED_DATA', 'typed data differs from the intent');
    }
    const own = intent.paymentIds.map((id) => payments.get(id)!);
    if (own.some((p) => p.state === 'removed'))
      throw new Reply(400, 'PAYMENT_REMOVED', 'intent was removed');
    if (own.some((p) => p.state !== 'intent'))
      throw new Reply(409, 'ALREADY_EXECUTED', 'intent already executed');
    if (take('expired_typed_data')) intent.dead = true;
    if (intent.dead || BigInt(Math.floor(Date.now() / 1000)) > intent.expires)
      throw new Reply(400, 'EXPIRED_TYPED_DATA', 'typed data expired');
    const signature =
      typeof body.signature === 'string' && /^0x[0-9a-fA-F]+$/.test(body.signature)
        ? (body.signature as Hex)
        : null;
    const m = intent.wire.message as { from: Address; to: Address; data: Hex };
    const valid =
      signature !== null &&
      (await verifyTypedData({
        address: wallet,
        domain: {
          name: 'RiseAccountForwarder',
          version: '1',
          chainId: 42161,
          verifyingContract: FAKE_RISE_FORWARDER,
        },
        types: RISE_REQUEST_TYPES,
        primaryType: 'RiseRequest',
        message: {
          from: m.from,
          to: m.to,
          salt: intent.salt,
          expires: intent.expires,
          data: m.data,
        },
        signature,
      }).catch(() => false));
    if (!valid) throw new Reply(400, 'INVALID_SIGNATURE', 'signature does not match the wallet');
    const total = own.reduce((s, p) => s + p.amount_cents, 0n);
    if (total > balance) throw new Reply(400, 'INSUFFICIENT_BALANCE', 'team balance is too low');
    balance -= total;
    const at = Date.now();
    for (const p of own) {
      p.state = 'scheduled';
      p.executedAtMs = at;
      p.updated_at = new Date(at).toISOString();
      counters.executions++;
    }
    emit('payment.group.created', { payments: own.map(wirePayment) });
    if (settleAfterMs === 0) own.forEach(complete);
    else setTimeout(settle, settleAfterMs + 5).unref();
    if (take('timeout_after_execute')) return hang(res);
    return { payments: own.map(wirePayment) };
  }

  function search(url: URL): unknown {
    const q = url.searchParams;
    if (q.get('team_nanoid') !== teamId)
      throw new Reply(403, 'TEAM_ROLE_SETTINGS_NOT_FOUND', 'unknown team');
    if (q.get('query_type') !== 'payable')
      throw new Reply(400, 'VALIDATION_ERROR', 'query_type must be payable');
    const state = q.get('state') ?? 'all';
    const recipient = q.get('recipient');
    // Documented as dates (YYYY-MM-DD); read here as UTC days, end_date inclusive (the whole day).
    const dateParam = (name: string): number | null => {
      const value = q.get(name);
      if (value === null) return null;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))
        throw new Reply(400, 'VALIDATION_ERROR', `${name} must be a date (YYYY-MM-DD)`);
      return Date.parse(value);
    };
    const start = dateParam('start_date');
    const endDay = dateParam('end_date');
    const end = endDay === null ? null : endDay + 86_400_000 - 1;
    const page = Math.max(1, Number.parseInt(q.get('page') ?? '1', 10) || 1);
    const limit = Math.min(100, Math.max(1, Number.parseInt(q.get('limit') ?? '20', 10) || 20));
    const all = [...payments.values()].filter(
      (p) =>
        (state === 'all' || p.state === state) &&
        (!recipient || p.to === recipient) &&
        // Whole days: the client must keep [from, to) itself.
        (start === null || Date.parse(p.created_at) >= start) &&
        (end === null || Date.parse(p.created_at) <= end),
    );
    const items = all.slice((page - 1) * limit, page * limit).map(wirePayment);
    return { items, page, limit, has_more: page * limit < all.length };
  }

  function hang(res: http.ServerResponse): symbol {
    hanging.add(res);
    return HANG;
  }

  async function route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    body: Record<string, unknown>,
  ): Promise<unknown> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'GET' && path === '/v2/auth/siwe') return siwe(url);
    if (method === 'POST' && path === '/v2/auth/verify') return verify(body);
    if (take('server_error')) throw new Reply(500, 'INTERNAL_ERROR', 'injected server error');
    if (take('timeout')) return hang(res);
    requireAuth(req);
    settle();
    if (method === 'POST' && path === '/v2/payments') return createIntent(body);
    if (method === 'PUT' && path === '/v2/payments') return execute(body, res);
    if (method === 'GET' && path === '/v2/payments') return search(url);
    const one = /^\/v2\/payments\/([^/]+)$/.exec(path);
    if (one) {
      const p = payments.get(decodeURIComponent(one[1]!));
      if (!p) throw new Reply(404, 'PAYMENT_NOT_FOUND', 'no such payment');
      if (method === 'GET') return wirePayment(p);
      if (method === 'DELETE') {
        if (p.state !== 'intent')
          throw new Reply(409, 'PAYMENT_NOT_REMOVABLE', `a ${p.state} payment cannot be removed`);
        p.state = 'removed';
        p.updated_at = new Date().toISOString();
        return wirePayment(p);
      }
    }
    if (method === 'GET' && path === `/v2/teams/${teamId}/balance`)
      return { currency_symbol: 'USD', available_cents: balance };
    throw new Reply(404, 'NOT_FOUND', `${method} ${path}`);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', baseUrl);
      const routeKey = `${req.method} ${url.pathname.replace(/\/v2\/payments\/[^/]+$/, '/v2/payments/:id')}`;
      counters.requests++;
      byRoute[routeKey] = (byRoute[routeKey] ?? 0) + 1;
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(stringifyLossless(payload));
      };
      void (async () => {
        try {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> = {};
          if (text) {
            try {
              body = parseLossless(text) as Record<string, unknown>;
            } catch {
              throw new Reply(400, 'VALIDATION_ERROR', 'body is not JSON');
            }
          }
          const data = await route(req, res, url, body);
          if (data === HANG) return;
          send(200, { success: true, data });
        } catch (error) {
          if (error instanceof Reply)
            send(error.status, {
              success: false,
              error: { code: error.code, message: error.message },
            });
          else
            send(500, {
              success: false,
              error: { code: 'INTERNAL_ERROR', message: (error as Error).message },
            });
        }
      })();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    faults,
    async close() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    injectNext(kind, n = 1) {
      faults[kind] += n;
    },
    payments() {
      settle();
      return [...payments.values()].map((p) => ({ ...p }));
    },
    successfulByReference() {
      const counts = new Map<string, number>();
      for (const p of payments.values()) {
        if (p.executedAtMs === null) continue;
        const ref = referenceOf(p.invoice_description);
        if (ref !== null) counts.set(ref, (counts.get(ref) ?? 0) + 1);
      }
      return counts;
    },
    stats() {
      return { ...counters, byRoute: { ...byRoute } };
    },
    setState(id, state) {
      const p = payments.get(id);
      if (!p) throw new Error(`fake rise: no payment ${id}`);
      p.state = state;
      p.updated_at = new Date().toISOString();
    },
    balanceCents() {
      return balance;
    },
    webhooks() {
      return deliveries.map((d) => ({ ...d }));
    },
    async flushWebhooks() {
      // Wait out a held (out-of-order) event too.
      while (held !== null) await new Promise((r) => setTimeout(r, 20));
      let current: Promise<void>;
      do {
        current = queue;
        await current;
      } while (current !== queue);
    },
  };
}

const HANG = Symbol('hang');
