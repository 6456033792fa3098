/**
 * Which workstation a CLI command works through: the console host's, when one has the data dir
 * open (attached through the data dir's socket: same router calls, the command's own session), or
 * its own, opened for the command. `--offline` works on the cache alone, which needs no host.
 */
import { TreasuryError } from '../core/shared/errors.js';
import type { CredentialStore } from '../core/platform/credentials/store.js';
import type { AttachHello } from '../core/host/workstation/attach/endpoint.js';
import type { WorkstationDoor } from '../core/host/workstation/thread/door.js';
import type { Workstation } from '../core/host/workstation/workstation.js';

/** The CLI's workstation: its own (`own`), or the host's it attached to (`attachedTo`). */
export type CliWorkstation = WorkstationDoor & {
  readonly credentials: CredentialStore;
  readonly own?: Workstation;
  readonly attachedTo?: AttachHello;
};

export interface Where {
  dataDir: string;
  centralUrl: string | undefined;
  offline: boolean;
}

export async function openOwnWorkstation(where: Where): Promise<CliWorkstation> {
  const { openWorkstation } = await import('../core/host/workstation/workstation.js');
  const own = await openWorkstation(where);
  return {
    id: own.id,
    dataDir: own.dataDir,
    credentialStore: own.credentialStore,
    credentials: own.credentials,
    call: (c) => own.call(c),
    connectivity: () => own.connectivity(),
    close: () => own.close(),
    own,
  };
}

/** The console host serving this data dir, or null when none answers (or with --offline). */
export async function attachToHost(where: Where): Promise<CliWorkstation | null> {
  if (where.offline) return null;
  const { attachWorkstation } = await import('../core/host/workstation/attach/client.js');
  const door = await attachWorkstation(where.dataDir);
  if (!door) return null;
  const { redactUrl } = await import('../core/platform/central/location.js');
  const url = where.centralUrl;
  if (url ? redactUrl(url) !== door.hello.central : !door.hello.central.startsWith('embedded')) {
    throw new TreasuryError(
      'VALIDATION',
      `the console host (process ${door.hello.pid}) serving ${door.dataDir} uses the central store ${door.hello.central}, not ${url ? redactUrl(url) : 'the embedded one'}: use the same --central, or stop the host`,
    );
  }
  const { chooseCredentialStore } = await import('../core/platform/credentials/store.js');
  // The host's credential store holds this data dir's sessions and keys: the CLI uses the same
  // kind.
  const kind =
    process.env.TREASURY_CREDENTIAL_STORE ||
    (door.credentialStore.kind === 'env' ? 'auto' : door.credentialStore.kind);
  const credentials = await chooseCredentialStore({
    dataDir: door.dataDir,
    env: { ...process.env, TREASURY_CREDENTIAL_STORE: kind },
  });
  process.stderr.write(
    `Working through the console host (process ${door.hello.pid}) that has ${door.dataDir} open.\n`,
  );
  return { ...door, credentials, attachedTo: door.hello };
}
