/**
 * Xendit Payouts v2 (`/v2/payouts`) as a PayoutProvider: a thin typed client over `fetch`.
 *
 * Endpoints (each checked against xendit-node v7's operations by test/domain/providers/xendit-conformance.test.ts):
 * - create `POST /v2/payouts` (Idempotency-key header), get `GET /v2/payouts/{id}`, cancel
 *   `POST /v2/payouts/{id}/cancel`;
 * - findByReference `GET /v2/payouts?reference_id=…` (+ `after_id` paging): the only query that
 *   endpoint takes — `reference_id` is required there, so it cannot list a period;
 * - list(from, to) `GET /transactions?types=DISBURSEMENT&created[gte]=…&created[lte]=…&limit=…`
 *   (+ `after_id` paging): the Transactions API is Xendit's listing by period; each transaction
 * names
 *   its payout (`product_id` = `disb-…`, `reference_id`), and payouts whose transaction status
 * cannot
 *   say the payout status are read with `get` (see payoutStatusOfTransaction);
 * - balance `GET /balance?account_type=CASH&currency=…`, channelLimits `GET /payouts_channels`.
 *
 * Why not the official SDK (xendit-node): it has no timeouts, no access to the rate-limit headers
 * and plain-string enums. Here every request has a deadline, every answer is parsed with
 * lossless-json (so amounts never pass through a float) and validated with zod, and every answer is
 * translated faithfully into the provider interface — including "I don't know" (`unknown`) whenever
 * a create may or may not have happened.
 *
 * The secret key only ever lives in the Authorization header (a private field); every message this
 * module produces is passed through `redact` in case a server or a network layer echoes it back.
 */
import { defaultProviderFetch } from '../http.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  isLosslessNumber,
  LosslessNumber,
  parse as parseLossless,
  stringify as stringifyLossless,
} from 'lossless-json';
import { z } from 'zod';
import type { CredentialStore } from '../../../platform/credentials/store.js';
import { mapLimit, RateGate } from '../../execution/pool.js';
import {
  assertCurrency,
  exponentOf,
  formatAmount,
  isCurrency,
  MAX_MINOR,
  pow10,
} from '../../../shared/money/index.js';
import {
  ProviderError,
  type ChannelLimits,
  type CreateOutcome,
  type PayoutProvider,
  type PayoutRequest,
  type ProviderPayout,
  type ProviderStatus,
} from '../../../platform/payments/provider.js';

export const XENDIT_DEFAULT_URL = 'https://api.xendit.co';
export const XENDIT_SECRET_ACCOUNT = 'provider:xendit:secret-key';
const DEFAULT_TIMEOUT_MS = 15_000;
/**
 * Transactions per page when listing a period. The API defaults to 10 and its reference states no
 * ceiling we could verify; 50 stays modest (paging follows `has_more` whatever a page holds).
 */
const TRANSACTION_PAGE_SIZE = 50;
/**
 * A runaway pager (a provider ignoring `after_id`) stops here instead of looping forever: 500k
 * transactions.
 */
const MAX_PAGES = 10_000;
/**
 * Status lookups (`get`) for listed payouts whose transaction cannot say their status: a few at a
 * time (Xendit rate-limits per account and endpoint), at most this many per listing — beyond, the
 * listing is incomplete rather than a burst of thousands of reads.
 */
const STATUS_LOOKUP_CONCURRENCY = 3;
const MAX_STATUS_LOOKUPS = 2_000;
/**
 * A list call answered 429 waits for Xendit's reset and tries again, this often and this long at
 * most.
 */
const MAX_RATE_LIMIT_RETRIES = 3;
const MAX_RATE_LIMIT_WAIT_MS_PER_RETRY = 60_000;

export interface XenditOptions {
  baseUrl: string;
  secretKey: string;
  /** Deadline for one request including reading its body (default 15 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Sub-account to act for (`for-user-id` header, xenPlatform). */
  forUserId?: string;
}

// ---------------------------------------------------------------------------------------------
// Amounts on the wire
// ---------------------------------------------------------------------------------------------

/**
 * Decimals Xendit accepts in a create request. IDR and VND must be whole numbers even though ISO
 * 4217 gives IDR two decimals (our minor unit stays the ISO one, so IDR amounts must be multiples
 * of 100 minor units); everything else uses the ISO exponent (PHP, MYR, THB: 2).
 */
export function xenditWireDecimals(currency: string): number {
  if (currency === 'IDR' || currency === 'VND') return 0;
  return exponentOf(currency);
}

/** A request this client refuses to send (nothing reached Xendit). */
export class XenditRequestError extends Error {
  constructor(
    readonly code: 'UNKNOWN_CURRENCY' | 'NEGATIVE_AMOUNT' | 'AMOUNT_NOT_REPRESENTABLE',
    message: string,
  ) {
    super(message);
    this.name = 'XenditRequestError';
  }
}

/**
 * Major-unit decimal text for the wire, exact, without trailing fractional zeros ("12.3", "15000"):
 * the way Xendit itself writes amounts, and never a float.
 */
export function xenditWireAmount(amountMinor: bigint, currency: string): string {
  if (!isCurrency(currency))
    throw new XenditRequestError(
      'UNKNOWN_CURRENCY',
      `"${currency}" is not a currency this system knows`,
    );
  if (amountMinor < 0n)
    throw new XenditRequestError(
      'NEGATIVE_AMOUNT',
      `a payout amount cannot be negative (${amountMinor} minor units)`,
    );
  const unit = pow10(exponentOf(currency) - xenditWireDecimals(currency));
  if (amountMinor % unit !== 0n) {
    throw new XenditRequestError(
      'AMOUNT_NOT_REPRESENTABLE',
      `${formatAmount(amountMinor, currency)} ${currency} cannot be paid through Xendit: ${currency} payouts must be whole numbers`,
    );
  }
  const text = formatAmount(amountMinor, currency);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

const WIRE_NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d{1,4}))?$/;

/**
 * A JSON number's exact text in major units → minor units of `currency`. Accepts exponent notation
 * (some serialisers write 1e+21) and trailing zeros ("100.00" IDR is exactly 100); throws when the
 * value has more significant decimals than the currency's minor unit, or does not fit a bigint
 * column.
 */
export function xenditAmountToMinor(text: string, currency: string): bigint {
  if (!isCurrency(currency)) throw new Error(`unknown currency "${currency}"`);
  const m = WIRE_NUMBER.exec(text);
  if (!m) throw new Error(`"${text}" is not a decimal number`);
  const digits = BigInt(m[2]! + (m[3] ?? ''));
  // value = digits × 10^-scale; minor = value × 10^exponent. Done in bigint: no float on the way.
  const shift = BigInt(exponentOf(currency)) - BigInt((m[3] ?? '').length) + BigInt(m[4] ?? '0');
  let minor: bigint;
  if (shift >= 0n) {
    if (shift > 40n && digits !== 0n) throw new Error(`${text} ${currency} is out of range`);
    minor = digits * 10n ** shift;
  } else {
    const divisor = 10n ** -shift;
    if (digits % divisor !== 0n)
      throw new Error(
        `${text} has more decimals than ${currency} allows (${exponentOf(currency)})`,
      );
    minor = digits / divisor;
  }
  if (minor > MAX_MINOR) throw new Error(`${text} ${currency} is out of range`);
  return m[1] === '-' ? -minor : minor;
}

// ---------------------------------------------------------------------------------------------
// Create body
// ---------------------------------------------------------------------------------------------

/**
 * The exact JSON body of `POST /v2/payouts` for `request`. Deterministic: the same request always
 * gives byte-identical text (fixed key order, metadata keys sorted), because the executor persists
 * this text before sending and a retry must send the very same bytes under the same key.
 * Throws XenditRequestError when the request cannot be expressed (unknown currency, negative
 * amount, IDR/VND amount that is not whole).
 */
export function xenditCreateBody(request: PayoutRequest): string {
  const amount = new LosslessNumber(xenditWireAmount(request.amountMinor, request.currency));
  const metadata: Record<string, string> = {};
  for (const key of Object.keys(request.metadata).sort()) metadata[key] = request.metadata[key]!;
  const body: Record<string, unknown> = {
    reference_id: request.reference,
    channel_code: request.channelCode,
    channel_properties: {
      account_holder_name: request.accountHolderName,
      account_number: request.accountNumber,
    },
    amount,
    currency: request.currency,
  };
  // Xendit requires 1–100 characters when a description is present: leave an empty one out.
  if (request.description !== '') body.description = request.description;
  body.metadata = metadata;
  const text = stringifyLossless(body);
  if (text === undefined) throw new Error('the create body could not be serialised');
  return text;
}

// ---------------------------------------------------------------------------------------------
// Response schemas
// ---------------------------------------------------------------------------------------------

/** A JSON number as parsed by lossless-json: its exact text, never a float. */
const jsonNumber = z.custom<LosslessNumber>((v) => isLosslessNumber(v), {
  message: 'expected a JSON number',
});

/**
 * The payout object. Unknown fields are ignored; status is any text (unknown values become OTHER).
 */
const payoutSchema = z.object({
  id: z.string().min(1),
  reference_id: z.string(),
  amount: jsonNumber,
  currency: z.string().min(1),
  status: z.string().min(1),
  failure_code: z.string().nullish(),
  created: z.string().nullish(),
  updated: z.string().nullish(),
});
type PayoutJson = z.infer<typeof payoutSchema>;

/**
 * Both documented error shapes: `{error_code, message, errors?}` and `{error_code, error_message}`.
 */
const errorSchema = z.object({
  error_code: z.string().min(1),
  message: z.string().nullish(),
  error_message: z.string().nullish(),
  errors: z.array(z.unknown()).nullish(),
});

/** The lookup by reference is documented as an array; the SDK models `{data, has_more, links}`. */
const pageSchema = z.union([
  z.array(z.unknown()),
  z.object({
    data: z.array(z.unknown()),
    has_more: z.boolean().nullish(),
    links: z.unknown().optional(),
  }),
]);

/**
 * One transaction of `GET /transactions` (xendit-node TransactionResponse): only the fields a
 * payout needs are read; the rest (channel, fee, cashflow, settlement) is ignored.
 */
const transactionSchema = z.object({
  id: z.string().min(1),
  product_id: z.string().min(1),
  type: z.string().min(1),
  status: z.string().min(1),
  reference_id: z.string().nullish(),
  currency: z.string().min(1),
  amount: jsonNumber,
  created: z.string().nullish(),
  updated: z.string().nullish(),
});
type TransactionJson = z.infer<typeof transactionSchema>;

/**
 * xendit-node TransactionsResponse: `has_more` says whether `after_id` of the last item gives more.
 */
const transactionPageSchema = z.object({
  data: z.array(z.unknown()),
  has_more: z.boolean().nullish(),
  links: z.unknown().optional(),
});

const balanceSchema = z.object({ balance: jsonNumber });

const channelSchema = z.object({
  channel_code: z.string(),
  channel_category: z.string().nullish(),
  currency: z.string(),
  channel_name: z.string().nullish(),
  amount_limits: z.object({
    minimum: jsonNumber,
    maximum: jsonNumber.nullish(),
    minimum_increment: jsonNumber.nullish(),
  }),
});
const channelsSchema = z.union([
  z.array(channelSchema),
  z.object({ data: z.array(channelSchema) }),
]);

// ---------------------------------------------------------------------------------------------
// Statuses and failure codes
// ---------------------------------------------------------------------------------------------

const KNOWN_STATUSES: ReadonlySet<string> = new Set([
  'ACCEPTED',
  'REQUESTED',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
  'REVERSED',
]);

/**
 * Xendit status → normalised status. Compliance holds, cash-pickup states and anything Xendit adds
 * later are 'OTHER' (non-terminal, shown with the raw text): guessing terminal-ness could let a
 * payout be retried while it may still pay out.
 */
export function mapXenditStatus(raw: string): ProviderStatus {
  return KNOWN_STATUSES.has(raw) ? (raw as ProviderStatus) : 'OTHER';
}

/** Xendit's Transactions API type under which Payouts v2 (`disb-…`) are recorded. */
export const XENDIT_PAYOUT_TRANSACTION_TYPE = 'DISBURSEMENT';

/**
 * A payout transaction's status → the payout status it stands for, or null when it cannot say. From
 * Xendit's "Transaction and Settlement statuses" (money-out table) and xendit-node
 * TransactionStatuses:
 *
 *   SUCCESS   payout success, funds debited (settlement SETTLED)       → SUCCEEDED
 *   FAILED    the partner rejected the payout                          → FAILED (a transaction
 *             carries no failure code: failureCode stays null, which classifyXenditFailure treats
 * as final)
 *   VOIDED    cancelled before settlement                              → CANCELLED
 *   REVERSED  reversed after settlement                                → REVERSED
 *   PENDING   created, processing with the partner                     → null: the payout may be
 *             ACCEPTED, REQUESTED or held (compliance, LOCKED …); only the payout itself can say
 *   anything else (a status Xendit adds later)                         → null
 *
 * null means "read the payout" (`get`), never a guess: a wrong terminal status could make
 * reconciliation report a paid payout as failed, or the reverse. A mapped payout carries the payout
 * status as its rawStatus too (SUCCEEDED, not SUCCESS): ProviderPayout.rawStatus differs from
 * status only for OTHER, and reconciliation shows it beside statuses read from the payout itself.
 */
export function payoutStatusOfTransaction(status: string): ProviderStatus | null {
  return TRANSACTION_TO_PAYOUT_STATUS.get(status) ?? null;
}

const TRANSACTION_TO_PAYOUT_STATUS: ReadonlyMap<string, ProviderStatus> = new Map([
  ['SUCCESS', 'SUCCEEDED'],
  ['FAILED', 'FAILED'],
  ['VOIDED', 'CANCELLED'],
  ['REVERSED', 'REVERSED'],
]);

/**
 * Failure codes worth a new attempt. Only codes where the money provably did not move for a
 * transient reason (a bank or switching network hiccup) qualify; the older disbursement codes with
 * the same meaning are included because Xendit reuses them in payouts.
 */
const RETRYABLE_FAILURES: ReadonlySet<string> = new Set([
  'TEMPORARY_TRANSFER_ERROR',
  'UNKNOWN_BANK_NETWORK_ERROR',
  'TEMPORARY_BANK_NETWORK_ERROR',
  'SWITCHING_NETWORK_ERROR',
]);

/**
 * What to do after a payout FAILED with `code`. A retry is always a new attempt (new key) and only
 * after the old payout is terminal — that is the executor's rule; this only says whether one makes
 * sense. Destination problems (INVALID_DESTINATION, REJECTED_BY_CHANNEL,
 * DESTINATION_MAXIMUM_LIMIT), TRANSFER_ERROR and every code we do not know are 'final': retrying
 * those repeats the failure at best, so a human decides (fail safe).
 */
export function classifyXenditFailure(
  code: string | null,
): 'retryable' | 'retryable_after_topup' | 'final' {
  if (code === null) return 'final';
  if (code === 'INSUFFICIENT_BALANCE') return 'retryable_after_topup';
  return RETRYABLE_FAILURES.has(code) ? 'retryable' : 'final';
}

// ---------------------------------------------------------------------------------------------
// Parsing helpers
// ---------------------------------------------------------------------------------------------

const UNPARSEABLE = Symbol('unparseable');

/** JSON with every number kept as its exact text (LosslessNumber). */
function parseJson(text: string): unknown {
  try {
    return parseLossless(text);
  } catch {
    return UNPARSEABLE;
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** A validated payout object → ProviderPayout, or an error text (amount/currency not exact). */
function toProviderPayout(json: PayoutJson): ProviderPayout | string {
  if (!isCurrency(json.currency))
    return `payout ${json.id} has unknown currency "${json.currency}"`;
  let amountMinor: bigint;
  try {
    amountMinor = xenditAmountToMinor(json.amount.value, json.currency);
  } catch (error) {
    return `payout ${json.id}: ${(error as Error).message}`;
  }
  if (amountMinor < 0n) return `payout ${json.id} has a negative amount`;
  return {
    providerId: json.id,
    reference: json.reference_id,
    amountMinor,
    currency: json.currency,
    status: mapXenditStatus(json.status),
    rawStatus: json.status,
    failureCode: json.failure_code ?? null,
    createdAt: json.created ?? null,
    updatedAt: json.updated ?? null,
  };
}

/** Parses an already-JSON-parsed value as a payout; a string says what was wrong. */
function payoutFrom(value: unknown): ProviderPayout | string {
  const parsed = payoutSchema.safeParse(value);
  if (!parsed.success) return `not a payout object (${describeIssues(parsed.error)})`;
  return toProviderPayout(parsed.data);
}

/** Error code and message from either documented error shape; null when the body has neither. */
function errorFrom(value: unknown): { code: string; message: string } | null {
  const parsed = errorSchema.safeParse(value);
  if (!parsed.success) return null;
  const { error_code, message, error_message } = parsed.data;
  return { code: error_code, message: message ?? error_message ?? error_code };
}

function byCreatedAt(payouts: ProviderPayout[]): ProviderPayout[] {
  const time = (p: ProviderPayout) => (p.createdAt === null ? Number.NaN : Date.parse(p.createdAt));
  // Stable sort: equal or unparseable timestamps keep the provider's order.
  return payouts
    .map((p, i) => ({ p, i, t: time(p) }))
    .sort((a, b) => {
      const an = Number.isNaN(a.t),
        bn = Number.isNaN(b.t);
      if (an || bn) return an === bn ? a.i - b.i : an ? 1 : -1;
      return a.t === b.t ? a.i - b.i : a.t - b.t;
    })
    .map((x) => x.p);
}

// ---------------------------------------------------------------------------------------------
// Transactions → payouts
// ---------------------------------------------------------------------------------------------

/** The query of one `GET /transactions` page: payout transactions created in the period. */
function transactionQuery(from: Date, to: Date, afterId: string | null): URLSearchParams {
  // The API's date filter has gte/lte only: `lte` the period's end, and the half-open [from, to)
  // is kept locally (payoutTransactions), so a payout at exactly `to` belongs to the next period.
  const query = new URLSearchParams({
    types: XENDIT_PAYOUT_TRANSACTION_TYPE,
    'created[gte]': from.toISOString(),
    'created[lte]': to.toISOString(),
    limit: String(TRANSACTION_PAGE_SIZE),
  });
  if (afterId !== null) query.set('after_id', afterId);
  return query;
}

/**
 * A transaction as a payout with `status` (a payout status, or the transaction's own text when
 * unresolved).
 */
function transactionPayout(tx: TransactionJson, status: string): ProviderPayout | string {
  const payout = toProviderPayout({
    id: tx.product_id,
    reference_id: tx.reference_id ?? '',
    amount: tx.amount,
    currency: tx.currency,
    status,
    failure_code: null,
    created: tx.created ?? null,
    updated: tx.updated ?? null,
  });
  return typeof payout === 'string' ? `transaction ${tx.id}: ${payout}` : payout;
}

/**
 * A transaction without a readable creation time is kept: better shown than missed by
 * reconciliation.
 */
function createdWithin(created: string | null | undefined, from: Date, to: Date): boolean {
  const at = created ? Date.parse(created) : Number.NaN;
  return Number.isNaN(at) || (at >= from.getTime() && at < to.getTime());
}

type Listed = { tx: TransactionJson; status: ProviderStatus | null };

/**
 * The payouts among `all`: payout-type transactions created in [from, to), one per payout
 * (`product_id`). Two transactions naming one payout with different statuses leave the status
 * open (null): only the payout itself can settle which is current.
 */
function payoutTransactions(all: readonly TransactionJson[], from: Date, to: Date): Listed[] {
  const byProduct = new Map<string, Listed>();
  for (const tx of all) {
    // The server filters by type already; a transaction of another type is money but not a payout.
    if (tx.type !== XENDIT_PAYOUT_TRANSACTION_TYPE || !createdWithin(tx.created, from, to))
      continue;
    const status = payoutStatusOfTransaction(tx.status);
    const prior = byProduct.get(tx.product_id);
    byProduct.set(
      tx.product_id,
      prior === undefined || prior.status === status ? { tx, status } : { tx, status: null },
    );
  }
  return [...byProduct.values()];
}

/** Payouts and the problems met while building them (each problem makes a listing incomplete). */
class Collected {
  readonly payouts: ProviderPayout[] = [];
  readonly problems: string[] = [];
  add(payout: ProviderPayout | string): void {
    if (typeof payout === 'string') this.problems.push(payout);
    else this.payouts.push(payout);
  }
}

// ---------------------------------------------------------------------------------------------
// Rate limits
// ---------------------------------------------------------------------------------------------

/** Longest wait we accept from a header; anything later is treated as a misreading. */
const MAX_RATE_LIMIT_WAIT_MS = 60 * 60 * 1000;

/**
 * When to try again after a 429, in epoch ms. Xendit documents `Rate-Limit-Reset` as the seconds
 * left in the current window ("58.37"); some gateways send an epoch instead, so: a value ≥ 1e12 is
 * epoch milliseconds, ≥ 1e9 epoch seconds, anything smaller seconds-until-reset (fractions kept).
 * An HTTP date is accepted too, then `Retry-After` (seconds or date); without any usable header, 1
 * s. A time in the past means "now"; more than an hour away is capped at an hour.
 */
export function xenditRetryAt(
  headers: { get(name: string): string | null },
  now: number = Date.now(),
): number {
  const at =
    fromHeader(headers.get('rate-limit-reset'), now, true) ??
    fromHeader(headers.get('retry-after'), now, false) ??
    now + 1000;
  return Math.min(Math.max(at, now), now + MAX_RATE_LIMIT_WAIT_MS);
}

function fromHeader(value: string | null, now: number, allowEpoch: boolean): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    // A time, not money: a float is fine here.
    const n = Number(text);
    if (allowEpoch && n >= 1e12) return Math.ceil(n);
    if (allowEpoch && n >= 1e9) return Math.ceil(n * 1000);
    return now + Math.ceil(n * 1000);
  }
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : date;
}

// ---------------------------------------------------------------------------------------------
// Webhooks
// ---------------------------------------------------------------------------------------------

/**
 * Xendit's callback token is a static shared secret, not an HMAC. Both sides are hashed first so
 * timingSafeEqual gets equal lengths and the comparison leaks neither content nor length.
 */
export function verifyXenditCallbackToken(received: string | undefined, expected: string): boolean {
  if (received === undefined || expected === '') return false;
  const a = createHash('sha256').update(received, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export const XENDIT_WEBHOOK_EVENTS = [
  'payout.succeeded',
  'payout.failed',
  'payout.reversed',
] as const;
export type XenditWebhookEventName = (typeof XENDIT_WEBHOOK_EVENTS)[number];

/** The envelope; `data` is checked separately so unknown events with other payloads still parse. */
export const xenditWebhookSchema = z.object({
  event: z.string().min(1),
  business_id: z.string().nullish(),
  created: z.string().nullish(),
  data: z.unknown(),
});

export interface XenditWebhook {
  /** The event name as received ('payout.succeeded' … or anything Xendit adds later). */
  type: string;
  /** True for the three documented payout events. */
  known: boolean;
  businessId: string | null;
  created: string | null;
  /** The payout in `data`; always present for known events, null for unknown events without one. */
  payout: ProviderPayout | null;
}

/**
 * Parses a webhook body (verify the token first). Throws ProviderError('invalid_response') when the
 * body is not JSON, not the envelope, or a known event without a valid payout object. Unknown
 * events are returned with their type so the caller can keep and show them.
 */
export function parseXenditWebhook(body: string): XenditWebhook {
  const json = parseJson(body);
  if (json === UNPARSEABLE)
    throw new ProviderError('xendit', 'invalid_response', 'webhook body is not JSON');
  const envelope = xenditWebhookSchema.safeParse(json);
  if (!envelope.success)
    throw new ProviderError(
      'xendit',
      'invalid_response',
      `webhook is not an event (${describeIssues(envelope.error)})`,
    );
  const { event, business_id, created, data } = envelope.data;
  const known = (XENDIT_WEBHOOK_EVENTS as readonly string[]).includes(event);
  const payout = payoutFrom(data);
  if (typeof payout === 'string') {
    if (known) throw new ProviderError('xendit', 'invalid_response', `webhook ${event}: ${payout}`);
    return {
      type: event,
      known,
      businessId: business_id ?? null,
      created: created ?? null,
      payout: null,
    };
  }
  return { type: event, known, businessId: business_id ?? null, created: created ?? null, payout };
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

type Answer =
  | { kind: 'answered'; status: number; headers: Headers; text: string }
  | { kind: 'no_answer'; reason: string };

type Page = {
  payouts: ProviderPayout[];
  complete: boolean;
  problem?: string;
  error?: ProviderError;
};

export class XenditProvider implements PayoutProvider {
  readonly name = 'xendit' as const;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #fetch: typeof fetch;
  readonly #authorization: string;
  readonly #secrets: string[];
  readonly #forUserId: string | undefined;

  constructor(options: XenditOptions) {
    if (!options.secretKey) throw new Error('xendit: the secret key is empty');
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(`xendit: base URL "${options.baseUrl}" is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new Error(`xendit: base URL must be http(s), not ${url.protocol}`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(this.timeoutMs > 0)) throw new Error('xendit: timeoutMs must be positive');
    // Called through a wrapper: some fetch implementations insist on being called unbound.
    this.#fetch = options.fetch ?? defaultProviderFetch;
    const basic = Buffer.from(`${options.secretKey}:`, 'utf8').toString('base64');
    this.#authorization = `Basic ${basic}`;
    this.#secrets = [options.secretKey, basic];
    this.#forUserId = options.forUserId;
  }

  /**
   * The exact body `create` sends (see PayoutProvider.wireBody). Throws XenditRequestError for a
   * request Xendit cannot take (e.g. IDR with sen): the pre-flight's increment check should stop
   * those earlier.
   */
  wireBody(request: PayoutRequest): string {
    return xenditCreateBody(request);
  }

  async create(request: PayoutRequest): Promise<CreateOutcome> {
    let body: string;
    try {
      body = xenditCreateBody(request);
    } catch (error) {
      // Nothing was sent, so this is as definite as a 400 from Xendit.
      const code = error instanceof XenditRequestError ? error.code : 'INVALID_REQUEST';
      return { kind: 'rejected', code, message: this.#redact((error as Error).message) };
    }
    const answer = await this.#send('POST', '/v2/payouts', {
      body,
      idempotencyKey: request.idempotencyKey,
    });
    if (answer.kind === 'no_answer') return { kind: 'unknown', reason: answer.reason };
    const { status } = answer;
    if (status === 200 || status === 201) {
      const json = parseJson(answer.text);
      if (json === UNPARSEABLE)
        return { kind: 'unknown', reason: `HTTP ${status} with a body that is not JSON` };
      const payout = payoutFrom(json);
      if (typeof payout === 'string')
        return {
          kind: 'unknown',
          reason: this.#redact(`HTTP ${status} with an invalid payout: ${payout}`),
        };
      // A payout that is not the one we asked for (another reference or amount under our key) must
      // not be taken as ours: a lookup by reference settles it.
      if (
        payout.reference !== request.reference ||
        payout.amountMinor !== request.amountMinor ||
        payout.currency !== request.currency
      ) {
        return {
          kind: 'unknown',
          reason: `HTTP ${status} answered with payout ${payout.providerId} that does not match the request`,
        };
      }
      return { kind: 'created', payout };
    }
    if (status === 429) return { kind: 'rate_limited', retryAt: xenditRetryAt(answer.headers) };
    if (status >= 500)
      return {
        kind: 'unknown',
        reason: this.#redact(`HTTP ${status}${this.#codeSuffix(answer.text)}`),
      };
    // 408/409/425 can come from a gateway or a request racing its twin: the payout may exist.
    if (status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 425) {
      const error = errorFrom(parseJson(answer.text));
      if (error === null)
        return { kind: 'unknown', reason: `HTTP ${status} without an error code` };
      // DUPLICATE_TRANSACTION_ERROR is the older spelling on Xendit's payout error page.
      if (error.code === 'DUPLICATE_ERROR' || error.code === 'DUPLICATE_TRANSACTION_ERROR') {
        return { kind: 'duplicate', message: this.#redact(error.message) };
      }
      return {
        kind: 'rejected',
        code: this.#redact(error.code),
        message: this.#redact(error.message),
      };
    }
    return { kind: 'unknown', reason: `unexpected HTTP ${status}` };
  }

  async get(providerId: string): Promise<ProviderPayout | null> {
    return this.#get(providerId, (path) => this.#read('GET', path));
  }

  /** `get` through `read` (the plain one, or the rate-limit-patient one of a listing). */
  async #get(
    providerId: string,
    read: (path: string) => Promise<{ status: number; json: unknown }>,
  ): Promise<ProviderPayout | null> {
    const { status, json } = await read(`/v2/payouts/${encodeURIComponent(providerId)}`);
    if (status === 404) {
      // Only Xendit's own "not found" means the payout does not exist; a bare 404 (wrong base URL,
      // a proxy) must not be read as "never created", or the executor could pay twice.
      const error = errorFrom(json);
      if (error?.code === 'DATA_NOT_FOUND') return null;
      throw this.#rejection(status, json);
    }
    if (status >= 400) throw this.#rejection(status, json);
    const payout = payoutFrom(json);
    if (typeof payout === 'string') throw this.#invalid(`GET payout: ${payout}`);
    if (payout.providerId !== providerId)
      throw this.#invalid(`asked for payout ${providerId}, got ${payout.providerId}`);
    return payout;
  }

  async findByReference(reference: string): Promise<ProviderPayout[]> {
    // reference_id is the one query GET /v2/payouts takes (required); after_id pages.
    const result = await this.#pages(new URLSearchParams({ reference_id: reference }));
    if (!result.complete)
      throw result.error ?? this.#invalid(result.problem ?? 'lookup by reference was incomplete');
    // The query is an exact match; anything else in the answer is not ours.
    return byCreatedAt(result.payouts.filter((p) => p.reference === reference));
  }

  async balance(currency: string): Promise<bigint> {
    assertCurrency(currency); // a code we cannot represent is the caller's error, not Xendit's
    const query = new URLSearchParams({ account_type: 'CASH', currency });
    const { status, json } = await this.#read('GET', `/balance?${query}`);
    if (status >= 400) throw this.#rejection(status, json);
    const parsed = balanceSchema.safeParse(json);
    if (!parsed.success) throw this.#invalid(`balance: ${describeIssues(parsed.error)}`);
    try {
      return xenditAmountToMinor(parsed.data.balance.value, currency);
    } catch (error) {
      throw this.#invalid(`balance: ${(error as Error).message}`);
    }
  }

  async cancel(providerId: string): Promise<ProviderPayout> {
    const { status, json } = await this.#read(
      'POST',
      `/v2/payouts/${encodeURIComponent(providerId)}/cancel`,
    );
    if (status >= 400) {
      // Xendit only cancels while ACCEPTED; whatever the refusal, the truth is the current state.
      const current = await this.get(providerId);
      if (current === null) throw this.#rejection(status, json);
      return current;
    }
    const payout = payoutFrom(json);
    if (typeof payout === 'string') throw this.#invalid(`cancel: ${payout}`);
    return payout;
  }

  async channelLimits(channelCode: string, currency: string): Promise<ChannelLimits | null> {
    const query = new URLSearchParams({ channel_code: channelCode, currency });
    const { status, json } = await this.#read('GET', `/payouts_channels?${query}`);
    if (status === 404) return null;
    if (status >= 400) throw this.#rejection(status, json);
    const parsed = channelsSchema.safeParse(json);
    if (!parsed.success) throw this.#invalid(`payouts_channels: ${describeIssues(parsed.error)}`);
    const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.data;
    const channel = list.find((c) => c.channel_code === channelCode && c.currency === currency);
    if (!channel) return null;
    if (!isCurrency(currency))
      throw this.#invalid(`payouts_channels: unknown currency "${currency}"`);
    try {
      const limits = channel.amount_limits;
      const minimumMinor = xenditAmountToMinor(limits.minimum.value, currency);
      const maximumMinor = limits.maximum
        ? xenditAmountToMinor(limits.maximum.value, currency)
        : null;
      const stated = limits.minimum_increment
        ? xenditAmountToMinor(limits.minimum_increment.value, currency)
        : 0n;
      // The wire rule (IDR/VND whole numbers) is an increment too: fold it in so one pre-flight
      // check catches both.
      const wireUnit = pow10(exponentOf(currency) - xenditWireDecimals(currency));
      const incrementMinor = stated <= 0n ? wireUnit : lcm(stated, wireUnit);
      return { channelCode, currency, minimumMinor, maximumMinor, incrementMinor };
    } catch (error) {
      throw this.#invalid(`payouts_channels ${channelCode}: ${(error as Error).message}`);
    }
  }

  /**
   * Every payout created in [from, to), through the Transactions API (see the module comment). A
   * page that fails, a transaction that is not exact, or a payout whose status could not be read
   * makes the answer incomplete, with the reasons in `problem`; what was read is still returned.
   */
  async list(
    from: Date,
    to: Date,
  ): Promise<{ payouts: ProviderPayout[]; complete: boolean; problem?: string }> {
    const gate = new RateGate();
    const walk = await this.#walkTransactions(from, to, gate);
    const collected = new Collected();
    if (walk.problem !== undefined) collected.problems.push(walk.problem);
    const open: TransactionJson[] = [];
    for (const { tx, status } of payoutTransactions(walk.transactions, from, to)) {
      if (status === null) open.push(tx);
      else collected.add(transactionPayout(tx, status));
    }
    await this.#readStatuses(open, gate, collected);
    const payouts = byCreatedAt(collected.payouts);
    if (collected.problems.length === 0) return { payouts, complete: true };
    return { payouts, complete: false, problem: this.#redact(collected.problems.join('; ')) };
  }

  /**
   * The period's payout transactions page by page (`has_more` + `after_id`); stops at the first
   * failure.
   */
  async #walkTransactions(
    from: Date,
    to: Date,
    gate: RateGate,
  ): Promise<{ transactions: TransactionJson[]; problem?: string }> {
    const transactions: TransactionJson[] = [];
    let afterId: string | null = null;
    for (let page = 1; page <= MAX_PAGES; page++) {
      let answer: { items: TransactionJson[]; hasMore: boolean };
      try {
        answer = await this.#transactionPage(transactionQuery(from, to, afterId), gate);
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        return { transactions, problem: `page ${page}: ${error.message}` };
      }
      transactions.push(...answer.items);
      if (!answer.hasMore) return { transactions };
      const last = answer.items.at(-1)?.id ?? null;
      if (last === null || last === afterId) {
        return {
          transactions,
          problem: `page ${page}: Xendit said there is more but the cursor did not advance`,
        };
      }
      afterId = last;
    }
    return { transactions, problem: `stopped after ${MAX_PAGES} pages` };
  }

  /** One page of `GET /transactions`; throws ProviderError when it cannot be read whole. */
  async #transactionPage(
    query: URLSearchParams,
    gate: RateGate,
  ): Promise<{ items: TransactionJson[]; hasMore: boolean }> {
    const { status, json } = await this.#readPatiently(`/transactions?${query}`, gate);
    if (status >= 400) throw this.#rejection(status, json);
    const page = transactionPageSchema.safeParse(json);
    if (!page.success) throw this.#invalid(`transaction list: ${describeIssues(page.error)}`);
    const items: TransactionJson[] = [];
    for (const [i, item] of page.data.data.entries()) {
      const tx = transactionSchema.safeParse(item);
      if (!tx.success)
        throw this.#invalid(`transaction list item ${i + 1}: ${describeIssues(tx.error)}`);
      items.push(tx.data);
    }
    // has_more is required by the SDK's model; without it a full page means "maybe more".
    return { items, hasMore: page.data.has_more ?? items.length >= TRANSACTION_PAGE_SIZE };
  }

  /**
   * Reads the payouts of `open` transactions (status PENDING or unknown) with `get`, a few at a
   * time and all pausing together on a 429. A payout `get` does not know (not a Payouts v2 id, e.g.
   * a legacy disbursement) keeps the transaction's own status text (OTHER, non-terminal); one that
   * could not be read does too, and makes the listing incomplete.
   */
  async #readStatuses(
    open: readonly TransactionJson[],
    gate: RateGate,
    into: Collected,
  ): Promise<void> {
    const read = (path: string) => this.#readPatiently(path, gate);
    const failures: string[] = [];
    await mapLimit(open.slice(0, MAX_STATUS_LOOKUPS), STATUS_LOOKUP_CONCURRENCY, async (tx) => {
      try {
        const payout = await this.#get(tx.product_id, read);
        into.add(payout ?? transactionPayout(tx, tx.status));
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        failures.push(`${tx.product_id}: ${error.message}`);
        into.add(transactionPayout(tx, tx.status));
      }
    });
    for (const tx of open.slice(MAX_STATUS_LOOKUPS)) into.add(transactionPayout(tx, tx.status));
    if (failures.length > 0)
      into.problems.push(
        `the status of ${failures.length} payout(s) could not be read (first: ${failures[0]})`,
      );
    if (open.length > MAX_STATUS_LOOKUPS) {
      into.problems.push(
        `${open.length - MAX_STATUS_LOOKUPS} payout(s) with a pending transaction were not looked up (at most ${MAX_STATUS_LOOKUPS} per listing)`,
      );
    }
  }

  /**
   * Follows the cursor paging of a lookup by reference: `has_more` plus the last id of a page as
   * `after_id`. A bare-array answer (as documented) is everything. Any failure ends the walk with
   * complete:false and the reason.
   */
  async #pages(query: URLSearchParams): Promise<Page> {
    const seen = new Map<string, ProviderPayout>();
    let afterId: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const params = new URLSearchParams(query);
      if (afterId !== null) params.set('after_id', afterId);
      let items: unknown[];
      let hasMore: boolean;
      try {
        const { status, json } = await this.#read('GET', `/v2/payouts?${params}`);
        // Xendit's own "not found" for a query means an empty result (the disbursements API answers
        // a lookup without matches this way); a bare 404 is not trusted to mean that.
        const notFound = status === 404 && errorFrom(json)?.code === 'DATA_NOT_FOUND';
        if (status >= 400 && !notFound) throw this.#rejection(status, json);
        const parsed = pageSchema.safeParse(notFound ? [] : json);
        if (!parsed.success) throw this.#invalid(`payout lookup: ${describeIssues(parsed.error)}`);
        items = Array.isArray(parsed.data) ? parsed.data : parsed.data.data;
        hasMore = !Array.isArray(parsed.data) && parsed.data.has_more === true;
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        return {
          payouts: [...seen.values()],
          complete: false,
          problem: `page ${page + 1}: ${error.message}`,
          error,
        };
      }
      let last: string | null = null;
      for (const item of items) {
        const payout = payoutFrom(item);
        if (typeof payout === 'string') {
          const error = this.#invalid(`payout lookup page ${page + 1}: ${payout}`);
          return { payouts: [...seen.values()], complete: false, problem: error.message, error };
        }
        if (!seen.has(payout.providerId)) seen.set(payout.providerId, payout);
        last = payout.providerId;
      }
      if (!hasMore) return { payouts: [...seen.values()], complete: true };
      if (last === null || last === afterId) {
        return {
          payouts: [...seen.values()],
          complete: false,
          problem: `page ${page + 1}: Xendit said there is more but the cursor did not advance`,
        };
      }
      afterId = last;
    }
    return {
      payouts: [...seen.values()],
      complete: false,
      problem: `stopped after ${MAX_PAGES} pages`,
    };
  }

  /**
   * A GET that honours Xendit's 429: every call sharing `gate` waits until the reset Xendit named,
   * then tries again — at most MAX_RATE_LIMIT_RETRIES times and only for a wait Xendit puts within
   * MAX_RATE_LIMIT_WAIT_MS_PER_RETRY; past that the 'rate_limited' ProviderError stands.
   */
  async #readPatiently(path: string, gate: RateGate): Promise<{ status: number; json: unknown }> {
    for (let retry = 0; ; retry++) {
      await gate.wait();
      try {
        return await this.#read('GET', path);
      } catch (error) {
        if (
          !(error instanceof ProviderError) ||
          error.reason !== 'rate_limited' ||
          retry >= MAX_RATE_LIMIT_RETRIES
        )
          throw error;
        const retryAt = error.retryAt ?? Date.now() + 1000;
        if (retryAt - Date.now() > MAX_RATE_LIMIT_WAIT_MS_PER_RETRY) throw error;
        gate.pause(retryAt);
      }
    }
  }

  /**
   * A read call: 2xx and 4xx come back (parsed; `undefined` for a 4xx body that is not JSON) for
   * the caller to interpret; no answer, 429, 5xx, other statuses and a 2xx that is not JSON throw.
   */
  async #read(method: 'GET' | 'POST', path: string): Promise<{ status: number; json: unknown }> {
    const answer = await this.#send(method, path, {});
    if (answer.kind === 'no_answer')
      throw new ProviderError('xendit', 'unavailable', answer.reason);
    const { status } = answer;
    if (status === 429) {
      throw new ProviderError(
        'xendit',
        'rate_limited',
        `${method} ${pathOnly(path)}: rate limited (HTTP 429)`,
        'RATE_LIMIT_EXCEEDED',
        xenditRetryAt(answer.headers),
      );
    }
    if (status >= 500) {
      throw new ProviderError(
        'xendit',
        'unavailable',
        this.#redact(`${method} ${pathOnly(path)}: HTTP ${status}${this.#codeSuffix(answer.text)}`),
      );
    }
    const json = parseJson(answer.text);
    if (status >= 200 && status < 300) {
      if (json === UNPARSEABLE)
        throw this.#invalid(
          `${method} ${pathOnly(path)}: HTTP ${status} with a body that is not JSON`,
        );
      return { status, json };
    }
    if (status >= 400) return { status, json: json === UNPARSEABLE ? undefined : json };
    throw this.#invalid(`${method} ${pathOnly(path)}: unexpected HTTP ${status}`);
  }

  async #send(
    method: 'GET' | 'POST',
    path: string,
    init: { body?: string; idempotencyKey?: string },
  ): Promise<Answer> {
    const headers: Record<string, string> = {
      Authorization: this.#authorization,
      Accept: 'application/json',
    };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    if (init.idempotencyKey !== undefined) headers['Idempotency-key'] = init.idempotencyKey;
    if (this.#forUserId !== undefined) headers['for-user-id'] = this.#forUserId;
    try {
      const response = await this.#fetch(this.baseUrl + path, {
        method,
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        // Covers reading the body too: a server that stalls mid-answer is a timeout as well.
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await response.text();
      return { kind: 'answered', status: response.status, headers: response.headers, text };
    } catch (error) {
      return {
        kind: 'no_answer',
        reason: this.#redact(
          `${method} ${pathOnly(path)}: ${describeFetchError(error, this.timeoutMs)}`,
        ),
      };
    }
  }

  #codeSuffix(text: string): string {
    const error = errorFrom(parseJson(text));
    return error ? ` ${error.code}: ${truncate(error.message)}` : '';
  }

  #rejection(status: number, json: unknown): ProviderError {
    const error = errorFrom(json);
    if (error === null) return this.#invalid(`HTTP ${status} without an error code`);
    return new ProviderError(
      'xendit',
      'rejected',
      this.#redact(`HTTP ${status} ${error.code}: ${truncate(error.message)}`),
      this.#redact(error.code),
    );
  }

  #invalid(message: string): ProviderError {
    return new ProviderError('xendit', 'invalid_response', this.#redact(message));
  }

  /** Belt and braces: no message leaves this client with the key or its Basic form in it. */
  #redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets)
      if (secret.length >= 4) out = out.split(secret).join('[redacted]');
    return out;
  }
}

function lcm(a: bigint, b: bigint): bigint {
  let x = a,
    y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return (a / x) * b;
}

function truncate(text: string, max = 300): string {
  return text.length > max ? text.slice(0, max) + '…' : text;
}

/**
 * The path without its query string: queries can carry references, which are fine, but stay short.
 */
function pathOnly(path: string): string {
  const q = path.indexOf('?');
  return q < 0 ? path : path.slice(0, q);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'request aborted';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `network error${cause ? ` (${cause})` : e?.message ? ` (${e.message})` : ''}`;
}

export function xenditProvider(options: XenditOptions): XenditProvider {
  return new XenditProvider(options);
}

/**
 * The client configured from the keychain (secret) and the argument or TREASURY_XENDIT_URL (base
 * URL, default the live API).
 */
export async function xenditFromCredentials(
  credentials: CredentialStore,
  baseUrl?: string,
): Promise<XenditProvider> {
  const secretKey = await credentials.get(XENDIT_SECRET_ACCOUNT);
  if (!secretKey) {
    throw new Error(
      `No Xendit secret key in the ${credentials.kind} credential store (account "${XENDIT_SECRET_ACCOUNT}"). ` +
        'Set it with: treasury provider credentials set xendit',
    );
  }
  return new XenditProvider({
    baseUrl: baseUrl ?? process.env.TREASURY_XENDIT_URL ?? XENDIT_DEFAULT_URL,
    secretKey,
  });
}
