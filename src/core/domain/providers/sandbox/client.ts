/**
 * An in-process payment provider for demos and offline training: no network, no secrets, and
 * deterministic from its seed so a demo or a test replays the same way.
 *
 * Every random decision (fail or not, which failure code, whether to report 'unknown') is a hash of
 * (seed, purpose, idempotency key), not a draw from a shared stream: the outcome of one payout does
 * not depend on how many others ran before it, and a replay of the same key decides the same way.
 *
 * It behaves like a provider with real idempotency (Xendit-style): the same key with the same body
 * returns the first payout; the same key with a different body is a 'duplicate'. `unknownRate`
 * makes a create report 'unknown' although it did create, to exercise the executor's recovery.
 *
 * Its books are a ledger: in memory by default (tests), or the central store's `sandbox_payouts`
 * (ledger.ts) in a workstation, so that what one process paid — an execution in the console
 * or in a CLI command — is there for the next one's poll and reconciliation, as with a real
 * provider.
 */
import { createHash } from 'node:crypto';
import { MAX_MINOR } from '../../../shared/money/index.js';
import {
  ProviderError,
  type ChannelLimits,
  type CreateOutcome,
  type PayoutProvider,
  type PayoutRequest,
  type ProviderPayout,
  type ProviderStatus,
} from '../../../platform/payments/provider.js';

/** Codes a sandbox payout fails with after acceptance (the ones Xendit reports, for realism). */
export const SANDBOX_FAILURE_CODES = [
  'TEMPORARY_TRANSFER_ERROR',
  'INVALID_DESTINATION',
  'REJECTED_BY_CHANNEL',
  'TRANSFER_ERROR',
  'UNKNOWN_BANK_NETWORK_ERROR',
] as const;
export type SandboxFailureCode = (typeof SANDBOX_FAILURE_CODES)[number];

/** Reported for a currency without a configured balance: the sandbox does not limit it. */
export const SANDBOX_UNLIMITED_BALANCE = 10n ** 15n;

export interface SandboxOptions {
  seed?: number;
  /** Probability (0..1) that an accepted payout ends FAILED when it settles. */
  failureRate?: number;
  /** Probability (0..1) that a create which did create reports 'unknown' instead. */
  unknownRate?: number;
  /** Time from acceptance to SUCCEEDED/FAILED (REQUESTED in between from half-way). */
  settleAfterMs?: number;
  /** Available balance per currency in minor units; currencies not listed are not limited. */
  balances?: Record<string, bigint>;
  /** Clock (tests); defaults to Date.now. */
  now?: () => number;
  /** Where its payouts are kept (default: in memory, for this process only). */
  ledger?: SandboxLedger;
}

/** A payout as the sandbox keeps it. */
export interface Held {
  payout: ProviderPayout;
  fingerprint: string;
  createdMs: number;
  /** Decided at creation from the seed; applied when the payout settles. */
  failureCode: SandboxFailureCode | null;
}

/** The sandbox's books. `insert` returns false when the idempotency key is already there. */
export interface SandboxLedger {
  byKey(key: string): Promise<Held | null>;
  byId(providerId: string): Promise<Held | null>;
  byReference(reference: string): Promise<Held[]>;
  /** Created in [fromMs, toMs), oldest first. */
  createdBetween(fromMs: number, toMs: number): Promise<Held[]>;
  insert(key: string, held: Held): Promise<boolean>;
  update(held: Held): Promise<void>;
}

export function memoryLedger(): SandboxLedger {
  const byKey = new Map<string, Held>();
  const byId = new Map<string, Held>();
  const all = () => [...byId.values()].sort((a, b) => a.createdMs - b.createdMs);
  return {
    byKey: async (key) => byKey.get(key) ?? null,
    byId: async (id) => byId.get(id) ?? null,
    byReference: async (reference) => all().filter((h) => h.payout.reference === reference),
    createdBetween: async (from, to) =>
      all().filter((h) => h.createdMs >= from && h.createdMs < to),
    async insert(key, held) {
      if (byKey.has(key)) return false;
      byKey.set(key, held);
      byId.set(held.payout.providerId, held);
      return true;
    },
    update: async () => {}, // the held objects are the ledger's own
  };
}

export interface SandboxProvider extends PayoutProvider {
  readonly name: 'sandbox';
}

function probability(name: string, value: number | undefined): number {
  const p = value ?? 0;
  if (!(p >= 0 && p <= 1))
    throw new RangeError(`sandbox ${name} must be between 0 and 1, not ${value}`);
  return p;
}

/** Same request ⇔ same fingerprint: every field, amount as text, metadata in key order. */
function fingerprint(r: PayoutRequest): string {
  const metadata = Object.keys(r.metadata)
    .sort()
    .map((k) => [k, r.metadata[k]]);
  return JSON.stringify([
    r.reference,
    r.amountMinor.toString(),
    r.currency,
    r.channelCode,
    r.accountNumber,
    r.accountHolderName,
    r.description,
    metadata,
  ]);
}

/** One sandbox's configuration and state: its seed, rates, clock, balances and books. */
interface Sandbox {
  seed: number;
  failureRate: number;
  unknownRate: number;
  settleAfterMs: number;
  now: () => number;
  balances: Map<string, bigint>;
  ledger: SandboxLedger;
}

function sandboxOf(options: SandboxOptions): Sandbox {
  const settleAfterMs = options.settleAfterMs ?? 1000;
  if (!(settleAfterMs >= 0))
    throw new RangeError(`sandbox settleAfterMs must be ≥ 0, not ${settleAfterMs}`);
  return {
    seed: options.seed ?? 1,
    failureRate: probability('failureRate', options.failureRate),
    unknownRate: probability('unknownRate', options.unknownRate),
    settleAfterMs,
    now: options.now ?? Date.now,
    balances: new Map<string, bigint>(Object.entries(options.balances ?? {})),
    ledger: options.ledger ?? memoryLedger(),
  };
}

const digest = (s: Sandbox, purpose: string, key: string): string =>
  createHash('sha256').update(`${s.seed}|${purpose}|${key}`).digest('hex');

/** A uniform draw in [0, 1) from 52 bits of the hash (a probability, not money). */
const draw = (s: Sandbox, purpose: string, key: string): number =>
  Number.parseInt(digest(s, purpose, key).slice(0, 13), 16) / 2 ** 52;

function credit(s: Sandbox, currency: string, amount: bigint): void {
  const current = s.balances.get(currency);
  if (current !== undefined) s.balances.set(currency, current + amount);
}

/**
 * Moves a payout along by the clock (kept in the ledger); failed payouts give their money back.
 */
async function refresh(s: Sandbox, held: Held): Promise<ProviderPayout> {
  const p = held.payout;
  if (p.status !== 'ACCEPTED' && p.status !== 'REQUESTED') return { ...p };
  const age = s.now() - held.createdMs;
  let next: ProviderStatus = p.status;
  if (age >= s.settleAfterMs) next = held.failureCode ? 'FAILED' : 'SUCCEEDED';
  else if (age >= s.settleAfterMs / 2) next = 'REQUESTED';
  if (next !== p.status) {
    p.status = next;
    p.rawStatus = next;
    p.updatedAt = new Date(s.now()).toISOString();
    if (next === 'FAILED') {
      p.failureCode = held.failureCode;
      credit(s, p.currency, p.amountMinor);
    }
    await s.ledger.update(held);
  }
  return { ...p };
}

async function replay(s: Sandbox, existing: Held, request: PayoutRequest): Promise<CreateOutcome> {
  if (existing.fingerprint === fingerprint(request))
    return { kind: 'created', payout: await refresh(s, existing) };
  return {
    kind: 'duplicate',
    message: `sandbox: idempotency key ${request.idempotencyKey} was used for a different request (payout ${existing.payout.providerId})`,
  };
}

/** Why the sandbox refuses this request (nothing is created), or null. */
function refusal(s: Sandbox, request: PayoutRequest): CreateOutcome | null {
  const reject = (code: string, message: string): CreateOutcome => ({
    kind: 'rejected',
    code,
    message: `sandbox: ${message}`,
  });
  if (!request.idempotencyKey)
    return reject('API_VALIDATION_ERROR', 'the idempotency key is empty');
  if (!/^[A-Z]{3}$/.test(request.currency))
    return reject('API_VALIDATION_ERROR', `"${request.currency}" is not an ISO 4217 code`);
  if (request.amountMinor <= 0n || request.amountMinor > MAX_MINOR)
    return reject(
      'API_VALIDATION_ERROR',
      `amount ${request.amountMinor} is not a positive 64-bit amount`,
    );
  const available = s.balances.get(request.currency);
  if (available !== undefined && available < request.amountMinor) {
    return reject(
      'INSUFFICIENT_BALANCE',
      `${request.amountMinor} ${request.currency} minor units needed, ${available} available`,
    );
  }
  return null;
}

/** A new payout as the sandbox keeps it; its fate (fail or not, which code) decided now. */
function newHeld(s: Sandbox, request: PayoutRequest): Held {
  const key = request.idempotencyKey;
  const at = s.now();
  const failureCode =
    draw(s, 'fail', key) < s.failureRate
      ? SANDBOX_FAILURE_CODES[Math.floor(draw(s, 'code', key) * SANDBOX_FAILURE_CODES.length)]!
      : null;
  return {
    payout: {
      providerId: `sbx-${digest(s, 'id', key).slice(0, 24)}`,
      reference: request.reference,
      amountMinor: request.amountMinor,
      currency: request.currency,
      status: 'ACCEPTED',
      rawStatus: 'ACCEPTED',
      failureCode: null,
      createdAt: new Date(at).toISOString(),
      updatedAt: new Date(at).toISOString(),
    },
    fingerprint: fingerprint(request),
    createdMs: at,
    failureCode,
  };
}

async function create(s: Sandbox, request: PayoutRequest): Promise<CreateOutcome> {
  const key = request.idempotencyKey;
  const existing = await s.ledger.byKey(key);
  if (existing) return replay(s, existing, request);
  const refused = refusal(s, request);
  if (refused) return refused;
  const held = newHeld(s, request);
  // Two creates with one key at once: the second finds the first's payout, as a replay would.
  if (!(await s.ledger.insert(key, held))) return replay(s, (await s.ledger.byKey(key))!, request);
  credit(s, request.currency, -request.amountMinor);
  // Only a first create can be "lost": a replay finds the payout, which is how recovery works.
  if (draw(s, 'unknown', key) < s.unknownRate)
    return { kind: 'unknown', reason: 'sandbox: simulated timeout after the payout was created' };
  return { kind: 'created', payout: await refresh(s, held) };
}

async function cancel(s: Sandbox, providerId: string): Promise<ProviderPayout> {
  const held = await s.ledger.byId(providerId);
  if (!held)
    throw new ProviderError('sandbox', 'rejected', `payout ${providerId} not found`, 'NOT_FOUND');
  const current = await refresh(s, held);
  // Like Xendit: only a payout that has not been sent on yet can be cancelled.
  if (current.status !== 'ACCEPTED') return current;
  held.payout.status = 'CANCELLED';
  held.payout.rawStatus = 'CANCELLED';
  held.payout.updatedAt = new Date(s.now()).toISOString();
  credit(s, held.payout.currency, held.payout.amountMinor);
  await s.ledger.update(held);
  return { ...held.payout };
}

export function createSandboxProvider(options: SandboxOptions = {}): SandboxProvider {
  const s = sandboxOf(options);
  return {
    name: 'sandbox',
    create: (request) => create(s, request),
    async get(providerId) {
      const held = await s.ledger.byId(providerId);
      return held ? refresh(s, held) : null;
    },
    async findByReference(reference) {
      return Promise.all((await s.ledger.byReference(reference)).map((h) => refresh(s, h)));
    },
    async balance(currency) {
      return s.balances.get(currency) ?? SANDBOX_UNLIMITED_BALANCE;
    },
    cancel: (providerId) => cancel(s, providerId),
    async channelLimits(channelCode, currency): Promise<ChannelLimits> {
      return { channelCode, currency, minimumMinor: 1n, maximumMinor: null, incrementMinor: 1n };
    },
    async list(from, to) {
      const held = await s.ledger.createdBetween(from.getTime(), to.getTime());
      return { payouts: await Promise.all(held.map((h) => refresh(s, h))), complete: true };
    },
  };
}
