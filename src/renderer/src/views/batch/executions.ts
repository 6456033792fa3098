/**
 * Executions started from this console, by batch. `batch.execute` is one long call; the operator
 * may leave the batch and come back while it runs, so which call belongs to which batch (and how it
 * ended) lives here rather than in the view. Progress itself streams into the console store under
 * the call id.
 */
import { create } from 'zustand';
import { callWithStepUp, describeError } from '../../api';
import type { CallOutput } from '../../../../core/host/bridge/contract';
import { count } from '../../format';
import { useConsole } from '../../store';

export type ExecuteResult = CallOutput<'batch.execute'>;

export interface Execution {
  callId: string;
  startedAt: string;
  result?: ExecuteResult;
  error?: string;
  finishedAt?: string;
}

interface Executions {
  byBatch: Record<string, Execution>;
  start(batchId: string, number: string): Promise<void>;
}

export const useExecutions = create<Executions>((set, get) => ({
  byBatch: {},
  async start(batchId, number) {
    if (get().byBatch[batchId] && !get().byBatch[batchId]!.finishedAt) return;
    const callId = crypto.randomUUID();
    const put = (e: Partial<Execution>) =>
      set((s) => ({ byBatch: { ...s.byBatch, [batchId]: { ...s.byBatch[batchId]!, ...e } } }));
    set((s) => ({
      byBatch: { ...s.byBatch, [batchId]: { callId, startedAt: new Date().toISOString() } },
    }));
    const notify = useConsole.getState().notify;
    try {
      const result = await callWithStepUp('batch.execute', { batch: batchId }, { id: callId });
      put({ result, finishedAt: new Date().toISOString() });
      const p = result.payouts;
      notify(
        p.failed > 0 ? 'error' : 'success',
        `Batch ${number}: ${result.status} — ${count(p.succeeded)} succeeded, ${count(p.failed)} failed${p.accepted + p.unknown + p.pending > 0 ? `, ${count(p.accepted + p.unknown + p.pending)} still with the provider` : ''}`,
      );
    } catch (error) {
      put({ error: describeError(error), finishedAt: new Date().toISOString() });
      notify('error', `Batch ${number} not executed: ${describeError(error)}`);
    } finally {
      // After finishedAt is set (the batch view stops reading live progress then): a call that
      // failed midway (e.g. pre-flight) never sends a 'done' event, and would otherwise stay on the
      // dashboard as "running from this console".
      useConsole.getState().endProgress(callId);
    }
  },
}));

export function useExecution(batchId: string | null): Execution | undefined {
  return useExecutions((s) => (batchId ? s.byBatch[batchId] : undefined));
}
