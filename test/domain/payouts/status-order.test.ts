/**
 * Statuses only move forward (issue 19, item 1): whatever order the executor's create response, the
 * provider's webhooks and the poller's lookups land in, an attempt and its payout end where the
 * provider's own history ends. Seeded random schedules of the three writers' news over histories a
 * provider can have; each schedule folded through the same rules applyStatusUpdates applies.
 */
import { describe, expect, it } from 'vitest';
import {
  nextAttemptState,
  nextPayoutStatus,
  payoutStatusFor,
  type AttemptState,
  type PayoutStatus,
} from '../../../src/core/domain/payouts/status.js';
import type { ProviderStatus } from '../../../src/core/platform/payments/provider.js';
import { HISTORIES } from '../../support/histories.js';
import { random } from '../../support/random.js';

describe('statuses only move forward, whatever order the news lands in', () => {
  it('≥ 200 seeded schedules of the executor, webhooks and polls end where the provider did', () => {
    let schedules = 0;
    for (let seed = 1; seed <= 240; seed++) {
      const rand = random(seed);
      const history = HISTORIES[seed % HISTORIES.length]!;
      // The three writers each report some of the history (the executor the create response, the
      // webhooks and polls any states, the last one at least once), each possibly more than once.
      const news: ProviderStatus[] = ['ACCEPTED', history.at(-1)!];
      for (const s of history) if (rand() < 0.7) news.push(s);
      for (let i = 0; i < 3; i++) news.push(history[Math.floor(rand() * history.length)]!);
      for (let i = news.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [news[i], news[j]] = [news[j]!, news[i]!];
      }
      let attempt: AttemptState = 'PREPARED';
      let payout: PayoutStatus = 'UNKNOWN';
      for (const n of news) {
        attempt = nextAttemptState(attempt, n) ?? attempt;
        payout = nextPayoutStatus(payout, payoutStatusFor(n)) ?? payout;
      }
      const end = history.at(-1)!;
      const expectedAttempt: AttemptState =
        end === 'SUCCEEDED' || end === 'FAILED' || end === 'CANCELLED' || end === 'REVERSED'
          ? end
          : 'ACCEPTED';
      expect(attempt, `seed ${seed}: ${news.join(' → ')}`).toBe(expectedAttempt);
      expect(payout, `seed ${seed}: ${news.join(' → ')}`).toBe(payoutStatusFor(end));
      schedules++;
    }
    expect(schedules).toBeGreaterThanOrEqual(200);
  });

  it('a final attempt never becomes ACCEPTED again; a succeeded one only REVERSED', () => {
    for (const final of ['FAILED', 'CANCELLED', 'REJECTED', 'REVERSED'] as const) {
      for (const news of [
        'ACCEPTED',
        'REQUESTED',
        'SUCCEEDED',
        'FAILED',
        'REVERSED',
        'OTHER',
      ] as ProviderStatus[])
        expect(nextAttemptState(final, news), `${final} + ${news}`).toBeNull();
    }
    expect(nextAttemptState('SUCCEEDED', 'ACCEPTED')).toBeNull();
    expect(nextAttemptState('SUCCEEDED', 'FAILED')).toBeNull();
    expect(nextAttemptState('SUCCEEDED', 'REVERSED')).toBe('REVERSED');
    expect(nextAttemptState('ACCEPTED', 'ACCEPTED')).toBe('ACCEPTED'); // refreshes the provider's state
  });
});
