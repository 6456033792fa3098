/**
 * A signed-in test workstation over a real central store (PGlite or Postgres), with an in-memory
 * credential store standing in for the keychain (the keychain itself has its own tests).
 */
import { randomUUID } from 'node:crypto';
import type { CredentialStore } from '../../src/core/platform/credentials/store.js';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import type { ProviderResolver } from '../../src/core/domain/execution/executor.js';
import { openWorkstation, type Workstation } from '../../src/core/host/workstation/workstation.js';
import { DEFINITIONS } from '../../src/core/host/catalog.js';

const STEP_UP = new Set(DEFINITIONS.filter((d) => d.stepUp).map((d) => d.name));
import { createTestDatabase } from './pg.js';
import { tempDir, type Driver } from './central.js';

export function memoryCredentials(): CredentialStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    kind: 'keychain',
    entries,
    get: async (a) => entries.get(a) ?? null,
    set: async (a, s) => void entries.set(a, s),
    delete: async (a) => entries.delete(a),
  };
}

export const ADMIN_PASSWORD = 'correct-horse-battery-staple';

export interface TestWorkstation {
  ws: Workstation;
  token: string;
  /** Calls the router as the signed-in super-admin (or with another token). */
  call<T = unknown>(name: string, payload?: unknown, token?: string | null): Promise<T>;
  cleanup(): Promise<void>;
}

export async function openTestWorkstation(
  driver: Driver,
  options: {
    providers?: ProviderResolver;
    url?: string;
    addresses?: () => readonly string[];
    credentials?: CredentialStore;
  } = {},
): Promise<TestWorkstation> {
  const tmp = tempDir();
  const db = driver === 'postgres' && !options.url ? await createTestDatabase() : null;
  const ws = await openWorkstation({
    dataDir: tmp.dir,
    centralUrl: options.url ?? db?.url,
    credentials: options.credentials ?? memoryCredentials(),
    providers: options.providers,
    addresses: options.addresses,
  });
  const raw = <T>(name: string, payload: unknown = {}, token: string | null = null) =>
    ws.router.call<T>({ name, payload, session: token, workstationId: ws.id, id: randomUUID() });
  // Every test operator has ADMIN_PASSWORD: confirm it (step-up) before the calls that ask for it,
  // as the app and the CLI do. test/domain/security/security.test.ts tests step-up itself with raw router calls.
  const call = async <T>(
    name: string,
    payload: unknown = {},
    token: string | null = null,
  ): Promise<T> => {
    if (token && STEP_UP.has(name))
      await raw('session.stepUp', { password: ADMIN_PASSWORD }, token);
    return raw<T>(name, payload, token);
  };
  await call('operators.bootstrap', { username: 'admin', password: ADMIN_PASSWORD });
  const signed = await call<SignInResult>('session.signIn', {
    username: 'admin',
    password: ADMIN_PASSWORD,
  });
  if (!signed.ok) throw new Error(signed.reason);
  const token = signed.token;
  return {
    ws,
    token,
    call: <T>(name: string, payload: unknown = {}, t: string | null = token) =>
      call<T>(name, payload, t),
    cleanup: async () => {
      await ws.close();
      await db?.drop();
      tmp.remove();
    },
  };
}

/**
 * Adds an operator straight into the central store (operator management arrives with the security
 * issue) and signs them in.
 */
export async function addOperator(
  tw: TestWorkstation,
  username: string,
  role: string,
): Promise<string> {
  const { hashPassword } = await import('../../src/core/domain/operators/password.js');
  const { sql } = await import('drizzle-orm');
  const hash = await hashPassword(ADMIN_PASSWORD);
  await tw.ws.central.db.execute(
    sql`INSERT INTO operators (username, display_name, role, password_hash) VALUES (${username}, ${username}, ${role}, ${hash})`,
  );
  const signed = await tw.call<SignInResult>(
    'session.signIn',
    { username, password: ADMIN_PASSWORD },
    null,
  );
  if (!signed.ok) throw new Error(signed.reason);
  return signed.token;
}
