/** A labelled select for filters and forms; '' stands for "any" when `any` is given. */
export interface SelectProps {
  label: string;
  value: string;
  options: readonly (string | { value: string; label: string })[];
  onChange(value: string): void;
  any?: string;
  testId?: string;
  disabled?: boolean;
  /** Label above the control (forms) instead of beside it (toolbars). */
  stacked?: boolean;
}

export function Select({
  label,
  value,
  options,
  onChange,
  any,
  testId,
  disabled,
  stacked,
}: SelectProps) {
  return (
    <label className={stacked ? undefined : 'inline'}>
      {label}
      <select
        value={value}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testId}
        disabled={disabled}
      >
        {any !== undefined && <option value="">{any}</option>}
        {options.map((o) => {
          const { value: v, label: l } = typeof o === 'string' ? { value: o, label: o } : o;
          return (
            <option key={v} value={v}>
              {l}
            </option>
          );
        })}
      </select>
    </label>
  );
}
