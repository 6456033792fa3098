/** The batch builder's data as it crosses the bridge, and the filters the operator sets. */
import type { CallInput, CallOutput } from '../../../../core/host/bridge/contract';
import type { ProviderName } from '../common/domain';

/**
 * The whole selection's totals, exclusion counts and FX pairs (a preview page asked with limit 0).
 */
export type Preview = Omit<CallOutput<'batch.previewPage'>, 'rows'>;
export type PreviewRow = CallOutput<'batch.previewPage'>['rows'][number];
export type CreateResult = CallOutput<'batch.create'>;
export type PreviewInput = CallInput<'batch.preview'>;

/** A provider to build for, or '' for all of them. */
export type ProviderChoice = '' | ProviderName;

/** The builder's filters as typed (strings), before they become the query's input. */
export interface BuilderFilters {
  currency: string;
  provider: ProviderChoice;
  /** YYYY-MM-DD: conversions up to the end of that day (UTC). Empty: no cutoff. */
  cutoff: string;
  /** Affiliate ids separated by commas, spaces or new lines. Empty: every affiliate. */
  affiliateIds: string;
}

export const NO_FILTERS: BuilderFilters = {
  currency: '',
  provider: '',
  cutoff: '',
  affiliateIds: '',
};

export function affiliateIdsOf(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
}

/** Filters + FX rates → the input shared by batch.preview and batch.create. */
export function previewInput(
  filters: BuilderFilters,
  fxRates: Record<string, string>,
): PreviewInput {
  const ids = affiliateIdsOf(filters.affiliateIds);
  const rates = Object.fromEntries(
    Object.entries(fxRates)
      .filter(([, v]) => v.trim() !== '')
      .map(([k, v]) => [k, v.trim()]),
  );
  return {
    ...(filters.currency ? { currency: filters.currency } : {}),
    ...(filters.provider ? { provider: filters.provider } : {}),
    // A cutoff date includes the whole day: conversions up to its last millisecond (UTC).
    ...(filters.cutoff ? { cutoff: `${filters.cutoff}T23:59:59.999Z` } : {}),
    ...(ids.length > 0 ? { affiliateIds: ids } : {}),
    ...(Object.keys(rates).length > 0 ? { fxRates: rates } : {}),
  };
}
