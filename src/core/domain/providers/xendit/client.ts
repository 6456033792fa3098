/**
 * Xendit Payouts v2 (`/v2/payouts`) as a PayoutProvider: a thin typed client over `fetch`.
 *
 * Endpoints (each checked against xendit-node v7's operations by
 * test/domain/providers/xendit-conformance.test.ts):
 * - create `POST /v2/payouts` (Idempotency-key header), get `GET /v2/payouts/{id}`, cancel
 *   `POST /v2/payouts/{id}/cancel`;
 * - findByReference `GET /v2/payouts?reference_id=…` (+ `after_id` paging): lookup.ts;
 * - list(from, to) through the Transactions API: listing.ts;
 * - balance `GET /balance?account_type=CASH&currency=…`, channelLimits `GET /payouts_channels`.
 *
 * Why not the official SDK (xendit-node): it has no timeouts, no access to the rate-limit headers
 * and plain-string enums. Here every request has a deadline (http.ts), every answer is parsed with
 * lossless-json (so amounts never pass through a float) and validated with zod (wire.ts), and every
 * answer is translated faithfully into the provider interface — including "I don't know"
 * (`unknown`) whenever a create may or may not have happened.
 *
 * The secret key only ever lives in the Authorization header (auth.ts); every message this client
 * produces is passed through its redaction in case a server or a network layer echoes it back.
 */
import type { CredentialStore } from '../../../platform/credentials/store.js';
import { assertCurrency, isCurrency } from '../../../shared/money/index.js';
import type {
  ChannelLimits,
  CreateOutcome,
  PayoutProvider,
  PayoutRequest,
  ProviderPayout,
} from '../../../platform/payments/provider.js';
import { XENDIT_SECRET_ACCOUNT } from './credentials.js';
import { XenditHttp, type XenditOptions } from './http.js';
import { listPeriod } from './listing.js';
import { lookupPages, readPayout } from './lookup.js';
import { xenditAmountToMinor, xenditIncrement, XenditRequestError } from './money.js';
import { xenditRetryAt } from './rate-limit.js';
import {
  balanceSchema,
  byCreatedAt,
  channelsSchema,
  describeIssues,
  errorFrom,
  parseJson,
  payoutFrom,
  UNPARSEABLE,
  xenditCreateBody,
} from './wire.js';

export type { XenditOptions } from './http.js';
export { XENDIT_SECRET_ACCOUNT } from './credentials.js';

export const XENDIT_DEFAULT_URL = 'https://api.xendit.co';

export class XenditProvider implements PayoutProvider {
  readonly name = 'xendit' as const;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly #http: XenditHttp;

  constructor(options: XenditOptions) {
    this.#http = new XenditHttp(options);
    this.baseUrl = this.#http.baseUrl;
    this.timeoutMs = this.#http.timeoutMs;
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
      return { kind: 'rejected', code, message: this.#http.redact((error as Error).message) };
    }
    const answer = await this.#http.send('POST', '/v2/payouts', {
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
          reason: this.#http.redact(`HTTP ${status} with an invalid payout: ${payout}`),
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
        reason: this.#http.redact(`HTTP ${status}${this.#http.codeSuffix(answer.text)}`),
      };
    // 408/409/425 can come from a gateway or a request racing its twin: the payout may exist.
    if (status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 425) {
      const error = errorFrom(parseJson(answer.text));
      if (error === null)
        return { kind: 'unknown', reason: `HTTP ${status} without an error code` };
      // DUPLICATE_TRANSACTION_ERROR is the older spelling on Xendit's payout error page.
      if (error.code === 'DUPLICATE_ERROR' || error.code === 'DUPLICATE_TRANSACTION_ERROR') {
        return { kind: 'duplicate', message: this.#http.redact(error.message) };
      }
      return {
        kind: 'rejected',
        code: this.#http.redact(error.code),
        message: this.#http.redact(error.message),
      };
    }
    return { kind: 'unknown', reason: `unexpected HTTP ${status}` };
  }

  async get(providerId: string): Promise<ProviderPayout | null> {
    return readPayout(this.#http, providerId, (path) => this.#http.read('GET', path));
  }

  async findByReference(reference: string): Promise<ProviderPayout[]> {
    // reference_id is the one query GET /v2/payouts takes (required); after_id pages.
    const result = await lookupPages(this.#http, new URLSearchParams({ reference_id: reference }));
    if (!result.complete)
      throw (
        result.error ?? this.#http.invalid(result.problem ?? 'lookup by reference was incomplete')
      );
    // The query is an exact match; anything else in the answer is not ours.
    return byCreatedAt(result.payouts.filter((p) => p.reference === reference));
  }

  async balance(currency: string): Promise<bigint> {
    assertCurrency(currency); // a code we cannot represent is the caller's error, not Xendit's
    const query = new URLSearchParams({ account_type: 'CASH', currency });
    const { status, json } = await this.#http.read('GET', `/balance?${query}`);
    if (status >= 400) throw this.#http.rejection(status, json);
    const parsed = balanceSchema.safeParse(json);
    if (!parsed.success) throw this.#http.invalid(`balance: ${describeIssues(parsed.error)}`);
    try {
      return xenditAmountToMinor(parsed.data.balance.value, currency);
    } catch (error) {
      throw this.#http.invalid(`balance: ${(error as Error).message}`);
    }
  }

  async cancel(providerId: string): Promise<ProviderPayout> {
    const { status, json } = await this.#http.read(
      'POST',
      `/v2/payouts/${encodeURIComponent(providerId)}/cancel`,
    );
    if (status >= 400) {
      // Xendit only cancels while ACCEPTED; whatever the refusal, the truth is the current state.
      const current = await this.get(providerId);
      if (current === null) throw this.#http.rejection(status, json);
      return current;
    }
    const payout = payoutFrom(json);
    if (typeof payout === 'string') throw this.#http.invalid(`cancel: ${payout}`);
    return payout;
  }

  async channelLimits(channelCode: string, currency: string): Promise<ChannelLimits | null> {
    const query = new URLSearchParams({ channel_code: channelCode, currency });
    const { status, json } = await this.#http.read('GET', `/payouts_channels?${query}`);
    if (status === 404) return null;
    if (status >= 400) throw this.#http.rejection(status, json);
    const parsed = channelsSchema.safeParse(json);
    if (!parsed.success)
      throw this.#http.invalid(`payouts_channels: ${describeIssues(parsed.error)}`);
    const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.data;
    const channel = list.find((c) => c.channel_code === channelCode && c.currency === currency);
    if (!channel) return null;
    if (!isCurrency(currency))
      throw this.#http.invalid(`payouts_channels: unknown currency "${currency}"`);
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
      const incrementMinor = xenditIncrement(currency, stated);
      return { channelCode, currency, minimumMinor, maximumMinor, incrementMinor };
    } catch (error) {
      throw this.#http.invalid(`payouts_channels ${channelCode}: ${(error as Error).message}`);
    }
  }

  /** Every payout created in [from, to), through the Transactions API (listing.ts). */
  async list(
    from: Date,
    to: Date,
  ): Promise<{ payouts: ProviderPayout[]; complete: boolean; problem?: string }> {
    return listPeriod(this.#http, from, to);
  }
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
