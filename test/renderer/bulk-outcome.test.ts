/**
 * The words a bulk retry or cancel ends with (issue 22): how many were done, how many refused and
 * why — each reason once, with the payouts it concerns.
 */
import { describe, expect, it } from 'vitest';
import {
  bulkSummary,
  byBatch,
  sumsOfItems,
  type BulkItem,
} from '../../src/renderer/src/views/batch/bulkOutcome.js';

const item = (id: string, batchId: string, currency: string, amountMinor: string): BulkItem => ({
  payoutId: id,
  batchId,
  batchNumber: `B-${batchId}`,
  affiliateId: `A-${id}`,
  currency,
  amountMinor,
  refusal: null,
});

describe('bulk outcome', () => {
  it('says what was done and, per reason, what was refused', () => {
    expect(bulkSummary('retried', { done: 3, refused: [] })).toBe('3 retried');
    expect(
      bulkSummary('retried', {
        done: 3,
        refused: [{ affiliateId: 'A-7', why: 'pending: only a failed payout' }],
      }),
    ).toBe('3 retried, 1 refused — A-7: pending: only a failed payout');
    expect(
      bulkSummary('cancelled', {
        done: 1_000,
        refused: ['1', '2', '3', '4', '5'].map((n) => ({ affiliateId: `A-${n}`, why: 'held' })),
      }),
    ).toBe('1,000 cancelled, 5 refused — A-1, A-2, A-3 and 2 more: held');
  });

  it('groups by batch and sums per currency exactly (bigint)', () => {
    const items = [
      item('1', 'x', 'USD', '9007199254740993'),
      item('2', 'y', 'IDR', '100'),
      item('3', 'x', 'USD', '1'),
    ];
    expect([...byBatch(items)].map(([b, g]) => [b, g.map((i) => i.payoutId)])).toEqual([
      ['x', ['1', '3']],
      ['y', ['2']],
    ]);
    expect(sumsOfItems(items)).toEqual([
      { currency: 'IDR', payouts: 1, amountMinor: '100' },
      { currency: 'USD', payouts: 2, amountMinor: '9007199254740994' },
    ]);
  });
});
