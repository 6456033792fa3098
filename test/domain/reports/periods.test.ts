/**
 * Which time-series buckets are partial: cut by the report's period [from, to) or still running.
 */
import { describe, expect, it } from 'vitest';
import { isPartialPeriod, periodBounds } from '../../../src/core/domain/reports/periods.js';

const at = (iso: string) => new Date(iso);
const LATER = at('2030-01-01T00:00:00Z');

describe('time-series periods', () => {
  it('bounds: a day, an ISO week from Monday, a calendar month (leap February, year end)', () => {
    expect(periodBounds('2026-11-30', 'day')).toEqual({
      start: at('2026-11-30T00:00:00Z'),
      end: at('2026-12-01T00:00:00Z'),
    });
    expect(periodBounds('2026-12-28', 'week').end).toEqual(at('2027-01-04T00:00:00Z'));
    expect(periodBounds('2028-02-01', 'month').end).toEqual(at('2028-03-01T00:00:00Z'));
    expect(periodBounds('2026-12-01', 'month').end).toEqual(at('2027-01-01T00:00:00Z'));
    expect(() => periodBounds('2026-12', 'month')).toThrow(/not a period start/);
  });

  it('a period starting or ending inside a bucket makes it partial; whole buckets are not', () => {
    // Wednesday 5 August to Saturday 31 October (exclusive): the first week (from Monday 3 August)
    // and the last (from Monday 26 October) are cut; the weeks between are whole.
    const range = { from: at('2026-08-05T00:00:00Z'), to: at('2026-10-31T00:00:00Z') };
    expect(isPartialPeriod('2026-08-03', 'week', range, LATER)).toBe(true);
    expect(isPartialPeriod('2026-08-10', 'week', range, LATER)).toBe(false);
    expect(isPartialPeriod('2026-10-19', 'week', range, LATER)).toBe(false);
    expect(isPartialPeriod('2026-10-26', 'week', range, LATER)).toBe(true);
    expect(isPartialPeriod('2026-08-01', 'month', range, LATER)).toBe(true);
    expect(isPartialPeriod('2026-09-01', 'month', range, LATER)).toBe(false);
    expect(isPartialPeriod('2026-10-01', 'month', range, LATER)).toBe(true);
    // Exactly on the bounds: whole (`to` is exclusive, so 1 November closes October).
    const months = { from: at('2026-08-01T00:00:00Z'), to: at('2026-11-01T00:00:00Z') };
    expect(isPartialPeriod('2026-08-01', 'month', months, LATER)).toBe(false);
    expect(isPartialPeriod('2026-10-01', 'month', months, LATER)).toBe(false);
    // A day cut by a time of day.
    expect(
      isPartialPeriod('2026-08-05', 'day', { from: at('2026-08-05T12:00:00Z'), to: null }, LATER),
    ).toBe(true);
  });

  it('an open-ended period cuts nothing; the bucket still running at now is partial', () => {
    const open = { from: null, to: null };
    expect(isPartialPeriod('2026-11-01', 'month', open, LATER)).toBe(false);
    const now = at('2026-12-07T09:33:00Z');
    expect(isPartialPeriod('2026-12-01', 'month', open, now)).toBe(true);
    expect(isPartialPeriod('2026-12-07', 'week', open, now)).toBe(true);
    expect(isPartialPeriod('2026-11-30', 'week', open, now)).toBe(false);
    expect(isPartialPeriod('2026-12-06', 'day', open, at('2026-12-07T00:00:00Z'))).toBe(false);
  });
});
