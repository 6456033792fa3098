/**
 * The builder's filters: payout currency, provider, cutoff date and, optionally, named affiliates.
 */
import { affiliateIdsOf, type BuilderFilters, type ProviderChoice } from './types';
import { count } from '../../format';
import { PROVIDER_LABELS, PROVIDERS } from '../common/domain';
import { Select } from '../common/Select';

export function BuilderFiltersForm({
  filters,
  currencies,
  onChange,
}: {
  filters: BuilderFilters;
  currencies: string[];
  onChange(f: BuilderFilters): void;
}) {
  const set = (patch: Partial<BuilderFilters>) => onChange({ ...filters, ...patch });
  const ids = affiliateIdsOf(filters.affiliateIds);
  return (
    <div className="builder-filters" data-testid="builder-filters">
      <Select
        stacked
        label="Payout currency"
        value={filters.currency}
        options={currencies}
        any="All currencies"
        onChange={(currency) => set({ currency })}
        testId="builder-currency"
      />
      <label>
        Provider
        <select
          value={filters.provider}
          onChange={(e) => set({ provider: e.target.value as ProviderChoice })}
          data-testid="builder-provider"
        >
          <option value="">All providers</option>
          {PROVIDERS.map((p) => (
            <option key={p} value={p}>
              {PROVIDER_LABELS[p]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Cutoff (conversions through, UTC)
        <input
          type="date"
          value={filters.cutoff}
          onChange={(e) => set({ cutoff: e.target.value })}
          data-testid="builder-cutoff"
        />
      </label>
      <label className="grow">
        Affiliates (optional){ids.length > 0 ? ` — ${count(ids.length)}` : ''}
        <input
          type="text"
          placeholder="ids separated by commas or spaces; empty: all affiliates"
          value={filters.affiliateIds}
          onChange={(e) => set({ affiliateIds: e.target.value })}
          data-testid="builder-affiliates"
        />
      </label>
    </div>
  );
}
