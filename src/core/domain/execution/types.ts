/** The executor's public types (re-exported by executor.ts, which callers import). */
import type { AuditContext } from '../../platform/kernel/audit-chain.js';
import type { CentralStore } from '../../platform/central/store.js';
import type { ProviderResolver } from '../../platform/payments/provider.js';

export type { ProviderResolver };

export interface ExecuteOptions {
  store: CentralStore;
  providers: ProviderResolver;
  audit: Omit<AuditContext, 'decision' | 'at'>;
  /** Who holds the lease: workstation, process, run. */
  owner?: string;
  leaseTtlMs?: number;
  concurrency?: number;
  waveSize?: number;
  /** Stop waiting for non-final payouts after this long (the batch stays EXECUTING; run again). */
  waitMs?: number;
  pollIntervalMs?: number;
  onProgress?: (p: ExecuteProgress) => void;
  random?: () => number;
}

/**
 * What an operator watches. `done` never goes down within a run (an automatic retry puts a failed
 * payout back to PENDING: it is counted in `retrying`, not taken off the bar). Phases: sending
 * (some payouts still to send or to resolve), waiting (everything sent; the provider has not
 * settled all), done (settled, or this run stopped waiting: see the result).
 */
export interface ExecuteProgress {
  phase: 'preflight' | 'sending' | 'waiting' | 'done';
  done: number;
  total: number;
  failed: number;
  unknown: number;
  /** With the provider, not final. */
  waiting: number;
  /** Failed with a transient code, queued for an automatic new attempt. */
  retrying: number;
}

export interface ExecuteResult {
  batchId: string;
  number: string;
  status: string;
  payouts: {
    total: number;
    succeeded: number;
    failed: number;
    cancelled: number;
    reversed: number;
    pending: number;
    unknown: number;
    accepted: number;
  };
  /** Durable commits this run made, and per payout sent. */
  commits: number;
  commitsPerPayout: string;
  providerCalls: number;
  elapsedMs: number;
  /**
   * Durable writes, provider calls (creates, resends, lookups and polls of a round overlap) and
   * reads, in ms.
   */
  timing: { writeMs: number; providerMs: number; readMs: number };
  takenOverFrom: string | null;
}
