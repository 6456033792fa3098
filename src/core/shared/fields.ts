/** Field checks shared by the imports: each returns a message, or null when the value is fine. */
import { isCurrency } from './money/index.js';

export const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const COUNTRY = /^[A-Z]{2}$/;
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

export const checkId = (v: string) =>
  ID.test(v) ? null : 'must be 1–64 letters, digits or _ . : - (starting with a letter or digit)';
export const checkEmail = (v: string) =>
  EMAIL.test(v) && v.length <= 254 ? null : `"${v}" is not an email address`;
export const checkCountry = (v: string) =>
  COUNTRY.test(v) ? null : `"${v}" is not an ISO 3166 two-letter country code (e.g. ID, PH, US)`;
export const checkCurrency = (v: string) =>
  isCurrency(v) ? null : `"${v}" is not an ISO 4217 currency code (e.g. USD, IDR, PHP)`;
export const checkText = (max: number) => (v: string) =>
  v.length === 0 ? 'is empty' : v.length > max ? `is longer than ${max} characters` : null;
export const checkOneOf = (options: readonly string[]) => (v: string) =>
  options.includes(v) ? null : `"${v}" is not one of ${options.join('|')}`;

/**
 * An instant: ISO 8601 with a time zone ("2026-03-01T10:15:00Z", "+07:00"), or a bare date taken as
 * midnight UTC. A date-time without a zone is refused: it would mean different instants on
 * different workstations.
 */
export function parseInstant(v: string): { ms: number } | { error: string } {
  if (!ISO_DATE_TIME.test(v))
    return {
      error: `"${v}" is not an ISO 8601 date-time with a time zone (e.g. 2026-03-01T10:15:00Z) or a date (2026-03-01)`,
    };
  const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v.replace(' ', 'T'));
  if (Number.isNaN(ms)) return { error: `"${v}" is not a valid date` };
  // Date.parse rolls impossible days over ("2026-02-30" → 2 March) instead of refusing them.
  const [y, m, d] = [v.slice(0, 4), v.slice(5, 7), v.slice(8, 10)].map(Number) as [
    number,
    number,
    number,
  ];
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d);
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d)
    return { error: `"${v}" is not a valid date` };
  return { ms };
}
