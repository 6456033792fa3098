/**
 * Cutting secrets out of what we write for people: log lines (log/logger.ts) and the diagnostics
 * bundle (diagnostics/bundle.ts). Two independent rules, because either alone misses cases:
 * - by value: every secret this process handles (credentials read from or written to the credential
 *   store, session tokens, the cache key) is registered with `rememberSecret`; any string holding
 *   one — an error message quoting a header, a stack, a URL — has it replaced, whatever the field
 * is
 *   called. Base64 forms are registered too (HTTP Basic auth carries a key that way).
 * - by key: a field whose name says it holds a secret (password, token, secret, …key,
 *   authorization,
 *   cookie) is replaced whole, at any depth, even when its value was never registered (an
 * operator's
 *   password typed into a payload).
 * URLs with a password (postgres://user:pw@host) have the password replaced wherever they appear.
 */
export const REDACTED = '[redacted]';

const secrets = new Set<string>();

/**
 * Registers a secret value: from now on it is cut out of every log line and bundle. Short values
 * are ignored (they would match by accident).
 */
export function rememberSecret(value: string | null | undefined): void {
  if (!value || value.length < 8 || secrets.has(value)) return;
  secrets.add(value);
  secrets.add(Buffer.from(value, 'utf8').toString('base64'));
  secrets.add(Buffer.from(`${value}:`, 'utf8').toString('base64'));
  // As it appears inside JSON text (a quote or backslash in a password is escaped there).
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) secrets.add(escaped);
}

/**
 * Field names whose values are secrets: compared without case, '-' or '_' (apiKey, api_key,
 * X-Api-Key).
 */
export function isSecretName(name: string): boolean {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (
    /password|passphrase|passwd|secret|token|authorization|cookie|pragma/.test(n) ||
    n.endsWith('key')
  );
}

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/gi;

/** A string with every registered secret and every URL password replaced. */
export function scrubText(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out.includes('://') ? out.replace(URL_PASSWORD, `$1${REDACTED}@`) : out;
}

const MAX_DEPTH = 12;

/** An Error as plain data (pino and JSON.stringify would otherwise lose its message and stack). */
function errorData(e: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: e.name, message: e.message };
  if (e.stack) out.stack = e.stack;
  for (const [k, v] of Object.entries(e)) if (!(k in out)) out[k] = v;
  if (e.cause !== undefined) out.cause = e.cause;
  return out;
}

/**
 * A deep copy of `value` with secrets cut out: by value everywhere and, with `byName`, every field
 * named like a secret replaced whole. Errors become plain data (type, message, stack, cause, own
 * fields), scrubbed like the rest. Past the depth limit or on a cycle, a marker instead of the data
 * — never the data unscrubbed.
 */
export function scrubValue(value: unknown, options: { byName?: boolean } = {}): unknown {
  const byName = options.byName ?? true;
  const seen = new WeakSet<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return scrubText(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_DEPTH) return '[too deep]';
    if (seen.has(v)) return '[circular]';
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
      if (v instanceof Date) return v;
      if (Buffer.isBuffer(v)) return `[${v.length} bytes]`;
      const source = v instanceof Error ? errorData(v) : (v as Record<string, unknown>);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(source))
        out[scrubText(k)] =
          byName && isSecretName(k) && x !== null && x !== undefined
            ? REDACTED
            : walk(x, depth + 1);
      return out;
    } finally {
      seen.delete(v); // shared (not circular) references are walked again
    }
  };
  return walk(value, 0);
}
