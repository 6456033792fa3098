/**
 * A state shown the same way everywhere: a pill whose colour says good, bad, waiting or moving.
 * The text is the state in words (words.ts); the router's own value is on hover (title) and in
 * `data-status`, so a question to support or a look at the audit log can still name it exactly.
 */
import type { ICellRendererParams } from 'ag-grid-community';
import { statusTone } from './domain';
import { statusInWords } from './words';

export function StatusPill({
  status,
  testId,
}: {
  status: string | null | undefined;
  testId?: string;
}) {
  if (!status) return null;
  return (
    <span
      className={`status pill tone-${statusTone(status)}`}
      data-testid={testId}
      data-status={status}
      title={`Status: ${status}`}
    >
      {statusInWords(status)}
    </span>
  );
}

/** For AG Grid's cellRenderer. */
export function StatusCell(p: ICellRendererParams) {
  return <StatusPill status={p.value as string | null} />;
}
