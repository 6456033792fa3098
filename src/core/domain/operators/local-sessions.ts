/**
 * Sessions the workstation can check without the central store (tables local_sessions and
 * local_verifiers in the encrypted cache).
 *
 * - An online sign-in (the central store checked the password) is remembered by its token's hash,
 *   and leaves a cached verifier: a scrypt hash of that password made here, with its own salt. The
 *   central password hash never leaves the central store.
 * - Offline, the operator signs in against that verifier. The session exists only on this
 *   workstation and allows preparation only: whatever needs the central store (execution,
 *   reconciliation, provider calls) is refused offline anyway, and a command prepared offline is
 *   pushed under a session the central store issued — the central store decides.
 * - Either kind of session expires after the router's idle timeout; the operator's role and status
 *   come from the operators mirror as last synced, so a suspension synced in stops offline work.
 * - Offline failures lock offline sign-in like central failures lock the account (same thresholds).
 */
import { randomBytes } from 'node:crypto';
import { checkAddresses, workstationAddresses } from '../../platform/kernel/ip.js';
import type { Role } from '../../shared/permissions.js';
import type { LocalCache } from '../../platform/cache/cache.js';
import { TreasuryError } from '../../shared/errors.js';
import {
  IDLE_TIMEOUT_MS,
  STEP_UP_WINDOW_MS,
  stepUpCurrent,
  tokenHash,
  type Actor,
} from '../../platform/kernel/router.js';
import {
  GENERIC_REFUSAL,
  isLocked,
  lockedUntil,
  refusals,
  triesLeft,
  type Refusal,
  type SignInResult,
  type StepUpResult,
} from './sign-in.js';
import { hashPassword, verifyPassword } from './password.js';

interface MirroredOperator {
  id: string;
  username: string;
  role: Role;
  status: string;
}

function mirroredOperator(
  cache: LocalCache,
  where: { id?: string; username?: string },
): MirroredOperator | undefined {
  return (
    where.id !== undefined
      ? cache.sqlite
          .prepare('SELECT id, username, role, status FROM operators WHERE id = ?')
          .get(where.id)
      : cache.sqlite
          .prepare(
            'SELECT id, username, role, status FROM operators WHERE lower(username) = lower(?)',
          )
          .get(where.username)
  ) as MirroredOperator | undefined;
}

/**
 * IP binding offline: the operator's ranges as last synced, against the workstation's addresses (no
 * server view offline).
 */
function ipVerdict(
  cache: LocalCache,
  op: { id: string; role: string },
  addresses: readonly string[],
) {
  const ranges = (
    cache.sqlite
      .prepare('SELECT cidr FROM ip_allowlist WHERE operator_id = ? OR role = ? ORDER BY cidr')
      .all(op.id, op.role) as { cidr: string }[]
  ).map((r) => r.cidr);
  return checkAddresses({ ranges, workstation: addresses, server: null });
}

/** After the central store accepted a sign-in: remember the session and refresh the verifier. */
export async function rememberSignIn(
  cache: LocalCache,
  signIn: { token: string; operator: { id: string; username: string }; password: string },
  now: Date,
): Promise<void> {
  const verifier = await hashPassword(signIn.password);
  const at = now.getTime();
  cache.sqlite.transaction(() => {
    cache.sqlite
      .prepare(
        `INSERT INTO local_verifiers (operator_id, username, verifier, verified_at, failed_attempts, locked_until) VALUES (?, ?, ?, ?, 0, NULL)
                ON CONFLICT (operator_id) DO UPDATE SET username = excluded.username, verifier = excluded.verifier, verified_at = excluded.verified_at,
                                                       failed_attempts = 0, locked_until = NULL`,
      )
      .run(signIn.operator.id, signIn.operator.username, verifier, at);
    cache.sqlite
      .prepare(
        `INSERT OR REPLACE INTO local_sessions (token_hash, operator_id, username, origin, created_at, last_seen_at) VALUES (?, ?, ?, 'central', ?, ?)`,
      )
      .run(tokenHash(signIn.token), signIn.operator.id, signIn.operator.username, at, at);
  })();
}

/**
 * Sign-in against the cached verifier, for preparation while the central store is unreachable. The
 * same order as online (sign-in.ts): the password first, then the operator's state.
 */
export async function signInOffline(
  cache: LocalCache,
  username: string,
  password: string,
  now: Date,
  addresses: readonly string[] = workstationAddresses(),
): Promise<SignInResult & { offline: true }> {
  const generic = `${GENERIC_REFUSAL} (offline sign-in checks the password last used on this workstation while online)`;
  const v = cachedVerifier(cache, username);
  if (!v) {
    await hashPassword(password); // the same cost as a real check: no enumeration by timing
    return refusedOffline(
      refusals.credentials(
        `${generic}; an operator must sign in online once on this workstation before signing in offline`,
      ),
    );
  }
  const op = mirroredOperator(cache, { id: v.operator_id });
  const locked = isLocked(v.locked_until, now);
  if (!(await verifyPassword(password, v.verifier))) {
    if (op?.status === 'active' && !locked) countOfflineFailure(cache, v, now);
    return refusedOffline(refusals.credentials(generic));
  }
  if (!op)
    return refusedOffline(
      refusals.credentials(
        `operator ${v.username} is not in this workstation's cache: sync while online first`,
      ),
    );
  if (op.status !== 'active') return refusedOffline(refusals.disabled(op.username, op.status));
  if (locked) return refusedOffline(refusals.locked(new Date(Number(v.locked_until))));
  const ip = ipVerdict(cache, op, addresses);
  if (!ip.allowed) return refusedOffline(refusals.address(ip.reason));
  return {
    ok: true,
    token: openOfflineSession(cache, op, now),
    operator: { id: op.id, username: op.username, role: op.role },
    offline: true,
  };
}

const refusedOffline = (refusal: Refusal): Refusal & { offline: true } => ({
  ...refusal,
  offline: true,
});

interface CachedVerifier {
  operator_id: string;
  username: string;
  verifier: string;
  failed_attempts: number;
  locked_until: bigint | null;
}

/** The verifier an online sign-in left for this user name (any case), with its lockout. */
function cachedVerifier(cache: LocalCache, username: string): CachedVerifier | undefined {
  return cache.sqlite
    .prepare(
      'SELECT operator_id, username, verifier, failed_attempts, locked_until FROM local_verifiers WHERE lower(username) = lower(?)',
    )
    .get(username) as CachedVerifier | undefined;
}

/** A wrong password offline: one more failure, and the offline lockout once there are too many. */
function countOfflineFailure(cache: LocalCache, v: CachedVerifier, now: Date): void {
  const attempts = Number(v.failed_attempts) + 1;
  const lockUntil = lockedUntil(attempts, now)?.getTime() ?? null;
  cache.sqlite
    .prepare(
      'UPDATE local_verifiers SET failed_attempts = ?, locked_until = ? WHERE operator_id = ?',
    )
    .run(attempts, lockUntil, v.operator_id);
}

/** A session that exists only on this workstation: the failures cleared; returns its token. */
function openOfflineSession(cache: LocalCache, op: MirroredOperator, now: Date): string {
  const token = randomBytes(32).toString('base64url');
  const at = now.getTime();
  cache.sqlite.transaction(() => {
    cache.sqlite
      .prepare(
        'UPDATE local_verifiers SET failed_attempts = 0, locked_until = NULL WHERE operator_id = ?',
      )
      .run(op.id);
    cache.sqlite
      .prepare(
        `INSERT INTO local_sessions (token_hash, operator_id, username, origin, created_at, last_seen_at) VALUES (?, ?, ?, 'offline', ?, ?)`,
      )
      .run(tokenHash(token), op.id, op.username, at, at);
  })();
  return token;
}

/**
 * The operator behind a session token, checked the way the central router checks it. A background
 * call (a poll, sync by itself: router.ts Call.background) is checked alike but is not activity: it
 * leaves the idle clock where it was.
 */
export function resolveLocalSession(
  cache: LocalCache,
  token: string | null | undefined,
  now: Date,
  addresses: readonly string[] = workstationAddresses(),
  background = false,
): Actor & { origin: 'central' | 'offline'; stepUpCurrent: boolean } {
  if (!token)
    throw new TreasuryError(
      'UNAUTHENTICATED',
      'not signed in: sign in first (offline, the password last used on this workstation online)',
    );
  const hash = tokenHash(token);
  const s = liveLocalSession(cache, hash, now);
  const op = mirroredOperator(cache, { id: s.operator_id });
  if (!op)
    throw new TreasuryError(
      'UNAUTHENTICATED',
      "the signed-in operator is not in this workstation's cache: sync while online first",
    );
  if (op.status !== 'active')
    throw new TreasuryError('UNAUTHENTICATED', `operator ${op.username} is ${op.status}`);
  const ip = ipVerdict(cache, op, addresses);
  if (!ip.allowed) {
    endSessionByHash(cache, hash, now);
    throw new TreasuryError(
      'IP_NOT_ALLOWED',
      `${ip.reason}: the session of ${op.username} has ended`,
    );
  }
  if (!background)
    cache.sqlite
      .prepare('UPDATE local_sessions SET last_seen_at = ? WHERE token_hash = ?')
      .run(now.getTime(), hash);
  const stepped = stepUpCurrent(
    Number(s.created_at),
    s.stepped_up_at === null ? null : Number(s.stepped_up_at),
    now.getTime(),
  );
  return {
    operatorId: op.id,
    username: op.username,
    role: op.role,
    origin: s.origin,
    stepUpCurrent: stepped,
  };
}

interface LocalSessionRow {
  operator_id: string;
  origin: 'central' | 'offline';
  created_at: bigint;
  last_seen_at: bigint;
  ended_at: bigint | null;
  stepped_up_at: bigint | null;
}

/** The session of a token hash, refused when unknown, ended, or idle too long (then ended). */
function liveLocalSession(cache: LocalCache, hash: string, now: Date): LocalSessionRow {
  const s = cache.sqlite
    .prepare(
      'SELECT operator_id, origin, created_at, last_seen_at, ended_at, stepped_up_at FROM local_sessions WHERE token_hash = ?',
    )
    .get(hash) as LocalSessionRow | undefined;
  if (!s || s.ended_at !== null)
    throw new TreasuryError(
      'UNAUTHENTICATED',
      'this session is not known on this workstation any more: sign in again',
    );
  if (now.getTime() - Number(s.last_seen_at) > IDLE_TIMEOUT_MS) {
    endSessionByHash(cache, hash, now);
    throw new TreasuryError(
      'UNAUTHENTICATED',
      'the session expired after 30 minutes without activity: sign in again',
    );
  }
  return s;
}

function endSessionByHash(cache: LocalCache, hash: string, now: Date): void {
  cache.sqlite
    .prepare('UPDATE local_sessions SET ended_at = ? WHERE token_hash = ?')
    .run(now.getTime(), hash);
}

/** Keeps the local record in step with activity through the central router. */
export function touchLocalSession(cache: LocalCache, token: string, now: Date): void {
  cache.sqlite
    .prepare('UPDATE local_sessions SET last_seen_at = ? WHERE token_hash = ? AND ended_at IS NULL')
    .run(now.getTime(), tokenHash(token));
}

export function endLocalSession(cache: LocalCache, token: string, now: Date): boolean {
  return (
    cache.sqlite
      .prepare('UPDATE local_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL')
      .run(now.getTime(), tokenHash(token)).changes > 0
  );
}

/** Whether the session was issued by the central store (only those can push). */
export function sessionOrigin(cache: LocalCache, token: string): 'central' | 'offline' | null {
  const row = cache.sqlite
    .prepare('SELECT origin FROM local_sessions WHERE token_hash = ?')
    .get(tokenHash(token)) as { origin: 'central' | 'offline' } | undefined;
  return row?.origin ?? null;
}

/**
 * Offline step-up: the password checked against the cached verifier, failures counted as offline
 * sign-in failures (the answer says the tries left, or the offline lockout, which ends the
 * operator's sessions here).
 */
export async function stepUpOffline(
  cache: LocalCache,
  token: string,
  operatorId: string,
  password: string,
  now: Date,
): Promise<StepUpResult> {
  const v = cache.sqlite
    .prepare('SELECT verifier, failed_attempts FROM local_verifiers WHERE operator_id = ?')
    .get(operatorId) as { verifier: string; failed_attempts: number } | undefined;
  if (!v || !(await verifyPassword(password, v.verifier))) {
    const attempts = Number(v?.failed_attempts ?? 0) + 1;
    const lockUntil = lockedUntil(attempts, now);
    cache.sqlite.transaction(() => {
      cache.sqlite
        .prepare(
          'UPDATE local_verifiers SET failed_attempts = ?, locked_until = ? WHERE operator_id = ?',
        )
        .run(attempts, lockUntil?.getTime() ?? null, operatorId);
      if (lockUntil !== null)
        cache.sqlite
          .prepare(
            'UPDATE local_sessions SET ended_at = ? WHERE operator_id = ? AND ended_at IS NULL',
          )
          .run(now.getTime(), operatorId);
    })();
    return lockUntil
      ? refusals.lockedByStepUp(lockUntil)
      : refusals.wrongStepUp(triesLeft(attempts));
  }
  cache.sqlite.transaction(() => {
    cache.sqlite
      .prepare('UPDATE local_verifiers SET failed_attempts = 0 WHERE operator_id = ?')
      .run(operatorId);
    cache.sqlite
      .prepare('UPDATE local_sessions SET stepped_up_at = ? WHERE token_hash = ?')
      .run(now.getTime(), tokenHash(token));
  })();
  return { ok: true, until: new Date(now.getTime() + STEP_UP_WINDOW_MS).toISOString() };
}

/**
 * After a call the central store answered, the workstation's record of the session follows what the
 * call did to it (its definition's `session`): a sign-in is remembered for signing in offline, a
 * step-up confirms the password here too, a sign-out ends the record; any other call touches it,
 * unless it was a background call (not the operator's activity: the central store did not touch
 * the session either). `open`: the workstation's cache connection if one is open (a sign-in opens
 * one).
 */
export async function followSession(
  def: { session?: 'opens' | 'confirms' | 'ends' | undefined },
  cache: { get(): Promise<LocalCache>; current(): Promise<LocalCache> | null },
  c: { payload: unknown; session?: string | null | undefined; background?: boolean | undefined },
  result: unknown,
): Promise<void> {
  const open = cache.current();
  const ok = (result as { ok?: boolean } | null)?.ok === true;
  if (def.session === 'opens') {
    if (!ok) return;
    const r = result as {
      token: string;
      operator: Parameters<typeof rememberSignIn>[1]['operator'];
    };
    const { password } = c.payload as { password: string };
    // The cache (and the keychain behind its key) may be unavailable: online work goes on without
    // the offline verifier, which the next sign-in writes.
    try {
      await rememberSignIn(
        await cache.get(),
        { token: r.token, operator: r.operator, password },
        new Date(),
      );
    } catch {
      /* offline sign-in will not be possible until a later online sign-in succeeds here */
    }
    return;
  }
  if (!open) return;
  if (def.session === 'confirms') {
    if (ok && c.session)
      (await open).sqlite
        .prepare('UPDATE local_sessions SET stepped_up_at = ? WHERE token_hash = ?')
        .run(Date.now(), tokenHash(c.session));
    return;
  }
  if (def.session === 'ends') {
    endLocalSession(await open, (c.payload as { token: string }).token, new Date());
    return;
  }
  if (c.session && !c.background) touchLocalSession(await open, c.session, new Date());
}
