/**
 * Xendit Payouts v2's wire format: the create body we send, the zod schemas of what Xendit answers,
 * and the mapping between its payouts, statuses and failure codes and ours. Every answer is parsed
 * with lossless-json, so amounts reach money.ts as their exact text.
 */
import {
  isLosslessNumber,
  LosslessNumber,
  parse as parseLossless,
  stringify as stringifyLossless,
} from 'lossless-json';
import { z } from 'zod';
import { isCurrency } from '../../../shared/money/index.js';
import type {
  PayoutRequest,
  ProviderPayout,
  ProviderStatus,
} from '../../../platform/payments/provider.js';
import { xenditAmountToMinor, xenditWireAmount } from './money.js';

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
export const jsonNumber = z.custom<LosslessNumber>((v) => isLosslessNumber(v), {
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
export type PayoutJson = z.infer<typeof payoutSchema>;

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
export const pageSchema = z.union([
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
export const transactionSchema = z.object({
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
export type TransactionJson = z.infer<typeof transactionSchema>;

/**
 * xendit-node TransactionsResponse: `has_more` says whether `after_id` of the last item gives more.
 */
export const transactionPageSchema = z.object({
  data: z.array(z.unknown()),
  has_more: z.boolean().nullish(),
  links: z.unknown().optional(),
});

export const balanceSchema = z.object({ balance: jsonNumber });

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
export const channelsSchema = z.union([
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

export const UNPARSEABLE = Symbol('unparseable');

/** JSON with every number kept as its exact text (LosslessNumber). */
export function parseJson(text: string): unknown {
  try {
    return parseLossless(text);
  } catch {
    return UNPARSEABLE;
  }
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** A validated payout object → ProviderPayout, or an error text (amount/currency not exact). */
export function toProviderPayout(json: PayoutJson): ProviderPayout | string {
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
export function payoutFrom(value: unknown): ProviderPayout | string {
  const parsed = payoutSchema.safeParse(value);
  if (!parsed.success) return `not a payout object (${describeIssues(parsed.error)})`;
  return toProviderPayout(parsed.data);
}

/** Error code and message from either documented error shape; null when the body has neither. */
export function errorFrom(value: unknown): { code: string; message: string } | null {
  const parsed = errorSchema.safeParse(value);
  if (!parsed.success) return null;
  const { error_code, message, error_message } = parsed.data;
  return { code: error_code, message: message ?? error_message ?? error_code };
}

export function byCreatedAt(payouts: ProviderPayout[]): ProviderPayout[] {
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
