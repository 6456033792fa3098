/**
 * What the workstation's own calls (sync-calls.ts, outbox-calls.ts) run with: declared apart from
 * both, so that neither imports the other for it.
 */
import type { RekeyResult } from '../platform/cache/rekey.js';
import type { CentralStore } from '../platform/central/store.js';
import type { JobBoard, JobView } from '../platform/kernel/jobs.js';
import type { Call, Router } from '../platform/kernel/router.js';
import type { RebuildResult } from './cache-connection.js';
import type { Connectivity } from './link.js';
import type { SignedInContext } from './offline-router.js';
import type { SyncScheduler } from './sync-scheduler.js';

/**
 * What the workstation's own calls use of the workstation (workstation.ts's Workstation has it
 * all): declared here, so that these definitions need not import the module that routes to them.
 */
export interface WorkstationParts {
  readonly id: string;
  readonly central: CentralStore;
  readonly router: Router;
  readonly jobs: JobBoard;
  /** Sync by itself, and the one lock every sync (manual or not) runs under. */
  readonly scheduler: SyncScheduler;
  connectivity(): Promise<Connectivity>;
  startJob(call: Omit<Call, 'onProgress' | 'signal'>, operator: string): JobView;
  rotateCacheKey(): Promise<RekeyResult>;
  rebuildCache(
    call: Call,
    input: { discardPending?: boolean | undefined; reason?: string | undefined },
  ): Promise<RebuildResult>;
}

/**
 * What the workstation's own calls run with: the offline router's context for a signed-in call
 * (the router resolved who it is, as for any call), the workstation itself, and the call as made
 * (its progress, its address).
 */
export interface WorkstationContext extends SignedInContext {
  readonly ws: WorkstationParts;
  readonly call: Call;
}
