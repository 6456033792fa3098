/**
 * Provider events offline (the offline handler of payout.events): the central answer's shape from
 * the cache's mirror tables.
 */
import type { LocalCache } from '../../platform/cache/cache.js';
import { isoText, jsonText } from '../../platform/cache/mirror-text.js';

export function listProviderEvents(
  cache: LocalCache,
  input: { payout?: string; provider?: string; limit?: number; offset?: number },
) {
  const list = cache.sqlite
    .prepare(
      `SELECT id, provider, event_key, payout_id, provider_payout_id, type, status, payload, received_at FROM provider_events
       WHERE (? IS NULL OR payout_id = ?) AND (? IS NULL OR provider = ?) ORDER BY id DESC LIMIT ? OFFSET ?`,
    )
    .all(
      input.payout ?? null,
      input.payout ?? null,
      input.provider ?? null,
      input.provider ?? null,
      input.limit ?? 100,
      input.offset ?? 0,
    ) as {
    id: bigint;
    provider: string;
    event_key: string;
    payout_id: string | null;
    provider_payout_id: string | null;
    type: string;
    status: string | null;
    payload: string;
    received_at: string;
  }[];
  return list.map((e) => ({
    id: String(e.id),
    provider: e.provider,
    eventKey: e.event_key,
    payoutId: e.payout_id,
    providerPayoutId: e.provider_payout_id,
    type: e.type,
    status: e.status,
    payload: jsonText<unknown>(e.payload, null),
    receivedAt: isoText(e.received_at),
  }));
}
