/**
 * The payout-items export through the host's save dialog (Electron) or a download (browser host),
 * answered as one sentence for a notice: how many rows were written and where they went.
 */
import type { CallInput } from '../../../../core/bridge/contract';
import { count } from '../../format';
import { useConsole } from '../../store';

export type ExportPayload = Omit<CallInput<'export.payoutItems'>, 'out' | 'overwrite'>;

/** Resolves to the notice text; throws with the router's message when the export is refused. */
export async function exportPayoutItems(payload: ExportPayload, fileName: string): Promise<{ kind: 'success' | 'info'; text: string }> {
  const r = await window.treasury.exportFile('export.payoutItems', payload, fileName);
  if (r === null) return { kind: 'info', text: 'Export cancelled' };
  if (!r.ok) throw new Error(r.error.message);
  const where = useConsole.getState().host?.host === 'browser' ? `downloaded as ${fileName}` : `saved to ${r.value.file}`;
  return { kind: 'success', text: `Exported ${count(r.value.rowCount)} payout item${r.value.rowCount === 1 ? '' : 's'} (${r.value.format.toUpperCase()}): ${where}` };
}
