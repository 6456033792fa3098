/**
 * Pure pieces of payout batches: the lifecycle's legal transitions, the content hash approvals are
 * bound to, and batch numbers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchContentHash,
  type HashedBatch,
  type HashedPayout,
} from '../../../src/core/domain/batches/content-hash.js';
import { batchNumber, parseBatchNumber } from '../../../src/core/domain/batches/number.js';
import {
  allowedActions,
  BATCH_STATES,
  IllegalTransitionError,
  TERMINAL_STATES,
  transition,
  type BatchAction,
} from '../../../src/core/shared/batch-state.js';

describe('batch lifecycle', () => {
  it('follows the happy path and both failure endings', () => {
    let s = transition('B-1', 'DRAFT', 'submit');
    expect(s).toBe('SUBMITTED');
    s = transition('B-1', s, 'approve');
    expect(s).toBe('APPROVED');
    s = transition('B-1', s, 'execute');
    expect(s).toBe('EXECUTING');
    expect(transition('B-1', s, 'complete')).toBe('COMPLETED');
    expect(transition('B-1', s, 'complete_with_failures')).toBe('COMPLETED_WITH_FAILURES');
    expect(transition('B-1', s, 'fail')).toBe('FAILED');
    expect(transition('B-1', 'SUBMITTED', 'reject')).toBe('DRAFT');
  });

  it('cancels only before execution', () => {
    for (const s of ['DRAFT', 'SUBMITTED', 'APPROVED'] as const)
      expect(transition('B-1', s, 'cancel')).toBe('CANCELLED');
    for (const s of [
      'EXECUTING',
      'COMPLETED',
      'COMPLETED_WITH_FAILURES',
      'FAILED',
      'CANCELLED',
    ] as const) {
      expect(() => transition('B-1', s, 'cancel')).toThrow(IllegalTransitionError);
    }
  });

  it('refuses every other transition with a typed error naming state and action', () => {
    const error = (() => {
      try {
        transition('B-20261121-001', 'DRAFT', 'execute');
      } catch (e) {
        return e;
      }
    })() as IllegalTransitionError;
    expect(error).toBeInstanceOf(IllegalTransitionError);
    expect(error.code).toBe('ILLEGAL_TRANSITION');
    expect(error.message).toBe(
      'batch B-20261121-001 is DRAFT: it cannot execute (only from APPROVED)',
    );
    // Exhaustively: exactly the allowed actions succeed from each state; terminal states allow none
    // except an operator's retry of failed payouts.
    const actions: BatchAction[] = [
      'submit',
      'reject',
      'approve',
      'invalidate',
      'execute',
      'complete',
      'complete_with_failures',
      'fail',
      'retry',
      'cancel',
    ];
    let legal = 0;
    for (const s of BATCH_STATES) {
      for (const a of actions) {
        const ok = allowedActions(s).includes(a);
        if (ok) legal++;
        if (ok) expect(() => transition('B', s, a)).not.toThrow();
        else expect(() => transition('B', s, a)).toThrow(IllegalTransitionError);
      }
      if (TERMINAL_STATES.has(s))
        expect(allowedActions(s).filter((a) => a !== 'retry')).toEqual([]);
    }
    // submit, reject, approve, invalidate, execute, 3 endings, retry from 2 states, cancel from 3
    // states
    expect(legal).toBe(13);
    expect(allowedActions('COMPLETED')).toEqual([]);
    expect(allowedActions('CANCELLED')).toEqual([]);
    expect(allowedActions('COMPLETED_WITH_FAILURES')).toEqual(['retry']);
  });
});

const payout = (over: Partial<HashedPayout> = {}): HashedPayout => ({
  affiliateId: 'a1',
  amountMinor: 150000n,
  currency: 'IDR',
  sourceAmountMinor: 1000n,
  sourceCurrency: 'USD',
  fxRate: '15000',
  provider: 'xendit',
  channelCode: 'ID_BCA',
  accountNumber: '1234567890',
  accountHolderName: 'BUDI',
  commissionIds: ['1', '2'],
  adjustmentIds: [],
  ...over,
});
const batch = (
  payouts: HashedPayout[],
  fxRates: Record<string, string> = { 'USD/IDR': '15000' },
): HashedBatch => ({ batchId: 'b1', payouts, fxRates });

describe('batch content hash', () => {
  it('ignores order and changes with any field that decides what is paid', () => {
    const base = batchContentHash(
      batch([payout(), payout({ affiliateId: 'a2', commissionIds: ['3'] })]),
    );
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(
      batchContentHash(
        batch([
          payout({ affiliateId: 'a2', commissionIds: ['3'] }),
          payout({ commissionIds: ['2', '1'] }),
        ]),
      ),
    ).toBe(base);
    const changes: Partial<HashedPayout>[] = [
      { amountMinor: 150001n },
      { currency: 'PHP' },
      { sourceAmountMinor: 1001n },
      { fxRate: '15001' },
      { provider: 'sandbox' },
      { channelCode: 'ID_BNI' },
      { accountNumber: '1234567891' },
      { accountHolderName: 'BUDI S' },
      { commissionIds: ['1'] },
      { adjustmentIds: ['adj:1:1'] },
    ];
    for (const change of changes) {
      expect(
        batchContentHash(
          batch([payout(change), payout({ affiliateId: 'a2', commissionIds: ['3'] })]),
        ),
        JSON.stringify(change, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)),
      ).not.toBe(base);
    }
    expect(
      batchContentHash(
        batch([payout(), payout({ affiliateId: 'a2', commissionIds: ['3'] })], {
          'USD/IDR': '15000.5',
        }),
      ),
    ).not.toBe(base);
    expect(
      batchContentHash({
        ...batch([payout(), payout({ affiliateId: 'a2', commissionIds: ['3'] })]),
        batchId: 'b2',
      }),
    ).not.toBe(base);
  });

  it('is the same for any permutation of payouts and ids (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 8 }),
        fc.infiniteStream(fc.nat()),
        (ids, noise) => {
          const payouts = ids.map((id, i) =>
            payout({
              affiliateId: id,
              amountMinor: BigInt(i + 1),
              commissionIds: [`${i}a`, `${i}b`],
            }),
          );
          const shuffled = [...payouts]
            .sort(() => (noise.next().value % 3) - 1)
            .map((p) => ({ ...p, commissionIds: [...p.commissionIds].reverse() }));
          expect(batchContentHash(batch(shuffled))).toBe(batchContentHash(batch(payouts)));
        },
      ),
    );
  });
});

describe('batch numbers', () => {
  it('are B-YYYYMMDD-NNN in UTC and parse back', () => {
    expect(batchNumber(new Date('2026-11-21T23:59:59+07:00'), 7)).toBe('B-20261121-007');
    expect(batchNumber(new Date('2026-11-21T00:00:00Z'), 1234)).toBe('B-20261121-1234');
    expect(parseBatchNumber('B-20261121-007')).toEqual({ day: '20261121', sequence: 7 });
    expect(parseBatchNumber('B-2026-1')).toBeNull();
    expect(() => batchNumber(new Date(), 0)).toThrow(/positive integer/);
  });
});
