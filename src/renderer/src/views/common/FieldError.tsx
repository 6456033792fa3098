/** A validation problem under its input (from the router's problems, by field). */
export function FieldError({ message, testId }: { message: string | undefined; testId?: string }) {
  return message ? (
    <span className="field-error" role="alert" data-testid={testId}>
      {message}
    </span>
  ) : null;
}
