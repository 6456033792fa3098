/** The router's validation problems by field, so a form can show each next to its input. */
import { CallFailed } from '../../api';

export function problemsByField(error: unknown): Record<string, string> {
  if (!(error instanceof CallFailed)) return {};
  const out: Record<string, string> = {};
  for (const p of error.error.problems) {
    const key = p.field ?? p.path;
    if (key) out[key] = out[key] ? `${out[key]}; ${p.message}` : p.message;
  }
  return out;
}

/** A date input's value (YYYY-MM-DD) as the router takes it: a bare date is midnight UTC. */
export function dayInput(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * The day after a date input's value (YYYY-MM-DD, UTC): an inclusive last day as an exclusive
 * bound.
 */
export function dayAfter(day: string): string {
  // A UTC day is always 24 hours (no daylight saving), so adding them is exact.
  return dayInput(new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000));
}
