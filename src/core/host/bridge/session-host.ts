/**
 * What every host of the console does with a bridge call, in one place (Electron's main process and
 * the browser host both use it):
 *
 * - the envelope is checked (bridgeCallSchema); the payload is checked by the router;
 * - the session token stays here: a sign-in's token is kept and never sent to the page, which
 *   only learns who signed in; sign-out ends the session this host holds;
 * - every call gets a command id (the page's, or a new one) so its progress events can be matched;
 * - results cross as wire JSON (bigints as decimal strings), the same in both hosts: the thread
 *   sends them so, and the browser host serialises with toWire;
 * - a file picked for an import is checked first (the dry run) and kept here between the preview
 *   and the import (picked.ts): the page holds a handle, never a path.
 */
import { randomUUID } from 'node:crypto';
import { toTreasuryError } from '../../shared/errors.js';
import type { WorkstationDoor } from '../workstation/thread/door.js';
import type {
  BridgeResult,
  CallName,
  HostInfo,
  ImportName,
  ImportPreview,
  PickedImport,
  ProgressEvent,
  Wire,
} from './contract.js';
import { bridgeCallSchema, bridgePickedSchema, FILE_CALLS, invalid } from './envelope.js';
import { discard, PickedFiles } from './picked.js';

const SESSION_OVER = new Set(['UNAUTHENTICATED', 'IP_NOT_ALLOWED']);

export class BridgeSession {
  private sessionToken: string | null = null;
  /** Files checked for an import, waiting for it. */
  readonly picked = new PickedFiles();

  constructor(
    private readonly door: WorkstationDoor,
    private readonly emit: (event: ProgressEvent) => void,
  ) {}

  /** Whether an operator is signed in through this bridge. */
  get signedIn(): boolean {
    return this.sessionToken !== null;
  }

  /** A raw `{ name, payload, id?, background? }` from the page, validated and run. */
  async call(raw: unknown, ip: string | null = null): Promise<BridgeResult<unknown>> {
    const parsed = bridgeCallSchema.safeParse(raw);
    if (!parsed.success)
      return invalid('a bridge call is { name, payload, id?, background? }', parsed.error);
    // A job runs a call too: the page may not name files through one either.
    const inner =
      parsed.data.name === 'jobs.start'
        ? (parsed.data.payload as { name?: unknown } | null)?.name
        : parsed.data.name;
    if (typeof inner === 'string' && FILE_CALLS.has(inner)) {
      // The page must not name files on this machine: the operator picks them in the host's dialog.
      return {
        ok: false,
        error: {
          code: 'FORBIDDEN',
          kind: 'user',
          message: `${inner} names a file: the console runs it through importFile/exportFile, where the operator picks the file`,
          problems: [],
        },
      };
    }
    return this.run(parsed.data.name, parsed.data.payload, parsed.data.id, ip, {
      background: parsed.data.background === true,
    });
  }

  /**
   * Runs a call the host built itself (imports and exports, with the file the operator chose);
   * never with a page's raw input. `background`: not the operator's activity (CallOptions).
   */
  async run(
    name: string,
    payload: unknown,
    id: string | undefined,
    ip: string | null = null,
    options: { background?: boolean } = {},
  ): Promise<BridgeResult<unknown>> {
    const callId = id ?? randomUUID();
    // The page cannot know the token: signing out means this host's session.
    const body = name === 'session.signOut' ? { token: this.sessionToken ?? '' } : payload;
    try {
      const value = await this.door.call({
        name,
        payload: body,
        id: callId,
        session: this.sessionToken,
        workstationId: this.door.id,
        ip,
        ...(options.background ? { background: true } : {}),
        onProgress: (p) => this.emit({ ...p, callId, name: name as CallName }),
      });
      if (
        name === 'session.signIn' &&
        value &&
        typeof value === 'object' &&
        (value as { ok?: boolean }).ok
      ) {
        this.sessionToken = (value as { token: string }).token;
        return {
          ok: true,
          value: { ok: true, operator: (value as { operator: unknown }).operator },
        };
      }
      if (name === 'session.signOut') this.sessionToken = null;
      // Already wire-shaped when it comes from the workstation thread (parsed from its JSON); the
      // browser host serialises with toWire in any case. No second round trip through JSON here.
      return { ok: true, value: value ?? null };
    } catch (error) {
      const e = toTreasuryError(error);
      // The router says the session is over (ended, expired, locked out, outside the ranges): the
      // host stops presenting it, so a reload shows the sign-in screen without asking again.
      if (name === 'session.signOut' || SESSION_OVER.has(e.code)) this.sessionToken = null;
      return { ok: false, error: e.toJSON() };
    }
  }

  /**
   * Checks a file the operator picked (in the host's dialog, or uploaded) without storing anything;
   * keeps it for importPicked when it has no problems, else lets it go.
   */
  async previewImport(
    name: ImportName,
    file: { path: string; remove: string | null },
    id: string | undefined,
    ip: string | null = null,
  ): Promise<BridgeResult<PickedImport>> {
    const checked = await this.run(name, { file: file.path, dryRun: true }, id, ip);
    if (!checked.ok) {
      discard(file);
      return checked;
    }
    const preview = checked.value as Wire<ImportPreview>;
    if (preview.problemCount > 0 || preview.sha256 === null) {
      discard(file);
      return { ok: true, value: { picked: null, name, preview } };
    }
    const picked = this.picked.keep({
      name,
      file: file.path,
      sha256: preview.sha256,
      remove: file.remove,
    });
    return { ok: true, value: { picked, name, preview } };
  }

  /**
   * Imports a file kept by previewImport (`{ picked, id? }` from the page), refused if it changed
   * since it was checked; the file is let go whatever the outcome.
   */
  async importPicked(raw: unknown, ip: string | null = null): Promise<BridgeResult<unknown>> {
    const parsed = bridgePickedSchema.safeParse(raw);
    if (!parsed.success)
      return invalid('an import of a picked file is { picked, id? }', parsed.error);
    const kept = this.picked.take(parsed.data.picked);
    if (!kept)
      return {
        ok: false,
        error: {
          code: 'NOT_FOUND',
          kind: 'user',
          message:
            'the checked file is no longer kept (imported already, dropped, or older than an hour): choose it again',
          problems: [],
        },
      };
    try {
      return await this.run(
        kept.name,
        { file: kept.file, sha256: kept.sha256 },
        parsed.data.id,
        ip,
      );
    } finally {
      discard(kept);
    }
  }

  /** Lets go of a file kept by previewImport (`{ picked }` from the page). */
  dropPicked(raw: unknown): void {
    const parsed = bridgePickedSchema.safeParse(raw);
    if (parsed.success) this.picked.drop(parsed.data.picked);
  }

  async info(version: string, host: HostInfo['host']): Promise<HostInfo> {
    const c = await this.door.connectivity();
    return {
      version,
      host,
      dataDir: this.door.dataDir,
      central: c.central,
      online: c.online,
      offlineReason: c.reason,
      credentials: this.door.credentialStore,
      signedIn: this.signedIn,
    };
  }
}
