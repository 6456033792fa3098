/**
 * The workstation's link to the central store: opened once, then probed. "Offline" means
 * unreachable, nothing else — a busy store is not offline (the probe runs beside the work,
 * central/store.ts `reachable`), and the embedded store is never offline. After losing a central
 * Postgres the link tries again only once `retryAfterMs` have passed, so an unreachable server
 * does not add a connect timeout to every call.
 */
import { DEFINITIONS } from '../catalog.js';
import { toTreasuryError, type TreasuryError } from '../../shared/errors.js';
import { Router, type AnyDefinition } from '../../platform/kernel/router.js';
import { openCentral, redactUrl, type CentralStore } from '../../platform/central/store.js';
import type { CredentialStore } from '../../platform/credentials/store.js';
import type { ProviderResolver } from '../../domain/execution/executor.js';
import type { Logger } from 'pino';
import { createProviderResolver } from '../../domain/providers/registry.js';
import { embeddedLocation } from '../../platform/files/paths.js';
import { offlineRefusal } from '../../local/offline-router.js';
import type { CentralReach, Connectivity } from '../../local/link.js';

export type { Connectivity } from '../../local/link.js';

export interface LinkOptions {
  dataDir: string;
  centralUrl?: string | undefined;
  offline?: boolean | undefined;
  retryAfterMs?: number | undefined;
  providers?: ProviderResolver | undefined;
  addresses?: (() => readonly string[]) | undefined;
  credentials: CredentialStore;
  log: Logger;
  /** The calls the workstation answers itself, for the router's manifest. */
  hostDefinitions: readonly AnyDefinition[];
}

const unreachable = (e: TreasuryError) => e.code === 'CENTRAL_UNAVAILABLE';

export class CentralLink implements CentralReach {
  private store: CentralStore | null = null;
  private centralRouter: Router | null = null;
  private reachable = false;
  private reason: string | null;
  private checkedAt = new Date();
  private readonly retryAfterMs: number;
  /** Where the central store is, safe to print. */
  readonly location: string;

  constructor(private readonly options: LinkOptions) {
    this.retryAfterMs = options.retryAfterMs ?? 10_000;
    this.location = options.centralUrl
      ? redactUrl(options.centralUrl)
      : embeddedLocation(options.dataDir);
    this.reason = options.offline ? 'offline mode was chosen (--offline / TREASURY_OFFLINE)' : null;
  }

  /** Only a central Postgres can be unreachable; the embedded store failing to open is an error. */
  async connect(): Promise<void> {
    this.checkedAt = new Date();
    try {
      if (!this.store) {
        this.store = await openCentral({
          url: this.options.centralUrl,
          dataDir: this.options.dataDir,
        });
        this.centralRouter = this.routerOver(this.store);
        this.reachable = true;
      } else {
        this.reachable = await this.store.reachable();
      }
      this.reason = this.reachable ? null : `the central store at ${this.location} does not answer`;
    } catch (error) {
      const e = toTreasuryError(error);
      if (!this.options.centralUrl || !unreachable(e)) throw error;
      this.reachable = false;
      this.reason = e.message;
    }
    this.options.log.info(
      { central: this.location, online: this.reachable, reason: this.reason },
      'connectivity',
    );
  }

  private routerOver(store: CentralStore): Router {
    const { providers, credentials, log, addresses } = this.options;
    const resolver = providers ? null : createProviderResolver({ credentials, db: store.db });
    return new Router(store, DEFINITIONS, undefined, {
      providers: providers ?? resolver!,
      ...(resolver ? { forgetProvider: resolver.forget } : {}),
      credentials,
      log,
      hostDefinitions: this.options.hostDefinitions,
      ...(addresses ? { addresses } : {}),
    });
  }

  /** Online, connecting again when the last attempt is old enough. */
  async online(): Promise<boolean> {
    if (this.options.offline) return false;
    if (!this.reachable && Date.now() - this.checkedAt.getTime() >= this.retryAfterMs)
      await this.connect();
    return this.reachable;
  }

  /** Whether `e` means the central store was lost (only a server can be). */
  isLoss(e: TreasuryError): boolean {
    return Boolean(this.options.centralUrl) && unreachable(e);
  }

  /** The central store was lost during a call: offline from now on, until a probe succeeds. */
  lost(e: TreasuryError): void {
    this.reachable = false;
    this.reason = e.message;
    this.checkedAt = new Date();
  }

  /** Online or offline, probing the central store again (beside any work it is doing). */
  async connectivity(): Promise<Connectivity> {
    if (!this.options.offline && this.reachable && this.store) {
      this.reachable = await this.store.reachable();
      this.checkedAt = new Date();
      if (!this.reachable) this.reason = `the central store at ${this.location} does not answer`;
    }
    const up = await this.online();
    return {
      online: up,
      reason: up ? null : this.reason,
      checkedAt: this.checkedAt.toISOString(),
      central: this.location,
    };
  }

  /** The central store; throws OFFLINE when it cannot be reached. */
  get central(): CentralStore {
    if (!this.store || !this.reachable) throw offlineRefusal('the central store');
    return this.store;
  }

  /** The central router; throws OFFLINE when the central store cannot be reached. */
  get router(): Router {
    if (!this.centralRouter || !this.reachable) throw offlineRefusal('the central store');
    return this.centralRouter;
  }

  async close(): Promise<void> {
    await this.store?.close();
  }
}
