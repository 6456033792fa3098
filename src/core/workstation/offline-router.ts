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
 *   push (src/core/sync/offline.ts).
 * - Everything else — execution, reconciliation, provider calls, imports, calculation, operator
 *   management — is refused with OFFLINE and says what to do.
 *
 * Each call is journaled in the cache (local_journal): allowed or denied, by whom, with the command
 * id. The central audit trail receives the commands themselves when they are pushed.
 */
import { pagePreview, type PreviewPageOptions } from '../batches/preview-page.js';
import { randomUUID } from 'node:crypto';
import { known, refusal, validated } from '../commands/admission.js';
import type { LocalCache } from '../cache/cache.js';
import { toTreasuryError, TreasuryError } from '../commands/errors.js';
import { STEP_UP_WINDOW_MS, type Actor, type AnyDefinition, type Call, type Definition } from '../commands/router.js';
import { readAuditTail } from '../sync/audit-tail.js';
import { approveOffline, cancelOffline, createOffline, rejectOffline, removeOffline, submitOffline } from '../sync/offline.js';
import { workstationAddresses } from '../access/ip.js';
import { endLocalSession, resolveLocalSession, signInOffline, stepUpOffline } from './local-sessions.js';
import * as reads from './offline-queries.js';
import * as consoleReads from '../console/offline.js';
import type { PayablesPageInput } from '../console/payables.js';
import type { PayoutsPageInput } from '../console/payouts.js';

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

export type Handler = (ctx: OfflineContext, input: never) => unknown;

/** The context of a call that needs a session: the router has resolved who it is. */
export interface SignedInContext extends OfflineContext {
  readonly actor: Actor;
  readonly session: string;
}

/** A handler of a call that needs a session: the actor the router resolved is asserted here, once. */
export function signedIn<I>(handler: (ctx: SignedInContext, input: I) => unknown): Handler {
  return (ctx, input) => handler(asSignedIn(ctx), input as I);
}

const operatorOf = (ctx: OfflineContext) => ({ id: ctx.actor!.operatorId, username: ctx.actor!.username, role: ctx.actor!.role });

/** What works offline. A name missing here needs the central store. */
const OFFLINE_HANDLERS: Record<string, Handler> = {
  'setup.status': (ctx) => reads.setupStatus(ctx.cache),
  'session.signIn': (ctx, input: { username: string; password: string }) => signInOffline(ctx.cache, input.username, input.password, ctx.now, ctx.addresses),
  'session.signOut': (ctx, input: { token: string }) => ({ signedOut: endLocalSession(ctx.cache, input.token, ctx.now) }),
  'session.stepUp': (ctx, input: { password: string }) => stepUpOffline(ctx.cache, ctx.session!, ctx.actor!.operatorId, input.password, ctx.now),
  'session.whoami': (ctx) => ({ operatorId: ctx.actor!.operatorId, username: ctx.actor!.username, role: ctx.actor!.role, offline: true }),
  'rules.show': (ctx) => reads.showRules(ctx.cache, ctx.now),
  'payables.list': (ctx, input: { currency?: string }) => reads.listPayablesOffline(ctx.cache, input.currency, ctx.now),
  'payables.page': (ctx, input: PayablesPageInput) => consoleReads.payablesPageOffline(ctx.cache, input, ctx.now),
  'payouts.page': (ctx, input: PayoutsPageInput) => consoleReads.payoutsPageOffline(ctx.cache, input),
  'dashboard.summary': (ctx) => consoleReads.dashboardOffline(ctx.cache, ctx.now),
  'console.manifest': signedIn((ctx) => consoleReads.manifestOffline(ctx.cache, ctx.actor, ctx.session, ctx.now, ctx.catalog)),
  'batch.preview': (ctx, input: reads.FilterInput) => ({ ...reads.previewInput(ctx.cache, input, ctx.now), offline: true }),
  'batch.previewPage': (ctx, input: reads.FilterInput & PreviewPageOptions) => ({ ...pagePreview(reads.previewInput(ctx.cache, input, ctx.now), input), offline: true }),
  'batch.list': (ctx, input: { status?: string; limit?: number }) => reads.listBatches(ctx.cache, input),
  'batch.show': (ctx, input: { batch: string; payouts?: boolean; limit?: number; offset?: number }) => reads.showBatch(ctx.cache, input),
  'reconcile.list': (ctx, input: { provider?: string; limit?: number; offset?: number }) => reads.listReconciliations(ctx.cache, input),
  'payout.events': (ctx, input: { payout?: string; provider?: string; limit?: number; offset?: number }) => reads.listProviderEvents(ctx.cache, input),
  'audit.tail': (ctx, input: { afterSeq?: string; limit?: number }) => readAuditTail(ctx.cache, input),
  'reconcile.results': (ctx, input: { runId: string; outcome?: string; limit?: number; offset?: number }) => reads.reconciliationResults(ctx.cache, input),
  'batch.create': (ctx, input: reads.FilterInput & { maxPayouts?: number; note?: string; leftOut?: string[] }) => {
    const filters = { ...reads.filters(input), note: input.note, leftOut: input.leftOut };
    if (input.maxPayouts !== undefined) {
      const eligible = reads.previewInput(ctx.cache, input, ctx.now).eligibleCount;
      if (eligible > input.maxPayouts) {
        throw new TreasuryError('VALIDATION', `offline, a batch is created whole: ${eligible} payouts are eligible, more than --max-payouts ${input.maxPayouts}; narrow the filters or create it online, where it is split`);
      }
    }
    const made = createOffline(ctx.cache, operatorOf(ctx), filters, ctx.now);
    const batch = reads.showBatch(ctx.cache, { batch: made.batchId });
    return {
      batches: [{ id: made.batchId, number: batch.number, status: batch.status, payouts: made.payouts, requiredApprovals: made.requiredApprovals, contentHash: made.contentHash, totals: batch.totals }],
      excluded: [],
      offline: true,
      commandId: made.commandId,
    };
  },
  'batch.submit': (ctx, input: { batch: string }) => ({ ...submitOffline(ctx.cache, operatorOf(ctx), input.batch, ctx.now), offline: true }),
  'batch.approve': (ctx, input: { batch: string; contentHash?: string }) => {
    const batch = reads.showBatch(ctx.cache, { batch: input.batch });
    if (input.contentHash && input.contentHash !== batch.contentHash) {
      throw new TreasuryError('APPROVAL_VOID', `batch ${batch.number} changed since you reviewed it: its content hash is now ${batch.contentHash}; review it again`);
    }
    return { ...approveOffline(ctx.cache, operatorOf(ctx), input.batch, ctx.now), offline: true };
  },
  'batch.reject': (ctx, input: { batch: string; reason: string }) => ({ ...rejectOffline(ctx.cache, operatorOf(ctx), input.batch, input.reason, ctx.now), offline: true }),
  'batch.cancel': (ctx, input: { batch: string; reason: string }) => ({ ...cancelOffline(ctx.cache, operatorOf(ctx), input.batch, input.reason, ctx.now), offline: true }),
  'batch.removePayouts': (ctx, input: { batch: string; affiliateIds: string[] }) => ({ ...removeOffline(ctx.cache, operatorOf(ctx), input.batch, input.affiliateIds, ctx.now), offline: true }),
};

/** Names that work offline (the rest are refused with OFFLINE). */
export const OFFLINE_CAPABLE: ReadonlySet<string> = new Set(Object.keys(OFFLINE_HANDLERS));

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
    /** The central store's calls: admitted here, answered offline where OFFLINE_HANDLERS says how. */
    definitions: readonly AnyDefinition[],
    private readonly ownCalls: OwnCalls<C> = { definitions: [], context: () => { throw new TreasuryError('INTERNAL', 'no calls of its own here'); } },
    /** The workstation's addresses, for IP binding offline (the ranges as last synced). */
    private readonly addresses: () => readonly string[] = workstationAddresses,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.catalog = [...definitions, ...ownCalls.definitions];
    this.definitions = new Map(this.catalog.map((d) => [d.name, d]));
    this.own = new Map(ownCalls.definitions.map((d) => [d.name, d as unknown as Definition<unknown, unknown, C>]));
  }

  /** Whether `name` is one of the workstation's own calls. */
  isOwn(name: string): boolean {
    return this.own.has(name);
  }

  /** An admitted call's answer: the workstation's own handler, else the offline one, else a refusal. */
  private handle(name: string, ctx: OfflineContext, call: Call, input: unknown): Promise<unknown> | unknown {
    const own = this.own.get(name);
    if (own) return own.run(this.ownCalls.context(asSignedIn(ctx), call), input);
    const handler = OFFLINE_HANDLERS[name];
    if (!handler) throw offlineRefusal(name);
    return handler(ctx, input as never);
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
      if (def.permission !== 'public') {
        const local = identify ? null : resolveLocalSession(cache, call.session, now, call.ip ? [call.ip] : this.addresses());
        actor = identify ? await identify() : local!;
        // Online, the central store already decided step-up for the session it knows (identify).
        const refused = refusal(def, actor, () => !local || local.stepUpCurrent, STEP_UP_WINDOW_MS / 60_000);
        if (refused) throw new TreasuryError(refused.code, refused.message);
      }
      // As the central router: who and whether first, then the payload.
      const input = validated(def, call.payload);
      const ctx: OfflineContext = { cache, actor, now, session: call.session ?? null, addresses: call.ip ? [call.ip] : this.addresses(), catalog: this.catalog };
      const result = await this.handle(def.name, ctx, call, input);
      // A sign-in or step-up refused is answered, not thrown (the failure counts): journaled as denied.
      const refused = (def.session === 'opens' || def.session === 'confirms') && (result as { ok?: boolean }).ok === false ? (result as { reason: string }).reason : null;
      // Journaled through the workstation's connection as it is now (a key rotation replaces it).
      if (def.kind === 'command') journal(await this.cache(), { commandId, name: def.name, actor, decision: refused ? 'denied' : 'allowed', reason: refused, at: now });
      return result as O;
    } catch (error) {
      const e = toTreasuryError(error);
      // A damaged cache cannot take the journal line either: the error says what to do. A key
      // rotation that failed after replacing the file closed `cache`: the line goes to the
      // workstation's connection as it is now, and if none opens, the failure itself stands.
      if (e.code !== 'CACHE_DAMAGED') {
        const current = cache.sqlite.open ? cache : await this.cache().catch(() => null);
        if (current) journal(current, { commandId, name: def.name, actor, decision: e.code === 'FORBIDDEN' || e.code === 'UNAUTHENTICATED' || e.code === 'OFFLINE' || e.code === 'STEP_UP_REQUIRED' || e.code === 'IP_NOT_ALLOWED' ? 'denied' : 'failed', reason: `${e.code}: ${e.message}`, at: now });
      }
      throw e;
    }
  }
}

/** Asserts what a signed-in call's handler relies on: the router resolved its operator and session. */
function asSignedIn(ctx: OfflineContext): SignedInContext {
  if (!ctx.actor || !ctx.session) throw new TreasuryError('INTERNAL', 'a call that needs a session reached its handler without one');
  return ctx as SignedInContext;
}

function journal(cache: LocalCache, e: { commandId: string; name: string; actor: Actor | null; decision: 'allowed' | 'denied' | 'failed'; reason: string | null; at: Date }): void {
  cache.sqlite
    .prepare('INSERT INTO local_journal (at, command_id, name, operator_id, username, decision, reason) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(e.at.getTime(), e.commandId, e.name, e.actor?.operatorId ?? null, e.actor?.username ?? null, e.decision, e.reason);
}
