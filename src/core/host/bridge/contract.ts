/**
 * The contract between the renderer and the hosts that serve it (Electron's preload, the browser
 * host): one object, `window.treasury`. The renderer sees only this file's types; it never learns
 * about the database, the keychain or Node.
 *
 * Calls are typed from the router's own definitions (commands/catalog.ts and the workstation's
 * sync calls): the name picks the input (the schema's input type) and the output. What crosses the
 * bridge is JSON in both hosts (Electron's main process serialises like the browser host does), so
 * outputs are `Wire<…>`: bigints and dates arrive as strings. Money therefore always arrives as a
 * decimal string of minor units, never a float.
 *
 * This file holds types and constants only (the preload bundles it: it must stay tiny); the
 * envelope schemas the hosts check live in envelope.ts.
 */
import type { z } from 'zod';
import type { CatalogDefinition } from '../catalog.js';
import type { Progress } from '../../platform/kernel/router.js';
import type { WorkstationDefinition } from '../../local/sync-calls.js';
import type { JobView } from '../../platform/kernel/jobs.js';
export type { JobView };
import type { CredentialStoreInfo } from '../../platform/credentials/store.js';
import type { ImportPreview } from '../../domain/imports/check.js';
import type { ImportSummary } from '../../domain/imports/run.js';
export type { ImportPreview, ImportSummary };

export interface BridgeError {
  code: string;
  kind: 'user' | 'internal';
  message: string;
  problems: { message: string; file?: string; line?: number; field?: string; path?: string }[];
}

export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

/** A value as JSON carries it: bigint and Date become strings, functions disappear. */
export type Wire<T> = T extends bigint
  ? string
  : T extends Date
    ? string
    : T extends string | number | boolean | null | undefined
      ? T
      : T extends readonly (infer E)[]
        ? Wire<E>[]
        : T extends object
          ? { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: Wire<T[K]> }
          : T;

type AnyDefinition = CatalogDefinition | WorkstationDefinition;
/** Every command and query name the router knows. */
export type CallName = AnyDefinition['name'];
type DefinitionOf<N extends CallName> = Extract<AnyDefinition, { name: N }>;
/** The payload a call takes: the input type of its schema (defaults may be left out). */
export type CallInput<N extends CallName> =
  DefinitionOf<N> extends { schema?: infer S } ? (S extends z.ZodType ? z.input<S> : never) : never;
/** What a call's handler answers (its definition's own result type, for every call alike). */
export type CallResult<N extends CallName> =
  DefinitionOf<N> extends { run(...args: never[]): Promise<infer O> } ? O : never;
/** What a call answers, as it arrives over the bridge. */
export type CallOutput<N extends CallName> = Wire<CallResult<N>>;

/** The sign-in answer the renderer gets: who signed in (the session token stays in the host). */
export type SignInView =
  | {
      ok: true;
      operator: CallOutput<'session.signIn'> extends infer R
        ? R extends { ok: true; operator: infer O }
          ? O
          : never
        : never;
    }
  | Exclude<CallOutput<'session.signIn'>, { ok: true }>;

export interface HostInfo {
  version: string;
  host: 'electron' | 'browser';
  dataDir: string;
  central: string;
  online: boolean;
  offlineReason: string | null;
  /**
   * Where this workstation's secrets are: the OS keychain, or a fallback the console names in its
   * top bar.
   */
  credentials: CredentialStoreInfo;
  /**
   * Whether this host holds a session for the page (a reload picks it up again). The console asks
   * for its manifest only then: asking without a session would be refused and audited as a denial
   * on every visit to the sign-in screen.
   */
  signedIn: boolean;
}

/**
 * A progress event of a long call (calculation, import, export, execution), streamed while it runs.
 */
export interface ProgressEvent extends Progress {
  /** The command id of the call it belongs to (the renderer chooses it, see `call`'s options). */
  callId: string;
  name: CallName;
}

/** What the page may send through `call`: everything but the calls that name a file. */
export type PageCallName = Exclude<CallName, ImportName | ExportName>;

/**
 * Calls that read a file the operator picks (a native open dialog, or the browser's file picker).
 */
export type ImportName = 'affiliates.import' | 'conversions.import';
/** Calls that write a file the operator names (a native save dialog, or a browser download). */
export type ExportName =
  | 'export.payouts'
  | 'export.commissions'
  | 'export.payoutItems'
  | 'export.auditLog'
  | 'export.journal'
  | 'export.payablesGrid'
  | 'export.payoutsGrid';

/**
 * A file the operator picked for an import and the host checked without storing anything (the dry
 * run). The host keeps the file (the page never learns its path) under `picked` until it is
 * imported (importPicked), dropped, or an hour has passed; a file with problems is not kept.
 */
export interface PickedImport {
  /** The host's handle for the kept file; null when the file has problems (nothing to import). */
  picked: string | null;
  name: ImportName;
  preview: Wire<ImportPreview>;
}

export interface CallOptions {
  /**
   * Command id (uuid) chosen by the renderer: progress events carry it; a retry with it is applied
   * once.
   */
  id?: string;
  /**
   * Not the operator's own doing: a poll repeating by itself (the top bar's status, the jobs panel,
   * the exception alerts, a view's refresh after its first load). Checked and audited like any
   * call, but it does not count as activity, so a console left open still signs out after 30
   * minutes. Only `call` carries it.
   */
  background?: boolean;
}

export interface TreasuryBridge {
  /**
   * Sends a command or query through the router. The session is held by the host, not the
   * renderer. Calls that name a file (imports, exports) go through importFile/exportFile instead.
   */
  call<N extends PageCallName>(
    name: N,
    payload: CallInput<N>,
    options?: CallOptions,
  ): Promise<BridgeResult<N extends 'session.signIn' ? SignInView : CallOutput<N>>>;
  /**
   * Host facts for the top bar; online/offline is probed again when the last probe is old enough.
   */
  info(): Promise<HostInfo>;
  /** Progress of long calls as they run. Returns the unsubscribe function. */
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  /** Asks the operator for a CSV file (open dialog) and imports it; null when they cancel. */
  importFile<N extends ImportName>(
    name: N,
    options?: CallOptions,
  ): Promise<BridgeResult<CallOutput<N>> | null>;
  /**
   * Asks the operator for a CSV file (open dialog; in a browser, the file picker and an upload to
   * the host) and checks it without storing anything: the preview and every problem. The host
   * keeps a file without problems for importPicked. null when they cancel.
   */
  previewImport(
    name: ImportName,
    options?: CallOptions,
  ): Promise<BridgeResult<PickedImport> | null>;
  /**
   * Imports the file kept by previewImport, all or nothing (refused if the file changed since it
   * was checked); progress events carry options.id. The host forgets the file either way.
   */
  importPicked(picked: string, options?: CallOptions): Promise<BridgeResult<Wire<ImportSummary>>>;
  /** Forgets a file kept by previewImport without importing it. */
  dropPicked(picked: string): Promise<void>;
  /**
   * Asks the operator where to save (save dialog; in a browser, a download) and starts the export
   * there as a job, answering at once with the job (its progress and result: jobs.list / jobs.get);
   * null when they cancel. The payload is the export's own, without the output path. In a browser,
   * `download` is where the file is fetched once the job has succeeded.
   */
  exportFile<N extends ExportName>(
    name: N,
    payload: Omit<CallInput<N>, 'out' | 'overwrite'>,
    suggestedName: string,
    options?: CallOptions,
  ): Promise<(BridgeResult<JobView> & { download?: string }) | null>;
}

export const CALL_CHANNEL = 'treasury:call';
export const INFO_CHANNEL = 'treasury:info';
export const IMPORT_CHANNEL = 'treasury:import';
export const PREVIEW_IMPORT_CHANNEL = 'treasury:import-preview';
export const IMPORT_PICKED_CHANNEL = 'treasury:import-picked';
export const DROP_PICKED_CHANNEL = 'treasury:import-drop';
export const EXPORT_CHANNEL = 'treasury:export';
export const PROGRESS_CHANNEL = 'treasury:progress';

/**
 * Pure money helpers the renderer shares with the core (no Node, no I/O): exponents per ISO 4217,
 * minor units ⇄ exact decimal strings. The renderer formats amounts with these and Intl, never
 * floats.
 */
export { exponentOf, isCurrency } from '../../shared/money/currency.js';
export { formatAmount, parseAmount } from '../../shared/money/money.js';
export { parseDisplayedAmount } from '../../shared/money/displayed.js';
/** The commission rule set as written (the console's rules form edits it), and a commission's status. */
export type { RuleSetDocument } from '../../shared/commission/rules.js';
export type { CommissionStatus } from '../../shared/commission/engine.js';
