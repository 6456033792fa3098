/**
 * "Export this grid", for any grid whose query has an export call: the columns the operator sees,
 * in their order, and the grid's sort go with the view's own filters (`payload`) to the export,
 * which writes every row matching them — not only the blocks the grid has loaded — as CSV with a
 * metadata line (filters, sort, columns, operator, time). It runs as a job, like the report
 * exports (the jobs panel follows it; the browser downloads the file when it is done).
 */
import type { GridApi } from 'ag-grid-community';
import { useState } from 'react';
import type { ExportName } from '../../../core/host/bridge/contract';
import { describeError } from '../api';
import { useConsole } from '../store';
import { exportReport, type ExportPayload } from '../views/common/exportReport';
import { Action } from './Action';

/** The displayed columns' ids, left to right, of those the export knows (`exportable`). */
export function visibleColumns(api: GridApi, exportable: readonly string[]): string[] {
  return api
    .getAllDisplayedColumns()
    .map((c) => c.getColId())
    .filter((id) => exportable.includes(id));
}

/** The grid's first sort, if any. */
export function gridSort(api: GridApi): { field: string; dir: 'asc' | 'desc' } | undefined {
  const sorted = api
    .getColumnState()
    .filter((c) => c.sort)
    .sort((a, b) => (a.sortIndex ?? 0) - (b.sortIndex ?? 0))[0];
  return sorted ? { field: sorted.colId, dir: sorted.sort as 'asc' | 'desc' } : undefined;
}

export function GridExport<N extends ExportName>({
  name,
  api,
  exportable,
  payload,
  fileName,
  testId = 'grid-export',
}: {
  name: N;
  api: GridApi | null | undefined;
  /** Column ids the export can write. */
  exportable: readonly string[];
  /** The export's input from the visible columns and the sort. */
  payload(
    columns: string[],
    sort: { field: string; dir: 'asc' | 'desc' } | undefined,
  ): ExportPayload<N>;
  fileName: string;
  testId?: string;
}) {
  const notify = useConsole((s) => s.notify);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    if (!api) return;
    setBusy(true);
    try {
      const r = await exportReport(
        name,
        payload(visibleColumns(api, exportable), gridSort(api)),
        `${fileName}-${new Date().toISOString().slice(0, 10)}.csv`,
      );
      notify(r.kind, r.text);
    } catch (e) {
      notify('error', describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Action call={name} online onRun={run} busy={busy} testId={testId}>
      Export this grid
    </Action>
  );
}
