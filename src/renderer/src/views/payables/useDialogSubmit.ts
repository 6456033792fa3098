/**
 * A form dialog's sending: busy while the call runs, the dialog closes when it succeeds, and when
 * the router refuses, each problem goes under the field it names; the message is shown as a whole
 * too when some of it has no field in this form (so nothing the router said is lost).
 */
import { useState, type FormEvent } from 'react';
import { describeError } from '../../api';
import { problemsByField } from '../common/problems';

export interface DialogSubmit {
  busy: boolean;
  error: string | null;
  problems: Record<string, string>;
  submit(e: FormEvent): void;
}

export function useDialogSubmit(
  fields: readonly string[],
  send: () => Promise<void>,
  onClose: () => void,
): DialogSubmit {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setProblems({});
    send()
      .then(onClose)
      .catch((err: unknown) => {
        const byField = problemsByField(err);
        const placed = Object.fromEntries(
          Object.entries(byField).filter(([field]) => fields.includes(field)),
        );
        const allPlaced =
          Object.keys(placed).length > 0 &&
          Object.keys(placed).length === Object.keys(byField).length;
        setProblems(placed);
        setError(allPlaced ? null : describeError(err));
        setBusy(false);
      });
  };
  return { busy, error, problems, submit };
}
