/**
 * console.manifest: what the console needs to draw itself for the signed-in operator — who they
 * are, what they may do, what every call needs (permission, step-up) and until when their password
 * confirmation covers the calls that need one. The console hides what the router would refuse; the
 * router still decides.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { permissionsOf, ROLES, type Permission, type Role } from '../../shared/permissions.js';
import { rows } from '../../platform/central/store.js';
import type { LocalCache } from '../../platform/cache/cache.js';
import {
  defineQuery,
  signedIn,
  STEP_UP_WINDOW_MS,
  tokenHash,
  type Actor,
  type AnyDefinition,
} from '../../platform/kernel/router.js';

export interface CallInfo {
  permission: Permission | 'public' | 'signed_in';
  stepUp: boolean;
  kind: 'command' | 'query';
}

export interface Manifest {
  operator: { id: string; username: string; displayName: string; role: Role };
  permissions: Permission[];
  matrix: { role: Role; permissions: Permission[] }[];
  calls: Record<string, CallInfo>;
  /**
   * When the current password confirmation (or the sign-in) stops covering step-up calls; null when
   * it already has.
   */
  stepUpValidUntil: string | null;
}

/** Each role's permissions, in the table's order (access/permissions.ts). */
export function permissionMatrix(): Manifest['matrix'] {
  return ROLES.map((role) => ({ role, permissions: [...permissionsOf(role)] }));
}

export function callInfo(definitions: readonly AnyDefinition[]): Record<string, CallInfo> {
  const calls: Record<string, CallInfo> = {};
  for (const d of [...definitions].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    calls[d.name] = { permission: d.permission, stepUp: d.stepUp === true, kind: d.kind };
  }
  return calls;
}

/**
 * The manifest from who the operator is and when they last confirmed their password (sign-in or
 * step-up; null when the session is unknown), over the calls the router answering it knows (its
 * context's catalog: it never imports the catalog, which imports it). Shared with the offline
 * router.
 */
export function buildManifest(
  who: { actor: Actor; displayName: string; confirmedAt: number | null; now: Date },
  catalog: readonly AnyDefinition[],
): Manifest {
  // As the router's step-up rule (stepUpCurrent): covered while now ≤ confirmation + window.
  const until = who.confirmedAt === null ? null : who.confirmedAt + STEP_UP_WINDOW_MS;
  return {
    operator: {
      id: who.actor.operatorId,
      username: who.actor.username,
      displayName: who.displayName,
      role: who.actor.role,
    },
    permissions: [...permissionsOf(who.actor.role)],
    matrix: permissionMatrix(),
    calls: callInfo(catalog),
    stepUpValidUntil:
      until !== null && until >= who.now.getTime() ? new Date(until).toISOString() : null,
  };
}

export const manifest = defineQuery({
  name: 'console.manifest',
  permission: 'signed_in',
  input: z.strictObject({}),
  async run(ctx): Promise<Manifest> {
    const actor = ctx.actor;
    const [row] = await rows<{
      display_name: string;
      created_at: Date | string | null;
      stepped_up_at: Date | string | null;
    }>(
      ctx.tx,
      sql`SELECT o.display_name, s.created_at, s.stepped_up_at
          FROM operators o LEFT JOIN sessions s ON s.token_hash = ${ctx.sessionHash} AND s.operator_id = o.id
          WHERE o.id = ${actor.operatorId}::uuid`,
    );
    const confirmedAt = row?.created_at
      ? Math.max(
          new Date(row.created_at).getTime(),
          row.stepped_up_at ? new Date(row.stepped_up_at).getTime() : 0,
        )
      : null;
    return buildManifest(
      { actor, displayName: row?.display_name ?? actor.username, confirmedAt, now: ctx.now },
      ctx.catalog,
    );
  },
  offline: signedIn((ctx) =>
    manifestOffline(ctx.cache, ctx.actor, ctx.session, ctx.now, ctx.catalog),
  ),
});

/** The manifest offline: the operators mirror and the workstation's own record of the session. */
function manifestOffline(
  cache: LocalCache,
  actor: Actor,
  session: string | null,
  now: Date,
  catalog: readonly AnyDefinition[],
): Manifest & { offline: true } {
  const op = cache.sqlite
    .prepare('SELECT display_name FROM operators WHERE id = ?')
    .get(actor.operatorId) as { display_name: string } | undefined;
  const s = session
    ? (cache.sqlite
        .prepare('SELECT created_at, stepped_up_at FROM local_sessions WHERE token_hash = ?')
        .get(tokenHash(session)) as
        { created_at: bigint; stepped_up_at: bigint | null } | undefined)
    : undefined;
  const confirmedAt = s
    ? Math.max(Number(s.created_at), s.stepped_up_at === null ? 0 : Number(s.stepped_up_at))
    : null;
  return {
    ...buildManifest(
      { actor, displayName: op?.display_name ?? actor.username, confirmedAt, now },
      catalog,
    ),
    offline: true,
  };
}
