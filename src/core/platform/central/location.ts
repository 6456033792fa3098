/**
 * Where a central store is, safe to print: a Postgres URL without its password (light: hosts and
 * the CLI load it at start).
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}
