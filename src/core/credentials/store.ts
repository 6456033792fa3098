/**
 * Where secrets live: the OS keychain (keytar), or — explicitly opted into for headless automation —
 * environment variables. Nothing else: secrets never go to a file, a log, an export or the renderer.
 *
 * keytar is archived upstream, so it stays behind this small interface and is loaded lazily: a
 * machine without a Secret Service (or without keytar's native module) gets a clear message that
 * says how to fix it or how to opt into the environment store.
 */
export interface CredentialStore {
  readonly kind: 'keychain' | 'env';
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export const SERVICE = 'treasury-console';

export class CredentialStoreError extends Error {
  readonly code = 'CREDENTIAL_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CredentialStoreError';
  }
}

const HEADLESS_HINT =
  'On a headless machine either start a Secret Service (e.g. `dbus-run-session -- bash -c "echo -n pw | gnome-keyring-daemon --unlock --components=secrets; <command>"`) ' +
  'or opt into the environment store with TREASURY_CREDENTIAL_STORE=env (see README, "Credentials").';

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

async function loadKeytar(): Promise<Keytar> {
  try {
    const mod = (await import('keytar')) as unknown as Keytar & { default?: Keytar };
    return mod.default ?? mod;
  } catch (error) {
    throw new CredentialStoreError(
      `the OS keychain module (keytar) is not installed or failed to build (${(error as Error).message}). ` +
        `On Debian/Ubuntu: apt-get install libsecret-1-dev && npm rebuild keytar. ${HEADLESS_HINT}`,
      { cause: error },
    );
  }
}

export function keychainStore(service = SERVICE): CredentialStore {
  let keytar: Promise<Keytar> | undefined;
  const call = async <T>(fn: (k: Keytar) => Promise<T>): Promise<T> => {
    keytar ??= loadKeytar();
    const k = await keytar;
    try {
      return await fn(k);
    } catch (error) {
      throw new CredentialStoreError(`the OS keychain refused the request: ${(error as Error).message}. ${HEADLESS_HINT}`, { cause: error });
    }
  };
  return {
    kind: 'keychain',
    get: (account) => call((k) => k.getPassword(service, account)),
    set: (account, secret) => call((k) => k.setPassword(service, account, secret)),
    delete: (account) => call((k) => k.deletePassword(service, account)),
  };
}

/**
 * Environment store: read-only. `account` "cache-key:<id>" is read from TREASURY_CACHE_KEY,
 * "session:<id>" is not kept at all (each command signs in from TREASURY_USERNAME/TREASURY_PASSWORD),
 * anything else from TREASURY_SECRET_<ACCOUNT uppercased, non-alphanumerics as _>.
 */
export function envStore(env: NodeJS.ProcessEnv = process.env): CredentialStore {
  const variable = (account: string): string | null => {
    if (account.startsWith('cache-key:')) return 'TREASURY_CACHE_KEY';
    if (account.startsWith('session:')) return null;
    return 'TREASURY_SECRET_' + account.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  };
  return {
    kind: 'env',
    async get(account) {
      const name = variable(account);
      return name ? (env[name] ?? null) : null;
    },
    async set(account) {
      const name = variable(account);
      if (!name) return; // sessions are not kept by the environment store
      throw new CredentialStoreError(`the environment credential store is read-only: set ${name} yourself`);
    },
    async delete() {
      return false;
    },
  };
}

/** The store chosen by TREASURY_CREDENTIAL_STORE: "keychain" (default) or "env" (explicit opt-in). */
export function credentialStoreFromEnv(env: NodeJS.ProcessEnv = process.env): CredentialStore {
  const choice = env.TREASURY_CREDENTIAL_STORE ?? 'keychain';
  if (choice === 'env') return envStore(env);
  if (choice === 'keychain') return keychainStore();
  throw new CredentialStoreError(`TREASURY_CREDENTIAL_STORE must be "keychain" or "env", not "${choice}"`);
}
