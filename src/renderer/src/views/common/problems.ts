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
