/**
 * The state of one executor run, in one object that the steps of executeBatch (start.ts, rounds.ts,
 * send.ts, commit.ts) pass along: its settings, the provider instances, the lease once taken and
 * whether it was lost, and what the run counts for its result (commits, provider calls, time).
 */
import { randomUUID } from 'node:crypto';
import { appendAudit, type AuditEntry } from '../../platform/kernel/audit-chain.js';
import { centralNow } from '../../platform/central/clock.js';
import type { CentralStore, CentralTx } from '../../platform/central/store.js';
import type { PayoutProvider, ProviderName } from '../../platform/payments/provider.js';
import { assert } from '../../shared/assert.js';
import type { BatchRow } from '../batches/content.js';
import { assertLease, type Lease } from './lease.js';
import { RateGate } from '../../platform/payments/pool.js';
import type { ExecuteOptions, ExecuteProgress, ExecuteResult } from './types.js';
import type { Round } from './work.js';

const DEFAULT_TTL = Number(process.env.TREASURY_LEASE_TTL_MS ?? 30_000);

/**
 * What an executor write's body is given: its transaction, the sink for the audit entries that
 * commit with it, and the central clock's time.
 */
export interface Writing {
  readonly tx: CentralTx;
  readonly now: Date;
  audit(entry: AuditEntry): void;
}

/** One run of executeBatch over one batch (see the top of this file). */
export class ExecutionRun {
  readonly db: CentralStore['db'];
  readonly owner: string;
  readonly ttl: number;
  readonly concurrency: number;
  readonly waveSize: number;
  readonly waitMs: number;
  readonly pollMs: number;
  readonly random: () => number;
  /** Shared by every provider call of the run: a 429 pauses them all (pool.ts). */
  readonly gate = new RateGate();
  /** Set once takeLease has committed (start.ts); from then on every write is fenced by it. */
  lease: Lease | null = null;
  /** Set by the heartbeat when another executor took the lease over: the run stops. */
  lost: Error | null = null;
  commits = 0;
  providerCalls = 0;
  /** Attempts this run prepared (committed, to be sent): what commitsPerPayout divides by. */
  sent = 0;
  /** Where the time went (ms): durable writes, provider calls (wall, overlapping), reads. */
  readonly timing = { writeMs: 0, providerMs: 0, readMs: 0 };
  /**
   * Create calls per payout since the last record (written with the outcomes, not one write per
   * send).
   */
  readonly sends = new Map<string, number>();
  private readonly providers = new Map<ProviderName, Promise<PayoutProvider>>();
  /** The progress bar's `done`: it never goes down within a run. */
  private shownDone = 0;

  constructor(
    /** The batch as it was when the run started: its id and number. */
    readonly batch: BatchRow,
    private readonly options: ExecuteOptions,
    /** Date.now() when executeBatch was called. */
    readonly started: number,
  ) {
    this.db = options.store.db;
    this.owner =
      options.owner ??
      `${options.audit.workstationId ?? 'workstation'}/pid-${process.pid}/${randomUUID().slice(0, 8)}`;
    this.ttl = options.leaseTtlMs ?? DEFAULT_TTL;
    this.concurrency = options.concurrency ?? 16;
    this.waveSize = options.waveSize ?? 500;
    this.waitMs = options.waitMs ?? 120_000;
    this.pollMs = options.pollIntervalMs ?? 200;
    this.random = options.random ?? Math.random;
  }

  /** The lease, for what only runs under it (the rounds, the heartbeat). */
  get heldLease(): Lease {
    assert(this.lease, 'the execution lease is taken before the rounds begin');
    return this.lease;
  }

  /** One provider instance per name for the whole run. */
  provider(name: ProviderName): Promise<PayoutProvider> {
    let p = this.providers.get(name);
    if (!p) this.providers.set(name, (p = this.options.providers(name)));
    return p;
  }

  /**
   * One executor write: fenced by the lease once the run holds it, audited in the same transaction.
   * `now` is the central clock's (central/clock.ts): settlement times, retry times and audit times
   * must not follow the executing workstation's clock.
   */
  async write<T>(fn: (w: Writing) => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const lease = this.lease;
    const result = await this.db.transaction(async (tx) => {
      if (lease) await assertLease(tx, lease, this.batch.number);
      const now = await centralNow(tx);
      const entries: AuditEntry[] = [];
      const r = await fn({ tx, now, audit: (e) => void entries.push(e) });
      if (entries.length > 0)
        await appendAudit(tx, { ...this.options.audit, decision: 'allowed', at: now }, entries);
      return r;
    });
    this.commits++;
    this.timing.writeMs += performance.now() - t0;
    return result;
  }

  reportPreflight(): void {
    this.options.onProgress?.({
      phase: 'preflight',
      done: 0,
      total: 0,
      failed: 0,
      unknown: 0,
      waiting: 0,
      retrying: 0,
    });
  }

  /** Progress as of what a round read. */
  report(phase: ExecuteProgress['phase'], round: Round): void {
    const { due, retryable } = round.work;
    this.shownDone = Math.max(
      this.shownDone,
      round.total - round.count('PENDING') - round.count('UNKNOWN') - round.count('ACCEPTED'),
    );
    this.options.onProgress?.({
      phase,
      total: round.total,
      done: this.shownDone,
      failed: round.count('FAILED'),
      unknown: round.count('UNKNOWN'),
      waiting: round.count('ACCEPTED'),
      retrying: retryable.length + due.filter((p) => Number(p.attempt) > 0).length,
    });
  }

  result(status: string, round: Round): ExecuteResult {
    const elapsedMs = Date.now() - this.started;
    return {
      batchId: this.batch.id,
      number: this.batch.number,
      status,
      payouts: round.summary(),
      commits: this.commits,
      commitsPerPayout: this.sent === 0 ? 'n/a' : ratio(this.commits, this.sent),
      providerCalls: this.providerCalls,
      elapsedMs,
      timing: {
        writeMs: Math.round(this.timing.writeMs),
        providerMs: Math.round(this.timing.providerMs),
        readMs: Math.round(this.timing.readMs),
      },
      takenOverFrom: this.heldLease.takenOverFrom,
    };
  }
}

function ratio(a: number, b: number): string {
  // Three decimals without floats: a/b rounded down.
  const scaled = (BigInt(a) * 1000n) / BigInt(b);
  return `${scaled / 1000n}.${(scaled % 1000n).toString().padStart(3, '0')}`;
}
