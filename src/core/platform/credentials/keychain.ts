/**
 * The OS keychain through keytar (Secret Service on Linux, Keychain on macOS, Credential Vault on
 * Windows). keytar is archived upstream and optional (it needs libsecret to build), so it stays
 * behind this module and is loaded lazily by name: the type-check and every machine without it
 * work, and the workstation falls back to the file vault (store.ts) when it is absent.
 */
import { CredentialStoreError, type CredentialStore } from './secret-store.js';

export const SERVICE = 'treasury-console';

export { CredentialStoreError };

const HEADLESS_HINT =
  'On a headless machine either start a Secret Service (e.g. `dbus-run-session -- bash -c "echo -n pw | gnome-keyring-daemon --unlock --components=secrets; <command>"`), ' +
  'let the workstation fall back to its file vault (leave TREASURY_CREDENTIAL_STORE unset), ' +
  'or opt into the environment store with TREASURY_CREDENTIAL_STORE=env (see README, "Credentials").';

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** A variable, not a literal: keytar is optional, and the type-check must not need it installed. */
const KEYTAR = 'keytar';

async function loadKeytar(): Promise<Keytar> {
  try {
    const mod = (await import(KEYTAR)) as Keytar & { default?: Keytar };
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
      throw new CredentialStoreError(
        `the OS keychain refused the request: ${(error as Error).message}. ${HEADLESS_HINT}`,
        { cause: error },
      );
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
 * A keychain that does not answer within this time is treated as absent (D-Bus activation can
 * hang).
 */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * Whether the OS keychain answers here: null when it does, else why not, in a few words (shown to
 * the operator with the fallback). A read of an account nobody writes: it changes nothing.
 */
export async function probeKeychain(): Promise<string | null> {
  let keytar: Keytar;
  try {
    keytar = await loadKeytar();
  } catch {
    return 'keytar is not installed (it needs libsecret to build)';
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`the keychain did not answer within ${PROBE_TIMEOUT_MS / 1000} s`),
      PROBE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      keytar.getPassword(SERVICE, 'probe').then(
        () => null,
        (error: Error) => `no Secret Service answers (${error.message.split('\n')[0]})`,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
