/**
 * Rise's payments API as the client uses it: every page of a search, one payment, removing an
 * unsigned intent; and what a failed call means for the caller (a ProviderError for reads, an
 * outcome for a create).
 */
import {
  ProviderError,
  type CreateOutcome,
  type ProviderPayout,
} from '../../../platform/payments/provider.js';
import type { RiseSession } from './auth.js';
import { DEFAULT_RETRY_AFTER_MS, invalid, type HttpFailure } from './http.js';
import { pageSchema, paymentSchema, toPayout, type RisePayment } from './wire.js';

const PAGE_LIMIT = 100;
/**
 * Bounds every search: past this many pages the answer is "incomplete", never a silent truncation.
 */
const MAX_PAGES = 50;

/** A signed-in session acting for one team, on one clock. */
export interface RiseApi {
  session: RiseSession;
  teamId: string;
  now: () => number;
}

export type Search = { ok: true; payments: RisePayment[] } | { ok: false; failure: HttpFailure };

export function providerError(f: HttpFailure): ProviderError {
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

/** What a failed call during a create means: wait (429) or "unknown" (it may have happened). */
export function outcomeOf(api: RiseApi, f: HttpFailure, stage: string): CreateOutcome {
  if (f.kind === 'rate_limited')
    return { kind: 'rate_limited', retryAt: f.retryAt ?? api.now() + DEFAULT_RETRY_AFTER_MS };
  return { kind: 'unknown', reason: `${stage}: ${f.message}` };
}

/** Every page of a search, or a failure: a partial answer is never passed off as complete. */
export async function search(api: RiseApi, query: Record<string, string>): Promise<Search> {
  const payments: RisePayment[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const r = await api.session.authed({
      method: 'GET',
      path: '/v2/payments',
      query: {
        team_nanoid: api.teamId,
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
        failure: invalid(
          `payment search answer is not {items, has_more}: ${parsed.error.issues[0]?.message}`,
        ),
      };
    payments.push(...parsed.data.items);
    if (!parsed.data.has_more) return { ok: true, payments };
  }
  return {
    ok: false,
    failure: invalid(
      `payment search has more than ${MAX_PAGES * PAGE_LIMIT} results; refusing a partial answer`,
    ),
  };
}

/** One payment; null when Rise does not know it. */
export async function getPayment(api: RiseApi, providerId: string): Promise<ProviderPayout | null> {
  const r = await api.session.authed({
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

/** Removes an unsigned intent (only an intent can be removed). */
export function removePayment(api: RiseApi, id: string) {
  return api.session.authed({ method: 'DELETE', path: `/v2/payments/${encodeURIComponent(id)}` });
}

export async function removeQuietly(api: RiseApi, id: string): Promise<void> {
  // Tidying only: an intent nobody signs can never pay, so a failure here changes nothing.
  await removePayment(api, id).catch(() => undefined);
}
