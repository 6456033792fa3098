/**
 * The batch preview a page at a time, for the builder at real size (100,000 affiliates): the page
 * gets the whole selection's totals and exclusion counts, and rows only a page at a time, sorted
 * and filtered here, never in the page (which used to hold and sort every preview row).
 *
 * The preview itself is computed once per filters (preview.ts: one aggregate query, eligibility
 * decided in code) and kept between requests (console/kept.ts): scrolling, sorting, showing only
 * the excluded rows and searching reuse it. It is built again when a write changes what it was
 * made of (the change log says so), or when it is a minute old — hold periods end with time, and
 * create decides again anyway, from the ledger as it is then.
 *
 * The operator's own exclusions are kept by the page as a short list (`leftOut`, the affiliates
 * they unticked), not as a list of everyone included; create takes the same list.
 */
import { keptResult } from '../console/kept.js';
import type { CentralStore } from '../central/store.js';
import { previewBatch, type Preview, type PreviewFilters, type PreviewRow } from './preview.js';

export const PREVIEW_SORT_FIELDS = ['affiliateId', 'name', 'eligible', 'amountMinor', 'commissionCount', 'heldCount', 'provider', 'channelCode', 'currency'] as const;
export type PreviewSortField = (typeof PREVIEW_SORT_FIELDS)[number];
export const PREVIEW_SHOW = ['all', 'eligible', 'excluded'] as const;

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

export interface PreviewPage extends Omit<Preview, 'rows'> {
  /** Affiliates considered (every row of the preview). */
  considered: number;
  fxPairs: FxPair[];
  /** Rows matching `show` and `search`; `rows` is the page of them. */
  total: number;
  rows: PreviewRow[];
}

/** A kept preview is rebuilt after this long, whatever the change log says (hold periods end). */
const FRESH_MS = 60_000;

/** The tables a preview is made of (their change_log names). */
const SOURCES = ['commissions', 'adjustments', 'affiliates', 'payout_items', 'commission_rules', 'settings'];

/** The preview for these filters at `now`, kept between requests while nothing it was made of changed. */
export function keptPreview(store: CentralStore, filters: PreviewFilters, now: Date): Promise<Preview> {
  const key = `batch.preview ${JSON.stringify({ ...filters, cutoff: filters.cutoff?.toISOString() ?? null })}`;
  return keptResult(store, { key, sources: SOURCES }, (tx) => previewBatch(tx, filters, now), (kept) => {
    const age = now.getTime() - Date.parse(kept.asOf);
    return age >= 0 && age < FRESH_MS;
  });
}

/** Amounts compare within a currency: by currency first, then exactly as bigint (never raw minor units across currencies). */
function compare(field: PreviewSortField): (a: PreviewRow, b: PreviewRow) => number {
  switch (field) {
    case 'amountMinor':
      return (a, b) => a.currency.localeCompare(b.currency) || (BigInt(a.amountMinor) < BigInt(b.amountMinor) ? -1 : BigInt(a.amountMinor) > BigInt(b.amountMinor) ? 1 : 0);
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
  return { ...summary, considered: all.length, fxPairs: fxPairs(preview), total: chosen.length, rows: chosen.slice(o.offset, o.offset + o.limit) };
}

/**
 * The preview's rows filtered and sorted as asked — remembered for the last such request per
 * preview, because the grid asks for the next blocks of the same order as the operator scrolls
 * (sorting 100,000 rows for every block of 200 would be the page's whole wait).
 */
const lastOrder = new WeakMap<Preview, { key: string; rows: PreviewRow[] }>();

function ordered(preview: Preview, o: PreviewPageOptions): PreviewRow[] {
  const term = o.search?.trim().toLowerCase() ?? '';
  const key = JSON.stringify([o.show ?? 'all', term, o.sort ?? null]);
  const last = lastOrder.get(preview);
  if (last?.key === key) return last.rows;
  let chosen = preview.rows.filter((r) => (o.show === 'eligible' ? r.eligible : o.show === 'excluded' ? !r.eligible : true) && (term === '' || r.affiliateId.toLowerCase().includes(term) || r.name.toLowerCase().includes(term)));
  if (o.sort) {
    const by = compare(o.sort.field);
    const sign = o.sort.dir === 'desc' ? -1 : 1;
    // The affiliate id breaks ties: pages of one sort never overlap or skip.
    chosen = chosen.sort((a, b) => sign * by(a, b) || a.affiliateId.localeCompare(b.affiliateId));
  }
  lastOrder.set(preview, { key, rows: chosen });
  return chosen;
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
