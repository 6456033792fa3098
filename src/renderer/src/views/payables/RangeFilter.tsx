/**
 * A column filter for a range: amounts typed as the page shows them ("15,000,000", "3,035.01"),
 * or dates. The text goes to the server as typed — the core parses an amount exactly with its
 * currency's exponent and says in words what it cannot read (shown above the grid). Applied when
 * the operator presses Apply or Enter, not on each keystroke.
 */
import type { CustomFilterProps } from 'ag-grid-react';
import { useGridFilter } from 'ag-grid-react';
import { useCallback, useState, type FormEvent } from 'react';

export interface RangeFilterModel {
  min?: string;
  max?: string;
}

export interface RangeFilterParams {
  kind: 'amount' | 'date';
}

export function RangeFilter({
  model,
  onModelChange,
  kind,
  colDef,
}: CustomFilterProps<unknown, unknown, RangeFilterModel> & RangeFilterParams) {
  const doesFilterPass = useCallback(() => true, []);
  useGridFilter({ doesFilterPass });
  const [min, setMin] = useState(model?.min ?? '');
  const [max, setMax] = useState(model?.max ?? '');
  // A model set from outside (a saved view applied) shows in the inputs: adjusted while
  // rendering, as React advises for state that follows a prop.
  const [shown, setShown] = useState(model);
  if (shown !== model) {
    setShown(model);
    setMin(model?.min ?? '');
    setMax(model?.max ?? '');
  }
  const field = colDef.field ?? '';
  const name = colDef.headerName ?? field;
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next: RangeFilterModel = {
      ...(min.trim() ? { min: min.trim() } : {}),
      ...(max.trim() ? { max: max.trim() } : {}),
    };
    onModelChange(next.min === undefined && next.max === undefined ? null : next);
  };
  const input = kind === 'date' ? 'date' : 'text';
  return (
    <form
      className="range-filter"
      aria-label={`Filter ${name}`}
      data-testid={`filter-${field}`}
      onSubmit={apply}
    >
      <label>
        {kind === 'date' ? 'From' : 'At least'}
        <input
          type={input}
          inputMode={kind === 'amount' ? 'decimal' : undefined}
          placeholder={kind === 'amount' ? 'e.g. 1,000.00' : undefined}
          value={min}
          onChange={(e) => setMin(e.target.value)}
          data-testid={`filter-${field}-min`}
        />
      </label>
      <label>
        {kind === 'date' ? 'To' : 'At most'}
        <input
          type={input}
          inputMode={kind === 'amount' ? 'decimal' : undefined}
          placeholder={kind === 'amount' ? 'e.g. 15,000,000' : undefined}
          value={max}
          onChange={(e) => setMax(e.target.value)}
          data-testid={`filter-${field}-max`}
        />
      </label>
      {kind === 'amount' && (
        <span className="muted small">Within one currency: choose it first.</span>
      )}
      <div className="row">
        <button type="submit" className="btn primary small" data-testid={`filter-${field}-apply`}>
          Apply
        </button>
        <button
          type="button"
          className="btn plain small"
          onClick={() => {
            setMin('');
            setMax('');
            onModelChange(null);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
