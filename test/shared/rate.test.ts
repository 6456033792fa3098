import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bpsOfPercent, percentOfBps } from '../../src/core/shared/rate.js';

describe('rates as percent, exactly from basis points', () => {
  it('shows bps as %', () => {
    expect(percentOfBps(1000)).toBe('10 %');
    expect(percentOfBps(250)).toBe('2.5 %');
    expect(percentOfBps(1)).toBe('0.01 %');
    expect(percentOfBps(0)).toBe('0 %');
    expect(percentOfBps(10_000)).toBe('100 %');
    expect(percentOfBps(-50)).toBe('-0.5 %');
    expect(percentOfBps('12345')).toBe('123.45 %');
  });

  it('reads % back into the same bps', () => {
    expect(bpsOfPercent('10')).toEqual({ bps: 1000 });
    expect(bpsOfPercent('2.5 %')).toEqual({ bps: 250 });
    expect(bpsOfPercent('0.01%')).toEqual({ bps: 1 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (bps) => {
        expect(bpsOfPercent(percentOfBps(bps).replace(/,/g, ''))).toEqual({ bps });
      }),
    );
  });

  it('refuses what cannot be a whole number of bps', () => {
    expect(bpsOfPercent('2.555')).toHaveProperty('error', expect.stringMatching(/two decimals/));
    expect(bpsOfPercent('ten')).toHaveProperty('error', expect.stringMatching(/not a percentage/));
    expect(bpsOfPercent('')).toHaveProperty('error');
    expect(bpsOfPercent('-1')).toHaveProperty('error');
  });
});
