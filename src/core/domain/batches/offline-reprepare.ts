/**
 * A batch prepared offline that the central store refused (its commissions were taken by another
 * batch meanwhile, a destination changed, an affiliate was held…) is prepared again from the data
 * as the cache holds it now: the same choice — provider, currency, cutoff, FX rates, note and the
 * affiliates it was for — run through the same offline preparation (createOffline), giving a new
 * batch under a new id and a new pending `batch.create` in the outbox. What is no longer payable
 * simply drops out, exactly as it would from a new preview; nothing of the refused batch is reused.
 */
import { z } from 'zod';
import type { LocalCache } from '../../platform/cache/cache.js';
import { TreasuryError } from '../../shared/errors.js';
import { PROVIDER_NAMES } from '../../shared/providers.js';
import { toDate } from '../../platform/kernel/inputs.js';
import { createOffline, offlineOperator } from './offline-prepare.js';

/** What of a queued `batch.create` is the operator's choice (the rest is derived from the data). */
const chosen = z.object({
  affiliateIds: z.array(z.string()).min(1),
  provider: z.enum(PROVIDER_NAMES).optional(),
  currency: z.string().optional(),
  cutoff: z.string().optional(),
  fxRates: z.record(z.string(), z.string()).optional(),
  note: z.string().optional(),
  batchId: z.string().optional(),
});

export interface Reprepared {
  /** The refused batch (its client-chosen id) and the new one. */
  refusedBatchId: string | null;
  batchId: string;
  number: string;
  payouts: number;
  contentHash: string;
  requiredApprovals: number;
  commandId: string;
}

/**
 * Prepares again, as `username`, the batch of a refused `batch.create` whose queued input is
 * `input`. Refused in words when nothing it was for is payable any more.
 */
export function reprepareBatchOffline(
  cache: LocalCache,
  username: string,
  input: unknown,
  now: Date,
): Reprepared {
  const parsed = chosen.safeParse(input);
  if (!parsed.success)
    throw new TreasuryError(
      'VALIDATION',
      'this outbox command is not a batch creation this workstation can prepare again: discard it and create the batch in the batch builder',
    );
  const c = parsed.data;
  const operator = offlineOperator(cache, username);
  let made: ReturnType<typeof createOffline>;
  try {
    made = createOffline(
      cache,
      operator,
      {
        affiliateIds: c.affiliateIds,
        provider: c.provider,
        currency: c.currency,
        cutoff: c.cutoff === undefined ? undefined : toDate(c.cutoff),
        fxRates: c.fxRates,
        ...(c.note === undefined ? {} : { note: c.note }),
      },
      now,
    );
  } catch (error) {
    if (error instanceof TreasuryError && error.code === 'VALIDATION')
      throw new TreasuryError(
        'VALIDATION',
        `nothing left to pay: none of the ${c.affiliateIds.length} affiliate(s) this batch was for is payable any more with the data as last synced (another batch may have paid them); discard the refused command`,
      );
    throw error;
  }
  const row = cache.sqlite
    .prepare('SELECT number FROM payout_batches WHERE id = ?')
    .get(made.batchId) as { number: string };
  return {
    refusedBatchId: c.batchId ?? null,
    batchId: made.batchId,
    number: row.number,
    payouts: made.payouts,
    contentHash: made.contentHash,
    requiredApprovals: made.requiredApprovals,
    commandId: made.commandId,
  };
}
