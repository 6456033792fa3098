/**
 * Deterministic demo data: the same (affiliates, conversions, seed, until) always gives the same
 * rows. The markets are the providers' (each descriptor's `demo`): Indonesian and Philippine
 * affiliates are paid through Xendit channels in IDR/PHP, the rest in USD through Rise — except a
 * share of each currency (SANDBOX_SHARE) paid through the sandbox provider, so a demo can be
 * executed end to end with no credentials. A few have no destination, KYC not approved or are
 * suspended; some conversions are pending, refunded or fraudulent. Written with the importers'
 * set-based upserts.
 */
import type { CentralTx } from '../../platform/central/store.js';
import type { DemoMarket } from '../../platform/payments/descriptor.js';
import type { ProviderName } from '../../platform/payments/provider.js';
import { PROVIDERS } from '../providers/registry.js';
import { upsertAffiliates, type AffiliateRow } from '../imports/affiliates.js';
import { upsertConversions, type ConversionRow } from '../imports/conversions.js';
import { compactReportAggregates } from '../reports/aggregates.js';
import { exponentOf, pow10 } from '../../shared/money/index.js';

/** mulberry32: tiny, fast, good enough for demo data, and identical on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A market of the demo: where its affiliates live, their currency, and who pays them. */
interface Market extends DemoMarket {
  provider: ProviderName;
  /** A demo account number on one of its channels (the provider's demo rule). */
  account(channel: string, rand: () => number): string;
}

/** Every provider's demo markets, in the registry's order (Xendit's ID and PH, Rise's US). */
const MARKETS: readonly Market[] = PROVIDERS.flatMap((d) =>
  (d.demo?.markets ?? []).map((m) => ({
    ...m,
    provider: d.name,
    account: d.demo?.account ?? ((_channel: string, rand: () => number) => demoAccount(rand)),
  })),
);

/** A ten-digit account number (a provider without a demo rule of its own). */
function demoAccount(rand: () => number): string {
  return String(Math.floor(rand() * 1e10)).padStart(10, '0');
}

/** The market a roll in [0, 1) falls in: the markets' shares laid end to end. */
function marketOf(roll: number): Market {
  let upTo = 0;
  for (const market of MARKETS) {
    upTo += market.share;
    if (roll < upTo) return market;
  }
  return MARKETS.at(-1)!;
}

/**
 * The provider that takes a share of every market (the sandbox: a demo executes end to end with no
 * credentials), and that share.
 */
const STAND_IN = PROVIDERS.find((d) => d.demo?.shareOfEveryMarket !== undefined);

/** About one affiliate in ten, in every currency, is paid through the sandbox. */
export const SANDBOX_SHARE = STAND_IN?.demo?.shareOfEveryMarket ?? 0;

/**
 * Whether affiliate `index` is paid through the sandbox: a hash of (seed, index), not a draw from
 * the shared stream, so every other value of the demo stays what it was for the same seed.
 */
export function paidThroughSandbox(seed: number, index: number): boolean {
  let h = (Math.imul(index + 1, 0x9e3779b1) ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296 < SANDBOX_SHARE;
}

const PRODUCTS = [
  'starter-plan',
  'pro-plan',
  'enterprise-plan',
  'addon-seats',
  'annual-pro',
] as const;
const DAY = 86_400_000;
const HISTORY_DAYS = 180;

export interface DemoOptions {
  affiliates: number;
  conversions: number;
  seed: number;
  /** Conversions fall in the HISTORY_DAYS days before this instant. */
  until: Date;
}

export function demoAffiliates(options: DemoOptions): { rows: AffiliateRow[]; markets: Market[] } {
  const rand = prng(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const rows: AffiliateRow[] = [];
  const markets: Market[] = [];
  for (let i = 0; i < options.affiliates; i++) {
    const market = marketOf(rand());
    markets.push(market);
    const id = `aff-${String(i + 1).padStart(6, '0')}`;
    const name = `${pick(market.names)} ${i + 1}`;
    const channel = pick(market.channels);
    const hasDestination = rand() >= 0.03;
    const kyc = rand() < 0.05 ? 'pending' : rand() < 0.01 ? 'rejected' : 'approved';
    const status = rand() < 0.02 ? 'suspended' : 'active';
    const account = market.account(channel, rand);
    rows.push({
      id,
      name,
      email: `${id}@affiliates.example`,
      country: market.country,
      currency: market.currency,
      provider: hasDestination
        ? STAND_IN && paidThroughSandbox(options.seed, i)
          ? STAND_IN.name
          : market.provider
        : null,
      channelCode: hasDestination ? channel : null,
      accountNumber: hasDestination ? account : null,
      accountHolderName: hasDestination ? name.toUpperCase() : null,
      status,
      kycStatus: kyc,
    });
  }
  return { rows, markets };
}

/** Generates conversions lazily, in order, so 1,000,000 rows never sit in memory at once. */
export function* demoConversions(
  options: DemoOptions,
  markets: readonly Market[],
): Generator<ConversionRow> {
  const rand = prng(options.seed ^ 0x5bd1e995);
  const until = options.until.getTime();
  for (let i = 0; i < options.conversions; i++) {
    // Some affiliates sell much more than others (skewed pick), as in real programs.
    const a = Math.floor(rand() ** 2 * markets.length);
    const market = markets[a]!;
    const scale = pow10(exponentOf(market.currency));
    const [lo, hi] = market.order;
    const major = BigInt(Math.floor(lo + rand() * (hi - lo)));
    // IDR prices are whole rupiah; others have cents.
    const cents =
      market.currency === 'IDR'
        ? 0n
        : BigInt(Math.floor(rand() * 10 ** exponentOf(market.currency)));
    const gross = major * scale + cents;
    const discount = rand() < 0.2 ? gross / 10n : 0n;
    const occurredAt = until - Math.floor(rand() * HISTORY_DAYS * DAY);
    const roll = rand();
    const status =
      roll < 0.03 ? 'refunded' : roll < 0.04 ? 'fraud' : roll < 0.1 ? 'pending' : 'approved';
    yield {
      id: `cv-${String(i + 1).padStart(8, '0')}`,
      affiliateId: `aff-${String(a + 1).padStart(6, '0')}`,
      occurredAt,
      product: PRODUCTS[Math.floor(rand() * PRODUCTS.length)]!,
      grossMinor: gross,
      discountMinor: discount,
      currency: market.currency,
      status,
      refundedAt:
        status === 'refunded' ? Math.min(until, occurredAt + Math.floor(rand() * 20 * DAY)) : null,
    };
  }
}

/** The demo's rows in the chunks they are written in: affiliates first, then conversions. */
export type DemoChunk =
  | { kind: 'affiliates'; rows: AffiliateRow[] }
  | { kind: 'conversions'; rows: ConversionRow[]; done: number };

export function* demoChunks(options: DemoOptions): Generator<DemoChunk> {
  const { rows, markets } = demoAffiliates(options);
  for (let i = 0; i < rows.length; i += 5000)
    yield { kind: 'affiliates', rows: rows.slice(i, i + 5000) };
  let chunk: ConversionRow[] = [];
  let done = 0;
  for (const c of demoConversions(options, markets)) {
    chunk.push(c);
    if (chunk.length === 10_000) {
      done += chunk.length;
      yield { kind: 'conversions', rows: chunk, done };
      chunk = [];
    }
  }
  if (chunk.length) yield { kind: 'conversions', rows: chunk, done: done + chunk.length };
}

/** Writes one chunk with the importers' set-based upserts. */
export async function writeDemoChunk(tx: CentralTx, chunk: DemoChunk): Promise<void> {
  if (chunk.kind === 'affiliates') await upsertAffiliates(tx, chunk.rows);
  else await upsertConversions(tx, chunk.rows);
}

/** The whole demo in the transaction given (benchmarks build their fixtures so). */
export async function writeDemo(
  tx: CentralTx,
  options: DemoOptions,
): Promise<{ affiliates: number; conversions: number }> {
  for (const chunk of demoChunks(options)) await writeDemoChunk(tx, chunk);
  // Every chunk of random affiliates appended report deltas for thousands of them: fold them once.
  await compactReportAggregates(tx);
  return { affiliates: options.affiliates, conversions: options.conversions };
}
