/**
 * Payouts above a channel's maximum are split, not dropped (issue 19, item 4): the parts sum
 * exactly to the payout and each respects the channel's minimum, maximum and increment — checked
 * over seeded random amounts for every channel the fakes publish and every provider's known limits.
 */
import { describe, expect, it } from 'vitest';
import {
  knownChannelLimits,
  MAX_SPLIT_PARTS,
  splitAmount,
} from '../../../src/core/domain/providers/channels.js';
import type { ChannelLimits } from '../../../src/core/platform/payments/provider.js';
import { DEFAULT_CHANNELS } from '../../fakes/xendit.js';
import { random } from '../../support/random.js';

const CHANNELS: ChannelLimits[] = [
  ...DEFAULT_CHANNELS,
  ...['ID_BCA', 'ID_OVO', 'PH_GCASH', 'VN_VCB', 'TH_BBL', 'MY_MBB'].flatMap((code) => {
    const currency = { ID: 'IDR', PH: 'PHP', VN: 'VND', TH: 'THB', MY: 'MYR' }[code.slice(0, 2)]!;
    const limits = knownChannelLimits('xendit', code, currency);
    return limits ? [limits] : [];
  }),
  knownChannelLimits('rise', 'RISE', 'USD')!,
  knownChannelLimits('sandbox', 'PH_BDO', 'PHP')!,
];

/** A seeded bigint in [0, bound). */
function below(rand: () => number, bound: bigint): bigint {
  const digits = bound.toString().length;
  let v = 0n;
  for (let i = 0; i < digits + 2; i++) v = v * 10n + BigInt(Math.floor(rand() * 10));
  return v % bound;
}

describe('splitting an amount within a channel’s limits', () => {
  it('parts sum to the amount, each within minimum, maximum and increment, as few and as equal as possible', () => {
    let checked = 0;
    let split = 0;
    for (const [c, limits] of CHANNELS.entries()) {
      const rand = random(1000 + c);
      const inc = limits.incrementMinor;
      const ceiling =
        (limits.maximumMinor ?? limits.minimumMinor * 1_000_000n) * BigInt(MAX_SPLIT_PARTS + 2);
      for (let i = 0; i < 400; i++) {
        const amount = ((limits.minimumMinor + below(rand, ceiling)) / inc) * inc;
        if (amount < limits.minimumMinor) continue;
        const parts = splitAmount(limits, amount);
        const where = `${limits.channelCode} ${limits.currency}: ${amount}`;
        checked++;
        if (limits.maximumMinor === null || amount <= limits.maximumMinor) {
          expect(parts, where).toEqual([amount]);
          continue;
        }
        const needed = (amount + limits.maximumMinor - 1n) / limits.maximumMinor;
        if (needed > BigInt(MAX_SPLIT_PARTS)) {
          expect(parts, where).toBeNull();
          continue;
        }
        expect(parts, where).not.toBeNull();
        split++;
        expect(
          parts!.reduce((a, b) => a + b, 0n),
          where,
        ).toBe(amount);
        expect(BigInt(parts!.length), where).toBe(needed);
        for (const p of parts!) {
          expect(p >= limits.minimumMinor && p <= limits.maximumMinor, `${where}: part ${p}`).toBe(
            true,
          );
          expect(p % inc, `${where}: part ${p}`).toBe(0n);
        }
        expect(parts![0]! - parts!.at(-1)!, where).toBeLessThanOrEqual(inc);
      }
    }
    expect(checked).toBeGreaterThan(3000);
    expect(split).toBeGreaterThan(500);
  });

  it('refuses what cannot be split exactly (off the increment, too many parts); splits the rest evenly', () => {
    const ovo = DEFAULT_CHANNELS.find((c) => c.channelCode === 'ID_OVO')!;
    expect(splitAmount(ovo, ovo.maximumMinor! * 2n + 50n)).toBeNull();
    // One rupiah over twice the maximum: three parts, the larger first, a rupiah apart at most.
    expect(splitAmount(ovo, ovo.maximumMinor! * 2n + 100n)).toEqual([
      1_333_333_400n,
      1_333_333_400n,
      1_333_333_300n,
    ]);
    expect(splitAmount(ovo, ovo.maximumMinor! * BigInt(MAX_SPLIT_PARTS) + 100n)).toBeNull(); // more parts than a payout may have
  });
});
