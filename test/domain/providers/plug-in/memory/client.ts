/**
 * The plug-in provider's client: a PayoutProvider whose books are a Map in this process. It pays at
 * once (a create answers SUCCEEDED), dedupes on the idempotency key like a real provider (same key
 * and body: the first payout; same key, another body: 'duplicate'), and records, for every create,
 * whether the central store already held that key's attempt when the call arrived — the executor's
 * promise that a key is persisted before the provider ever sees it.
 */
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../../../../../src/core/platform/central/store.js';
import type {
  CreateOutcome,
  PayoutProvider,
  PayoutRequest,
  ProviderName,
  ProviderPayout,
} from '../../../../../src/core/platform/payments/provider.js';

interface Kept {
  payout: ProviderPayout;
  body: string;
}

/** What the client was asked and what it holds (one set of books per test process). */
export class MemoryBooks {
  readonly byKey = new Map<string, Kept>();
  /** Every create call: its key, and whether the attempt was in the central store before it. */
  readonly creates: { key: string; persistedFirst: boolean }[] = [];

  payouts(): ProviderPayout[] {
    return [...this.byKey.values()].map((k) => ({ ...k.payout }));
  }
}

export const books = new MemoryBooks();

const fingerprint = (r: PayoutRequest) =>
  JSON.stringify([r.reference, r.amountMinor.toString(), r.currency, r.accountNumber]);

async function create(
  name: ProviderName,
  db: CentralTx,
  request: PayoutRequest,
): Promise<CreateOutcome> {
  const persisted = await rows(
    db,
    sql`SELECT 1 FROM payout_attempts WHERE idempotency_key = ${request.idempotencyKey}`,
  );
  books.creates.push({ key: request.idempotencyKey, persistedFirst: persisted.length === 1 });
  const kept = books.byKey.get(request.idempotencyKey);
  if (kept && kept.body !== fingerprint(request))
    return { kind: 'duplicate', message: `${name}: key used for another request` };
  if (kept) return { kind: 'created', payout: { ...kept.payout } };
  const at = new Date().toISOString();
  const payout: ProviderPayout = {
    providerId: `mem-${books.byKey.size + 1}`,
    reference: request.reference,
    amountMinor: request.amountMinor,
    currency: request.currency,
    status: 'SUCCEEDED',
    rawStatus: 'SUCCEEDED',
    failureCode: null,
    createdAt: at,
    updatedAt: at,
  };
  books.byKey.set(request.idempotencyKey, { payout, body: fingerprint(request) });
  return { kind: 'created', payout: { ...payout } };
}

/** The client, answering as provider `name`, checking keys in the central store `db`. */
export function createMemoryProvider(name: ProviderName, db: CentralTx): PayoutProvider {
  const all = () => books.payouts();
  return {
    name,
    create: (request) => create(name, db, request),
    get: async (providerId) => all().find((p) => p.providerId === providerId) ?? null,
    findByReference: async (reference) => all().filter((p) => p.reference === reference),
    balance: async () => 10n ** 15n,
    cancel: async (providerId) => all().find((p) => p.providerId === providerId)!,
    channelLimits: async (channelCode, currency) => ({
      channelCode,
      currency,
      minimumMinor: 1n,
      maximumMinor: null,
      incrementMinor: 1n,
    }),
    list: async (from, to) => ({
      payouts: all().filter((p) => {
        const at = Date.parse(p.createdAt!);
        return at >= from.getTime() && at < to.getTime();
      }),
      complete: true,
    }),
  };
}
