/**
 * Rise (RiseWorks B2B API v2) as a PayoutProvider: a typed `fetch` client (http.ts), SIWE sign-in
 * (auth.ts) and EIP-712 signed execution (signing.ts, typed-data.ts), following Rise's public v2
 * docs (v2-docs.riseworks.io). Creating is create.ts: Rise has no idempotency key, so a create
 * searches before it acts and never pays twice.
 *
 * Wire shapes the public docs leave open are defined once (marked ASSUMPTION) and the test fake
 * (test/fakes/rise.ts) implements exactly them:
 * - PUT /v2/payments body: `{ signature, typed_data }` where typed_data is the object POST
 *   returned, sent back unchanged (numbers re-serialised losslessly).
 * - PUT answers `data: { payments: Payment[] }`; search answers `data: { items, has_more }` and
 *   pages with `page` (1-based) and `limit`.
 * - GET/DELETE /v2/payments/{id} for one payment; GET /v2/teams/{team}/balance for the balance.
 */
import { defaultProviderFetch } from '../http.js';
import type { CredentialStore } from '../../../platform/credentials/store.js';
import {
  ProviderError,
  type ChannelLimits,
  type PayoutProvider,
  type ProviderPayout,
} from '../../../platform/payments/provider.js';
import { RiseSession } from './auth.js';
import { createPayment } from './create.js';
import { RISE_WALLET_KEY_ACCOUNT } from './credentials.js';
import { getPayment, providerError, removePayment, search, type RiseApi } from './payments.js';
import { riseWallet } from './signing.js';
import {
  balanceSchema,
  RISE_CHANNEL,
  RISE_CURRENCY,
  riseDateRange,
  riseReferenceOf,
  toPayout,
} from './wire.js';

export const RISE_DEFAULT_URL = 'https://b2b-api.dev-riseworks.io';
const DEFAULT_TIMEOUT_MS = 15_000;

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

export interface RiseProvider extends PayoutProvider {
  readonly name: 'rise';
}

export function createRiseProvider(options: RiseOptions): RiseProvider {
  const now = options.now ?? Date.now;
  const wallet = riseWallet(options.walletPrivateKey);
  const where = {
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: options.fetch ?? defaultProviderFetch,
    now,
  };
  const api: RiseApi = {
    session: new RiseSession(where, wallet, options.riseId),
    teamId: options.teamId,
    now,
  };
  return {
    name: 'rise',
    create: (request) => createPayment(api, request),
    get: (providerId) => getPayment(api, providerId),
    findByReference: (reference) => findByReference(api, reference),
    balance: (currency) => balance(api, currency),
    cancel: (providerId) => cancel(api, providerId),
    channelLimits: async (channelCode, currency) => channelLimits(channelCode, currency),
    list: (from, to) => list(api, from, to),
  };
}

async function findByReference(api: RiseApi, reference: string): Promise<ProviderPayout[]> {
  const r = await search(api, {});
  if (!r.ok) throw providerError(r.failure);
  return r.payments
    .filter((p) => riseReferenceOf(p.invoice_description) === reference)
    .map(toPayout)
    .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
}

async function balance(api: RiseApi, currency: string): Promise<bigint> {
  if (currency !== RISE_CURRENCY)
    throw new ProviderError(
      'rise',
      'rejected',
      `Rise holds ${RISE_CURRENCY} only, not ${currency}`,
      'CURRENCY_NOT_SUPPORTED',
    );
  // ASSUMPTION: the public docs name no balance endpoint; this path and shape are ours.
  const r = await api.session.authed({
    method: 'GET',
    path: `/v2/teams/${encodeURIComponent(api.teamId)}/balance`,
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
}

async function cancel(api: RiseApi, providerId: string): Promise<ProviderPayout> {
  const current = await getPayment(api, providerId);
  if (!current)
    throw new ProviderError('rise', 'rejected', `payment ${providerId} not found`, 'NOT_FOUND');
  // Only an unsigned intent can be removed; anything executed stays as it is.
  if (current.rawStatus.toLowerCase() !== 'intent') return current;
  const r = await removePayment(api, providerId);
  // A refusal means it moved on meanwhile: the fresh read below says where it is.
  if (!r.ok && r.failure.kind !== 'rejected') throw providerError(r.failure);
  return (await getPayment(api, providerId)) ?? current;
}

function channelLimits(channelCode: string, currency: string): ChannelLimits | null {
  if (channelCode !== RISE_CHANNEL || currency !== RISE_CURRENCY) return null;
  // Rise publishes no maximum; $1.00 is our own floor (fees make smaller payments pointless).
  return {
    channelCode: RISE_CHANNEL,
    currency: RISE_CURRENCY,
    minimumMinor: 100n,
    maximumMinor: null,
    incrementMinor: 1n,
  };
}

async function list(
  api: RiseApi,
  from: Date,
  to: Date,
): Promise<{ payouts: ProviderPayout[]; complete: boolean; problem?: string }> {
  try {
    const r = await search(api, riseDateRange(from, to));
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
    return { payouts: [], complete: false, problem: api.session.redact((error as Error).message) };
  }
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
