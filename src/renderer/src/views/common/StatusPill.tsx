/**
 * A state shown the same way everywhere: a pill whose colour says good, bad, waiting or moving.
 * The text is the state as the router names it (underscores as spaces, also in `data-status` as
 * is); CSS sets it in sentence case, which is narrower and calmer than capitals in a dense grid.
 */
import type { ICellRendererParams } from 'ag-grid-community';
import { statusTone } from './domain';

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
    >
      {status.replace(/_/g, ' ')}
    </span>
  );
}

/** For AG Grid's cellRenderer. */
export function StatusCell(p: ICellRendererParams) {
  return <StatusPill status={p.value as string | null} />;
}
