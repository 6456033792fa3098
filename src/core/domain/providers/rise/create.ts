/**
 * Creating a Rise payment, exactly once. Rise has no create-time idempotency key and its typed data
 * expires, so a create is re-entrant instead: it always searches for a payment carrying our
 * reference before it creates one, and resumes a still-valid leftover intent rather than starting a
 * second one. A resent create (the executor's answer to 'unknown') therefore never pays twice.
 *
 * A create is two steps: POST /v2/payments makes an intent (typed data, moves no money), PUT
 * /v2/payments with our signature over it executes it.
 */
import type { Hex } from 'viem';
import { MAX_MINOR } from '../../../shared/money/index.js';
import type { CreateOutcome, PayoutRequest } from '../../../platform/payments/provider.js';
import { outcomeOf, removePayment, removeQuietly, search, type RiseApi } from './payments.js';
import { toIntent, type Intent } from './typed-data.js';
import {
  executedSchema,
  RISE_CHANNEL,
  RISE_CURRENCY,
  riseReferenceOf,
  riseReferenceTag,
  toPayout,
  type RisePayment,
} from './wire.js';

/** A leftover intent is resumed only if its typed data outlives the round trip by this much. */
const INTENT_EXPIRY_MARGIN_MS = 30_000;
/** POST/PUT rounds in one create when Rise keeps answering EXPIRED_TYPED_DATA. */
const MAX_CREATE_ROUNDS = 3;

/** Codes Rise uses for a definite refusal: nothing was executed. */
const REJECTING_CODES = new Set([
  'INSUFFICIENT_BALANCE',
  'INVALID_SIGNATURE',
  'INVALID_RECIPIENT',
  'TEAM_ROLE_SETTINGS_NOT_FOUND',
]);

const STATE_RANK: Record<string, number> = { complete: 0, scheduled: 1 };

/** What a search says about creating: done already, resume an intent, or create afresh. */
type Existing =
  | { kind: 'executed'; payment: RisePayment }
  | { kind: 'resume'; intent: Intent; payment: RisePayment }
  | { kind: 'conflict'; payment: RisePayment }
  | { kind: 'none'; stale: RisePayment[] };

function judgeExisting(
  payments: RisePayment[],
  request: PayoutRequest,
  skip: ReadonlySet<string>,
  nowMs: number,
): Existing {
  const ours = payments.filter((p) => riseReferenceOf(p.invoice_description) === request.reference);
  // Anything neither an intent nor removed was executed (an unknown state is most likely in
  // flight): creating again could pay twice, so it is the answer.
  const executed = ours
    .filter((p) => !['intent', 'removed'].includes(p.state.toLowerCase()))
    .sort(
      (a, b) => (STATE_RANK[a.state.toLowerCase()] ?? 2) - (STATE_RANK[b.state.toLowerCase()] ?? 2),
    );
  if (executed[0]) return { kind: 'executed', payment: executed[0] };
  const stale: RisePayment[] = [];
  for (const p of ours.filter((q) => q.state.toLowerCase() === 'intent')) {
    const parsed = p.typed_data === undefined ? null : toIntent(p.typed_data);
    const usable =
      parsed?.ok === true &&
      !skip.has(parsed.intent.salt) &&
      parsed.intent.expiresMs > BigInt(nowMs + INTENT_EXPIRY_MARGIN_MS);
    if (!usable || !parsed?.ok) {
      stale.push(p);
      continue;
    }
    // Same reference, different payment: executing it would pay what was not asked for.
    const same =
      p.amount_cents === request.amountMinor &&
      (p.to == null || p.to === request.accountNumber) &&
      (p.currency_symbol ?? RISE_CURRENCY) === request.currency;
    if (!same) return { kind: 'conflict', payment: p };
    return { kind: 'resume', intent: parsed.intent, payment: p };
  }
  return { kind: 'none', stale };
}

const rejected = (code: string, message: string): CreateOutcome => ({
  kind: 'rejected',
  code,
  message: `rise: ${message}`,
});

/** Why Rise cannot take this request (nothing is sent), or null. */
export function invalidRequest(request: PayoutRequest): CreateOutcome | null {
  if (request.currency !== RISE_CURRENCY)
    return rejected(
      'CURRENCY_NOT_SUPPORTED',
      `Rise pays in ${RISE_CURRENCY} only, not ${request.currency}`,
    );
  if (request.channelCode !== RISE_CHANNEL)
    return rejected(
      'CHANNEL_NOT_SUPPORTED',
      `Rise pays through channel ${RISE_CHANNEL}, not ${request.channelCode}`,
    );
  if (request.amountMinor <= 0n || request.amountMinor > MAX_MINOR)
    return rejected(
      'INVALID_AMOUNT',
      `amount ${request.amountMinor} cents is not a positive 64-bit amount`,
    );
  if (!request.accountNumber.trim())
    return rejected('INVALID_RECIPIENT', 'the Rise user id (account number) is empty');
  if (!request.reference || /[[\]]/.test(request.reference))
    return rejected(
      'INVALID_REFERENCE',
      'the reference must be non-empty and contain no "[" or "]"',
    );
  return null;
}

/** The provider's create: checked, then created once; whatever breaks is 'unknown'. */
export async function createPayment(api: RiseApi, request: PayoutRequest): Promise<CreateOutcome> {
  const invalid = invalidRequest(request);
  if (invalid) return invalid;
  try {
    return await createOnce(api, request);
  } catch (error) {
    // Whatever broke, something may have been executed: only a lookup can tell.
    return {
      kind: 'unknown',
      reason: `unexpected error: ${api.session.redact((error as Error).message)}`,
    };
  }
}

async function createOnce(api: RiseApi, request: PayoutRequest): Promise<CreateOutcome> {
  const expiredSalts = new Set<string>();
  for (let round = 0; round < MAX_CREATE_ROUNDS; round++) {
    // Rise has no idempotency key: the search is what makes a resent create safe.
    const found = await search(api, { recipient: request.accountNumber });
    if (!found.ok) return outcomeOf(api, found.failure, 'search before create');
    const existing = judgeExisting(found.payments, request, expiredSalts, api.now());
    if (existing.kind === 'executed')
      return { kind: 'created', payout: toPayout(existing.payment) };
    if (existing.kind === 'conflict') {
      // An unsigned intent for a different amount or payee under our reference (an earlier,
      // edited attempt): remove it, then look again. If it cannot be removed it may be executing.
      const removed = await removePayment(api, existing.payment.id);
      if (!removed.ok)
        return {
          kind: 'unknown',
          reason: `intent ${existing.payment.id} under this reference differs from the request and could not be removed: ${removed.failure.message}`,
        };
      continue;
    }
    const intent =
      existing.kind === 'resume' ? existing.intent : await newIntent(api, request, existing.stale);
    if ('kind' in intent) return intent;
    const result = await execute(api, intent, request);
    if (result.kind === 'done') return result.outcome;
    // Expired: search again (it may have executed after all), never re-sign that intent.
    expiredSalts.add(intent.salt);
  }
  return {
    kind: 'unknown',
    reason: `execute: typed data expired or conflicted ${MAX_CREATE_ROUNDS} times in a row`,
  };
}

/** A fresh intent (stale ones of ours removed first), or the outcome that ends the create. */
async function newIntent(
  api: RiseApi,
  request: PayoutRequest,
  stale: readonly RisePayment[],
): Promise<Intent | CreateOutcome> {
  for (const p of stale) await removeQuietly(api, p.id);
  const posted = await api.session.authed({
    method: 'POST',
    path: '/v2/payments',
    body: {
      from: api.teamId,
      to: [
        {
          to: request.accountNumber,
          amount_cents: request.amountMinor,
          currency_symbol: RISE_CURRENCY,
          invoice_description:
            `${request.description} ${riseReferenceTag(request.reference)}`.trim(),
        },
      ],
      pay_now: true,
      network: 'arbitrum',
    },
  });
  if (!posted.ok) {
    const f = posted.failure;
    // An intent moves no money, so any definite 4xx here is a clean refusal.
    if (f.kind === 'rejected' && f.status !== 401)
      return {
        kind: 'rejected',
        code: f.code ?? `HTTP_${f.status}`,
        message: `rise: ${f.message}`,
      };
    return outcomeOf(api, f, 'create intent');
  }
  const made = toIntent(posted.data);
  if (!made.ok) return rejected('UNEXPECTED_TYPED_DATA', made.message);
  return made.intent;
}

type Execution = { kind: 'done'; outcome: CreateOutcome } | { kind: 'expired' };

/** Signs the intent and sends it: Rise executes it, refuses it, or its typed data had expired. */
async function execute(api: RiseApi, intent: Intent, request: PayoutRequest): Promise<Execution> {
  let signature: Hex;
  try {
    signature = await api.session.wallet.signTypedData(intent);
  } catch (error) {
    const why = (error as Error).message.split('\n')[0];
    return {
      kind: 'done',
      outcome: rejected('UNEXPECTED_TYPED_DATA', `typed data cannot be signed: ${why}`),
    };
  }
  const r = await api.session.authed({
    method: 'PUT',
    path: '/v2/payments',
    body: { signature, typed_data: intent.raw },
  });
  if (!r.ok) {
    if (r.failure.code === 'EXPIRED_TYPED_DATA') return { kind: 'expired' };
    if (r.failure.kind === 'rejected' && r.failure.code && REJECTING_CODES.has(r.failure.code))
      return { kind: 'done', outcome: rejected(r.failure.code, r.failure.message) };
    // A 4xx we do not know, a timeout or a 5xx: the execution may have happened.
    return { kind: 'done', outcome: outcomeOf(api, r.failure, 'execute') };
  }
  const parsed = executedSchema.safeParse(r.data);
  const mine = parsed.success
    ? parsed.data.payments.find((p) => riseReferenceOf(p.invoice_description) === request.reference)
    : undefined;
  if (mine) return { kind: 'done', outcome: { kind: 'created', payout: toPayout(mine) } };
  return { kind: 'done', outcome: await readBack(api, request) };
}

/** Executed, but the answer does not show our payment: ask the search instead of guessing. */
async function readBack(api: RiseApi, request: PayoutRequest): Promise<CreateOutcome> {
  const again = await search(api, { recipient: request.accountNumber });
  if (again.ok) {
    const found = judgeExisting(again.payments, request, new Set(), api.now());
    if (found.kind === 'executed') return { kind: 'created', payout: toPayout(found.payment) };
  }
  return {
    kind: 'unknown',
    reason: 'execute: Rise accepted the signature but the payment could not be read back',
  };
}
