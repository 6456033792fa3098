/**
 * Reading payouts back from Xendit: one by its id (`GET /v2/payouts/{id}`), and every payout under
 * one of our references (`GET /v2/payouts?reference_id=…`, paged with `after_id`).
 */
import { ProviderError, type ProviderPayout } from '../../../platform/payments/provider.js';
import type { Read, XenditHttp } from './http.js';
import { describeIssues, errorFrom, pageSchema, payoutFrom } from './wire.js';

/**
 * A runaway pager (a provider ignoring `after_id`) stops here instead of looping forever: 500k
 * transactions.
 */
export const MAX_PAGES = 10_000;

export type Page = {
  payouts: ProviderPayout[];
  complete: boolean;
  problem?: string;
  error?: ProviderError;
};

/** `get` through `read` (the plain one, or the rate-limit-patient one of a listing). */
export async function readPayout(
  http: XenditHttp,
  providerId: string,
  read: (path: string) => Promise<Read>,
): Promise<ProviderPayout | null> {
  const { status, json } = await read(`/v2/payouts/${encodeURIComponent(providerId)}`);
  if (status === 404) {
    // Only Xendit's own "not found" means the payout does not exist; a bare 404 (wrong base URL,
    // a proxy) must not be read as "never created", or the executor could pay twice.
    const error = errorFrom(json);
    if (error?.code === 'DATA_NOT_FOUND') return null;
    throw http.rejection(status, json);
  }
  if (status >= 400) throw http.rejection(status, json);
  const payout = payoutFrom(json);
  if (typeof payout === 'string') throw http.invalid(`GET payout: ${payout}`);
  if (payout.providerId !== providerId)
    throw http.invalid(`asked for payout ${providerId}, got ${payout.providerId}`);
  return payout;
}

/** One page of a lookup by reference: its payouts (unparsed) and whether there are more. */
async function lookupPage(
  http: XenditHttp,
  params: URLSearchParams,
): Promise<{ items: unknown[]; hasMore: boolean }> {
  const { status, json } = await http.read('GET', `/v2/payouts?${params}`);
  // Xendit's own "not found" for a query means an empty result (the disbursements API answers
  // a lookup without matches this way); a bare 404 is not trusted to mean that.
  const notFound = status === 404 && errorFrom(json)?.code === 'DATA_NOT_FOUND';
  if (status >= 400 && !notFound) throw http.rejection(status, json);
  const parsed = pageSchema.safeParse(notFound ? [] : json);
  if (!parsed.success) throw http.invalid(`payout lookup: ${describeIssues(parsed.error)}`);
  return {
    items: Array.isArray(parsed.data) ? parsed.data : parsed.data.data,
    hasMore: !Array.isArray(parsed.data) && parsed.data.has_more === true,
  };
}

/**
 * Follows the cursor paging of a lookup by reference: `has_more` plus the last id of a page as
 * `after_id`. A bare-array answer (as documented) is everything. Any failure ends the walk with
 * complete:false and the reason.
 */
export async function lookupPages(http: XenditHttp, query: URLSearchParams): Promise<Page> {
  const seen = new Map<string, ProviderPayout>();
  const partial = (problem: string, error?: ProviderError): Page => ({
    payouts: [...seen.values()],
    complete: false,
    problem,
    ...(error ? { error } : {}),
  });
  let afterId: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const params = new URLSearchParams(query);
    if (afterId !== null) params.set('after_id', afterId);
    let answer: { items: unknown[]; hasMore: boolean };
    try {
      answer = await lookupPage(http, params);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      return partial(`page ${page + 1}: ${error.message}`, error);
    }
    let last: string | null = null;
    for (const item of answer.items) {
      const payout = payoutFrom(item);
      if (typeof payout === 'string') {
        const error = http.invalid(`payout lookup page ${page + 1}: ${payout}`);
        return partial(error.message, error);
      }
      if (!seen.has(payout.providerId)) seen.set(payout.providerId, payout);
      last = payout.providerId;
    }
    if (!answer.hasMore) return { payouts: [...seen.values()], complete: true };
    if (last === null || last === afterId)
      return partial(`page ${page + 1}: Xendit said there is more but the cursor did not advance`);
    afterId = last;
  }
  return partial(`stopped after ${MAX_PAGES} pages`);
}
