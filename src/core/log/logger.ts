/**
 * The one logger (pino): structured JSON lines in `<data dir>/logs/treasury.log`, rotated by size
 * when a workstation opens it (treasury.log → .1 → .2 → .3, the oldest dropped).
 *
 * Secrets never reach it, twice over:
 * - by key: any field named like a secret (password, token, secret, key, authorization, cookie…)
 *   is replaced by "[redacted]" (pino's redact, at every depth the paths name);
 * - by value: every secret the process handles — credentials read from or written to the
 *   credential store, session tokens, the cache key — is registered with `rememberSecret`, and any
 *   string in a log line that contains one has it replaced, whatever the field is called (an error
 *   message quoting a header, a URL with a token in it).
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

const SECRET_KEYS = ['password', 'newPassword', 'token', 'secret', 'secretKey', 'key', 'apiKey', 'authorization', 'cookie', 'privateKey', 'sessionToken', 'cacheKey'];
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`]);
export const REDACTED = '[redacted]';

const secrets = new Set<string>();

/** Registers a secret value: from now on it is cut out of every log line. Short values are ignored (they would match by accident). */
export function rememberSecret(value: string | null | undefined): void {
  if (value && value.length >= 8) secrets.add(value);
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1);
  return out;
}

export const LOG_FILE = 'treasury.log';
const ROTATE_BYTES = 10 * 1024 * 1024;
const KEEP = 3;

function rotate(file: string): void {
  if (!existsSync(file) || statSync(file).size < ROTATE_BYTES) return;
  rmSync(`${file}.${KEEP}`, { force: true });
  for (let i = KEEP - 1; i >= 1; i--) if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
  renameSync(file, `${file}.1`);
}

const loggers = new Map<string, Logger>();

/** The logger writing to `<dataDir>/logs` (one per data dir per process); `null` → a silent logger. */
export function logger(dataDir: string | null): Logger {
  if (dataDir === null) return pino({ level: 'silent' });
  const dir = path.join(dataDir, 'logs');
  const existing = loggers.get(dir);
  if (existing) return existing;
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOG_FILE);
  rotate(file);
  const log = pino(
    {
      level: process.env.TREASURY_LOG_LEVEL ?? 'info',
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: { log: (object) => scrub(object) as Record<string, unknown> },
      hooks: {
        // The message string too (pino formats it separately from the object).
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? (scrub(a) as string) : a)) as Parameters<typeof method>);
        },
      },
    },
    pino.destination({ dest: file, sync: true, mkdir: true }),
  );
  loggers.set(dir, log);
  return log;
}
