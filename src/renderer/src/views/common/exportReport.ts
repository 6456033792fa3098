/**
 * An accounting export through the host's save dialog (Electron) or a download (browser host). It
 * runs as a job: this answers as soon as the job has started (the jobs panel opens and follows it,
 * and the browser fetches the file when it has succeeded), so the operator keeps working meanwhile.
 */
import type { CallInput, ExportName, JobView } from '../../../../core/host/bridge/contract';
import { count } from '../../format';
import { useConsole } from '../../store';

export type ExportPayload<N extends ExportName> = Omit<CallInput<N>, 'out' | 'overwrite'>;

/** What each export's rows are, for the notices and the jobs panel. */
const NOUN: Record<ExportName, [string, string]> = {
  'export.payouts': ['payout', 'payouts'],
  'export.commissions': ['commission', 'commissions'],
  'export.payoutItems': ['payout item', 'payout items'],
  'export.auditLog': ['audit entry', 'audit entries'],
  'export.journal': ['journal line', 'journal lines'],
  'export.payablesGrid': ['payables row', 'payables rows'],
  'export.payoutsGrid': ['payout', 'payouts'],
};

export const isExport = (name: string): name is ExportName => name in NOUN;

/** "Export of commissions" for a job's title. */
export function exportTitle(name: ExportName): string {
  return `Export of ${NOUN[name][1]}`;
}

/** The sentence for a finished export job: how many rows were written and where they went. */
export function exportDone(job: JobView): string {
  const value = job.result as { rowCount: number; format: string; file: string };
  const where =
    useConsole.getState().host?.host === 'browser'
      ? 'downloaded by the browser'
      : `saved to ${value.file}`;
  const [one, many] = NOUN[job.name as ExportName];
  return `Exported ${count(value.rowCount)} ${value.rowCount === 1 ? one : many} (${value.format.toUpperCase()}): ${where}`;
}

/** Resolves to the notice text; throws with the router's message when the export is refused. */
export async function exportReport<N extends ExportName>(
  name: N,
  payload: ExportPayload<N>,
  fileName: string,
): Promise<{ kind: 'success' | 'info'; text: string; jobId?: string }> {
  const r = await window.treasury.exportFile(name, payload, fileName);
  if (r === null) return { kind: 'info', text: 'Export cancelled' };
  if (!r.ok) throw new Error(r.error.message);
  useConsole.getState().jobStarted(r.value, r.download);
  return {
    kind: 'info',
    text: `${exportTitle(name)} started: it runs under Jobs while you keep working`,
    // The caller follows the job's progress (the button says "Exporting… n%").
    jobId: r.value.id,
  };
}
