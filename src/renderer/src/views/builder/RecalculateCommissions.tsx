/**
 * "Recalculate commissions" before building a batch: runs commissions.calculate (which can take
 * minutes over a million conversions) with a command id of our own, so its progress events — keyed
 * by that id in the store — drive a progress bar while it runs.
 */
import { useState } from 'react';
import { call, describeError } from '../../api';
import { Action } from '../../components/Action';
import { ProgressBar } from '../../components/Panel';
import { count } from '../../format';
import { useConsole } from '../../store';

export function RecalculateCommissions({ onDone }: { onDone(): void }) {
  const [callId, setCallId] = useState<string | null>(null);
  const progress = useConsole((s) => (callId ? s.progress[callId] : undefined));
  const notify = useConsole((s) => s.notify);

  const run = async () => {
    const id = crypto.randomUUID();
    setCallId(id);
    try {
      const r = await call('commissions.calculate', {}, { id });
      notify('success', `Commissions calculated: ${count(r.conversions)} conversions, ${count(r.inserted)} new, ${count(r.updated)} updated, ${count(r.adjustments.created)} adjustments${r.errors.total > 0 ? `, ${count(r.errors.total)} errors` : ''}`);
      onDone();
    } catch (error) {
      notify('error', `Calculation failed: ${describeError(error)}`);
    } finally {
      setCallId(null);
      // Done either way: the progress bar is gone, so is its entry in the store.
      useConsole.getState().endProgress(id);
    }
  };

  return (
    <span className="calc">
      <Action call="commissions.calculate" online onRun={run} busy={callId !== null} testId="builder-calc">
        Recalculate commissions
      </Action>
      {callId !== null && <ProgressBar done={progress?.done ?? 0} total={progress?.total} label={progress?.phase ?? 'starting'} testId="builder-calc-progress" />}
    </span>
  );
}
