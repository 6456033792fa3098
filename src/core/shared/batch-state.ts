/**
 * The payout batch lifecycle. One table of legal transitions; anything else is a typed error that
 * names the batch's state and what was tried. Every transition is later one router command written
 * together with its audit entry; this module only decides legality (pure, no I/O).
 *
 *   DRAFT → SUBMITTED → APPROVED → EXECUTING → COMPLETED | COMPLETED_WITH_FAILURES | FAILED
 *   DRAFT | SUBMITTED | APPROVED → CANCELLED (releases its commissions)
 *   SUBMITTED → DRAFT (rejected by a checker, back to the maker)
 *   APPROVED → SUBMITTED (invalidate: the content changed after approval, approvals are void)
 *   COMPLETED_WITH_FAILURES | FAILED → EXECUTING (retry: an operator retries failed payouts)
 */
export const BATCH_STATES = [
  'DRAFT',
  'SUBMITTED',
  'APPROVED',
  'EXECUTING',
  'COMPLETED',
  'COMPLETED_WITH_FAILURES',
  'FAILED',
  'CANCELLED',
] as const;
export type BatchState = (typeof BATCH_STATES)[number];

export type BatchAction =
  | 'submit'
  | 'reject'
  | 'approve'
  | 'invalidate'
  | 'execute'
  | 'complete'
  | 'complete_with_failures'
  | 'fail'
  | 'retry'
  | 'cancel';

const TRANSITIONS: Readonly<Record<BatchAction, { from: readonly BatchState[]; to: BatchState }>> =
  {
    submit: { from: ['DRAFT'], to: 'SUBMITTED' },
    reject: { from: ['SUBMITTED'], to: 'DRAFT' },
    approve: { from: ['SUBMITTED'], to: 'APPROVED' },
    invalidate: { from: ['APPROVED'], to: 'SUBMITTED' },
    execute: { from: ['APPROVED'], to: 'EXECUTING' },
    complete: { from: ['EXECUTING'], to: 'COMPLETED' },
    complete_with_failures: { from: ['EXECUTING'], to: 'COMPLETED_WITH_FAILURES' },
    fail: { from: ['EXECUTING'], to: 'FAILED' },
    retry: { from: ['COMPLETED_WITH_FAILURES', 'FAILED'], to: 'EXECUTING' },
    cancel: { from: ['DRAFT', 'SUBMITTED', 'APPROVED'], to: 'CANCELLED' },
  };

export const TERMINAL_STATES: ReadonlySet<BatchState> = new Set([
  'COMPLETED',
  'COMPLETED_WITH_FAILURES',
  'FAILED',
  'CANCELLED',
]);

export class IllegalTransitionError extends Error {
  readonly code = 'ILLEGAL_TRANSITION';
  constructor(
    readonly batch: string,
    readonly state: BatchState,
    readonly action: BatchAction,
  ) {
    const allowed = TRANSITIONS[action].from.join(' or ');
    super(
      `batch ${batch} is ${state}: it cannot ${action.replace(/_/g, ' ')} (only from ${allowed})`,
    );
    this.name = 'IllegalTransitionError';
  }
}

/** The state after `action`, or an IllegalTransitionError. */
export function transition(batch: string, state: BatchState, action: BatchAction): BatchState {
  const rule = TRANSITIONS[action];
  if (!rule.from.includes(state)) throw new IllegalTransitionError(batch, state, action);
  return rule.to;
}

/** Actions possible from a state (for the UI: what is safe to offer). */
export function allowedActions(state: BatchState): BatchAction[] {
  return (Object.keys(TRANSITIONS) as BatchAction[]).filter((a) =>
    TRANSITIONS[a].from.includes(state),
  );
}
