/**
 * What signing in shares online (operators/commands.ts) and offline (local-sessions.ts): the
 * lockout rule and the answer.
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

export type SignInResult =
  | { ok: true; token: string; operator: { id: string; username: string; role: string } }
  | { ok: false; reason: string };
