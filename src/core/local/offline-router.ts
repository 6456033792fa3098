/**
 * The router a workstation uses while the central store cannot be reached: the same command and
 * query names, the same input schemas (the definitions of the catalog), the same permission check,
 * answered from the encrypted local cache.
 *
 * - Reads (payables, preview, batches, rules, reconciliation runs and results, provider events,
 *   the audit tail, the console's payables and payouts grids and its dashboard)
 *   come from the mirrors as last pulled.
 * - Preparation (create, edit, submit, approve, reject, cancel a batch) is applied to the cache
 *   optimistically and queued in the outbox as the very command the central store re-validates on
 *   push (src/core/domain/batches/offline-prepare.ts).
 * - Everything else — execution, reconciliation, provider calls, imports, calculation, operator
 *   management — is refused with OFFLINE and says what to do.
 *
 * Each call is journaled in the cache (local_journal): allowed or denied, by whom, with the command
 * id. The central audit trail receives the commands themselves when they are pushed.
 */
import { randomUUID } from 'node:crypto';
import { known, refusal, validated } from '../platform/kernel/admission.js';
import type { LocalCache } from '../platform/cache/cache.js';
import { toTreasuryError, TreasuryError, type ErrorCode } from '../shared/errors.js';
import {
  asSignedIn,
  STEP_UP_WINDOW_MS,
  type Actor,
  type AnyDefinition,
  type Call,
  type Definition,
  type OfflineContext,
  type OfflineHandler,
  type SignedInContext,
} from '../platform/kernel/router.js';
import { workstationAddresses } from '../platform/kernel/ip.js';
import { resolveLocalSession } from '../domain/operators/local-sessions.js';

export type { OfflineContext, SignedInContext };

/** Whether a call of the central store's is answered offline too (it has an offline handler). */
export const worksOffline = (def: AnyDefinition | undefined): boolean => def?.offline !== undefined;

export function offlineRefusal(name: string): TreasuryError {
  return new TreasuryError(
    'OFFLINE',
    `${name} needs the central store, which this workstation cannot reach. Offline you can browse, preview, create, edit, submit, approve, reject and cancel batches; ` +
      'they are pushed when you are back online (`treasury sync`).',
  );
}

/**
 * Calls the workstation answers itself in every mode (sync, outbox, its cache, its jobs: see
 * sync-calls.ts): their definitions, whose handlers run with `context` — the signed-in call's
 * context and whatever the workstation adds.
 */
export interface OwnCalls<C> {
  definitions: readonly Definition<never, unknown, C>[];
  context(ctx: SignedInContext, call: Call): C;
}

export class OfflineRouter<C = never> {
  private readonly definitions: ReadonlyMap<string, AnyDefinition>;
  private readonly own: ReadonlyMap<string, Definition<unknown, unknown, C>>;
  private readonly catalog: readonly AnyDefinition[];

  constructor(
    private readonly cache: () => Promise<LocalCache>,
    /** The central store's calls: admitted here, answered offline by their own offline handler. */
    definitions: readonly AnyDefinition[],
    private readonly ownCalls: OwnCalls<C> = {
      definitions: [],
      context: () => {
        throw new TreasuryError('INTERNAL', 'no calls of its own here');
      },
    },
    /** The workstation's addresses, for IP binding offline (the ranges as last synced). */
    private readonly addresses: () => readonly string[] = workstationAddresses,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.catalog = [...definitions, ...ownCalls.definitions];
    this.definitions = new Map(this.catalog.map((d) => [d.name, d]));
    this.own = new Map(
      // Widened as in the router: admission validates each payload against its definition first.
      ownCalls.definitions.map((d) => [d.name, d as unknown as Definition<unknown, unknown, C>]),
    );
  }

  /**
   * An admitted call's answer: the workstation's own handler, else the call's offline one, else a
   * refusal.
   */
  private handle(
    def: AnyDefinition,
    ctx: OfflineContext,
    call: Call,
    input: unknown,
  ): Promise<unknown> | unknown {
    const own = this.own.get(def.name);
    if (own) return own.run(this.ownCalls.context(asSignedIn(ctx), call), input);
    const offline = def.offline as OfflineHandler<unknown> | undefined;
    if (!offline) throw offlineRefusal(def.name);
    return offline(ctx, input);
  }

  /**
   * Who the caller is and whether they may make this call (step-up included); a refusal is handed
   * back, not thrown, so the journal line can name the actor it refused.
   */
  private async admit(
    def: AnyDefinition,
    cache: LocalCache,
    call: Call,
    now: Date,
    identify: (() => Promise<Actor>) | undefined,
  ): Promise<{ actor: Actor | null; refused: TreasuryError | null }> {
    if (def.permission === 'public') return { actor: null, refused: null };
    const local = identify
      ? null
      : resolveLocalSession(
          cache,
          call.session,
          now,
          call.ip ? [call.ip] : this.addresses(),
          call.background === true,
        );
    const actor = identify ? await identify() : local!;
    // Online, the central store already decided step-up for the session it knows (identify).
    const refused = refusal(
      def,
      actor,
      () => !local || local.stepUpCurrent,
      STEP_UP_WINDOW_MS / 60_000,
    );
    return { actor, refused: refused ? new TreasuryError(refused.code, refused.message) : null };
  }

  /**
   * A failed call's journal line. A damaged cache cannot take it either: the error says what to do.
   * A key rotation that failed after replacing the file closed `cache`: the line goes to the
   * workstation's connection as it is now, and if none opens, the failure itself stands.
   */
  private async journalFailure(
    cache: LocalCache,
    e: TreasuryError,
    entry: { commandId: string; name: string; actor: Actor | null; at: Date },
  ): Promise<void> {
    if (e.code === 'CACHE_DAMAGED') return;
    const current = cache.sqlite.open ? cache : await this.cache().catch(() => null);
    if (current)
      journal(current, {
        ...entry,
        decision: DENIALS.has(e.code) ? 'denied' : 'failed',
        reason: `${e.code}: ${e.message}`,
      });
  }

  /**
   * `identify`: who the session belongs to, when someone more authoritative than the cache can say
   * (online, the central store: the workstation's own calls before the first pull).
   */
  async call<O = unknown>(call: Call, identify?: () => Promise<Actor>): Promise<O> {
    const def = known(this.definitions, call.name);
    const commandId = call.id ?? randomUUID();
    const cache = await this.cache();
    const now = this.clock();
    let actor: Actor | null = null;
    try {
      const admitted = await this.admit(def, cache, call, now, identify);
      actor = admitted.actor;
      if (admitted.refused) throw admitted.refused;
      // As the central router: who and whether first, then the payload.
      const input = validated(def, call.payload);
      const ctx: OfflineContext = {
        cache,
        actor,
        now,
        session: call.session ?? null,
        addresses: call.ip ? [call.ip] : this.addresses(),
        catalog: this.catalog,
      };
      const result = await this.handle(def, ctx, call, input);
      const refused = answeredRefusal(def, result);
      // Journaled through the workstation's connection as it is now (a key rotation replaces it).
      if (def.kind === 'command')
        journal(await this.cache(), {
          commandId,
          name: def.name,
          actor,
          decision: refused ? 'denied' : 'allowed',
          reason: refused,
          at: now,
        });
      return result as O;
    } catch (error) {
      const e = toTreasuryError(error);
      await this.journalFailure(cache, e, { commandId, name: def.name, actor, at: now });
      throw e;
    }
  }
}

/** Failures that are a refusal of the caller (journaled as denied), not of the work. */
const DENIALS = new Set<ErrorCode>([
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'OFFLINE',
  'STEP_UP_REQUIRED',
  'IP_NOT_ALLOWED',
]);

/**
 * A sign-in or step-up refused is answered, not thrown (the failure counts): its reason, journaled
 * as denied.
 */
function answeredRefusal(def: AnyDefinition, result: unknown): string | null {
  return (def.session === 'opens' || def.session === 'confirms') &&
    (result as { ok?: boolean }).ok === false
    ? (result as { reason: string }).reason
    : null;
}

function journal(
  cache: LocalCache,
  e: {
    commandId: string;
    name: string;
    actor: Actor | null;
    decision: 'allowed' | 'denied' | 'failed';
    reason: string | null;
    at: Date;
  },
): void {
  cache.sqlite
    .prepare(
      'INSERT INTO local_journal (at, command_id, name, operator_id, username, decision, reason) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    .run(
      e.at.getTime(),
      e.commandId,
      e.name,
      e.actor?.operatorId ?? null,
      e.actor?.username ?? null,
      e.decision,
      e.reason,
    );
}
