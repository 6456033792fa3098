/**
 * Typed errors that cross the router. `kind` decides the CLI exit code and how the UI shows it:
 * 'user' — the input or the situation is wrong and the message says what and where (exit 1);
 * 'internal' — a bug or a broken environment (exit 2).
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'CSV_INVALID'
  | 'RULES_INVALID'
  | 'NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONFLICT'
  | 'ALREADY_INITIALISED'
  | 'CENTRAL_UNAVAILABLE'
  | 'OFFLINE'
  | 'STEP_UP_REQUIRED'
  | 'IP_NOT_ALLOWED'
  | 'STORE_BUSY'
  | 'CACHE_KEY'
  | 'CACHE_DAMAGED'
  | 'CREDENTIAL_STORE_UNAVAILABLE'
  | 'UNKNOWN_COMMAND'
  | 'ILLEGAL_TRANSITION'
  | 'MAKER_CHECKER'
  | 'APPROVAL_VOID'
  | 'LEASE_HELD'
  | 'PREFLIGHT_FAILED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_NOT_CONFIGURED'
  | 'EXPORT_FAILED'
  | 'JOB_CANCELLED'
  | 'INTERNAL';

/** Where a problem is: a file, a line in it, a field; or a JSON path in a payload. */
export interface Problem {
  message: string;
  file?: string;
  line?: number;
  field?: string;
  path?: string;
}

const USER_CODES = new Set<ErrorCode>([
  'VALIDATION',
  'CSV_INVALID',
  'RULES_INVALID',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CONFLICT',
  'ALREADY_INITIALISED',
  'CENTRAL_UNAVAILABLE',
  'OFFLINE',
  'STEP_UP_REQUIRED',
  'IP_NOT_ALLOWED',
  'STORE_BUSY',
  'CACHE_KEY',
  'CACHE_DAMAGED',
  'CREDENTIAL_STORE_UNAVAILABLE',
  'UNKNOWN_COMMAND',
  'ILLEGAL_TRANSITION',
  'MAKER_CHECKER',
  'APPROVAL_VOID',
  'LEASE_HELD',
  'PREFLIGHT_FAILED',
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_NOT_CONFIGURED',
  'EXPORT_FAILED',
  'JOB_CANCELLED',
]);

export class TreasuryError extends Error {
  readonly kind: 'user' | 'internal';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly problems: Problem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TreasuryError';
    this.kind = USER_CODES.has(code) ? 'user' : 'internal';
  }

  toJSON() {
    return { code: this.code, kind: this.kind, message: this.message, problems: this.problems };
  }
}

export function formatProblem(p: Problem): string {
  const where = [p.file, p.line !== undefined ? `line ${p.line}` : undefined, p.field ?? p.path]
    .filter(Boolean)
    .join(', ');
  return where ? `${where}: ${p.message}` : p.message;
}

/**
 * Driver and socket codes that mean the central store went away (postgres.js, Node, Postgres
 * shutdown).
 */
const CONNECTION_LOST = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P02',
  '57P03',
]);

/**
 * SQLite codes of pages that do not decrypt or do not add up (a truncated or corrupted cache file).
 */
export const SQLITE_DAMAGE_CODES: ReadonlySet<string> = new Set([
  'SQLITE_CORRUPT',
  'SQLITE_IOERR_SHORT_READ',
  'SQLITE_CORRUPT_INDEX',
  'SQLITE_CORRUPT_SEQUENCE',
]);
/** Past the open (where it may also mean a wrong key), "not a database" is damage too. */
const DAMAGED = new Set([...SQLITE_DAMAGE_CODES, 'SQLITE_NOTADB']);

/**
 * What a damaged cache means and what to do: the same words wherever it is found (`what`: "the
 * local cache" or its path).
 */
export function cacheDamagedMessage(what: string, detail: string): string {
  return (
    `${what} is damaged (${detail}). It holds nothing the central store lacks except commands not yet pushed: ` +
    'run `treasury cache rebuild` (Settings → Local cache in the app) to move the damaged file aside, keep it and its key for inspection, and pull everything again from the central store.'
  );
}

export function cacheDamaged(detail: string, cause?: unknown): TreasuryError {
  return new TreasuryError('CACHE_DAMAGED', cacheDamagedMessage('the local cache', detail), [], {
    cause,
  });
}

/** Maps errors thrown by lower layers (which do not know the router) onto typed errors. */
export function toTreasuryError(error: unknown): TreasuryError {
  if (error instanceof TreasuryError) return error;
  const e = error as { code?: string; message?: string; name?: string };
  switch (e?.code) {
    case 'CENTRAL_UNAVAILABLE':
    case 'STORE_BUSY':
    case 'CACHE_KEY':
    case 'CACHE_DAMAGED':
    case 'CREDENTIAL_STORE_UNAVAILABLE':
      return new TreasuryError(e.code, e.message ?? String(error), [], { cause: error });
  }
  // SQLite (the local cache; the central store is never SQLite) found pages that do not decrypt or
  // do not add up: a truncated or corrupted file. The cache can always be rebuilt from the central
  // store.
  if (e?.name === 'SqliteError' && DAMAGED.has(e.code ?? ''))
    return cacheDamaged(e.message ?? String(error), error);
  const lost = [e?.code, (error as { cause?: { code?: string } })?.cause?.code].find(
    (c) => c !== undefined && CONNECTION_LOST.has(c),
  );
  if (lost)
    return new TreasuryError(
      'CENTRAL_UNAVAILABLE',
      `the central store cannot be reached (${lost})`,
      [],
      { cause: error },
    );
  if (e?.name === 'IllegalTransitionError')
    return new TreasuryError('ILLEGAL_TRANSITION', e.message ?? 'illegal transition', [], {
      cause: error,
    });
  if (e?.name === 'ProviderError')
    return new TreasuryError('PROVIDER_UNAVAILABLE', e.message ?? 'provider error', [], {
      cause: error,
    });
  if (e?.name === 'RuleSetError')
    return new TreasuryError('RULES_INVALID', e.message ?? 'invalid rules', [], { cause: error });
  if (e?.name === 'MoneyError' || e?.name === 'CurrencyError')
    return new TreasuryError('VALIDATION', e.message ?? 'invalid amount', [], { cause: error });
  // drizzle wraps driver errors as "Failed query: <sql>" with the database's error as the cause.
  const cause = (error as { cause?: { message?: string; code?: string } })?.cause;
  if (cause?.code === '40001' || cause?.code === '40P01') {
    return new TreasuryError(
      'CONFLICT',
      `the central store could not serialise this change with a concurrent one (${cause.message}); try again`,
      [],
      { cause: error },
    );
  }
  const message = cause?.message ? `${cause.message}` : (e?.message ?? String(error));
  return new TreasuryError('INTERNAL', `internal error: ${message}`, [], { cause: error });
}
