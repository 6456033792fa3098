/**
 * Opens central stores for tests: embedded PGlite in a temp dir, or a fresh real-Postgres database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCentral, type CentralStore } from '../../src/core/platform/central/store.js';
import { createTestDatabase } from './pg.js';

export type Driver = 'pglite' | 'postgres';

export function tempDir(prefix = 'treasury-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function openTestCentral(
  driver: Driver,
): Promise<{ store: CentralStore; dataDir: string; url?: string; cleanup: () => Promise<void> }> {
  const tmp = tempDir();
  if (driver === 'pglite') {
    const store = await openCentral({ dataDir: tmp.dir });
    return {
      store,
      dataDir: tmp.dir,
      cleanup: async () => {
        await store.close();
        tmp.remove();
      },
    };
  }
  const db = await createTestDatabase();
  const store = await openCentral({ dataDir: tmp.dir, url: db.url });
  return {
    store,
    dataDir: tmp.dir,
    url: db.url,
    cleanup: async () => {
      await store.close();
      await db.drop();
      tmp.remove();
    },
  };
}
