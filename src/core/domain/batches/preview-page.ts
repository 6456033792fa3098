/**
 * The batch preview a page at a time, for the builder at real size (100,000 affiliates): the page
 * gets the whole selection's totals and exclusion counts, and rows only a page at a time, sorted
 * and filtered here, never in the page (which used to hold and sort every preview row).
 *
 * The preview itself is computed once per filters (preview.ts: one aggregate query, eligibility
 * decided in code) and kept between requests (console/kept.ts): scrolling, sorting, showing only
 * the excluded rows and searching reuse it. It is built again when a write changes what it was
 * made of (the change log says so), when a later rule version comes into force, or — where some
 * payable commissions are still in their hold — when it is a minute old: holds end with time.
 * Create decides again anyway, from the ledger as it is then.
 *
 * The operator's own exclusions are kept by the page as a short list (`leftOut`, the affiliates
 * they unticked), not as a list of everyone included; create takes the same list.
 */
import { keptResult } from '../../platform/query/kept.js';
import { sql } from 'drizzle-orm';
import { rows, type CentralStore, type CentralTx } from '../../platform/central/store.js';
import { previewBatch, type Preview, type PreviewFilters, type PreviewRow } from './preview.js';

export const PREVIEW_SORT_FIELDS = [
  'affiliateId',
  'name',
  'eligible',
  'amountMinor',
  'commissionCount',
  'heldCount',
  'provider',
  'channelCode',
  'currency',
] as const;
export type PreviewSortField = (typeof PREVIEW_SORT_FIELDS)[number];
export const PREVIEW_SHOW = ['all', 'eligible', 'excluded', 'highValue'] as const;

export interface PreviewPageOptions {
  offset: number;
  limit: number;
  sort?: { field: PreviewSortField; dir: 'asc' | 'desc' } | undefined;
  show?: (typeof PREVIEW_SHOW)[number] | undefined;
  /** Part of an affiliate's id or name (case-insensitive). */
  search?: string | undefined;
}

/** A currency pair the preview converts: how many affiliates it concerns, how many lack a rate. */
export interface FxPair {
  pair: string;
  affiliates: number;
  missing: number;
}

/**
 * The eligible payouts at or above their high-value threshold: any one of them makes the batch need
 * two approvers holding batches.approve_high_value (thresholds.ts). Shown before creation.
 */
export interface HighValueSummary {
  /** How many eligible rows are high value. */
  count: number;
  /** The first of them (by affiliate), for the line above the create button. */
  rows: { affiliateId: string; name: string; amountMinor: string; currency: string }[];
}

const HIGH_VALUE_LISTED = 20;

export interface PreviewPage extends Omit<Preview, 'rows'> {
  /** Affiliates considered (every row of the preview). */
  considered: number;
  fxPairs: FxPair[];
  highValue: HighValueSummary;
  /** Rows matching `show` and `search`; `rows` is the page of them. */
  total: number;
  rows: PreviewRow[];
}

/**
 * A kept preview some of whose payable commissions may still be in their hold is rebuilt after this
 * long, whatever the change log says: holds end with time. Without such commissions, time alone
 * changes a preview only when a later rule version comes into force.
 */
const FRESH_MS = 60_000;

/** The tables a preview is made of (their change_log names). */
const SOURCES = [
  'commissions',
  'adjustments',
  'affiliates',
  'payout_items',
  'commission_rules',
  'settings',
];

/**
 * The preview for these filters at `now`, kept between requests while nothing it was made of
 * changed.
 */
export async function keptPreview(
  store: CentralStore,
  filters: PreviewFilters,
  now: Date,
): Promise<Preview> {
  const key = `batch.preview ${JSON.stringify({ ...filters, cutoff: filters.cutoff?.toISOString() ?? null })}`;
  const kept = await keptResult(
    store,
    { key, sources: SOURCES },
    async (tx) => ({
      preview: await previewBatch(tx, filters, now),
      ...(await changesWithTime(tx, now)),
    }),
    (k) => {
      const age = now.getTime() - Date.parse(k.preview.asOf);
      if (age < 0) return false;
      if (k.holdsAhead && age >= FRESH_MS) return false;
      return k.nextRules === null || now.getTime() < k.nextRules;
    },
  );
  return kept.preview;
}

/**
 * What can change a preview with time alone: payable commissions still in their hold, a later rule
 * version.
 */
async function changesWithTime(
  tx: CentralTx,
  now: Date,
): Promise<{ holdsAhead: boolean; nextRules: number | null }> {
  const at = now.toISOString();
  const [r] = await rows<{ ahead: boolean; next_rules: Date | string | null }>(
    tx,
    sql`SELECT EXISTS (SELECT 1 FROM open_commissions WHERE available_until > ${at}::timestamptz) AS ahead,
               (SELECT min(effective_from) FROM commission_rules WHERE effective_from > ${at}::timestamptz) AS next_rules`,
  );
  return {
    holdsAhead: r!.ahead === true,
    nextRules: r!.next_rules === null ? null : new Date(r!.next_rules).getTime(),
  };
}

/**
 * Amounts compare within a currency: by currency first, then exactly as bigint (never raw minor
 * units across currencies).
 */
function compare(field: PreviewSortField): (a: PreviewRow, b: PreviewRow) => number {
  switch (field) {
    case 'amountMinor': {
      // Parsed once per row, not twice per comparison (a sort of 100,000 rows makes ~1.7 million).
      const amounts = new Map<PreviewRow, bigint>();
      const amount = (r: PreviewRow) =>
        amounts.get(r) ?? amounts.set(r, BigInt(r.amountMinor)).get(r)!;
      return (a, b) =>
        a.currency.localeCompare(b.currency) ||
        (amount(a) < amount(b) ? -1 : amount(a) > amount(b) ? 1 : 0);
    }
    case 'eligible':
      return (a, b) => Number(a.eligible) - Number(b.eligible);
    case 'commissionCount':
    case 'heldCount':
      return (a, b) => a[field] - b[field];
    default:
      return (a, b) => (a[field] ?? '').localeCompare(b[field] ?? '');
  }
}

/** One page of a preview, with the whole preview's totals, exclusion counts and FX pairs. */
export function pagePreview(preview: Preview, o: PreviewPageOptions): PreviewPage {
  const { rows: all, ...summary } = preview;
  const chosen = ordered(preview, o);
  return {
    ...summary,
    considered: all.length,
    fxPairs: fxPairs(preview),
    highValue: highValueOf(preview),
    total: chosen.length,
    rows: chosen.slice(o.offset, o.offset + o.limit),
  };
}

/**
 * The preview's rows filtered and sorted as asked — the last few such orders remembered per
 * preview, because the grid asks for the next blocks of the same order as the operator scrolls,
 * and goes back and forth between a sort and a filter (sorting 100,000 rows for every block of 200
 * would be the page's whole wait).
 */
const orders = new WeakMap<Preview, Map<string, PreviewRow[]>>();
const REMEMBERED_ORDERS = 4;

function ordered(preview: Preview, o: PreviewPageOptions): PreviewRow[] {
  const term = o.search?.trim().toLowerCase() ?? '';
  const key = JSON.stringify([o.show ?? 'all', term, o.sort ?? null]);
  const remembered = orders.get(preview) ?? orders.set(preview, new Map()).get(preview)!;
  const known = remembered.get(key);
  if (known) {
    remembered.delete(key); // the most recently used last
    remembered.set(key, known);
    return known;
  }
  let chosen = preview.rows.filter(
    (r) =>
      shows(o.show, r) &&
      (term === '' ||
        r.affiliateId.toLowerCase().includes(term) ||
        r.name.toLowerCase().includes(term)),
  );
  if (o.sort) {
    const by = compare(o.sort.field);
    const sign = o.sort.dir === 'desc' ? -1 : 1;
    // The affiliate id breaks ties: pages of one sort never overlap or skip.
    chosen = chosen.sort((a, b) => sign * by(a, b) || a.affiliateId.localeCompare(b.affiliateId));
  }
  remembered.set(key, chosen);
  if (remembered.size > REMEMBERED_ORDERS) remembered.delete(remembered.keys().next().value!);
  return chosen;
}

function shows(show: PreviewPageOptions['show'], r: PreviewRow): boolean {
  if (show === 'eligible') return r.eligible;
  if (show === 'excluded') return !r.eligible;
  if (show === 'highValue') return r.eligible && r.highValue;
  return true;
}

const highValueKept = new WeakMap<Preview, HighValueSummary>();

/** The preview's eligible high-value rows, counted once per preview (every page carries them). */
function highValueOf(preview: Preview): HighValueSummary {
  const known = highValueKept.get(preview);
  if (known) return known;
  const high = preview.rows.filter((r) => r.eligible && r.highValue);
  const summary = {
    count: high.length,
    rows: high
      .slice()
      .sort((a, b) => (a.affiliateId < b.affiliateId ? -1 : a.affiliateId > b.affiliateId ? 1 : 0))
      .slice(0, HIGH_VALUE_LISTED)
      .map((r) => ({
        affiliateId: r.affiliateId,
        name: r.name,
        amountMinor: r.amountMinor,
        currency: r.currency,
      })),
  };
  highValueKept.set(preview, summary);
  return summary;
}

const pairsOf = new WeakMap<Preview, FxPair[]>();

/** The currency pairs the preview converts (once per preview: every page carries them). */
function fxPairs(preview: Preview): FxPair[] {
  const known = pairsOf.get(preview);
  if (known) return known;
  const list = countPairs(preview.rows);
  pairsOf.set(preview, list);
  return list;
}

function countPairs(rows: readonly PreviewRow[]): FxPair[] {
  const pairs = new Map<string, FxPair>();
  for (const r of rows) {
    if (r.sourceCurrency === r.currency) continue;
    const pair = `${r.sourceCurrency}/${r.currency}`;
    const p = pairs.get(pair) ?? { pair, affiliates: 0, missing: 0 };
    p.affiliates++;
    if (r.reasons.includes('fx_rate_missing')) p.missing++;
    pairs.set(pair, p);
  }
  return [...pairs.values()].sort((a, b) => a.pair.localeCompare(b.pair));
}
