/**
 * What signing in shares online (operators/commands.ts) and offline (local-sessions.ts): the
 * lockout rule, the order of the checks and the answer.
 *
 * The order: the password first, then the operator's state. With a wrong password an unknown,
 * disabled or locked operator gets the same generic refusal, so a guesser learns nothing about the
 * account; only someone who knows the password is told the account is locked, disabled or refused
 * from this address. A wrong password while locked does not count further: the lockout is not
 * extended (else anyone could keep an account locked indefinitely, the lockout doubling with each
 * failure); it is audited as a failed sign-in like any other.
 */

export const MAX_FAILED_SIGN_INS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

/**
 * The lockout after a failed sign-in or step-up: none below MAX failures, then LOCKOUT_MS doubling
 * with each further one.
 */
export function lockedUntil(failedAttempts: number, now: Date): Date | null {
  return failedAttempts >= MAX_FAILED_SIGN_INS
    ? new Date(now.getTime() + LOCKOUT_MS * 2 ** (failedAttempts - MAX_FAILED_SIGN_INS))
    : null;
}

/** How many more wrong passwords before the lockout (after `failedAttempts` of them). */
export const triesLeft = (failedAttempts: number): number =>
  Math.max(0, MAX_FAILED_SIGN_INS - failedAttempts);

/**
 * Why a sign-in or step-up was refused, for the console to say the right words:
 * - credentials: unknown operator or wrong password (the same answer for both);
 * - locked: too many wrong passwords, until `lockedUntil`;
 * - disabled: an administrator disabled the operator;
 * - address: the operator may not sign in from this address (IP allowlist).
 */
export type RefusalKind = 'credentials' | 'locked' | 'disabled' | 'address';

export interface Refusal {
  ok: false;
  kind: RefusalKind;
  /** The refusal in words (also what the audit trail keeps). */
  reason: string;
  /** ISO 8601, for kind 'locked'. */
  lockedUntil?: string;
  /** Wrong step-up passwords left before the lockout (step-up only: a sign-in never says). */
  triesLeft?: number;
}

export type SignInResult =
  { ok: true; token: string; operator: { id: string; username: string; role: string } } | Refusal;

export type StepUpResult = { ok: true; until: string } | Refusal;

export const GENERIC_REFUSAL = 'unknown username or wrong password';

/** The refusals, worded once for online and offline. */
export const refusals = {
  credentials: (reason = GENERIC_REFUSAL): Refusal => ({ ok: false, kind: 'credentials', reason }),
  locked: (until: Date): Refusal => ({
    ok: false,
    kind: 'locked',
    reason: `too many wrong passwords: locked until ${until.toISOString()}`,
    lockedUntil: until.toISOString(),
  }),
  disabled: (username: string, status: string): Refusal => ({
    ok: false,
    kind: 'disabled',
    reason: `operator ${username} is ${status}`,
  }),
  /** `detail`: which addresses and ranges (kept in the trail; the console words it for people). */
  address: (detail: string | null): Refusal => ({
    ok: false,
    kind: 'address',
    reason: `sign-in refused: ${detail ?? 'this address is outside the allowed ranges'}`,
  }),
  wrongStepUp: (left: number): Refusal => ({
    ok: false,
    kind: 'credentials',
    reason: `wrong password: ${left} ${left === 1 ? 'try' : 'tries'} left before the lockout`,
    triesLeft: left,
  }),
  lockedByStepUp: (until: Date): Refusal => ({
    ok: false,
    kind: 'locked',
    reason: `wrong password: too many failures, locked until ${until.toISOString()} and signed out`,
    lockedUntil: until.toISOString(),
  }),
};

/** Whether a lockout is in force at `now`. */
export function isLocked(until: Date | string | number | bigint | null, now: Date): boolean {
  return until !== null && new Date(typeof until === 'bigint' ? Number(until) : until) > now;
}
