/** Operators and sessions: bootstrap of the first super-admin, sign-in, sign-out, who am I. */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows } from '../../platform/central/store.js';
import {
  defineCommand,
  defineQuery,
  signedIn,
  STEP_UP_WINDOW_MS,
  tokenHash,
  type ActorContext,
  type HandlerContext,
} from '../../platform/kernel/router.js';
import { TreasuryError } from '../../shared/errors.js';
import { checkOperatorAddress } from '../access/ranges.js';
import { ROLES, roleRank } from '../../shared/permissions.js';
import { rememberSecret } from '../../platform/log/logger.js';
import { failedSignInHits, gate, lockoutHit, newAddressHits } from '../security/rules.js';
import { hashPassword, passwordProblem, verifyPassword } from './password.js';
import {
  isLocked,
  lockedUntil,
  refusals,
  triesLeft,
  type Refusal,
  type SignInResult,
  type StepUpResult,
} from './sign-in.js';
import { endLocalSession, signInOffline, stepUpOffline } from './local-sessions.js';

export type { Refusal, SignInResult, StepUpResult };

const username = z
  .string()
  .regex(
    /^[a-z][a-z0-9._-]{2,31}$/,
    'use 3–32 lower-case letters, digits, . _ - (starting with a letter)',
  );

export const bootstrap = defineCommand({
  name: 'operators.bootstrap',
  permission: 'public', // allowed only while no operator exists, checked inside the transaction
  input: z.strictObject({
    username,
    displayName: z.string().min(1).max(100).optional(),
    password: z.string(),
  }),
  async run(ctx, input) {
    const problem = passwordProblem(input.password);
    if (problem)
      throw new TreasuryError('VALIDATION', problem, [{ field: 'password', message: problem }]);
    // Serialises concurrent bootstraps: only the first can see an empty table.
    await ctx.tx.execute(sql`LOCK TABLE operators IN SHARE ROW EXCLUSIVE MODE`);
    const [{ n } = { n: 0 }] = await rows<{ n: number }>(
      ctx.tx,
      sql`SELECT count(*)::int AS n FROM operators`,
    );
    if (Number(n) > 0)
      throw new TreasuryError(
        'ALREADY_INITIALISED',
        'this central store already has operators: sign in with `treasury login` instead',
      );
    const hash = await hashPassword(input.password);
    const [created] = await rows<{ id: string }>(
      ctx.tx,
      sql`INSERT INTO operators (username, display_name, role, password_hash) VALUES (${input.username}, ${input.displayName ?? input.username}, 'super_admin', ${hash}) RETURNING id`,
    );
    ctx.audit({
      action: 'operators.bootstrap',
      entityType: 'operator',
      entityId: created!.id,
      after: { username: input.username, role: 'super_admin' },
    });
    return { operatorId: created!.id, username: input.username, role: 'super_admin' as const };
  },
});

/**
 * Sign-in returns failures as a result rather than throwing, so that the failed-attempt counter and
 * the lockout commit together with their audit entry. The password is checked before the
 * operator's state (sign-in.ts says why): with a wrong one, every refusal is the generic one.
 */
export const signIn = defineCommand({
  name: 'session.signIn',
  permission: 'public',
  secretResult: true,
  session: 'opens',
  input: z.strictObject({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(1024),
  }),
  async run(ctx, input): Promise<SignInResult> {
    const op = await operatorSigningIn(ctx, input.username);
    if (!op) {
      await hashPassword(input.password); // same cost as a real check: no user enumeration by timing
      return refuseSignIn(ctx, input.username, refusals.credentials(), null);
    }
    const refuse = (refusal: Refusal) => refuseSignIn(ctx, input.username, refusal, op);
    const locked = isLocked(op.locked_until, ctx.now);
    if (!(await verifyPassword(input.password, op.password_hash))) {
      // Counted against an active operator not locked yet; a locked one's lockout is not extended.
      if (op.status === 'active' && !locked) await countFailure(ctx, op);
      return refuse(refusals.credentials());
    }
    if (op.status !== 'active') return refuse(refusals.disabled(op.username, op.status));
    if (locked) return refuse(refusals.locked(new Date(op.locked_until!)));
    const ip = await checkOperatorAddress(ctx, op);
    if (!ip.allowed) return refuse(refusals.address(ip.reason));
    // The address the session comes from: the server's view when there is one, else the
    // workstation's. (the host's own knowledge of the caller first, e.g. the browser host's peer
    // address).
    const address = ctx.call.ip ?? ip.server ?? ctx.addresses[0] ?? null;
    await gate(
      ctx,
      await newAddressHits(ctx.tx, { id: op.id, username: op.username }, address ? [address] : []),
      op.id,
    );
    return openSession(ctx, op, address);
  },
  // Offline: against the operator as last synced, with the same order of checks, lockout and IP
  // binding (local-sessions.ts).
  offline: (ctx, input) =>
    signInOffline(ctx.cache, input.username, input.password, ctx.now, ctx.addresses),
});

interface SigningIn {
  id: string;
  username: string;
  role: string;
  status: string;
  password_hash: string;
  failed_attempts: number;
  locked_until: Date | null;
}

/** The operator by user name, any case, locked: their failure count changes in this call. */
async function operatorSigningIn(
  ctx: HandlerContext,
  username: string,
): Promise<SigningIn | undefined> {
  const [op] = await rows<SigningIn>(
    ctx.tx,
    sql`SELECT id, username, role, status, password_hash, failed_attempts, locked_until FROM operators WHERE lower(username) = lower(${username}) FOR UPDATE`,
  );
  return op;
}

/**
 * A refused sign-in, audited. Repeated failures for a known operator are a security event (the
 * lockout itself blocks).
 */
async function refuseSignIn(
  ctx: HandlerContext,
  username: string,
  refusal: Refusal,
  op: { id: string; username: string } | null,
): Promise<SignInResult> {
  if (op) await gate(ctx, await failedSignInHits(ctx.tx, op, ctx.now), op.id);
  ctx.audit({
    action: 'session.signIn.failed',
    entityType: 'operator',
    entityId: op?.id ?? null,
    after: { username, reason: refusal.reason, kind: refusal.kind },
  });
  return refusal;
}

/**
 * A wrong password (sign-in or step-up): one more failure, and once there are too many the lockout
 * with its security event. Returns the count and the lockout (null: none yet).
 */
async function countFailure(
  ctx: HandlerContext,
  op: { id: string; username: string; failed_attempts: number },
  via: 'sign-in' | 'step-up' = 'sign-in',
): Promise<{ attempts: number; lockUntil: Date | null }> {
  const attempts = Number(op.failed_attempts) + 1;
  const lockUntil = lockedUntil(attempts, ctx.now);
  await ctx.tx.execute(
    sql`UPDATE operators SET failed_attempts = ${attempts}, locked_until = ${lockUntil?.toISOString() ?? null}::timestamptz, updated_at = now() WHERE id = ${op.id}::uuid`,
  );
  if (lockUntil) await gate(ctx, [lockoutHit(op, { until: lockUntil, attempts, via })], op.id);
  return { attempts, lockUntil };
}

/** The session opened: its token (only its hash is stored), the failure count cleared, audited. */
async function openSession(
  ctx: HandlerContext,
  op: SigningIn,
  address: string | null,
): Promise<SignInResult> {
  const token = randomBytes(32).toString('base64url');
  rememberSecret(token);
  await ctx.tx.execute(
    sql`UPDATE operators SET failed_attempts = 0, locked_until = NULL WHERE id = ${op.id}`,
  );
  await ctx.tx.execute(
    sql`INSERT INTO sessions (token_hash, operator_id, workstation_id, address) VALUES (${tokenHash(token)}, ${op.id}, ${ctx.workstationId}, ${address})`,
  );
  ctx.audit({
    action: 'session.signIn',
    entityType: 'operator',
    entityId: op.id,
    after: { username: op.username },
  });
  return { ok: true, token, operator: { id: op.id, username: op.username, role: op.role } };
}

/**
 * Step-up: the operator confirms their password inside a session before approve, execute or a
 * credential change (the router asks for it, STEP_UP_REQUIRED). A wrong password counts towards
 * the lockout like a failed sign-in; the result says so (with the tries left, or the lockout, which
 * also ends the operator's sessions) rather than throwing, so the count commits.
 */
export const stepUp = defineCommand({
  name: 'session.stepUp',
  permission: 'signed_in',
  secretResult: true,
  session: 'confirms',
  input: z.strictObject({ password: z.string().min(1).max(1024) }),
  async run(ctx, input): Promise<StepUpResult> {
    const actor = ctx.actor;
    const [op] = await rows<{ password_hash: string; failed_attempts: number }>(
      ctx.tx,
      sql`SELECT password_hash, failed_attempts FROM operators WHERE id = ${actor.operatorId}::uuid FOR UPDATE`,
    );
    if (op && (await verifyPassword(input.password, op.password_hash))) return confirmStepUp(ctx);
    const { attempts, lockUntil } = await countFailure(
      ctx,
      { id: actor.operatorId, username: actor.username, failed_attempts: op?.failed_attempts ?? 0 },
      'step-up',
    );
    if (lockUntil)
      await ctx.tx.execute(
        sql`UPDATE sessions SET ended_at = now() WHERE operator_id = ${actor.operatorId}::uuid AND ended_at IS NULL`,
      );
    ctx.audit({
      action: 'session.stepUp.failed',
      entityType: 'operator',
      entityId: actor.operatorId,
      after: { attempts, lockedUntil: lockUntil?.toISOString() ?? null },
    });
    return lockUntil
      ? refusals.lockedByStepUp(lockUntil)
      : refusals.wrongStepUp(triesLeft(attempts));
  },
  // Offline: against the password hash as last synced; a failure counts in the cache's record.
  offline: signedIn((ctx, input) =>
    stepUpOffline(ctx.cache, ctx.session, ctx.actor.operatorId, input.password, ctx.now),
  ),
});

/** The password confirmed: the failures cleared, this session stepped up for the window. */
async function confirmStepUp(ctx: ActorContext): Promise<StepUpResult> {
  await ctx.tx.execute(
    sql`UPDATE operators SET failed_attempts = 0 WHERE id = ${ctx.actor.operatorId}::uuid`,
  );
  await ctx.tx.execute(
    sql`UPDATE sessions SET stepped_up_at = ${ctx.now.toISOString()}::timestamptz WHERE token_hash = ${ctx.sessionHash}`,
  );
  ctx.audit({ action: 'session.stepUp', entityType: 'operator', entityId: ctx.actor.operatorId });
  return { ok: true, until: new Date(ctx.now.getTime() + STEP_UP_WINDOW_MS).toISOString() };
}

export const signOut = defineCommand({
  name: 'session.signOut',
  permission: 'signed_in',
  session: 'ends',
  input: z.strictObject({ token: z.string().min(1) }),
  async run(ctx, input) {
    await ctx.tx.execute(
      sql`UPDATE sessions SET ended_at = now() WHERE token_hash = ${tokenHash(input.token)} AND operator_id = ${ctx.actor.operatorId}`,
    );
    ctx.audit({
      action: 'session.signOut',
      entityType: 'operator',
      entityId: ctx.actor.operatorId,
    });
    return { signedOut: true };
  },
  offline: (ctx, input) => ({ signedOut: endLocalSession(ctx.cache, input.token, ctx.now) }),
});

export const whoami = defineQuery({
  name: 'session.whoami',
  permission: 'signed_in',
  input: z.strictObject({}),
  async run(ctx) {
    return {
      operatorId: ctx.actor.operatorId,
      username: ctx.actor.username,
      role: ctx.actor.role,
    };
  },
  offline: signedIn((ctx) => ({
    operatorId: ctx.actor.operatorId,
    username: ctx.actor.username,
    role: ctx.actor.role,
    offline: true,
  })),
});

/**
 * Public: whether the central store has any operator yet (so `init` knows whether to bootstrap).
 */
export const setupStatus = defineQuery({
  name: 'setup.status',
  permission: 'public',
  input: z.strictObject({}),
  async run(ctx) {
    const [{ n } = { n: 0 }] = await rows<{ n: number }>(
      ctx.tx,
      sql`SELECT count(*)::int AS n FROM operators`,
    );
    return { initialised: Number(n) > 0 };
  },
  // Offline: whether the cache knows any operator yet.
  offline: (ctx) => ({
    initialised:
      Number(
        (ctx.cache.sqlite.prepare('SELECT count(*) AS n FROM operators').get() as { n: bigint }).n,
      ) > 0,
    offline: true,
  }),
});

/**
 * Adds an operator. Minimal until the security work (issue 5) brings full role management; the
 * one rule already enforced: nobody grants a role above their own.
 */
export const createOperator = defineCommand({
  name: 'operators.create',
  permission: 'admin.manage',
  input: z.strictObject({
    username,
    displayName: z.string().min(1).max(100).optional(),
    role: z.enum(ROLES),
    password: z.string(),
  }),
  async run(ctx, input) {
    const problem = passwordProblem(input.password);
    if (problem)
      throw new TreasuryError('VALIDATION', problem, [{ field: 'password', message: problem }]);
    if (roleRank(input.role) > roleRank(ctx.actor.role)) {
      throw new TreasuryError(
        'FORBIDDEN',
        `${ctx.actor.username} (${ctx.actor.role}) cannot grant the higher role ${input.role}`,
      );
    }
    const [exists] = await rows<{ id: string }>(
      ctx.tx,
      sql`SELECT id FROM operators WHERE lower(username) = lower(${input.username})`,
    );
    if (exists)
      throw new TreasuryError('CONFLICT', `an operator named ${input.username} already exists`, [
        { field: 'username', message: 'taken' },
      ]);
    const hash = await hashPassword(input.password);
    const [created] = await rows<{ id: string }>(
      ctx.tx,
      sql`INSERT INTO operators (username, display_name, role, password_hash, created_by)
          VALUES (${input.username}, ${input.displayName ?? input.username}, ${input.role}, ${hash}, ${ctx.actor.operatorId}::uuid) RETURNING id`,
    );
    ctx.audit({
      action: 'operators.create',
      entityType: 'operator',
      entityId: created!.id,
      after: { username: input.username, role: input.role },
    });
    return { operatorId: created!.id, username: input.username, role: input.role };
  },
});
