/**
 * The request of one attempt, rebuilt the same from the payout row every time: the idempotency key
 * (payout id + attempt number) and the body committed before the first send must be exactly what
 * every resend carries (executor.ts, rules 3 and 4).
 */
import { canonicalJson } from '../../platform/kernel/audit-chain.js';
import {
  idempotencyKey,
  type PayoutProvider,
  type PayoutRequest,
} from '../../platform/payments/provider.js';
import type { PayoutRow } from './work.js';

export function buildRequest(
  p: Pick<
    PayoutRow,
    'id' | 'amount_minor' | 'currency' | 'channel_code' | 'account_number' | 'account_holder_name'
  >,
  attempt: number,
  batchNumber: string,
): PayoutRequest {
  return {
    idempotencyKey: idempotencyKey(p.id, attempt),
    reference: p.id,
    amountMinor: BigInt(p.amount_minor),
    currency: p.currency.trim(),
    channelCode: p.channel_code,
    accountNumber: p.account_number,
    accountHolderName: p.account_holder_name,
    description: `Affiliate commission payout ${batchNumber}`,
    metadata: { batch: batchNumber, payout: p.id, attempt: String(attempt) },
  };
}

/**
 * The exact body persisted before sending: the provider's wire body when it can say, else our
 * canonical request.
 */
export function requestBody(provider: PayoutProvider, request: PayoutRequest): string {
  return provider.wireBody ? provider.wireBody(request) : canonicalJson(request);
}
