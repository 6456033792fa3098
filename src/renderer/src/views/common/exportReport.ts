/**
 * An accounting export through the host's save dialog (Electron) or a download (browser host),
 * answered as one sentence for a notice: how many rows were written and where they went.
 */
import type { CallInput, ExportName } from '../../../../core/bridge/contract';
import { count } from '../../format';
import { useConsole } from '../../store';

export type ExportPayload<N extends ExportName> = Omit<CallInput<N>, 'out' | 'overwrite'>;

/** What each export's rows are, for the notice. */
const NOUN: Record<ExportName, [string, string]> = {
  'export.payouts': ['payout', 'payouts'],
  'export.commissions': ['commission', 'commissions'],
  'export.payoutItems': ['payout item', 'payout items'],
  'export.auditLog': ['audit entry', 'audit entries'],
  'export.journal': ['journal line', 'journal lines'],
};

/** Resolves to the notice text; throws with the router's message when the export is refused. */
export async function exportReport<N extends ExportName>(name: N, payload: ExportPayload<N>, fileName: string): Promise<{ kind: 'success' | 'info'; text: string }> {
  const r = await window.treasury.exportFile(name, payload, fileName);
  if (r === null) return { kind: 'info', text: 'Export cancelled' };
  if (!r.ok) throw new Error(r.error.message);
  const value = r.value as { rowCount: number; format: string; file: string };
  const where = useConsole.getState().host?.host === 'browser' ? `downloaded as ${fileName}` : `saved to ${value.file}`;
  const [one, many] = NOUN[name];
  return { kind: 'success', text: `Exported ${count(value.rowCount)} ${value.rowCount === 1 ? one : many} (${value.format.toUpperCase()}): ${where}` };
}
