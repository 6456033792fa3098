/**
 * A column filter that picks any number of values from a list (currencies, providers, reasons):
 * the community edition has no set filter. Its model `{ values }` reaches the infinite row model's
 * datasource in the grid's filter model, where the view maps it to the query's input; rows are
 * never filtered here (the server does, over every row).
 */
import type { CustomFilterProps } from 'ag-grid-react';
import { useGridFilter } from 'ag-grid-react';
import { useCallback } from 'react';

export interface ChecksFilterModel {
  values: string[];
}

export interface ChecksFilterParams {
  choices: { value: string; label: string }[];
}

export function ChecksFilter({
  model,
  onModelChange,
  choices,
  colDef,
}: CustomFilterProps<unknown, unknown, ChecksFilterModel> & ChecksFilterParams) {
  const doesFilterPass = useCallback(() => true, []);
  useGridFilter({ doesFilterPass });
  const chosen = new Set(model?.values ?? []);
  const toggle = (value: string) => {
    const next = new Set(chosen);
    if (next.has(value)) next.delete(value);
    else next.add(value);
    // In the list's order, so one choice always makes one model (and one saved view).
    const values = choices.map((c) => c.value).filter((v) => next.has(v));
    onModelChange(values.length === 0 ? null : { values });
  };
  const name = colDef.headerName ?? colDef.field ?? '';
  return (
    <fieldset
      className="choice-filter checks-filter"
      aria-label={`Filter ${name}`}
      data-testid={`filter-${colDef.field ?? ''}`}
    >
      {choices.length === 0 && <span className="muted small">Nothing to choose yet</span>}
      {choices.map((c) => (
        <label key={c.value} className="choice">
          <input
            type="checkbox"
            checked={chosen.has(c.value)}
            onChange={() => toggle(c.value)}
            data-value={c.value}
          />{' '}
          {c.label}
        </label>
      ))}
      {chosen.size > 0 && (
        <button type="button" className="btn plain small" onClick={() => onModelChange(null)}>
          Clear
        </button>
      )}
    </fieldset>
  );
}
