/**
 * Where secrets live. Three stores behind one small interface, chosen once per process:
 *
 * - **keychain**: the OS keychain (keychain.ts). The default, and always chosen when it answers.
 * - **vault**: the file vault (vault.ts), the fallback on a machine without a reachable keychain
 *   (keytar missing, or no Secret Service running). It says so wherever the operator looks (top
 *   bar, `whoami`, `diagnostics`, the CLI's first line) and refuses provider secrets unless an
 *   administrator allowed them (workstation.ts).
 * - **env**: environment variables, read-only, explicitly opted into for headless automation.
 *
 * Nothing else: secrets never go to a log, an export or the renderer.
 */
import { keychainStore, probeKeychain } from './keychain.js';
import { CredentialStoreError, type CredentialKind, type CredentialStore } from './secret-store.js';
import { vaultStore } from './vault.js';

export { keychainStore } from './keychain.js';
export { CredentialStoreError } from './secret-store.js';

export type { CredentialKind, CredentialStore } from './secret-store.js';

/** What hosts show about the store in use: never a secret. */
export interface CredentialStoreInfo {
  kind: CredentialKind;
  label: string;
  /** True when secrets are not in the OS keychain. */
  fallback: boolean;
  note: string | null;
}

const LABELS: Record<CredentialKind, string> = {
  keychain: 'OS keychain',
  vault: 'file vault (no OS keychain)',
  env: 'environment variables (TREASURY_CREDENTIAL_STORE=env)',
};

export function describeCredentialStore(
  store: Pick<CredentialStore, 'kind' | 'note'>,
): CredentialStoreInfo {
  return {
    kind: store.kind,
    label: LABELS[store.kind],
    fallback: store.kind !== 'keychain',
    note: store.note ?? null,
  };
}

/**
 * Environment store: read-only. `account` "cache-key:<id>" is read from TREASURY_CACHE_KEY,
 * "session:<id>" is not kept at all (each command signs in from
 * TREASURY_USERNAME/TREASURY_PASSWORD), anything else from TREASURY_SECRET_<ACCOUNT uppercased,
 * non-alphanumerics as _>.
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
      throw new CredentialStoreError(
        `the environment credential store is read-only: set ${name} yourself`,
      );
    },
    async delete() {
      return false;
    },
  };
}

export interface ChooseOptions {
  env?: NodeJS.ProcessEnv;
  /** The data dir: the file vault lives in it. */
  dataDir: string;
  /**
   * Whether the OS keychain answers (tests inject); default: load keytar and ask the Secret
   * Service.
   */
  probe?: () => Promise<string | null>;
}

/**
 * The store for this process, from TREASURY_CREDENTIAL_STORE: unset or "auto" → the OS keychain
 * when it answers, else the file vault; "keychain" → the keychain or a clear error; "vault" or
 * "env" → that store (explicit choices, for tests and automation).
 */
export async function chooseCredentialStore(options: ChooseOptions): Promise<CredentialStore> {
  const env = options.env ?? process.env;
  const choice = env.TREASURY_CREDENTIAL_STORE || 'auto';
  switch (choice) {
    case 'env':
      return envStore(env);
    case 'keychain':
      return keychainStore();
    case 'vault':
      return vaultStore(options.dataDir, 'chosen with TREASURY_CREDENTIAL_STORE=vault');
    case 'auto': {
      const missing = await (options.probe ?? probeKeychain)();
      return missing === null ? keychainStore() : vaultStore(options.dataDir, missing);
    }
    default:
      throw new CredentialStoreError(
        `TREASURY_CREDENTIAL_STORE must be "auto", "keychain", "vault" or "env", not "${choice}"`,
      );
  }
}
