/**
 * What the local floor needs to know of the workstation's link to the central store. The link
 * itself (host/workstation/connectivity.ts) opens stores and routers; local code only asks whether
 * it is up and, when it is, talks through it.
 */
import type { CentralStore } from '../platform/central/store.js';
import type { Router } from '../platform/kernel/router.js';

export interface Connectivity {
  online: boolean;
  /** Why the workstation is offline (null when online). */
  reason: string | null;
  checkedAt: string;
  /** Where the central store is, safe to print. */
  central: string;
}

/** The central store and its router, when reachable: what a cache rebuild pulls through. */
export interface CentralReach {
  online(): Promise<boolean>;
  readonly router: Router;
  readonly central: CentralStore;
}
