/**
 * The pre-flight (executor.ts, rule 2): refuses to start when a provider cannot take what is left to
 * send — a hold on the affiliate, the balance per provider and currency, each amount against its
 * channel's live limits. Nothing is written when it refuses.
 */
import { sql } from 'drizzle-orm';
import { rows, type CentralTx } from '../../platform/central/store.js';
import {
  ProviderError,
  type PayoutProvider,
  type ProviderName,
} from '../../platform/payments/provider.js';
import { TreasuryError, type Problem } from '../../shared/errors.js';
import { formatAmount } from '../../shared/money/index.js';
import type { BatchRow } from '../batches/content.js';
import { channelProblem } from '../providers/channels.js';

type ProviderOf = (n: ProviderName) => Promise<PayoutProvider>;

/** A payout still to send, with its affiliate's hold if any. */
interface Pending {
  id: string;
  affiliate_id: string;
  provider: ProviderName;
  channel_code: string;
  currency: string;
  amount_minor: string;
  hold: string | null;
}

/** Throws PREFLIGHT_FAILED with every problem found, or PROVIDER_UNAVAILABLE; else returns. */
export async function preflight(
  db: CentralTx,
  batch: BatchRow,
  provider: ProviderOf,
): Promise<void> {
  const pending = await rows<Pending>(
    db,
    sql`SELECT p.id, p.affiliate_id, p.provider, p.channel_code, p.currency, p.amount_minor::text AS amount_minor, a.payout_hold_reason AS hold
        FROM payouts p JOIN affiliates a ON a.id = p.affiliate_id WHERE p.batch_id = ${batch.id}::uuid AND p.status = 'PENDING'`,
  );
  if (pending.length === 0) return;
  const problems: Problem[] = [];
  checkHolds(pending, problems);
  try {
    await checkBalances(pending, provider, problems);
    await checkChannels(pending, provider, problems);
  } catch (error) {
    if (error instanceof ProviderError)
      throw new TreasuryError(
        'PROVIDER_UNAVAILABLE',
        `pre-flight for batch ${batch.number} could not reach the provider: ${error.message}; nothing was sent`,
      );
    throw error;
  }
  if (problems.length > 0) {
    throw new TreasuryError(
      'PREFLIGHT_FAILED',
      `batch ${batch.number} was not executed: ${problems.length} pre-flight problem(s); nothing was sent. ${problems
        .slice(0, 3)
        .map((p) => p.message)
        .join('; ')}`,
      problems,
    );
  }
}

/**
 * A hold placed after approval stops the money too: nothing is sent until the payout is removed
 * from the batch (batch.removePayouts) or the hold released.
 */
function checkHolds(pending: readonly Pending[], problems: Problem[]): void {
  for (const p of pending.filter((x) => x.hold !== null)) {
    problems.push({
      message: `affiliate ${p.affiliate_id}'s payouts are held (${p.hold}): remove the payout from the batch or release the hold`,
      field: `payout ${p.id} (affiliate ${p.affiliate_id})`,
    });
  }
}

/** Each provider's balance must cover, per currency, everything still to send through it. */
async function checkBalances(
  pending: readonly Pending[],
  provider: ProviderOf,
  problems: Problem[],
): Promise<void> {
  const need = new Map<string, { provider: ProviderName; currency: string; amount: bigint }>();
  for (const p of pending) {
    const currency = p.currency.trim();
    const key = `${p.provider}|${currency}`;
    const n = need.get(key) ?? { provider: p.provider, currency, amount: 0n };
    n.amount += BigInt(p.amount_minor);
    need.set(key, n);
  }
  for (const n of need.values()) {
    const pr = await provider(n.provider);
    const balance = await pr.balance(n.currency);
    if (balance < n.amount) {
      problems.push({
        message: `${n.provider} balance ${formatAmount(balance, n.currency)} ${n.currency} does not cover ${formatAmount(n.amount, n.currency)} ${n.currency} still to send: top up first`,
        field: `${n.provider}.${n.currency}`,
      });
    }
  }
}

/** Each amount within its channel's live limits and increment (asked once per channel). */
async function checkChannels(
  pending: readonly Pending[],
  provider: ProviderOf,
  problems: Problem[],
): Promise<void> {
  const limitsCache = new Map<string, Awaited<ReturnType<PayoutProvider['channelLimits']>>>();
  for (const p of pending) {
    const currency = p.currency.trim();
    const key = `${p.provider}|${p.channel_code}|${currency}`;
    if (!limitsCache.has(key))
      limitsCache.set(
        key,
        await (await provider(p.provider)).channelLimits(p.channel_code, currency),
      );
    const limits = limitsCache.get(key);
    if (!limits) {
      problems.push({
        message: `${p.provider} does not support channel ${p.channel_code} in ${currency}`,
        field: `payout ${p.id} (affiliate ${p.affiliate_id})`,
      });
      continue;
    }
    const problem = channelProblem(limits, BigInt(p.amount_minor));
    if (problem)
      problems.push({
        message: `${formatAmount(BigInt(p.amount_minor), currency)} ${currency}: ${problem.replace(/_/g, ' ')} of ${p.channel_code}`,
        field: `payout ${p.id} (affiliate ${p.affiliate_id})`,
      });
  }
}
