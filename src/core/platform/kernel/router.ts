/**
 * The one door. Every state change is a typed command and every read a typed query, whichever
 * host it came from (Electron IPC, the CLI, later the browser host). For each call the router:
 *   1. finds the definition (unknown names are refused),
 *   2. resolves the actor from the session and checks the one permission the definition names
 *      (before looking at the payload: deny by default),
 *   3. validates the payload with its schema (errors name the field),
 *   4. for a command: replays the stored result if this command id was already applied; otherwise
 *      runs the handler in one central transaction together with its audit entries and the
 *      applied-command record, so the change, its audit and its dedupe record commit together.
 * A refused call leaves a 'denied' audit entry.
 */
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { checkAddresses, workstationAddresses } from './ip.js';
import type { Permission, Role } from '../../shared/permissions.js';
import { appendAudit, canonicalJson, type AuditDecision, type AuditEntry } from './audit-chain.js';
import { CENTRAL_MS, centralNow } from '../central/clock.js';
import { rows, type CentralStore, type CentralTx } from '../central/store.js';
import type { CredentialStore } from '../credentials/store.js';
import type { PayoutProvider, ProviderName } from '../payments/provider.js';
import { rememberSecret } from '../log/logger.js';
import { assert } from '../../shared/assert.js';
import { asJson } from './audit-chain.js';
import { toTreasuryError, TreasuryError } from '../../shared/errors.js';
import { known, refusal, validated } from './admission.js';
import type { LocalCache } from '../cache/cache.js';

export interface Actor {
  operatorId: string;
  username: string;
  role: Role;
}

export interface Progress {
  phase: string;
  done: number;
  total?: number;
  /**
   * false from the report on which the call has begun committing what it then completes (an
   * import on the embedded store, central/chunks.ts): a job's cancel is refused from here on.
   */
  cancellable?: false;
  /** Named counts beside `done` (an execution's failed, unknown, waiting and retrying payouts). */
  counts?: Record<string, number>;
}

/** What handlers may reach beyond the central store: payment providers, the credential store. */
export interface Services {
  providers(name: ProviderName): Promise<PayoutProvider>;
  /**
   * Drops a provider client built with a credential that has just changed (the next call builds it
   * again).
   */
  forgetProvider?(name: ProviderName): void;
  readonly credentials: CredentialStore | null;
  /**
   * The workstation's own addresses, for IP binding (default: its network interfaces; tests
   * inject).
   */
  addresses?(): readonly string[];
  /** Where the router logs each call's outcome (never a payload). */
  readonly log?: Logger;
  /**
   * Calls the host answers beside this router (the workstation's own: sync, jobs, cache), for the
   * manifest.
   */
  readonly hostDefinitions?: readonly AnyDefinition[];
}

const NO_SERVICES: Services = {
  providers: async (name) => {
    throw new TreasuryError(
      'PROVIDER_NOT_CONFIGURED',
      `no payment providers are configured in this host (asked for ${name})`,
    );
  },
  credentials: null,
};

export interface HandlerContext {
  readonly tx: CentralTx;
  readonly store: CentralStore;
  readonly services: Services;
  /**
   * Audit context of this call, for handlers that write their own transactions (non-transactional
   * commands).
   */
  readonly call: { ip: string | null; workstationId: string; commandId: string };
  /** null only for the public commands (bootstrap, sign-in). */
  readonly actor: Actor | null;
  /**
   * SHA-256 of the caller's session token (null for public commands): sessions change only their
   * own row.
   */
  readonly sessionHash: string | null;
  /** The workstation's addresses for this call (IP binding at sign-in). */
  readonly addresses: readonly string[];
  readonly commandId: string;
  readonly workstationId: string;
  readonly now: Date;
  audit(entry: AuditEntry): void;
  progress(p: Progress): void;
  /** Every call this router and its host answer (the console's manifest lists them). */
  readonly catalog: readonly AnyDefinition[];
}

/**
 * The context of a central call that needs a session: the router resolved its operator before the
 * handler runs (and asserts it), so a signed-in handler reads `ctx.actor` without a `!`.
 */
export interface ActorContext extends HandlerContext {
  readonly actor: Actor;
  readonly sessionHash: string;
}

/** Who may make a call: a permission, any signed-in operator, or anyone (sign-in, bootstrap). */
export type Access = Permission | 'public' | 'signed_in';

/** What a definition's handler runs with: a central call that is not public gets its actor. */
export type ContextFor<P extends Access, C> = P extends 'public'
  ? C
  : C extends HandlerContext
    ? C & { readonly actor: Actor; readonly sessionHash: string }
    : C;

/** The operator of a call that needs a session: the router resolved it before the handler ran. */
export function operatorIdOf(ctx: Pick<HandlerContext, 'actor'>): string {
  if (!ctx.actor)
    throw new TreasuryError(
      'INTERNAL',
      'a call that needs a session reached its handler without one',
    );
  return ctx.actor.operatorId;
}

/**
 * What a call's offline handler runs with (Definition.offline): the workstation's encrypted cache
 * instead of the central store (workstation/offline-router.ts admits the call and builds it).
 */
export interface OfflineContext {
  readonly cache: LocalCache;
  /** The workstation's addresses for this call (IP binding). */
  readonly addresses: readonly string[];
  readonly actor: Actor | null;
  readonly now: Date;
  readonly session: string | null;
  /** Every call this router answers (the console's manifest lists them). */
  readonly catalog: readonly AnyDefinition[];
}

/** The context of a call that needs a session: the router has resolved who it is. */
export interface SignedInContext extends OfflineContext {
  readonly actor: Actor;
  readonly session: string;
}

/** A call's answer from the cache. */
export type OfflineHandler<I = never> = (ctx: OfflineContext, input: I) => unknown;

/**
 * A handler of a call that needs a session: the actor the router resolved is asserted here, once.
 */
export function signedIn<I>(
  handler: (ctx: SignedInContext, input: I) => unknown,
): OfflineHandler<I> {
  return (ctx, input) => handler(asSignedIn(ctx), input);
}

/**
 * Asserts what a signed-in call's handler relies on: the router resolved its operator and session.
 */
export function asSignedIn(ctx: OfflineContext): SignedInContext {
  if (!ctx.actor || !ctx.session)
    throw new TreasuryError(
      'INTERNAL',
      'a call that needs a session reached its handler without one',
    );
  return ctx as SignedInContext;
}

/**
 * Who a signed-in offline call acts as, as the offline batch commands record it (sync/offline.ts).
 */
export const operatorOf = (ctx: SignedInContext) => ({
  id: ctx.actor.operatorId,
  username: ctx.actor.username,
  role: ctx.actor.role,
});

/**
 * A call: its name, who may make it, its input's schema, and its handler. `C` is what the handler
 * runs with: the router's context for calls of the central store; the workstation's own calls
 * (workstation/sync-calls.ts) run with the workstation's.
 */
export interface Definition<I = unknown, O = unknown, C = HandlerContext> {
  readonly name: string;
  readonly kind: 'command' | 'query';
  /**
   * 'public' only for bootstrap and sign-in, which establish who the actor is; 'signed_in' for what
   * any signed-in operator may do to their own session (sign out, who am I).
   */
  readonly permission: Permission | 'public' | 'signed_in';
  /** The result holds a secret (a session token): it is not stored for replay. */
  readonly secretResult?: boolean;
  /**
   * What the call does to the operator's session, so that a workstation keeps its own record of the
   * session in step (operators/local-sessions.ts): a sign-in opens one (remembered for signing in
   * offline), a step-up confirms the password, a sign-out ends it. Every other signed-in call
   * touches it.
   */
  readonly session?: 'opens' | 'confirms' | 'ends';
  /**
   * Approve, execute and credential changes: the operator must have confirmed their password in
   * this session within STEP_UP_WINDOW_MS (`session.stepUp`; signing in counts).
   */
  readonly stepUp?: boolean;
  readonly input: z.ZodType<I>;
  /**
   * false for long-running commands (batch execution) that must commit as they go: they get the
   * store instead of one transaction, write their own changes with their audit entries, and are not
   * replayed by command id (running them again resumes them).
   */
  readonly transactional?: boolean;
  /**
   * A command that is not transactional but leaves nothing half-done when stopped at a progress
   * report (an export removes its partial file; a calculation on the embedded store keeps the
   * affiliates it finished, each whole, and says so): a job running it may be cancelled.
   * Transactional commands always may (their transaction rolls back); the rest (execution, sync)
   * commit as they go and may not.
   */
  readonly cancellable?: boolean;
  run(ctx: C, input: I): Promise<O>;
  /**
   * Where the call also works offline: its answer from the workstation's encrypted cache, admitted
   * by the offline router as the central router admits it (workstation/offline-router.ts). Without
   * it, the call is refused offline with what to do.
   */
  readonly offline?: OfflineHandler<I>;
}

/**
 * A definition that keeps its literal name and its schema's types: the bridge contract
 * (core/bridge/contract.ts) builds the renderer's typed call map from these.
 */
/**
 * Any definition, whatever its handler runs with: what admission, the manifest and the docs read.
 */
export type AnyDefinition = Definition<never, unknown, never>;

export type TypedDefinition<
  N extends string,
  S extends z.ZodType,
  O,
  C = HandlerContext,
> = Definition<z.infer<S>, O, C> & { readonly name: N; readonly schema?: S };

export function defineCommand<
  N extends string,
  S extends z.ZodType,
  O,
  C = HandlerContext,
  P extends Access = Access,
>(def: {
  name: N;
  permission: P;
  secretResult?: boolean;
  session?: 'opens' | 'confirms' | 'ends';
  stepUp?: boolean;
  transactional?: boolean;
  cancellable?: boolean;
  input: S;
  run(ctx: ContextFor<P, C>, input: z.infer<S>): Promise<O>;
  offline?: OfflineHandler<z.infer<S>>;
}): TypedDefinition<N, S, O, C> {
  // A schema's output type is z.infer<S>; zod's ZodType<T> cannot be named from S without this cast.
  return { ...def, input: def.input as unknown as z.ZodType<z.infer<S>>, kind: 'command' };
}

export function defineQuery<
  N extends string,
  S extends z.ZodType,
  O,
  C = HandlerContext,
  P extends Access = Access,
>(def: {
  name: N;
  permission: P;
  input: S;
  run(ctx: ContextFor<P, C>, input: z.infer<S>): Promise<O>;
  offline?: OfflineHandler<z.infer<S>>;
}): TypedDefinition<N, S, O, C> {
  // As in defineCommand: the schema's output is z.infer<S>.
  return { ...def, input: def.input as unknown as z.ZodType<z.infer<S>>, kind: 'query' };
}

export interface Call {
  name: string;
  payload: unknown;
  /** Client-chosen command id (uuid): a retry with the same id returns the first result. */
  id?: string;
  /** Session token; absent for public commands. */
  session?: string | null;
  workstationId: string;
  ip?: string | null;
  onProgress?: (p: Progress) => void;
  /**
   * A job's cancel (workstation/jobs.ts): the handler stops at its next progress report, its
   * transaction (or its partial file) is thrown away, and the audit trail says it was cancelled.
   */
  signal?: AbortSignal;
  /**
   * Not the operator's own doing (a console's poll, sync by itself): checked, refused and audited
   * like any call, but it does not refresh the session's idle clock, so a console left open still
   * times out after IDLE_TIMEOUT_MS.
   */
  background?: boolean;
}

export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
/**
 * How long a password confirmation (or a sign-in) covers approve, execute and credential changes.
 */
export const STEP_UP_WINDOW_MS = 5 * 60 * 1000;

/** The step-up rule, shared with the offline router: the password confirmed recently enough. */
export function stepUpCurrent(
  signedInAt: number,
  steppedUpAt: number | null,
  now: number,
): boolean {
  return now - Math.max(signedInAt, steppedUpAt ?? 0) <= STEP_UP_WINDOW_MS;
}

/** Whether a job running this definition may be cancelled (see Definition.cancellable). */
export function cancellable(
  def: Pick<Definition, 'kind' | 'transactional' | 'cancellable'>,
): boolean {
  return def.kind === 'query' || def.transactional !== false || def.cancellable === true;
}

/**
 * Work that commits as it goes or writes a file: long by nature, it yields to interactive calls.
 */
const longWork = (def: Definition) => def.kind === 'command' && def.transactional === false;

/** A cancelled job's error, saying how far it had come. */
function cancelled(name: string, at: Progress | null): TreasuryError {
  const where = at
    ? ` while ${at.phase} (${at.done.toLocaleString('en-US')} done)`
    : ' before it started';
  return new TreasuryError(
    'JOB_CANCELLED',
    `${name} was cancelled${where}; nothing it did was kept`,
  );
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class Router {
  private readonly definitions = new Map<string, Definition>();
  private readonly catalog: readonly AnyDefinition[];

  constructor(
    private readonly store: CentralStore,
    definitions: readonly Definition<never, unknown>[],
    /**
     * What `now` is for a call. By default the central store's clock, read with the session (no
     * extra round trip): never the workstation's, which may be hours off (central/clock.ts).
     */
    private readonly clock?: () => Date,
    private readonly services: Services = NO_SERVICES,
  ) {
    for (const d of definitions) {
      if (this.definitions.has(d.name)) throw new Error(`duplicate definition ${d.name}`);
      // Each definition's input type is its own; the router validates the payload against that
      // definition's schema before run() sees it, which is what makes the widening safe.
      this.definitions.set(d.name, d as unknown as Definition);
    }
    this.catalog = [...definitions, ...(services.hostDefinitions ?? [])];
  }

  names(): string[] {
    return [...this.definitions.keys()].sort();
  }

  async call<O = unknown>(call: Call): Promise<O> {
    rememberSecret(call.session);
    const started = performance.now();
    const def = this.definitions.get(call.name);
    const run = () => this.dispatch(call);
    try {
      // Interactive calls go before the slices of long work on the embedded store
      // (central/lanes.ts).
      const result = (
        def && !longWork(def) ? await this.store.lanes.interactive(run) : await run()
      ) as O;
      this.services.log?.info(
        {
          call: call.name,
          commandId: call.id ?? null,
          workstationId: call.workstationId,
          ms: Math.round(performance.now() - started),
          outcome: 'ok',
        },
        'call',
      );
      return result;
    } catch (error) {
      const e = toTreasuryError(error);
      const line = {
        call: call.name,
        commandId: call.id ?? null,
        workstationId: call.workstationId,
        ms: Math.round(performance.now() - started),
        outcome: e.code,
        error: e.message,
      };
      if (e.kind === 'internal')
        this.services.log?.error({ ...line, stack: (error as Error).stack }, 'call failed');
      else this.services.log?.info(line, 'call refused');
      throw e;
    }
  }

  private async dispatch(call: Call): Promise<unknown> {
    const def = known(this.definitions, call.name);
    const commandId = call.id ?? randomUUID();
    if (!UUID.test(commandId))
      throw new TreasuryError('VALIDATION', `command id "${commandId}" is not a uuid`);

    // Who and whether first (deny by default: an unauthorised caller learns nothing about the
    // payload's shape), then the payload.
    const who = def.permission === 'public' ? null : await this.authenticate(call, def, commandId);
    const actor = who?.actor ?? null;
    const now = who?.now ?? this.clock?.() ?? (await centralNow(this.store.db));

    const input = validated(def, call.payload);

    // Every non-public call's handler is typed to have its actor (ContextFor): hold that here.
    assert(
      def.permission === 'public' || (actor !== null && call.session),
      `${def.name}: a signed-in call reaches its handler with its actor and session`,
    );
    const makeContext = (tx: CentralTx, entries: AuditEntry[]): HandlerContext =>
      this.handlerContext(call, def, commandId, actor, now, tx, entries);

    if (def.kind === 'query') return def.run(makeContext(this.store.db, []), input);
    try {
      return await this.runCommand(call, def, input, commandId, actor, now, makeContext);
    } catch (error) {
      await this.auditEnding(call, def, commandId, actor, now, toTreasuryError(error));
      throw error;
    }
  }

  /** What a call's handler runs with; its audit entries are gathered in `entries`. */
  private handlerContext(
    call: Call,
    def: Definition,
    commandId: string,
    actor: Actor | null,
    now: Date,
    tx: CentralTx,
    entries: AuditEntry[],
  ): HandlerContext {
    return {
      tx,
      store: this.store,
      services: this.services,
      call: { ip: call.ip ?? null, workstationId: call.workstationId, commandId },
      actor,
      sessionHash: call.session ? tokenHash(call.session) : null,
      addresses: this.addressesOf(call),
      commandId,
      workstationId: call.workstationId,
      now,
      catalog: this.catalog,
      audit: (entry) => void entries.push(entry),
      progress: (p) => {
        if (call.signal?.aborted && p.cancellable !== false) throw cancelled(def.name, p);
        call.onProgress?.(p);
      },
    };
  }

  /**
   * A command that did not complete. A cancelled one kept nothing half-done (its transaction rolled
   * back, or its message says what it kept; commands that cannot stop cleanly are never given a
   * signal, see workstation/jobs.ts): the trail says so, on its own. One that committed as it went
   * and failed: its start is in the trail, so is its end (what it kept is in the message). A
   * transactional one kept nothing and leaves nothing.
   */
  private async auditEnding(
    call: Call,
    def: Definition,
    commandId: string,
    actor: Actor | null,
    now: Date,
    e: TreasuryError,
  ): Promise<void> {
    const ended =
      e.code === 'JOB_CANCELLED' ? 'cancelled' : def.transactional === false ? 'failed' : null;
    if (!ended) return;
    await this.store.db
      .transaction((tx) =>
        appendAudit(tx, this.auditContext(call, actor?.operatorId ?? null, commandId, ended, now), [
          {
            action: def.name,
            entityType: 'command',
            entityId: commandId,
            after:
              ended === 'cancelled' ? { reason: e.message } : { reason: e.message, code: e.code },
          },
        ]),
      )
      .catch((auditError: unknown) => {
        // The store that failed the command may refuse the entry too: the failure itself
        // stands.
        if (ended === 'cancelled') throw auditError;
      });
  }

  private async runCommand(
    call: Call,
    def: Definition,
    input: unknown,
    commandId: string,
    actor: Actor | null,
    now: Date,
    makeContext: (tx: CentralTx, entries: AuditEntry[]) => HandlerContext,
  ): Promise<unknown> {
    if (call.signal?.aborted) throw cancelled(def.name, null);

    if (def.transactional === false) {
      // The one audit write for the call itself; the handler audits each change it commits.
      await this.store.db.transaction((tx) =>
        appendAudit(
          tx,
          this.auditContext(call, actor?.operatorId ?? null, commandId, 'allowed', now),
          [{ action: def.name, entityType: 'command', entityId: commandId, after: asJson(input) }],
        ),
      );
      return def.run(makeContext(this.store.db, []), input);
    }

    return this.store.db.transaction(async (tx) => {
      const [previous] = await rows<{ name: string; result: unknown }>(
        tx,
        sql`SELECT name, result FROM applied_commands WHERE id = ${commandId}::uuid`,
      );
      if (previous) {
        if (previous.name !== def.name)
          throw new TreasuryError(
            'CONFLICT',
            `command id ${commandId} was already used for ${previous.name}`,
          );
        return previous.result;
      }
      const entries: AuditEntry[] = [];
      const result = await def.run(makeContext(tx, entries), input);
      if (entries.length === 0)
        entries.push({ action: def.name, entityType: 'command', entityId: commandId });
      await appendAudit(
        tx,
        this.auditContext(call, actor?.operatorId ?? null, commandId, 'allowed', now),
        entries,
      );
      await tx.execute(sql`INSERT INTO applied_commands (id, name, operator_id, result)
                           VALUES (${commandId}::uuid, ${def.name}, ${actor?.operatorId ?? null},
                                   ${canonicalJson(def.secretResult ? { withheld: 'the result held a secret' } : (result ?? null))}::jsonb)`);
      return result;
    });
  }

  /**
   * The workstation's addresses for IP binding: the caller's address when the host knows it, else
   * the interfaces'.
   */
  private addressesOf(call: Call): readonly string[] {
    return call.ip ? [call.ip] : (this.services.addresses?.() ?? workstationAddresses());
  }

  private auditContext(
    call: Call,
    operatorId: string | null,
    commandId: string,
    decision: AuditDecision,
    at: Date,
  ) {
    return {
      operatorId,
      commandId,
      ip: call.ip ?? null,
      workstationId: call.workstationId,
      decision,
      at,
    };
  }

  /** A refused call: its one 'denied' audit entry, in its own transaction, then the refusal. */
  private async deny(
    call: Call,
    def: Definition,
    commandId: string,
    now: Date,
    refused: Denial,
    operatorId: string | null,
  ): Promise<never> {
    await this.store.db.transaction((tx) =>
      appendAudit(tx, this.auditContext(call, operatorId, commandId, 'denied', now), [
        {
          action: def.name,
          entityType: 'command',
          entityId: commandId,
          after: { reason: refused.message },
        },
      ]),
    );
    throw new TreasuryError(refused.code, refused.message);
  }

  /**
   * One round trip: the central clock, the session, its operator, the operator's IP ranges and the
   * address the server sees (null on PGlite or a Unix socket). One row even without a session.
   */
  private async readSession(hash: string): Promise<SessionRow> {
    const [found] = await rows<SessionRow>(
      this.store.db,
      sql`SELECT ${CENTRAL_MS} AS central_ms, s.operator_id, o.username, o.role, o.status, s.last_seen_at, s.ended_at, s.created_at, s.stepped_up_at,
                 (SELECT string_agg(a.cidr, ' ' ORDER BY a.cidr) FROM ip_allowlist a WHERE a.operator_id = s.operator_id OR a.role = o.role) AS ranges,
                 host(inet_client_addr()) AS client_addr
          FROM (SELECT 1) AS one LEFT JOIN (sessions s JOIN operators o ON o.id = s.operator_id) ON s.token_hash = ${hash}`,
    );
    return found!;
  }

  /**
   * Why this session may not make this call, in the order they are checked (the session, its
   * idleness, the operator, the one IP check, the one permission check); null: it may.
   */
  private sessionDenial(call: Call, def: Definition, s: SessionRow, now: Date): Denial | null {
    if (!s.operator_id || s.ended_at)
      return {
        code: 'UNAUTHENTICATED',
        message: 'the session is not valid any more: sign in again',
      };
    if (now.getTime() - new Date(s.last_seen_at).getTime() > IDLE_TIMEOUT_MS)
      return {
        code: 'UNAUTHENTICATED',
        message: 'the session expired after 30 minutes without activity: sign in again',
        endsSession: true,
      };
    if (s.status !== 'active')
      return { code: 'UNAUTHENTICATED', message: `operator ${s.username} is ${s.status}` };
    const ip = checkAddresses({
      ranges: s.ranges ? s.ranges.split(' ') : [],
      workstation: this.addressesOf(call),
      server: this.store.kind === 'postgres' ? s.client_addr : null,
    }); // PGlite answers 127.0.0.1: not a server's view
    // The workstation left the allowed ranges: the session ends, not just this call.
    if (!ip.allowed)
      return {
        code: 'IP_NOT_ALLOWED',
        message: `${ip.reason}: the session of ${s.username} has ended`,
        endsSession: true,
      };
    const confirmed = () =>
      stepUpCurrent(
        new Date(s.created_at).getTime(),
        s.stepped_up_at ? new Date(s.stepped_up_at).getTime() : null,
        now.getTime(),
      );
    return refusal(
      def,
      { username: s.username, role: s.role },
      confirmed,
      STEP_UP_WINDOW_MS / 60_000,
    );
  }

  /**
   * Resolves the session to an active operator and checks the definition's permission; `now` is
   * read with the session.
   */
  private async authenticate(
    call: Call,
    def: Definition,
    commandId: string,
  ): Promise<{ actor: Actor; now: Date }> {
    if (!call.session) {
      // The central clock, read on its own: there is no session to read it with.
      const now = this.clock?.() ?? (await centralNow(this.store.db));
      const refused: Denial = {
        code: 'UNAUTHENTICATED',
        message: 'not signed in: run `treasury login` (or sign in in the app) first',
      };
      return this.deny(call, def, commandId, now, refused, null);
    }
    const hash = tokenHash(call.session);
    const s = await this.readSession(hash);
    const now = this.clock?.() ?? new Date(Number(s.central_ms));
    const refused = this.sessionDenial(call, def, s, now);
    if (refused) {
      if (refused.endsSession)
        await this.store.db.execute(
          sql`UPDATE sessions SET ended_at = ${now.toISOString()}::timestamptz WHERE token_hash = ${hash}`,
        );
      return this.deny(call, def, commandId, now, refused, s.operator_id);
    }
    assert(s.operator_id, 'a session that passed every check has its operator');
    // Only the operator's own calls are activity: a background one leaves the idle clock alone.
    if (!call.background)
      await this.store.db.execute(
        sql`UPDATE sessions SET last_seen_at = ${now.toISOString()}::timestamptz WHERE token_hash = ${hash}`,
      );
    return {
      actor: { operatorId: s.operator_id, username: s.username, role: s.role as Role },
      now,
    };
  }
}

/** Why a call is refused before it runs; a refusal that ends the session says so. */
interface Denial {
  code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'STEP_UP_REQUIRED' | 'IP_NOT_ALLOWED';
  message: string;
  endsSession?: boolean;
}

/** The session, its operator and what the router checks them against (Router.readSession). */
interface SessionRow {
  central_ms: string;
  operator_id: string | null;
  username: string;
  role: string;
  status: string;
  last_seen_at: Date | string;
  ended_at: Date | null;
  created_at: Date | string;
  stepped_up_at: Date | string | null;
  ranges: string | null;
  client_addr: string | null;
}
