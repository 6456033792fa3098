/**
 * The execution panel's words (issue 19, item 6): "executing elsewhere" only while another executor
 * holds a live lease; an EXECUTING batch nobody runs says exactly what is left — retries queued,
 * waiting for the provider, or interrupted with the count and amount to send — never "executing".
 */
import { describe, expect, it } from 'vitest';
import type { BatchShown } from '../../src/renderer/src/views/batch/batchRules.js';
import { situationOf } from '../../src/renderer/src/views/batch/executionState.js';

const NOW = Date.parse('2026-12-07T10:00:00Z');

function batch(
  counts: Record<string, [payouts: number, amountMinor: string]>,
  extra: Record<string, unknown> = {},
): BatchShown {
  return {
    id: 'b1',
    number: 'B-20261207-001',
    status: 'EXECUTING',
    lease: null,
    approvals: [],
    requiredApprovals: 1,
    payoutsByStatus: Object.entries(counts).map(([status, [payouts, amountMinor]]) => ({
      status,
      currency: 'PHP',
      payouts,
      amountMinor,
    })),
    ...extra,
  } as unknown as BatchShown;
}

describe('what the execution panel says', () => {
  it('executing elsewhere only under a live lease', () => {
    const leased = batch(
      { PENDING: [3, '300000'] },
      {
        lease: { owner: 'ws-2/pid-9', token: '7', expiresAt: new Date(NOW + 20_000).toISOString() },
      },
    );
    expect(situationOf(leased, false, undefined, NOW)).toMatchObject({
      kind: 'elsewhere',
      sentence: expect.stringMatching(/ws-2\/pid-9 holds the batch/),
    });
    const expired = batch(
      { PENDING: [3, '300000'] },
      { lease: { owner: 'ws-2/pid-9', token: '7', expiresAt: new Date(NOW - 1).toISOString() } },
    );
    expect(situationOf(expired, false, undefined, NOW).kind).toBe('interrupted');
  });

  it('interrupted: exactly what is left to send, and what is resent with the same key', () => {
    const s = situationOf(
      batch({
        PENDING: [10, '1234500'],
        UNKNOWN: [2, '20000'],
        ACCEPTED: [3, '30000'],
        SUCCEEDED: [285, '99999900'],
      }),
      false,
      undefined,
      NOW,
    );
    expect(s.kind).toBe('interrupted');
    expect(s.sentence).toMatch(
      /^Interrupted: 10 payouts not yet sent \(PHP 12,345\.00\), 2 payouts sent without an answer \(PHP 200\.00; resent with the same key\), 3 with the provider/,
    );
  });

  it('a retry with nothing running is "retries queued", not executing', () => {
    const s = situationOf(
      batch(
        { PENDING: [1, '50000'], SUCCEEDED: [9, '900000'] },
        { completed_at: '2026-12-07T09:00:00Z' },
      ),
      false,
      undefined,
      NOW,
    );
    expect(s).toMatchObject({
      kind: 'retries_queued',
      sentence: 'Retries queued: execute to send 1 payout (PHP 500.00).',
    });
  });

  it('everything sent and waiting: says so; a running call says its phase', () => {
    expect(
      situationOf(batch({ ACCEPTED: [4, '40000'], SUCCEEDED: [6, '60000'] }), false, undefined, NOW)
        .kind,
    ).toBe('waiting');
    expect(
      situationOf(
        batch({ PENDING: [4, '40000'] }),
        true,
        { phase: 'waiting', done: 3, total: 4 } as never,
        NOW,
      ),
    ).toMatchObject({ kind: 'running', label: 'Waiting for the provider' });
  });
});
