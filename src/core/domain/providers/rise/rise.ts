/**
 * Rise (RiseWorks B2B API v2) as a PayoutProvider: a typed `fetch` client, SIWE sign-in, EIP-712
 * signed execution, and the webhook verifier/parser, following Rise's public v2 docs
 * (v2-docs.riseworks.io).
 *
 * Rise has no create-time idempotency key and its typed data expires, so `create` is built to be
 * re-entrant instead: it always searches for a payment carrying our reference before it creates
 * one, and resumes a still-valid leftover intent rather than starting a second one. A resent create
 * (the executor's answer to 'unknown') therefore never pays twice.
 *
 * Wire shapes the public docs leave open are defined here once (marked ASSUMPTION) and the test
 * fake (test/fakes/rise.ts) implements exactly them:
 * - PUT /v2/payments body: `{ signature, typed_data }` where typed_data is the object POST
 *   returned,
 *   sent back unchanged (numbers re-serialised losslessly).
 * - PUT answers `data: { payments: Payment[] }`; search answers `data: { items, has_more }` and
 *   pages
 *   with `page` (1-based) and `limit`.
 * - GET/DELETE /v2/payments/{id} for one payment; GET /v2/teams/{team}/balance for the balance.
 */
import { defaultProviderFetch } from '../http.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  LosslessNumber,
  parse as parseLossless,
  stringify as stringifyLossless,
} from 'lossless-json';
import { isAddressEqual, type Hex } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { parseSiweMessage } from 'viem/siwe';
import { z } from 'zod';
import type { CredentialStore } from '../../../platform/credentials/store.js';
import { MAX_MINOR } from '../../../shared/money/index.js';
import {
  ProviderError,
  type ChannelLimits,
  type CreateOutcome,
  type PayoutProvider,
  type PayoutRequest,
  type ProviderPayout,
  type ProviderStatus,
} from '../../../platform/payments/provider.js';

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

export const RISE_DEFAULT_URL = 'https://b2b-api.dev-riseworks.io';
export const RISE_WALLET_KEY_ACCOUNT = 'provider:rise:wallet-key';
export const RISE_CHANNEL = 'RISE_USD';
export const RISE_CURRENCY = 'USD';
/** Typed data we agree to sign: anything else is refused rather than signed blindly. */
export const RISE_FORWARDER_DOMAIN = 'RiseAccountForwarder';
export const RISE_CHAIN_ID = 42161n; // Arbitrum One

const DEFAULT_TIMEOUT_MS = 15_000;
/** A leftover intent is resumed only if its typed data outlives the round trip by this much. */
const INTENT_EXPIRY_MARGIN_MS = 30_000;
const PAGE_LIMIT = 100;
/**
 * Bounds every search: past this many pages the answer is "incomplete", never a silent truncation.
 */
const MAX_PAGES = 50;
/** POST/PUT rounds in one create when Rise keeps answering EXPIRED_TYPED_DATA. */
const MAX_CREATE_ROUNDS = 3;
const DEFAULT_RETRY_AFTER_MS = 30_000;

export interface RiseOptions {
  baseUrl: string;
  walletPrivateKey: `0x${string}`;
  riseId: string;
  teamId: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Clock for typed-data expiry checks (tests); defaults to Date.now. */
  now?: () => number;
}

/** Codes Rise uses for a definite refusal: nothing was executed. */
const REJECTING_CODES = new Set([
  'INSUFFICIENT_BALANCE',
  'INVALID_SIGNATURE',
  'INVALID_RECIPIENT',
  'TEAM_ROLE_SETTINGS_NOT_FOUND',
]);

// ---------------------------------------------------------------------------------------------
// Wire parsing: lossless JSON, so no amount, salt or expiry ever passes through a float
// ---------------------------------------------------------------------------------------------

/** An integer as Rise may send it (JSON number, decimal string), as an exact bigint. */
const wireInt = z
  .union([z.instanceof(LosslessNumber), z.string(), z.bigint()])
  .transform((v, ctx) => {
    const text = typeof v === 'bigint' ? v.toString() : v instanceof LosslessNumber ? v.value : v;
    if (!/^-?\d+$/.test(text)) {
      ctx.addIssue({ code: 'custom', message: `expected an integer, got "${text.slice(0, 40)}"` });
      return z.NEVER;
    }
    return BigInt(text);
  });

const hexString = z.string().regex(/^0x[0-9a-fA-F]*$/);
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);

const typedDataSchema = z.object({
  domain: z.looseObject({
    name: z.string(),
    version: z.string().optional(),
    chainId: wireInt,
    verifyingContract: address.optional(),
  }),
  types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
  primaryType: z.string(),
  // The documented request fields; others are tolerated (and signed as Rise sent them).
  message: z.looseObject({
    from: address,
    to: address,
    salt: wireInt,
    expires: wireInt,
    data: hexString,
  }),
});

const paymentSchema = z.looseObject({
  id: z.string().min(1),
  state: z.string().min(1),
  to: z.string().nullish(),
  amount_cents: wireInt,
  currency_symbol: z.string().nullish(),
  invoice_description: z.string().nullish(),
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  failure_code: z.string().nullish(),
  typed_data: z.unknown().optional(),
});
type RisePayment = z.infer<typeof paymentSchema>;

const siweSchema = z.object({ siwe: z.string().min(1) });
const jwtSchema = z.object({ jwt: z.string().min(1) });
const pageSchema = z.object({ items: z.array(paymentSchema), has_more: z.boolean() });
const executedSchema = z.object({ payments: z.array(paymentSchema) });
const balanceSchema = z.object({ currency_symbol: z.string(), available_cents: wireInt });

const errorBodySchema = z.looseObject({
  code: z.string().optional(),
  message: z.string().optional(),
  error: z
    .union([
      z.string(),
      z.looseObject({ code: z.string().optional(), message: z.string().optional() }),
    ])
    .optional(),
});

function parseJson(text: string): unknown {
  return parseLossless(text);
}

// ---------------------------------------------------------------------------------------------
// HTTP transport
// ---------------------------------------------------------------------------------------------

interface HttpFailure {
  /**
   * timeout/network/server: no answer we can trust; rejected: a 4xx; invalid: not the documented
   * shape.
   */
  kind: 'timeout' | 'network' | 'server' | 'rate_limited' | 'rejected' | 'invalid';
  status: number | null;
  code: string | null;
  message: string;
  retryAt: number | null;
}
type HttpResult = { ok: true; data: unknown } | { ok: false; failure: HttpFailure };

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

function fail(
  kind: HttpFailure['kind'],
  message: string,
  extra: Partial<HttpFailure> = {},
): HttpResult {
  return {
    ok: false,
    failure: { kind, message, status: null, code: null, retryAt: null, ...extra },
  };
}

function errorCode(body: unknown): { code: string | null; message: string | null } {
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success) return { code: null, message: null };
  const e = parsed.data.error;
  const code =
    (typeof e === 'object' ? e.code : undefined) ??
    parsed.data.code ??
    (typeof e === 'string' && /^[A-Z][A-Z0-9_]+$/.test(e) ? e : undefined);
  const message =
    (typeof e === 'object' ? e.message : typeof e === 'string' ? e : undefined) ??
    parsed.data.message;
  return { code: code ?? null, message: message ?? null };
}

function retryAtFrom(header: string | null, now: number): number {
  const seconds =
    header !== null && /^\d+$/.test(header.trim()) ? Number.parseInt(header.trim(), 10) : null;
  return now + (seconds !== null ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS);
}

// ---------------------------------------------------------------------------------------------
// Typed data: validate, refuse anything that is not a Rise forwarder request, sign exactly
// ---------------------------------------------------------------------------------------------

interface Intent {
  /** As Rise sent it (LosslessNumbers intact): sent back unchanged in the PUT. */
  raw: unknown;
  salt: string;
  expiresMs: bigint;
  signable: {
    domain: Record<string, unknown>;
    types: Record<string, { name: string; type: string }[]>;
    primaryType: string;
    message: Record<string, unknown>;
  };
}

/**
 * viem wants uint values as bigint; everything else as Rise sent it. Recurses through structs and
 * arrays.
 */
function normalizeValue(types: Intent['signable']['types'], type: string, value: unknown): unknown {
  const array = /^(.*)\[\d*\]$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) throw new Error(`typed data field of type ${type} is not an array`);
    return value.map((v) => normalizeValue(types, array[1]!, v));
  }
  const struct = types[type];
  if (struct) {
    if (typeof value !== 'object' || value === null)
      throw new Error(`typed data field of type ${type} is not an object`);
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      struct.map((f) => [f.name, normalizeValue(types, f.type, record[f.name])]),
    );
  }
  if (/^u?int\d*$/.test(type)) return wireInt.parse(value);
  if (value instanceof LosslessNumber) return value.value;
  return value;
}

function toIntent(raw: unknown): { ok: true; intent: Intent } | { ok: false; message: string } {
  const parsed = typedDataSchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      message: `typed data is not the documented shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    };
  const td = parsed.data;
  // Only ever sign a Rise forwarder request on Arbitrum: a compromised or misconfigured endpoint
  // must not be able to get arbitrary typed data signed with the treasury wallet.
  if (td.domain.name !== RISE_FORWARDER_DOMAIN || td.domain.chainId !== RISE_CHAIN_ID) {
    return {
      ok: false,
      message: `typed data domain is "${td.domain.name}" on chain ${td.domain.chainId}, expected ${RISE_FORWARDER_DOMAIN} on ${RISE_CHAIN_ID}`,
    };
  }
  if (!td.types[td.primaryType])
    return { ok: false, message: `typed data has no type ${td.primaryType}` };
  const rawTd = raw as { domain: Record<string, unknown>; message: unknown };
  try {
    const { EIP712Domain: _domainType, ...types } = td.types;
    const domain: Record<string, unknown> = { ...rawTd.domain, chainId: Number(td.domain.chainId) };
    const message = normalizeValue(types, td.primaryType, rawTd.message) as Record<string, unknown>;
    return {
      ok: true,
      intent: {
        raw,
        salt: td.message.salt.toString(),
        expiresMs: td.message.expires * 1000n,
        signable: { domain, types, primaryType: td.primaryType, message },
      },
    };
  } catch (error) {
    return { ok: false, message: `typed data cannot be signed: ${(error as Error).message}` };
  }
}

// ---------------------------------------------------------------------------------------------
// Payments ↔ ProviderPayout
// ---------------------------------------------------------------------------------------------

const STATUS_BY_STATE: Record<string, ProviderStatus> = {
  intent: 'ACCEPTED',
  scheduled: 'REQUESTED',
  complete: 'SUCCEEDED',
  removed: 'CANCELLED',
};

export function riseStatus(state: string): ProviderStatus {
  return STATUS_BY_STATE[state.toLowerCase()] ?? 'OTHER';
}

/**
 * The reference we append to `invoice_description`; the last one wins, so a description cannot
 * spoof it.
 */
export function riseReferenceTag(reference: string): string {
  return `[ref:${reference}]`;
}

export function riseReferenceOf(description: string | null | undefined): string | null {
  if (!description) return null;
  const all = [...description.matchAll(/\[ref:([^[\]]+)\]/g)];
  return all.length > 0 ? all[all.length - 1]![1]! : null;
}

function toPayout(p: RisePayment): ProviderPayout {
  return {
    providerId: p.id,
    reference: riseReferenceOf(p.invoice_description) ?? '',
    amountMinor: p.amount_cents,
    currency: p.currency_symbol ?? RISE_CURRENCY,
    status: riseStatus(p.state),
    rawStatus: p.state,
    failureCode: p.failure_code ?? null,
    createdAt: p.created_at ?? null,
    updatedAt: p.updated_at ?? null,
  };
}

const STATE_RANK: Record<string, number> = { complete: 0, scheduled: 1 };

/** What a search says about creating: done already, resume an intent, or create afresh. */
type Existing =
  | { kind: 'executed'; payment: RisePayment }
  | { kind: 'resume'; intent: Intent; payment: RisePayment }
  | { kind: 'conflict'; payment: RisePayment }
  | { kind: 'none'; stale: RisePayment[] };

function judgeExisting(
  payments: RisePayment[],
  request: PayoutRequest,
  skip: ReadonlySet<string>,
  nowMs: number,
): Existing {
  const ours = payments.filter((p) => riseReferenceOf(p.invoice_description) === request.reference);
  // Anything neither an intent nor removed was executed (an unknown state is most likely in
  // flight): creating again could pay twice, so it is the answer.
  const executed = ours
    .filter((p) => !['intent', 'removed'].includes(p.state.toLowerCase()))
    .sort(
      (a, b) => (STATE_RANK[a.state.toLowerCase()] ?? 2) - (STATE_RANK[b.state.toLowerCase()] ?? 2),
    );
  if (executed[0]) return { kind: 'executed', payment: executed[0] };
  const stale: RisePayment[] = [];
  for (const p of ours.filter((q) => q.state.toLowerCase() === 'intent')) {
    const parsed = p.typed_data === undefined ? null : toIntent(p.typed_data);
    const usable =
      parsed?.ok === true &&
      !skip.has(parsed.intent.salt) &&
      parsed.intent.expiresMs > BigInt(nowMs + INTENT_EXPIRY_MARGIN_MS);
    if (!usable || !parsed?.ok) {
      stale.push(p);
      continue;
    }
    // Same reference, different payment: executing it would pay what was not asked for.
    const same =
      p.amount_cents === request.amountMinor &&
      (p.to == null || p.to === request.accountNumber) &&
      (p.currency_symbol ?? RISE_CURRENCY) === request.currency;
    if (!same) return { kind: 'conflict', payment: p };
    return { kind: 'resume', intent: parsed.intent, payment: p };
  }
  return { kind: 'none', stale };
}

// ---------------------------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------------------------

export interface RiseProvider extends PayoutProvider {
  readonly name: 'rise';
}

export function createRiseProvider(options: RiseOptions): RiseProvider {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = options.fetch ?? defaultProviderFetch;
  const now = options.now ?? Date.now;
  let account: PrivateKeyAccount;
  try {
    account = privateKeyToAccount(options.walletPrivateKey);
  } catch {
    // viem's message would quote the key: say only what is wrong.
    throw new Error(
      `Rise wallet key is not a valid 32-byte hex private key (credential account "${RISE_WALLET_KEY_ACCOUNT}")`,
    );
  }
  const keyHex = options.walletPrivateKey.toLowerCase().replace(/^0x/, '');
  let jwt: string | null = null;
  /** Recent tokens (bounded), so even a replaced one is redacted if a server echoes it. */
  const tokensSeen: string[] = [];
  let signingIn: Promise<HttpFailure | null> | null = null;

  /** Server text goes into errors; make sure neither secret can ride along. */
  const redact = (text: string): string => {
    // Replace before truncating, so a cut can never leave part of a secret behind.
    let out = text;
    for (const token of tokensSeen) out = out.split(token).join('[redacted]');
    return out.replace(new RegExp(keyHex, 'gi'), '[redacted]').slice(0, 300);
  };

  async function send(call: Call, bearer: string | null): Promise<HttpResult> {
    const url = new URL(baseUrl + call.path);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await doFetch(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : stringifyLossless(call.body),
        signal: controller.signal,
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (error) {
      if (controller.signal.aborted)
        return fail('timeout', `${call.method} ${call.path} timed out after ${timeoutMs} ms`);
      return fail(
        'network',
        `${call.method} ${call.path} failed: ${redact((error as Error).message)}`,
      );
    } finally {
      clearTimeout(timer);
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : parseJson(text);
    } catch {
      body = undefined;
    }
    const { code, message } = errorCode(body);
    const describe = `${call.method} ${call.path} → HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${redact(message)}` : ''}`;
    if (status === 429)
      return fail('rate_limited', describe, {
        status,
        code,
        retryAt: retryAtFrom(retryAfter, now()),
      });
    if (status >= 500) return fail('server', describe, { status, code });
    if (status >= 400) return fail('rejected', describe, { status, code });
    const envelope = z
      .object({ success: z.boolean(), data: z.unknown().optional() })
      .safeParse(body);
    if (!envelope.success)
      return fail(
        'invalid',
        `${call.method} ${call.path} → HTTP ${status}: not a {success, data} answer`,
        { status },
      );
    if (!envelope.data.success) return fail('rejected', describe, { status, code });
    return { ok: true, data: envelope.data.data };
  }

  async function signIn(): Promise<HttpFailure | null> {
    const challenge = await send(
      {
        method: 'GET',
        path: '/v2/auth/siwe',
        query: { wallet: account.address, riseid: options.riseId },
      },
      null,
    );
    if (!challenge.ok) return challenge.failure;
    const siwe = siweSchema.safeParse(challenge.data);
    if (!siwe.success)
      return {
        kind: 'invalid',
        message: 'sign-in challenge has no data.siwe',
        status: null,
        code: null,
        retryAt: null,
      };
    const message = siwe.data.siwe;
    const fields = parseSiweMessage(message);
    const nonce = fields.nonce ?? /^Nonce: (\S+)$/m.exec(message)?.[1];
    // Sign only a sign-in for our own wallet: the message is server-supplied text.
    if (!nonce || !fields.address || !isAddressEqual(fields.address, account.address)) {
      return {
        kind: 'invalid',
        message: 'sign-in challenge is not a SIWE message for our wallet',
        status: null,
        code: null,
        retryAt: null,
      };
    }
    const sig = await account.signMessage({ message });
    const verified = await send(
      { method: 'POST', path: '/v2/auth/verify', body: { message, sig, nonce } },
      null,
    );
    if (!verified.ok) return verified.failure;
    const token = jwtSchema.safeParse(verified.data);
    if (!token.success)
      return {
        kind: 'invalid',
        message: 'sign-in answer has no data.jwt',
        status: null,
        code: null,
        retryAt: null,
      };
    jwt = token.data.jwt;
    tokensSeen.push(jwt);
    if (tokensSeen.length > 8) tokensSeen.shift();
    return null;
  }

  async function signInSafely(): Promise<HttpFailure | null> {
    try {
      return await signIn();
    } catch (error) {
      // e.g. a malformed address in the challenge; viem's text names no secret, but redact anyway.
      return {
        kind: 'invalid',
        message: redact((error as Error).message.split('\n')[0] ?? 'error'),
        status: null,
        code: null,
        retryAt: null,
      };
    }
  }

  /** One sign-in at a time: concurrent calls wait for the same one. */
  async function ensureSignedIn(): Promise<HttpFailure | null> {
    if (jwt) return null;
    signingIn ??= signInSafely().finally(() => {
      signingIn = null;
    });
    const failure = await signingIn;
    return failure ? { ...failure, message: `sign-in failed: ${failure.message}` } : null;
  }

  /**
   * A bearer call; on 401/JWT_EXPIRED the token is renewed and the call retried once (a 401
   * executed nothing).
   */
  async function authed(call: Call): Promise<HttpResult> {
    const first = await ensureSignedIn();
    if (first) return { ok: false, failure: first };
    const used = jwt;
    const result = await send(call, used);
    if (result.ok || (result.failure.status !== 401 && result.failure.code !== 'JWT_EXPIRED'))
      return result;
    // Drop the token only if no concurrent call has renewed it already.
    if (jwt === used) jwt = null;
    const again = await ensureSignedIn();
    if (again) return { ok: false, failure: again };
    return send(call, jwt);
  }

  function providerError(f: HttpFailure): ProviderError {
    const reason =
      f.kind === 'rate_limited'
        ? 'rate_limited'
        : f.kind === 'rejected'
          ? 'rejected'
          : f.kind === 'invalid'
            ? 'invalid_response'
            : 'unavailable';
    return new ProviderError('rise', reason, f.message, f.code, f.retryAt);
  }

  /** Every page of a search, or a failure: a partial answer is never passed off as complete. */
  async function search(
    query: Record<string, string>,
  ): Promise<{ ok: true; payments: RisePayment[] } | { ok: false; failure: HttpFailure }> {
    const payments: RisePayment[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const r = await authed({
        method: 'GET',
        path: '/v2/payments',
        query: {
          team_nanoid: options.teamId,
          query_type: 'payable',
          state: 'all',
          ...query,
          page: String(page),
          limit: String(PAGE_LIMIT),
        },
      });
      if (!r.ok) return r;
      const parsed = pageSchema.safeParse(r.data);
      if (!parsed.success)
        return {
          ok: false,
          failure: {
            kind: 'invalid',
            message: `payment search answer is not {items, has_more}: ${parsed.error.issues[0]?.message}`,
            status: null,
            code: null,
            retryAt: null,
          },
        };
      payments.push(...parsed.data.items);
      if (!parsed.data.has_more) return { ok: true, payments };
    }
    return {
      ok: false,
      failure: {
        kind: 'invalid',
        message: `payment search has more than ${MAX_PAGES * PAGE_LIMIT} results; refusing a partial answer`,
        status: null,
        code: null,
        retryAt: null,
      },
    };
  }

  async function removeQuietly(id: string): Promise<void> {
    // Tidying only: an intent nobody signs can never pay, so a failure here changes nothing.
    await authed({ method: 'DELETE', path: `/v2/payments/${encodeURIComponent(id)}` }).catch(
      () => undefined,
    );
  }

  function outcomeOf(f: HttpFailure, stage: string): CreateOutcome {
    if (f.kind === 'rate_limited')
      return { kind: 'rate_limited', retryAt: f.retryAt ?? now() + DEFAULT_RETRY_AFTER_MS };
    return { kind: 'unknown', reason: `${stage}: ${f.message}` };
  }

  type Execution = { kind: 'done'; outcome: CreateOutcome } | { kind: 'expired' };

  async function execute(intent: Intent, request: PayoutRequest): Promise<Execution> {
    let signature: Hex;
    try {
      signature = await account.signTypedData(
        intent.signable as unknown as Parameters<PrivateKeyAccount['signTypedData']>[0],
      );
    } catch (error) {
      return {
        kind: 'done',
        outcome: {
          kind: 'rejected',
          code: 'UNEXPECTED_TYPED_DATA',
          message: `rise: typed data cannot be signed: ${(error as Error).message.split('\n')[0]}`,
        },
      };
    }
    const r = await authed({
      method: 'PUT',
      path: '/v2/payments',
      body: { signature, typed_data: intent.raw },
    });
    if (!r.ok) {
      if (r.failure.code === 'EXPIRED_TYPED_DATA') return { kind: 'expired' };
      if (r.failure.kind === 'rejected' && r.failure.code && REJECTING_CODES.has(r.failure.code)) {
        return {
          kind: 'done',
          outcome: {
            kind: 'rejected',
            code: r.failure.code,
            message: `rise: ${r.failure.message}`,
          },
        };
      }
      // A 4xx we do not know, a timeout or a 5xx: the execution may have happened.
      return { kind: 'done', outcome: outcomeOf(r.failure, 'execute') };
    }
    const parsed = executedSchema.safeParse(r.data);
    const mine = parsed.success
      ? parsed.data.payments.find(
          (p) => riseReferenceOf(p.invoice_description) === request.reference,
        )
      : undefined;
    if (mine) return { kind: 'done', outcome: { kind: 'created', payout: toPayout(mine) } };
    // Executed, but the answer does not show our payment: ask the search instead of guessing.
    const again = await search({ recipient: request.accountNumber });
    if (again.ok) {
      const found = judgeExisting(again.payments, request, new Set(), now());
      if (found.kind === 'executed')
        return { kind: 'done', outcome: { kind: 'created', payout: toPayout(found.payment) } };
    }
    return {
      kind: 'done',
      outcome: {
        kind: 'unknown',
        reason: 'execute: Rise accepted the signature but the payment could not be read back',
      },
    };
  }

  function invalidRequest(request: PayoutRequest): CreateOutcome | null {
    const reject = (code: string, message: string): CreateOutcome => ({
      kind: 'rejected',
      code,
      message: `rise: ${message}`,
    });
    if (request.currency !== RISE_CURRENCY)
      return reject(
        'CURRENCY_NOT_SUPPORTED',
        `Rise pays in ${RISE_CURRENCY} only, not ${request.currency}`,
      );
    if (request.channelCode !== RISE_CHANNEL)
      return reject(
        'CHANNEL_NOT_SUPPORTED',
        `Rise pays through channel ${RISE_CHANNEL}, not ${request.channelCode}`,
      );
    if (request.amountMinor <= 0n || request.amountMinor > MAX_MINOR)
      return reject(
        'INVALID_AMOUNT',
        `amount ${request.amountMinor} cents is not a positive 64-bit amount`,
      );
    if (!request.accountNumber.trim())
      return reject('INVALID_RECIPIENT', 'the Rise user id (account number) is empty');
    if (!request.reference || /[[\]]/.test(request.reference))
      return reject(
        'INVALID_REFERENCE',
        'the reference must be non-empty and contain no "[" or "]"',
      );
    return null;
  }

  async function createOnce(request: PayoutRequest): Promise<CreateOutcome> {
    const expiredSalts = new Set<string>();
    for (let round = 0; round < MAX_CREATE_ROUNDS; round++) {
      // Rise has no idempotency key: the search is what makes a resent create safe.
      const found = await search({ recipient: request.accountNumber });
      if (!found.ok) return outcomeOf(found.failure, 'search before create');
      const existing = judgeExisting(found.payments, request, expiredSalts, now());
      if (existing.kind === 'executed')
        return { kind: 'created', payout: toPayout(existing.payment) };
      if (existing.kind === 'conflict') {
        // An unsigned intent for a different amount or payee under our reference (an earlier,
        // edited attempt): remove it, then look again. If it cannot be removed it may be executing.
        const removed = await authed({
          method: 'DELETE',
          path: `/v2/payments/${encodeURIComponent(existing.payment.id)}`,
        });
        if (!removed.ok)
          return {
            kind: 'unknown',
            reason: `intent ${existing.payment.id} under this reference differs from the request and could not be removed: ${removed.failure.message}`,
          };
        continue;
      }
      let intent: Intent;
      if (existing.kind === 'resume') {
        intent = existing.intent;
      } else {
        for (const p of existing.stale) await removeQuietly(p.id);
        const posted = await authed({
          method: 'POST',
          path: '/v2/payments',
          body: {
            from: options.teamId,
            to: [
              {
                to: request.accountNumber,
                amount_cents: request.amountMinor,
                currency_symbol: RISE_CURRENCY,
                invoice_description:
                  `${request.description} ${riseReferenceTag(request.reference)}`.trim(),
              },
            ],
            pay_now: true,
            network: 'arbitrum',
          },
        });
        if (!posted.ok) {
          const f = posted.failure;
          // An intent moves no money, so any definite 4xx here is a clean refusal.
          if (f.kind === 'rejected' && f.status !== 401)
            return {
              kind: 'rejected',
              code: f.code ?? `HTTP_${f.status}`,
              message: `rise: ${f.message}`,
            };
          return outcomeOf(f, 'create intent');
        }
        const made = toIntent(posted.data);
        if (!made.ok)
          return {
            kind: 'rejected',
            code: 'UNEXPECTED_TYPED_DATA',
            message: `rise: ${made.message}`,
          };
        intent = made.intent;
      }
      const result = await execute(intent, request);
      if (result.kind === 'done') return result.outcome;
      // Expired: search again (it may have executed after all), never re-sign that intent.
      expiredSalts.add(intent.salt);
    }
    return {
      kind: 'unknown',
      reason: `execute: typed data expired or conflicted ${MAX_CREATE_ROUNDS} times in a row`,
    };
  }

  async function get(providerId: string): Promise<ProviderPayout | null> {
    const r = await authed({
      method: 'GET',
      path: `/v2/payments/${encodeURIComponent(providerId)}`,
    });
    if (!r.ok) {
      if (r.failure.status === 404) return null;
      throw providerError(r.failure);
    }
    const parsed = paymentSchema.safeParse(r.data);
    if (!parsed.success)
      throw new ProviderError(
        'rise',
        'invalid_response',
        `payment ${providerId}: ${parsed.error.issues[0]?.message}`,
      );
    return toPayout(parsed.data);
  }

  return {
    name: 'rise',

    async create(request) {
      const invalid = invalidRequest(request);
      if (invalid) return invalid;
      try {
        return await createOnce(request);
      } catch (error) {
        // Whatever broke, something may have been executed: only a lookup can tell.
        return { kind: 'unknown', reason: `unexpected error: ${redact((error as Error).message)}` };
      }
    },

    get,

    async findByReference(reference) {
      const r = await search({});
      if (!r.ok) throw providerError(r.failure);
      return r.payments
        .filter((p) => riseReferenceOf(p.invoice_description) === reference)
        .map(toPayout)
        .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
    },

    async balance(currency) {
      if (currency !== RISE_CURRENCY)
        throw new ProviderError(
          'rise',
          'rejected',
          `Rise holds ${RISE_CURRENCY} only, not ${currency}`,
          'CURRENCY_NOT_SUPPORTED',
        );
      // ASSUMPTION: the public docs name no balance endpoint; this path and shape are ours.
      const r = await authed({
        method: 'GET',
        path: `/v2/teams/${encodeURIComponent(options.teamId)}/balance`,
      });
      if (!r.ok) throw providerError(r.failure);
      const parsed = balanceSchema.safeParse(r.data);
      if (!parsed.success || parsed.data.currency_symbol !== RISE_CURRENCY)
        throw new ProviderError(
          'rise',
          'invalid_response',
          'balance answer is not {currency_symbol: "USD", available_cents}',
        );
      return parsed.data.available_cents;
    },

    async cancel(providerId) {
      const current = await get(providerId);
      if (!current)
        throw new ProviderError('rise', 'rejected', `payment ${providerId} not found`, 'NOT_FOUND');
      // Only an unsigned intent can be removed; anything executed stays as it is.
      if (current.rawStatus.toLowerCase() !== 'intent') return current;
      const r = await authed({
        method: 'DELETE',
        path: `/v2/payments/${encodeURIComponent(providerId)}`,
      });
      // A refusal means it moved on meanwhile: the fresh read below says where it is.
      if (!r.ok && r.failure.kind !== 'rejected') throw providerError(r.failure);
      return (await get(providerId)) ?? current;
    },

    async channelLimits(channelCode, currency): Promise<ChannelLimits | null> {
      if (channelCode !== RISE_CHANNEL || currency !== RISE_CURRENCY) return null;
      // Rise publishes no maximum; $1.00 is our own floor (fees make smaller payments pointless).
      return {
        channelCode: RISE_CHANNEL,
        currency: RISE_CURRENCY,
        minimumMinor: 100n,
        maximumMinor: null,
        incrementMinor: 1n,
      };
    },

    async list(from, to) {
      try {
        const r = await search(riseDateRange(from, to));
        if (!r.ok) return { payouts: [], complete: false, problem: r.failure.message };
        // The server's end_date may be inclusive: keep the half-open [from, to) ourselves. A
        // payment without a readable date is kept (better shown twice than missed by
        // reconciliation).
        const inRange = r.payments.filter((p) => {
          const at = p.created_at ? Date.parse(p.created_at) : Number.NaN;
          return Number.isNaN(at) || (at >= from.getTime() && at < to.getTime());
        });
        return { payouts: inRange.map(toPayout), complete: true };
      } catch (error) {
        return { payouts: [], complete: false, problem: redact((error as Error).message) };
      }
    },
  };
}

const DAY_MS = 86_400_000;

/**
 * The `start_date`/`end_date` filter of Rise's Query Payments (GET /v2/payments), documented as
 * dates (YYYY-MM-DD), for the period [from, to). The docs say neither which time zone a date is in
 * nor whether `end_date` is inclusive, so the range is widened by a day on each side: a wider
 * answer costs a page, a narrower one would silently miss payments; list() keeps [from, to) itself.
 */
export function riseDateRange(from: Date, to: Date): { start_date: string; end_date: string } {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { start_date: day(from.getTime() - DAY_MS), end_date: day(to.getTime() + DAY_MS) };
}

/**
 * The Rise provider from the credential store: the wallet key never leaves the store and this
 * function, and is never printed.
 */
export async function riseFromCredentials(
  credentials: CredentialStore,
  config: {
    baseUrl?: string;
    riseId: string;
    teamId: string;
    timeoutMs?: number;
    fetch?: typeof fetch;
  },
): Promise<RiseProvider> {
  const secret = await credentials.get(RISE_WALLET_KEY_ACCOUNT);
  if (!secret) {
    throw new Error(
      `Rise wallet key not found in credential account "${RISE_WALLET_KEY_ACCOUNT}": run \`treasury provider credentials set rise\``,
    );
  }
  const key = secret.trim().startsWith('0x') ? secret.trim() : `0x${secret.trim()}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new Error(
      `the secret in credential account "${RISE_WALLET_KEY_ACCOUNT}" is not a 32-byte hex private key: run \`treasury provider credentials set rise\``,
    );
  }
  return createRiseProvider({
    baseUrl: config.baseUrl ?? process.env.TREASURY_RISE_URL ?? RISE_DEFAULT_URL,
    walletPrivateKey: key as `0x${string}`,
    riseId: config.riseId,
    teamId: config.teamId,
    timeoutMs: config.timeoutMs,
    fetch: config.fetch,
  });
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

/**
 * The exact string Rise signs is NOT documented publicly ([?] in the reference): we assume the
 * Stripe-style `${t}.${rawBody}`. Kept here, in one place, so a correction is a one-line change.
 */
export function riseSignedPayload(t: string, rawBody: string): string {
  return `${t}.${rawBody}`;
}

/**
 * `X-Rise-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`. True only for a well-formed header
 * whose timestamp is within `toleranceMs` of `nowMs` and one of whose v1 values matches (compared
 * in constant time). Never throws: a malformed header is simply not valid.
 */
export function verifyRiseSignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  nowMs: number,
  toleranceMs = 300_000,
): boolean {
  if (!header || !secret) return false;
  let t: string | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return false;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') t = value;
    else if (key === 'v1') candidates.push(value);
  }
  if (t === null || !/^\d{1,12}$/.test(t) || candidates.length === 0) return false;
  const ageMs = nowMs - Number.parseInt(t, 10) * 1000;
  if (Math.abs(ageMs) > toleranceMs) return false;
  const expected = createHmac('sha256', secret)
    .update(riseSignedPayload(t, rawBody), 'utf8')
    .digest();
  let ok = false;
  for (const candidate of candidates) {
    if (!/^[0-9a-fA-F]{64}$/.test(candidate)) continue;
    // Check every candidate (no early exit) so timing says nothing about which one matched.
    if (timingSafeEqual(Buffer.from(candidate, 'hex'), expected)) ok = true;
  }
  return ok;
}

/**
 * Token units (e.g. USDC with 6 decimals) → USD cents, exactly. Throws when the amount is not a
 * plain non-negative integer string or is not a whole number of cents: a fraction of a cent means
 * the amount is not what we think it is, and rounding it away would hide that.
 */
export function usdcUnitsToCents(amount: string, decimals: number): bigint {
  if (!/^\d+$/.test(amount))
    throw new RangeError(
      `token amount "${amount.slice(0, 40)}" is not a non-negative integer string`,
    );
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 77)
    throw new RangeError(`token decimals ${decimals} is not an integer in 0..77`);
  const units = BigInt(amount);
  if (decimals <= 2) return units * 10n ** BigInt(2 - decimals);
  const perCent = 10n ** BigInt(decimals - 2);
  if (units % perCent !== 0n)
    throw new RangeError(
      `token amount ${amount} (${decimals} decimals) is not a whole number of cents`,
    );
  return units / perCent;
}

const webhookEnvelopeSchema = z.looseObject({
  object: z.literal('event'),
  created: z.union([wireInt.transform(String), z.string()]),
  request_id: z.string().min(1),
  event_type: z.string().min(1),
  event_version: z.union([wireInt.transform(String), z.string()]),
  idempotency_key: z.string().min(1),
  data: z.unknown().optional(),
});

const sentPaymentSchema = z.looseObject({
  id: z.string().min(1),
  state: z.string().nullish(),
  to: z.string().nullish(),
  invoice_description: z.string().nullish(),
  currency_symbol: z.string().nullish(),
  amount_cents: wireInt,
  amount: z.string(),
  decimals: wireInt,
});

export interface RiseWebhookPayment {
  providerId: string;
  reference: string | null;
  recipient: string | null;
  state: string | null;
  amountMinor: bigint;
  currency: string;
  tokenAmount: string;
  tokenDecimals: number;
}

export interface RiseWebhookEvent {
  eventType: string;
  eventVersion: string;
  /** Dedupe on this: Rise retries deliver the same key again. */
  idempotencyKey: string;
  requestId: string;
  created: string;
  /** For `payment.sent`: the payment, its token amount checked against amount_cents. */
  payment: RiseWebhookPayment | null;
  data: unknown;
}

/**
 * Parse a webhook body (the raw text, after verifyRiseSignature, or an already-parsed value).
 * Throws on anything that is not the documented envelope, and on a `payment.sent` whose token
 * amount and amount_cents disagree.
 */
export function parseRiseWebhook(body: unknown): RiseWebhookEvent {
  const value = typeof body === 'string' ? parseJson(body) : body;
  const envelope = webhookEnvelopeSchema.parse(value);
  let payment: RiseWebhookPayment | null = null;
  if (envelope.event_type === 'payment.sent') {
    const p = z.object({ payment: sentPaymentSchema }).parse(envelope.data).payment;
    const decimals = Number(p.decimals);
    const fromTokens = usdcUnitsToCents(p.amount, decimals);
    if (fromTokens !== p.amount_cents) {
      throw new RangeError(
        `payment ${p.id}: token amount ${p.amount} (${decimals} decimals) is ${fromTokens} cents but amount_cents is ${p.amount_cents}`,
      );
    }
    payment = {
      providerId: p.id,
      reference: riseReferenceOf(p.invoice_description),
      recipient: p.to ?? null,
      state: p.state ?? null,
      amountMinor: p.amount_cents,
      currency: p.currency_symbol ?? RISE_CURRENCY,
      tokenAmount: p.amount,
      tokenDecimals: decimals,
    };
  }
  return {
    eventType: envelope.event_type,
    eventVersion: envelope.event_version,
    idempotencyKey: envelope.idempotency_key,
    requestId: envelope.request_id,
    created: envelope.created,
    payment,
    data: envelope.data,
  };
}
