/** The "why" every affiliate change asks for: it lands in the audit trail with the change. */
import { FieldError } from '../common/FieldError';

export function ReasonField({
  value,
  onChange,
  problem,
  prompt,
  testId,
}: {
  value: string;
  onChange(value: string): void;
  problem: string | undefined;
  prompt: string;
  testId: string;
}) {
  return (
    <label className="field">
      {prompt}
      <textarea
        value={value}
        onChange={(e) => onChange(e.target.value)}
        rows={2}
        maxLength={500}
        aria-invalid={problem ? true : undefined}
        data-testid={testId}
      />
      <FieldError message={problem} />
      {!problem && value.trim().length < 3 && (
        <span className="muted small">At least 3 characters; it is kept in the audit trail.</span>
      )}
    </label>
  );
}

export const reasonReady = (reason: string) => reason.trim().length >= 3;
