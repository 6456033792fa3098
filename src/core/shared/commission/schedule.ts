/**
 * UTC calendar helpers for commissions: period keys (calendar month, ISO week) and payout dates.
 * Everything is UTC so a commission's period never depends on the machine's time zone.
 */
import { WEEKDAYS, type PayoutSchedule, type TierPeriod } from './rules.js';

export const DAY_MS = 86_400_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Calendar month in UTC: "2026-11". */
export function monthKey(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}`;
}

/**
 * ISO 8601 week in UTC: "2026-W47". Weeks start on Monday; week 1 is the week holding the year's
 * first Thursday, so the week-year can differ from the calendar year near New Year
 * (2024-12-30 is in 2025-W01, 2027-01-01 is in 2026-W53).
 */
export function isoWeekKey(epochMs: number): string {
  const day = Math.floor(epochMs / DAY_MS); // days since 1970-01-01 (a Thursday)
  const mondayBased = (((day + 3) % 7) + 7) % 7; // 0 = Monday … 6 = Sunday
  const thursday = day - mondayBased + 3; // the Thursday of this ISO week decides its year
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const jan1 = Math.floor(Date.UTC(year, 0, 1) / DAY_MS);
  const week = Math.floor((thursday - jan1) / 7) + 1;
  return `${pad(year, 4)}-W${pad(week, 2)}`;
}

export function periodKey(epochMs: number, period: TierPeriod): string {
  return period === 'week' ? isoWeekKey(epochMs) : monthKey(epochMs);
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/**
 * The next payout date strictly after asOf's UTC calendar date, at 00:00 UTC.
 * "Today" never counts: run on a payout day (at any time of that day) and you get the next one,
 * so a payout run on Friday looks ahead to the following Friday rather than to itself.
 * Monthly day 29–31 falls back to the last day of shorter months (day 31 → 28 Feb, or 29 in leap
 * years).
 */
export function nextPayoutDate(asOf: Date, schedule: PayoutSchedule): Date {
  const t = asOf.getTime();
  if (!Number.isFinite(t)) throw new RangeError('nextPayoutDate: asOf is not a valid date');
  const y = asOf.getUTCFullYear();
  const m = asOf.getUTCMonth();
  const d = asOf.getUTCDate();
  if (schedule.frequency === 'weekly') {
    const today = (asOf.getUTCDay() + 6) % 7; // 0 = Monday
    const target = WEEKDAYS.indexOf(schedule.weekday);
    const ahead = (target - today + 7) % 7 || 7; // same weekday → a full week ahead
    return new Date(Date.UTC(y, m, d + ahead));
  }
  const thisMonth = Math.min(schedule.day, daysInMonth(y, m));
  if (thisMonth > d) return new Date(Date.UTC(y, m, thisMonth));
  // Date.UTC normalises month 12 to January of the next year.
  const next = new Date(Date.UTC(y, m + 1, 1));
  const ny = next.getUTCFullYear();
  const nm = next.getUTCMonth();
  return new Date(Date.UTC(ny, nm, Math.min(schedule.day, daysInMonth(ny, nm))));
}
