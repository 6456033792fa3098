/**
 * Whether a real OS keychain (Secret Service) answers here. `npm test` starts gnome-keyring inside
 * a private D-Bus session when it can (scripts/test.mjs). Without one the keychain tests are
 * skipped with the reason — except under CI=true, where that is a failure.
 */
import { randomUUID } from 'node:crypto';
import { keychainStore } from '../../src/core/platform/credentials/store.js';
import { announceSkip } from './skips.js';

async function probe(): Promise<string | null> {
  const store = keychainStore('treasury-console-test-probe');
  const account = `probe-${randomUUID()}`;
  try {
    await store.set(account, 'x');
    const back = await store.get(account);
    await store.delete(account);
    return back === 'x' ? null : 'the keychain did not return what was stored';
  } catch (error) {
    return (error as Error).message.split('. ')[0]!;
  }
}

const unavailable = await probe();
if (unavailable) {
  if (process.env.CI === 'true')
    throw new Error(
      `CI=true but no OS keychain is available (${unavailable}): run the tests through npm test`,
    );
  announceSkip(
    'OS keychain tests',
    `${unavailable}; npm test runs them on a machine with libsecret, gnome-keyring and dbus`,
  );
}
export const keychainAvailable = unavailable === null;
