/**
 * A workstation: its data dir, its id, its central store and the router over it. Every host (the
 * CLI, Electron's main process, later the browser host) opens one of these and sends every call
 * through `router`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { LocalCache } from '../cache/cache.js';
import { openCentral, type CentralStore } from '../central/store.js';
import { DEFINITIONS } from '../commands/catalog.js';
import { Router } from '../commands/router.js';
import type { ProviderResolver } from '../execution/executor.js';
import { createProviderResolver } from '../providers/registry.js';
import { credentialStoreFromEnv, type CredentialStore } from '../credentials/store.js';
import { cacheFile, workstationFile } from './paths.js';

export interface WorkstationOptions {
  dataDir: string;
  /** postgres:// URL; absent → embedded PGlite in the data dir. */
  centralUrl?: string | undefined;
  credentials?: CredentialStore;
  /** Overrides how provider clients are built (tests point them at fake servers). */
  providers?: ProviderResolver;
}

export interface Workstation {
  readonly dataDir: string;
  readonly id: string;
  readonly central: CentralStore;
  readonly router: Router;
  readonly credentials: CredentialStore;
  openCache(): Promise<LocalCache>;
  close(): Promise<void>;
}

const identity = z.object({ id: z.string().uuid(), createdAt: z.string() });

/** The workstation id is not a secret: it names this data dir in audit entries and keychain accounts. */
export function workstationId(dataDir: string): string {
  const file = workstationFile(dataDir);
  if (existsSync(file)) {
    const parsed = identity.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file} is damaged: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    return parsed.data.id;
  }
  mkdirSync(dataDir, { recursive: true });
  const id = randomUUID();
  writeFileSync(file, JSON.stringify({ id, createdAt: new Date().toISOString() }, null, 2) + '\n', { flag: 'wx' });
  return id;
}

export async function openWorkstation(options: WorkstationOptions): Promise<Workstation> {
  const id = workstationId(options.dataDir);
  const credentials = options.credentials ?? credentialStoreFromEnv();
  const central = await openCentral({ url: options.centralUrl, dataDir: options.dataDir });
  const providers = options.providers ?? createProviderResolver({ credentials, db: central.db });
  const router = new Router(central, DEFINITIONS, undefined, { providers, credentials });
  return {
    dataDir: options.dataDir,
    id,
    central,
    router,
    credentials,
    // Loaded on demand: the native SQLite module must not be required just to start a host.
    openCache: async () => (await import('../cache/cache.js')).openCache({ file: cacheFile(options.dataDir), workstationId: id, credentials }),
    close: () => central.close(),
  };
}
