/**
 * Every Xendit payout of a period, for reconciliation. `GET /v2/payouts` cannot list a period (its
 * one query, `reference_id`, is required), so the period comes from the Transactions API
 * (`GET /transactions?types=DISBURSEMENT&created[gte]=…&created[lte]=…`, paged with `after_id`):
 * each transaction names its payout (`product_id` = `disb-…`, `reference_id`), and payouts whose
 * transaction status cannot say the payout status are read with `get` (see
 * payoutStatusOfTransaction).
 */
import { mapLimit, RateGate } from '../../../platform/payments/pool.js';
import {
  ProviderError,
  type ProviderPayout,
  type ProviderStatus,
} from '../../../platform/payments/provider.js';
import type { XenditHttp } from './http.js';
import { MAX_PAGES, readPayout } from './lookup.js';
import {
  byCreatedAt,
  describeIssues,
  payoutStatusOfTransaction,
  toProviderPayout,
  transactionPageSchema,
  transactionSchema,
  XENDIT_PAYOUT_TRANSACTION_TYPE,
  type TransactionJson,
} from './wire.js';

/**
 * Transactions per page when listing a period. The API defaults to 10 and its reference states no
 * ceiling we could verify; 50 stays modest (paging follows `has_more` whatever a page holds).
 */
const TRANSACTION_PAGE_SIZE = 50;
/**
 * Status lookups (`get`) for listed payouts whose transaction cannot say their status: a few at a
 * time (Xendit rate-limits per account and endpoint), at most this many per listing — beyond, the
 * listing is incomplete rather than a burst of thousands of reads.
 */
const STATUS_LOOKUP_CONCURRENCY = 3;
const MAX_STATUS_LOOKUPS = 2_000;

/** The query of one `GET /transactions` page: payout transactions created in the period. */
function transactionQuery(from: Date, to: Date, afterId: string | null): URLSearchParams {
  // The API's date filter has gte/lte only: `lte` the period's end, and the half-open [from, to)
  // is kept locally (payoutTransactions), so a payout at exactly `to` belongs to the next period.
  const query = new URLSearchParams({
    types: XENDIT_PAYOUT_TRANSACTION_TYPE,
    'created[gte]': from.toISOString(),
    'created[lte]': to.toISOString(),
    limit: String(TRANSACTION_PAGE_SIZE),
  });
  if (afterId !== null) query.set('after_id', afterId);
  return query;
}

/**
 * A transaction as a payout with `status` (a payout status, or the transaction's own text when
 * unresolved).
 */
function transactionPayout(tx: TransactionJson, status: string): ProviderPayout | string {
  const payout = toProviderPayout({
    id: tx.product_id,
    reference_id: tx.reference_id ?? '',
    amount: tx.amount,
    currency: tx.currency,
    status,
    failure_code: null,
    created: tx.created ?? null,
    updated: tx.updated ?? null,
  });
  return typeof payout === 'string' ? `transaction ${tx.id}: ${payout}` : payout;
}

/**
 * A transaction without a readable creation time is kept: better shown than missed by
 * reconciliation.
 */
function createdWithin(created: string | null | undefined, from: Date, to: Date): boolean {
  const at = created ? Date.parse(created) : Number.NaN;
  return Number.isNaN(at) || (at >= from.getTime() && at < to.getTime());
}

type Listed = { tx: TransactionJson; status: ProviderStatus | null };

/**
 * The payouts among `all`: payout-type transactions created in [from, to), one per payout
 * (`product_id`). Two transactions naming one payout with different statuses leave the status
 * open (null): only the payout itself can settle which is current.
 */
function payoutTransactions(all: readonly TransactionJson[], from: Date, to: Date): Listed[] {
  const byProduct = new Map<string, Listed>();
  for (const tx of all) {
    // The server filters by type already; a transaction of another type is money but not a payout.
    if (tx.type !== XENDIT_PAYOUT_TRANSACTION_TYPE || !createdWithin(tx.created, from, to))
      continue;
    const status = payoutStatusOfTransaction(tx.status);
    const prior = byProduct.get(tx.product_id);
    byProduct.set(
      tx.product_id,
      prior === undefined || prior.status === status ? { tx, status } : { tx, status: null },
    );
  }
  return [...byProduct.values()];
}

/** Payouts and the problems met while building them (each problem makes a listing incomplete). */
class Collected {
  readonly payouts: ProviderPayout[] = [];
  readonly problems: string[] = [];
  add(payout: ProviderPayout | string): void {
    if (typeof payout === 'string') this.problems.push(payout);
    else this.payouts.push(payout);
  }
}

/**
 * Every payout created in [from, to), through the Transactions API (see the module comment). A
 * page that fails, a transaction that is not exact, or a payout whose status could not be read
 * makes the answer incomplete, with the reasons in `problem`; what was read is still returned.
 */
export async function listPeriod(
  http: XenditHttp,
  from: Date,
  to: Date,
): Promise<{ payouts: ProviderPayout[]; complete: boolean; problem?: string }> {
  const gate = new RateGate();
  const walk = await walkTransactions(http, from, to, gate);
  const collected = new Collected();
  if (walk.problem !== undefined) collected.problems.push(walk.problem);
  const open: TransactionJson[] = [];
  for (const { tx, status } of payoutTransactions(walk.transactions, from, to)) {
    if (status === null) open.push(tx);
    else collected.add(transactionPayout(tx, status));
  }
  await readStatuses(http, open, gate, collected);
  const payouts = byCreatedAt(collected.payouts);
  if (collected.problems.length === 0) return { payouts, complete: true };
  return { payouts, complete: false, problem: http.redact(collected.problems.join('; ')) };
}

/**
 * The period's payout transactions page by page (`has_more` + `after_id`); stops at the first
 * failure.
 */
async function walkTransactions(
  http: XenditHttp,
  from: Date,
  to: Date,
  gate: RateGate,
): Promise<{ transactions: TransactionJson[]; problem?: string }> {
  const transactions: TransactionJson[] = [];
  let afterId: string | null = null;
  for (let page = 1; page <= MAX_PAGES; page++) {
    let answer: { items: TransactionJson[]; hasMore: boolean };
    try {
      answer = await transactionPage(http, transactionQuery(from, to, afterId), gate);
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      return { transactions, problem: `page ${page}: ${error.message}` };
    }
    transactions.push(...answer.items);
    if (!answer.hasMore) return { transactions };
    const last = answer.items.at(-1)?.id ?? null;
    if (last === null || last === afterId) {
      return {
        transactions,
        problem: `page ${page}: Xendit said there is more but the cursor did not advance`,
      };
    }
    afterId = last;
  }
  return { transactions, problem: `stopped after ${MAX_PAGES} pages` };
}

/** One page of `GET /transactions`; throws ProviderError when it cannot be read whole. */
async function transactionPage(
  http: XenditHttp,
  query: URLSearchParams,
  gate: RateGate,
): Promise<{ items: TransactionJson[]; hasMore: boolean }> {
  const { status, json } = await http.readPatiently(`/transactions?${query}`, gate);
  if (status >= 400) throw http.rejection(status, json);
  const page = transactionPageSchema.safeParse(json);
  if (!page.success) throw http.invalid(`transaction list: ${describeIssues(page.error)}`);
  const items: TransactionJson[] = [];
  for (const [i, item] of page.data.data.entries()) {
    const tx = transactionSchema.safeParse(item);
    if (!tx.success)
      throw http.invalid(`transaction list item ${i + 1}: ${describeIssues(tx.error)}`);
    items.push(tx.data);
  }
  // has_more is required by the SDK's model; without it a full page means "maybe more".
  return { items, hasMore: page.data.has_more ?? items.length >= TRANSACTION_PAGE_SIZE };
}

/**
 * Reads the payouts of `open` transactions (status PENDING or unknown) with `get`, a few at a
 * time and all pausing together on a 429. A payout `get` does not know (not a Payouts v2 id, e.g.
 * a legacy disbursement) keeps the transaction's own status text (OTHER, non-terminal); one that
 * could not be read does too, and makes the listing incomplete.
 */
async function readStatuses(
  http: XenditHttp,
  open: readonly TransactionJson[],
  gate: RateGate,
  into: Collected,
): Promise<void> {
  const read = (path: string) => http.readPatiently(path, gate);
  const failures: string[] = [];
  const looked = await mapLimit(
    open.slice(0, MAX_STATUS_LOOKUPS),
    STATUS_LOOKUP_CONCURRENCY,
    async (tx) => {
      try {
        return (await readPayout(http, tx.product_id, read)) ?? transactionPayout(tx, tx.status);
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        failures.push(`${tx.product_id}: ${error.message}`);
        return transactionPayout(tx, tx.status);
      }
    },
  );
  // Added in the provider's order, not as the lookups finish: payouts created in the same
  // millisecond keep it through the sort by creation time.
  for (const payout of looked) into.add(payout);
  for (const tx of open.slice(MAX_STATUS_LOOKUPS)) into.add(transactionPayout(tx, tx.status));
  if (failures.length > 0)
    into.problems.push(
      `the status of ${failures.length} payout(s) could not be read (first: ${failures[0]})`,
    );
  if (open.length > MAX_STATUS_LOOKUPS) {
    into.problems.push(
      `${open.length - MAX_STATUS_LOOKUPS} payout(s) with a pending transaction were not looked up (at most ${MAX_STATUS_LOOKUPS} per listing)`,
    );
  }
}
