/**
 * What an execution is doing, in words that are true: a running call says its phase; a batch left
 * EXECUTING with nothing running says exactly what is left (or that retries wait to be sent), and
 * "executing elsewhere" is said only while another executor holds a live lease. An operator who
 * reads "executing" when nothing runs waits for something that will never finish.
 */
import type { ProgressEvent } from '../../../../core/host/bridge/contract';
import { count, money, when } from '../../format';
import {
  liveLease,
  metaOf,
  payoutsIn,
  whatExecuteSends,
  type BatchShown,
  type CurrencySum,
} from './batchRules';

export type SituationKind =
  | 'starting'
  | 'running'
  | 'elsewhere'
  | 'retries_queued'
  | 'interrupted'
  | 'waiting'
  | 'not_sent'
  | 'settled';

export interface Situation {
  kind: SituationKind;
  /** A short label for the progress bar. */
  label: string;
  /** The whole truth, when there is more to say than the label. */
  sentence: string | null;
}

/** The executor's phases (core/execution/executor.ts) as the operator reads them. */
const PHASES: Record<string, string> = {
  preflight: 'Pre-flight checks',
  sending: 'Sending',
  waiting: 'Waiting for the provider',
  done: 'Settled',
};

/** "PHP 12,345.00" or "PHP 12,345.00 and IDR 5,000.00". */
export function sumsText(sums: readonly CurrencySum[]): string {
  const parts = sums.map((s) => money(s.amountMinor, s.currency));
  return parts.length <= 1
    ? (parts[0] ?? 'nothing')
    : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

export const payoutsWord = (n: number) => `${count(n)} payout${n === 1 ? '' : 's'}`;

export function situationOf(
  batch: BatchShown,
  running: boolean,
  progress: ProgressEvent | undefined,
  now = Date.now(),
): Situation {
  if (running)
    return progress
      ? { kind: 'running', label: PHASES[progress.phase] ?? progress.phase, sentence: null }
      : { kind: 'starting', label: 'Starting', sentence: null };
  if (batch.status === 'APPROVED') return { kind: 'not_sent', label: 'Not sent', sentence: null };
  if (batch.status !== 'EXECUTING') return { kind: 'settled', label: 'Settled', sentence: null };
  const lease = liveLease(batch, now);
  if (lease)
    return {
      kind: 'elsewhere',
      label: 'Executing elsewhere',
      sentence: `Executing elsewhere: ${lease.owner} holds the batch until ${when(lease.expiresAt)} (it renews while it runs).`,
    };
  return leftOver(batch);
}

/** An EXECUTING batch nobody is executing: what executing it would do. */
function leftOver(batch: BatchShown): Situation {
  const { pending, unknown, withProvider } = whatExecuteSends(batch);
  const [toSend, unanswered] = [payoutsIn(pending), payoutsIn(unknown)];
  // A batch that had finished (completed_at) and is EXECUTING again was reopened by a retry.
  const reopened = typeof metaOf(batch).completed_at === 'string';
  if (reopened && unanswered === 0 && withProvider === 0 && toSend > 0) {
    return {
      kind: 'retries_queued',
      label: 'Retries queued',
      sentence: `Retries queued: execute to send ${payoutsWord(toSend)} (${sumsText(pending)}).`,
    };
  }
  if (toSend === 0 && unanswered === 0 && withProvider > 0) {
    return {
      kind: 'waiting',
      label: 'Waiting for the provider',
      sentence: `Nothing left to send; ${payoutsWord(withProvider)} with the provider, not settled yet — Resume to look them up and finish.`,
    };
  }
  const parts: string[] = [];
  if (toSend > 0) parts.push(`${payoutsWord(toSend)} not yet sent (${sumsText(pending)})`);
  if (unanswered > 0)
    parts.push(
      `${payoutsWord(unanswered)} sent without an answer (${sumsText(unknown)}; resent with the same key)`,
    );
  if (withProvider > 0) parts.push(`${count(withProvider)} with the provider`);
  return {
    kind: 'interrupted',
    label: 'Interrupted',
    sentence: `Interrupted: ${parts.join(', ') || 'nothing left to send, but the batch was not closed'} — Resume to finish.`,
  };
}
