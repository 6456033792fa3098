/**
 * The exception queue's vocabulary in plain words: its kinds (core/exceptions/queue.ts), the
 * actions it offers and the router call behind each (whose permission decides whether the button is
 * enabled), and an age an operator reads at a glance. The type checks at the end tie the lists to
 * the router's: a kind or an action added in the core fails the type-check here.
 */
import type { CallInput, CallOutput, PageCallName } from '../../../../core/host/bridge/contract';

export type ExceptionsPage = CallOutput<'exceptions.list'>;
export type ExceptionRow = ExceptionsPage['rows'][number];
export type ExceptionKind = NonNullable<CallInput<'exceptions.list'>['kind']>;
export type ExceptionAction = ExceptionRow['actions'][number];

export const KIND_WORDS: Record<ExceptionKind, string> = {
  failed: 'Failed',
  cancelled_by_provider: 'Cancelled by the provider',
  reversed: 'Paid, then returned',
  unknown_stuck: 'Sent, no answer yet',
  waiting_stuck: 'Waiting too long at the provider',
  held: 'Held for compliance or pickup',
  unknown_state: 'In a state we do not know',
};

export const KINDS = Object.keys(KIND_WORDS) as ExceptionKind[];

export const ACTIONS: Record<
  ExceptionAction,
  { label: string; call: PageCallName; title: string }
> = {
  retry: {
    label: 'Retry…',
    call: 'batch.retry',
    title: 'A new attempt under a new key, then send it',
  },
  release: {
    label: 'Release…',
    call: 'payout.cancel',
    title: 'Give this payout up: its commissions become payable for a later batch',
  },
  resume: {
    label: 'Resume batch…',
    call: 'batch.execute',
    title: 'Execute the batch again: the same request is resent and looked up',
  },
  poll: {
    label: 'Ask the provider',
    call: 'payouts.poll',
    title: 'Look the payout up at the provider now',
  },
  cancel_at_provider: {
    label: 'Cancel at provider…',
    call: 'payout.cancelAtProvider',
    title: 'Ask the provider to cancel it; whatever it answers is recorded',
  },
  acknowledge: {
    label: 'Acknowledge…',
    call: 'exception.acknowledge',
    title: 'Take it out of the queue, with a note of what was done',
  },
  hold_affiliate: {
    label: 'Hold affiliate…',
    call: 'affiliate.hold',
    title: 'Hold every payout to this affiliate until someone releases it',
  },
};

/** "12 min", "5 h 3 min", "3 d 4 h": whole minutes, as the queue counts them. */
export function age(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** "3 failed, 1 held for compliance or pickup": the kinds present, most first. */
export function kindsText(byKind: Partial<Record<ExceptionKind, number>>): string {
  return KINDS.filter((k) => (byKind[k] ?? 0) > 0)
    .sort((a, b) => (byKind[b] ?? 0) - (byKind[a] ?? 0))
    .map((k) => `${byKind[k]} ${KIND_WORDS[k].toLowerCase()}`)
    .join(', ');
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type VocabulariesMatchTheRouter = [
  Holds<Same<keyof typeof KIND_WORDS, ExceptionRow['kind']>>,
  Holds<Same<keyof typeof ACTIONS, ExceptionAction>>,
];
