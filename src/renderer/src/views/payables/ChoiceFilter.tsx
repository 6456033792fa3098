/**
 * A column filter that picks one value from a short list (eligible yes/no, a status) — the
 * community edition has no set filter. Its model `{ value }` reaches the infinite row model's
 * datasource in the grid's filter model, where the view maps it to the query's input; rows are
 * never filtered here.
 */
import type { CustomFilterProps } from 'ag-grid-react';
import { useGridFilter } from 'ag-grid-react';
import { useCallback, useId } from 'react';

export interface ChoiceFilterModel {
  value: string;
}

export interface ChoiceFilterParams {
  choices: { value: string; label: string }[];
}

export function ChoiceFilter({
  model,
  onModelChange,
  choices,
  colDef,
}: CustomFilterProps<unknown, unknown, ChoiceFilterModel> & ChoiceFilterParams) {
  // The server filters (infinite row model); every row the grid holds already passes.
  const doesFilterPass = useCallback(() => true, []);
  useGridFilter({ doesFilterPass });
  const name = useId();
  const current = model?.value ?? '';
  return (
    <fieldset className="choice-filter" aria-label={`Filter ${colDef.headerName ?? ''}`}>
      <label className="choice">
        <input
          type="radio"
          name={name}
          checked={current === ''}
          onChange={() => onModelChange(null)}
        />{' '}
        Any
      </label>
      {choices.map((c) => (
        <label key={c.value} className="choice">
          <input
            type="radio"
            name={name}
            checked={current === c.value}
            onChange={() => onModelChange({ value: c.value })}
          />{' '}
          {c.label}
        </label>
      ))}
    </fieldset>
  );
}
