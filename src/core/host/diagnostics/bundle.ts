/**
 * The diagnostics bundle: what support needs to understand a workstation, in one JSON file —
 * versions, the data dir's listing, configuration without secrets, connectivity, the central
 * store's version, schema level and settings, the local cache's sync state and outbox counts, and
 * the last lines of each log file.
 *
 * It is taken when something is wrong, so nothing in it may depend on the rest working: every
 * section is collected on its own and, when it cannot be, records its error (code and message) in
 * its place. A damaged cache, a missing key, a central store that does not answer, a credential
 * store that is locked: the bundle is still written.
 *
 * Authorisation. Everything but the central section is read from the data dir and the credential
 * store of the OS user running it, which that user can already read with any tool; nothing is
 * created there (no cache, no key, no workstation id). The central section goes through the router
 * (`diagnostics.central`: permission, IP check, audit entry) and only when the workstation is
 * online and someone is signed in.
 *
 * Secrets. Nothing is copied that holds them by design: file listings have no contents, the outbox
 * and journal only counts, credentials only "stored: yes/no". What comes from outside our control —
 * environment values, settings, log lines, error messages — is scrubbed by name and by value
 * (log/redact.ts); every secret the bundle touches on the way (the cache key, provider credentials,
 * the session token, secret-named environment values, a URL's password) is registered first, and
 * the finished bundle is scrubbed by value once more as a whole.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalCache } from '../../platform/cache/cache.js';
import { cacheKeyAccount, nextCacheKeyAccount } from '../../platform/cache/cache.js';
import { redactUrl } from '../../platform/central/store.js';
import { assert } from '../../shared/assert.js';
import { toTreasuryError } from '../../shared/errors.js';
import { modeReport, type ModeReport } from '../../platform/files/private.js';
import {
  chooseCredentialStore,
  describeCredentialStore,
  type CredentialStore,
  type CredentialStoreInfo,
} from '../../platform/credentials/store.js';
import { checkTarget, writeWholeFile } from '../../platform/files/whole-file.js';
import { logFiles, logger, logSettingsFromEnv } from '../../platform/log/logger.js';
import {
  isSecretName,
  REDACTED,
  rememberSecret,
  scrubText,
  scrubValue,
} from '../../platform/log/redact.js';
import { CREDENTIAL_ACCOUNTS } from '../../domain/providers/registry.js';
import { cacheFile, readWorkstationId } from '../../platform/files/paths.js';
import { appVersion, resourcePath } from '../../platform/files/resources.js';
import type { Workstation } from '../workstation/workstation.js';
import { migrationLevel, type CentralDiagnostics, type MigrationLevel } from './central.js';

export const BUNDLE_SCHEMA = 'treasury-console/diagnostics/1';
const DEFAULT_LOG_LINES = 200;
export const MAX_LOG_LINES = 10_000;

/** A section's data, or why it could not be collected. */
export type Section<T> =
  ({ ok: true } & T) | { ok: false; error: { code: string; message: string } };

export interface CollectOptions {
  dataDir: string;
  /**
   * postgres:// URL of the central server (shown without its password); absent: embedded PGlite.
   */
  centralUrl?: string | undefined;
  /** `--offline`: the central store is not tried. */
  offline?: boolean;
  /** The credential store (default: the one TREASURY_CREDENTIAL_STORE names). */
  credentials?: CredentialStore;
  env?: NodeJS.ProcessEnv;
  /** Lines from the end of each log file (default 200). */
  logLines?: number;
  /**
   * The host's workstation and how it signs in (the CLI: its own workstation and session). Called
   * only when the data dir has been set up; absent, the connectivity and central sections say so.
   */
  workstation?: () => Promise<{
    ws: Pick<Workstation, 'id' | 'call' | 'connectivity'>;
    session: () => Promise<string | null>;
  }>;
  now?: () => Date;
}

export interface DiagnosticsBundle {
  schema: typeof BUNDLE_SCHEMA;
  generatedAt: string;
  sections: {
    versions: Section<Versions>;
    workstation: Section<WorkstationFacts>;
    configuration: Section<Configuration>;
    connectivity: Section<{
      online: boolean;
      reason: string | null;
      checkedAt: string;
      central: string;
    }>;
    central: Section<CentralDiagnostics>;
    cache: Section<CacheFacts>;
    logs: Section<{
      settings: Section<{ level: string; maxBytes: number; keep: number }>;
      files: LogTail[];
    }>;
  };
}

interface Versions {
  app: string;
  node: string;
  v8: string;
  electron: string | null;
  platform: string;
  arch: string;
  os: { type: string; release: string; version: string };
  packages: Record<string, string | null>;
  sqlite: Section<{ source: 'cache' | 'library'; sqlite: string; sqlite3mc: string }>;
}

interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  bytes: number;
  modifiedAt: string;
  mode: string;
  /** A folder: its files and bytes, counted all the way down. */
  files?: number;
  /** A small folder's own entries (up to LIST_CHILDREN of them). */
  entries?: FileEntry[];
}

interface WorkstationFacts {
  id: string | null;
  idProblem: string | null;
  dataDir: string;
  hostname: string;
  user: string;
  dataDirEntries: FileEntry[];
  /**
   * File modes: the data dir's, and anything in it that other OS users could read or write (should
   * be none).
   */
  permissions: Section<ModeReport>;
}

interface Configuration {
  /** TREASURY_* variables; secret-named ones (and URL passwords) shown as [redacted]. */
  environment: Record<string, string>;
  central: { mode: 'embedded' | 'postgres'; location: string; offline: boolean };
  credentialStore: Section<
    CredentialStoreInfo & {
      /** Only whether each secret is stored — never a value. */
      stored: {
        localCacheKey: boolean;
        pendingCacheKeyRotation: boolean;
        cliSession: boolean;
        providers: Record<string, boolean>;
      };
    }
  >;
}

interface CacheFacts {
  file: string;
  exists: boolean;
  bytes: number | null;
  cipher: string | null;
  migrations: MigrationLevel | null;
  sync: Section<{
    lastPullAt: string | null;
    lastPullMode: string | null;
    cursor: string | null;
    rowsPerTable: Record<string, number>;
    refetchPending: number;
  }>;
  outbox: Section<{
    byStatus: Record<string, { count: number; oldest: string | null; newest: string | null }>;
  }>;
  journal: Section<{ byDecision: Record<string, number>; last: string | null }>;
  sessions: Section<{ open: number; ended: number }>;
}

interface LogTail {
  file: string;
  bytes: number;
  modifiedAt: string;
  /**
   * The last lines, oldest first: parsed JSON lines (scrubbed), or the text of a line that is not
   * JSON.
   */
  lines: unknown[];
  error?: { code: string; message: string };
}

const failure = (error: unknown) => {
  const e = toTreasuryError(error);
  const code =
    e.code === 'INTERNAL'
      ? (((error as { code?: unknown }).code as string | undefined) ?? e.code)
      : e.code;
  return {
    ok: false as const,
    error: {
      code: String(code),
      message: scrubText(
        e.code === 'INTERNAL' ? ((error as Error).message ?? e.message) : e.message,
      ),
    },
  };
};

async function section<T extends object>(collect: () => T | Promise<T>): Promise<Section<T>> {
  try {
    return { ok: true, ...(await collect()) };
  } catch (error) {
    return failure(error);
  }
}

/** Every secret the credential store hands us is registered before it could be written anywhere. */
function remembering(store: CredentialStore): CredentialStore {
  return {
    kind: store.kind,
    ...(store.note ? { note: store.note } : {}),
    get: async (account) => {
      const value = await store.get(account);
      rememberSecret(value);
      return value;
    },
    // Opening an existing cache writes to the store only to settle an interrupted key rotation,
    // which the next ordinary command does: the bundle reports it instead of doing it.
    set: async () => {
      throw Object.assign(
        new Error(
          'the local cache has an interrupted key rotation to settle (any command that opens the cache settles it); the diagnostics bundle only reads the credential store',
        ),
        { code: 'KEY_ROTATION_PENDING' },
      );
    },
    delete: async () => {
      throw Object.assign(new Error('the diagnostics bundle only reads the credential store'), {
        code: 'READ_ONLY',
      });
    },
  };
}

const isoOf = (ms: number) => new Date(ms).toISOString();
const modeOf = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * An installed package's version, from its package.json beside the code (some packages' exports
 * hide it from require).
 */
function packageVersion(name: string): string | null {
  try {
    return (
      JSON.parse(readFileSync(resourcePath(`node_modules/${name}/package.json`), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return null; // not installed here
  }
}

/**
 * Files: name, size, time, mode — never contents. A folder is counted; a small one is listed too.
 */
const LIST_CHILDREN = 16;
function listEntry(full: string, name: string, depth: number): FileEntry {
  const st = lstatSync(full);
  const base = { name, bytes: st.size, modifiedAt: isoOf(st.mtimeMs), mode: modeOf(st.mode) };
  if (st.isSymbolicLink()) return { ...base, type: 'link' };
  if (!st.isDirectory()) return { ...base, type: st.isFile() ? 'file' : 'other' };
  let files = 0;
  let bytes = 0;
  const count = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) count(p);
      else {
        files++;
        bytes += lstatSync(p).size;
      }
    }
  };
  count(full);
  const names = readdirSync(full).sort();
  const entry: FileEntry = { ...base, type: 'dir', files, bytes };
  if (depth < 1 && names.length <= LIST_CHILDREN)
    entry.entries = names.map((n) => listEntry(path.join(full, n), n, depth + 1));
  return entry;
}

function rememberUrlPassword(value: string | undefined): void {
  if (!value || !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return;
  try {
    rememberSecret(decodeURIComponent(new URL(value).password));
  } catch {
    /* not a URL after all: scrubText still cuts a password out of anything URL-shaped */
  }
}

/**
 * TREASURY_* variables with the values of secret-named ones replaced, URL passwords cut out; secret
 * values registered.
 */
function environment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(env)
    .filter((k) => k.startsWith('TREASURY_'))
    .sort()) {
    const value = env[name] ?? '';
    const secret = isSecretName(name); // TREASURY_SECRET_* included
    if (secret) rememberSecret(value);
    else rememberUrlPassword(value);
    out[name] = secret ? (value === '' ? '' : REDACTED) : value;
  }
  return out;
}

/** The last `n` lines of a file, read backwards from its end in blocks (a log may be 10 MiB). */
function tail(file: string, n: number): string[] {
  if (n === 0) return [];
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const block = 64 * 1024;
    let position = size;
    let text = '';
    let newlines = 0;
    while (position > 0 && newlines <= n) {
      const length = Math.min(block, position);
      position -= length;
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, position);
      const chunk = buf.toString('latin1'); // decoded as UTF-8 once whole: a block may split a character
      for (let i = 0; i < chunk.length; i++) if (chunk.charCodeAt(i) === 10) newlines++;
      text = chunk + text;
    }
    const lines = Buffer.from(text, 'latin1').toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n);
  } finally {
    closeSync(fd);
  }
}

function logLine(text: string): unknown {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object') return scrubValue(parsed);
  } catch {
    /* not a JSON line: kept as text */
  }
  return scrubText(text);
}

interface SqliteVersions {
  sqlite: string;
  sqlite3mc: string;
}

async function libraryVersions(): Promise<SqliteVersions> {
  const { default: Database } = await import('better-sqlite3-multiple-ciphers');
  const { sqliteNativeOptions } = await import('../../platform/cache/native.js');
  const db = new Database(':memory:', sqliteNativeOptions());
  try {
    return db
      .prepare('SELECT sqlite_version() AS sqlite, sqlite3mc_version() AS sqlite3mc')
      .get() as SqliteVersions;
  } finally {
    db.close();
  }
}

const notFound = (message: string) => Object.assign(new Error(message), { code: 'NOT_FOUND' });

/** Reads every row a query answers from the open cache. */
type CacheQuery = <T>(text: string) => T[];

const isoOrNull = (ms: bigint | number | null | undefined) =>
  ms === null || ms === undefined ? null : isoOf(Number(ms));

/**
 * The cache file, when it can be opened as every command opens it: it exists, its workstation id
 * is known (the key's account) and the credential store answered (the key's home).
 */
function openableCacheFile(
  dataDir: string,
  id: string | null,
  credentials: CredentialStore | null,
): { file: string; bytes: number; id: string; credentials: CredentialStore } {
  const file = cacheFile(dataDir);
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st)
    throw notFound(
      `there is no local cache at ${file} yet (init, the first sign-in or sync creates it)`,
    );
  if (!id)
    throw notFound(
      'the workstation id is unknown (see the workstation section): the cache key cannot be looked up',
    );
  if (!credentials)
    throw Object.assign(
      new Error(
        'the credential store is unavailable (see the configuration section): the cache key cannot be read',
      ),
      { code: 'CREDENTIAL_STORE_UNAVAILABLE' },
    );
  return { file, bytes: st.size, id, credentials };
}

/** Where the last pull left the cache, and how many rows wait to be fetched again. */
async function cacheSyncFacts(cache: LocalCache, q: CacheQuery) {
  const { syncStatus } = await import('../../local/sync/pull.js');
  const s = syncStatus(cache);
  const [refetch] = q<{ n: bigint }>('SELECT count(*) AS n FROM sync_refetch');
  return {
    lastPullAt: s.lastPullAt,
    lastPullMode: s.lastPullMode,
    cursor: s.cursor,
    rowsPerTable: s.tables,
    refetchPending: Number(refetch?.n ?? 0),
  };
}

/** The outbox by status: counts and ages only, never a payload (payloads may hold secrets). */
function cacheOutboxFacts(q: CacheQuery) {
  return {
    byStatus: Object.fromEntries(
      q<{ status: string; n: bigint; oldest: bigint | null; newest: bigint | null }>(
        'SELECT status, count(*) AS n, min(created_at) AS oldest, max(created_at) AS newest FROM outbox GROUP BY status ORDER BY status',
      ).map((r) => [
        r.status,
        { count: Number(r.n), oldest: isoOrNull(r.oldest), newest: isoOrNull(r.newest) },
      ]),
    ),
  };
}

/** The local journal by decision, and when it last decided. */
function cacheJournalFacts(q: CacheQuery) {
  return {
    byDecision: Object.fromEntries(
      q<{ decision: string; n: bigint }>(
        'SELECT decision, count(*) AS n FROM local_journal GROUP BY decision ORDER BY decision',
      ).map((r) => [r.decision, Number(r.n)]),
    ),
    last: isoOrNull(q<{ at: bigint | null }>('SELECT max(at) AS at FROM local_journal')[0]?.at),
  };
}

function cacheSessionFacts(q: CacheQuery) {
  const [r] = q<{ open: bigint | null; ended: bigint | null }>(
    'SELECT sum(ended_at IS NULL) AS open, sum(ended_at IS NOT NULL) AS ended FROM local_sessions',
  );
  return { open: Number(r?.open ?? 0), ended: Number(r?.ended ?? 0) };
}

/** What an open cache says about itself; each part collected on its own. */
async function readCacheFacts(
  cache: LocalCache,
  file: string,
  bytes: number,
): Promise<CacheFacts & { versions: SqliteVersions }> {
  const q: CacheQuery = <T>(text: string) => cache.sqlite.prepare(text).all() as T[];
  const cipher = cache.sqlite.pragma('cipher', { simple: true }) as string | undefined;
  return {
    file,
    exists: true,
    bytes,
    cipher: cipher ?? null,
    versions: q<SqliteVersions>(
      'SELECT sqlite_version() AS sqlite, sqlite3mc_version() AS sqlite3mc',
    )[0]!,
    migrations: migrationLevel(
      'local',
      q<{ created_at: bigint | number }>(
        'SELECT created_at FROM __drizzle_migrations ORDER BY id',
      ).map((r) => Number(r.created_at)),
    ),
    sync: await section(() => cacheSyncFacts(cache, q)),
    outbox: await section(() => cacheOutboxFacts(q)),
    journal: await section(() => cacheJournalFacts(q)),
    sessions: await section(() => cacheSessionFacts(q)),
  };
}

/**
 * The cache opened as every command opens it (never created here), read, closed; its SQLite
 * versions handed back beside.
 */
async function cacheFacts(
  dataDir: string,
  id: string | null,
  credentials: CredentialStore | null,
): Promise<CacheFacts & { versions: SqliteVersions }> {
  const target = openableCacheFile(dataDir, id, credentials);
  const { openCache } = await import('../../platform/cache/cache.js');
  const cache: LocalCache = await openCache({
    file: target.file,
    workstationId: target.id,
    credentials: target.credentials,
  });
  try {
    return await readCacheFacts(cache, target.file, target.bytes);
  } finally {
    cache.close();
  }
}

/** The cache section without its SQLite versions (they go to the versions section). */
function splitCacheVersions(read: Section<CacheFacts & { versions: SqliteVersions }>): {
  cache: Section<CacheFacts>;
  cacheVersions: SqliteVersions | null;
} {
  if (!read.ok) return { cache: read, cacheVersions: null };
  const { versions, ...cache } = read;
  return { cache, cacheVersions: versions };
}

type CredentialStoreSection = Configuration['credentialStore'];

/** Whether each secret is stored (never its value), read in this order. */
async function storedSecrets(credentials: CredentialStore, id: string | null) {
  const stored = async (account: string) => (await credentials.get(account)) !== null;
  const providers: Record<string, boolean> = {};
  for (const [which, account] of Object.entries(CREDENTIAL_ACCOUNTS))
    providers[which] = await stored(account);
  return {
    ...describeCredentialStore(credentials),
    stored: {
      localCacheKey: id ? await stored(cacheKeyAccount(id)) : false,
      pendingCacheKeyRotation:
        id && credentials.kind !== 'env' ? await stored(nextCacheKeyAccount(id)) : false,
      // Where the CLI keeps its session (the app's stays in its memory).
      cliSession: id ? await stored(`session:${id}`) : false,
      providers,
    },
  };
}

/**
 * The credential store chosen (read-only, every secret it hands out registered) and what it holds;
 * the store is handed back even when reading it failed part-way, for the cache section to try.
 */
async function credentialStoreSection(
  options: CollectOptions,
  env: NodeJS.ProcessEnv,
  dataDir: string,
  id: string | null,
): Promise<{ credentialStore: CredentialStoreSection; credentials: CredentialStore | null }> {
  const chosen = await section(async () => ({
    store: remembering(options.credentials ?? (await chooseCredentialStore({ env, dataDir }))),
  }));
  if (!chosen.ok) return { credentialStore: chosen, credentials: null };
  const credentialStore = await section(() => storedSecrets(chosen.store, id));
  return { credentialStore, credentials: chosen.store };
}

/** Where the central store is, as configured (a URL's password cut out). */
function centralLocation(options: CollectOptions, dataDir: string): Configuration['central'] {
  return options.centralUrl
    ? {
        mode: 'postgres' as const,
        location: redactUrl(options.centralUrl),
        offline: Boolean(options.offline),
      }
    : {
        mode: 'embedded' as const,
        location: `embedded PGlite at ${path.join(dataDir, 'central')}`,
        offline: Boolean(options.offline),
      };
}

const BUNDLED_PACKAGES = [
  'better-sqlite3-multiple-ciphers',
  '@electric-sql/pglite',
  'postgres',
  'drizzle-orm',
  'keytar',
  'pino',
];

function versionsSection(cacheVersions: SqliteVersions | null): Promise<Section<Versions>> {
  return section<Versions>(async () => ({
    app: appVersion(),
    node: process.versions.node,
    v8: process.versions.v8,
    electron: process.versions.electron ?? null,
    platform: process.platform,
    arch: process.arch,
    os: { type: os.type(), release: os.release(), version: os.version() },
    packages: Object.fromEntries(BUNDLED_PACKAGES.map((p) => [p, packageVersion(p)])),
    // From the cache's connection when it opened (what this workstation really runs), else the
    // library's.
    sqlite: await section(async () =>
      cacheVersions
        ? { source: 'cache' as const, ...cacheVersions }
        : { source: 'library' as const, ...(await libraryVersions()) },
    ),
  }));
}

type WorkstationIdentity = ReturnType<typeof readWorkstationId>;

function workstationSection(
  identity: WorkstationIdentity,
  dataDir: string,
): Promise<Section<WorkstationFacts>> {
  return section<WorkstationFacts>(() => ({
    id: identity.id,
    idProblem: identity.problem,
    dataDir,
    hostname: os.hostname(),
    user: os.userInfo().username,
    dataDirEntries: existsSync(dataDir)
      ? readdirSync(dataDir)
          .sort()
          .map((n) => listEntry(path.join(dataDir, n), n, 0))
      : [],
    permissions: sectionSync(() => modeReport(dataDir)),
  }));
}

type OpenedWorkstation = Awaited<ReturnType<NonNullable<CollectOptions['workstation']>>>;
type ConnectivitySection = DiagnosticsBundle['sections']['connectivity'];

/** The host's workstation, only where one exists (opening one would create an id, a central store…). */
async function reachWorkstation(
  options: CollectOptions,
  dataDir: string,
  identity: WorkstationIdentity,
): Promise<OpenedWorkstation> {
  if (!options.workstation)
    throw Object.assign(new Error('this host does not reach the central store for diagnostics'), {
      code: 'NOT_AVAILABLE',
    });
  const setUp =
    identity.id !== null &&
    (options.centralUrl !== undefined || existsSync(path.join(dataDir, 'central')));
  if (!setUp)
    throw notFound(
      identity.problem ??
        `no embedded central store in ${dataDir} and no central URL: this data dir was never set up (treasury init)`,
    );
  return options.workstation();
}

/**
 * Whether the central store answers: not tried in offline mode, else asked of the workstation
 * (opened here, and handed back for the central section).
 */
async function connectivitySection(
  options: CollectOptions,
  dataDir: string,
  identity: WorkstationIdentity,
  checkedAt: Date,
  centralShown: string,
): Promise<{ connectivity: ConnectivitySection; opened: OpenedWorkstation | null }> {
  if (options.offline) {
    const offline = {
      online: false,
      reason: 'offline mode was chosen (--offline / TREASURY_OFFLINE)',
      checkedAt: checkedAt.toISOString(),
      central: centralShown,
    };
    return { connectivity: await section(() => offline), opened: null };
  }
  const reached = await section(async () => ({
    opened: await reachWorkstation(options, dataDir, identity),
  }));
  if (!reached.ok) return { connectivity: reached, opened: null };
  const connectivity = await section(() => reached.opened.ws.connectivity());
  return { connectivity, opened: reached.opened };
}

/** The central store's own facts, through the router (permission, IP check, audit entry). */
function centralSection(
  connectivity: ConnectivitySection,
  opened: OpenedWorkstation | null,
): Promise<Section<CentralDiagnostics>> {
  return section<CentralDiagnostics>(async () => {
    if (!connectivity.ok)
      throw Object.assign(new Error(`not reached: ${connectivity.error.message}`), {
        code: connectivity.error.code,
      });
    if (!connectivity.online)
      throw Object.assign(new Error(`not reached: ${connectivity.reason ?? 'offline'}`), {
        code: 'OFFLINE',
      });
    assert(opened, 'an online connectivity answer came from an opened workstation');
    const token = await opened.session();
    rememberSecret(token);
    return opened.ws.call<CentralDiagnostics>({
      name: 'diagnostics.central',
      payload: {},
      session: token,
      workstationId: opened.ws.id,
    });
  });
}

/** The last lines of each log file (scrubbed), a file that cannot be read saying why. */
function logTail(file: string, lines: number): LogTail {
  const st = statSync(file);
  const entry: LogTail = {
    file: path.basename(file),
    bytes: st.size,
    modifiedAt: isoOf(st.mtimeMs),
    lines: [],
  };
  try {
    entry.lines = tail(file, lines).map(logLine);
  } catch (error) {
    entry.error = failure(error).error;
  }
  return entry;
}

function logsSection(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  lines: number,
): Promise<DiagnosticsBundle['sections']['logs']> {
  return section(() => ({
    settings: sectionSync(() => logSettingsFromEnv(env)),
    files: logFiles(dataDir).map((file) => logTail(file, lines)),
  }));
}

/** Collects every section; never throws for a section's sake (each records its own error). */
export async function collectDiagnostics(options: CollectOptions): Promise<DiagnosticsBundle> {
  const env = options.env ?? process.env;
  const dataDir = path.resolve(options.dataDir);
  const now = (options.now ?? (() => new Date()))();
  const identity = readWorkstationId(dataDir);
  // Registered before anything else is read: the environment's secrets and the central URL's
  // password.
  const environmentSeen = environment(env);
  rememberUrlPassword(options.centralUrl);

  // Never throws (its parts are sections); the store it chose is handed on to open the cache.
  const { credentialStore, credentials } = await credentialStoreSection(
    options,
    env,
    dataDir,
    identity.id,
  );
  const configuration = await section<Configuration>(() => ({
    environment: environmentSeen,
    central: centralLocation(options, dataDir),
    credentialStore,
  }));

  const { cache, cacheVersions } = splitCacheVersions(
    await section(() => cacheFacts(dataDir, identity.id, credentials)),
  );
  const versions = await versionsSection(cacheVersions);
  const workstation = await workstationSection(identity, dataDir);
  const { connectivity, opened } = await connectivitySection(
    options,
    dataDir,
    identity,
    now,
    configuration.ok ? configuration.central.location : '',
  );
  const central = await centralSection(connectivity, opened);
  const logs = await logsSection(dataDir, env, options.logLines ?? DEFAULT_LOG_LINES);

  const bundle: DiagnosticsBundle = {
    schema: BUNDLE_SCHEMA,
    generatedAt: now.toISOString(),
    sections: { versions, workstation, configuration, connectivity, central, cache, logs },
  };
  // Last, by value over everything: a secret registered late (the session token) or carried in an
  // error message of any section.
  return scrubValue(bundle, { byName: false }) as DiagnosticsBundle;
}

function sectionSync<T extends object>(collect: () => T): Section<T> {
  try {
    return { ok: true, ...collect() };
  } catch (error) {
    return failure(error);
  }
}

export interface WrittenBundle {
  file: string;
  bytes: number;
  sha256: string;
  /** Sections that could not be collected, with their error code. */
  errors: Record<string, string>;
}

/** Sections (and nested parts) that recorded an error: path → code. */
function sectionErrors(bundle: DiagnosticsBundle): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, at: string) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    const v = value as { ok?: unknown; error?: { code?: string } };
    if (v.ok === false) {
      out[at] = v.error?.code ?? 'ERROR';
      return;
    }
    for (const [k, x] of Object.entries(value)) if (k !== 'lines') walk(x, at ? `${at}.${k}` : k);
  };
  walk(bundle.sections, '');
  return out;
}

/**
 * Writes the bundle whole or not at all, owner-only (files/whole-file.ts), and says so in the log.
 */
export async function writeDiagnostics(
  bundle: DiagnosticsBundle,
  options: { out: string; overwrite?: boolean; dataDir?: string },
): Promise<WrittenBundle> {
  const overwrite = options.overwrite ?? false;
  const file = checkTarget(options.out, overwrite);
  const text = scrubText(JSON.stringify(bundle, null, 2)) + '\n';
  const { bytes, sha256 } = await writeWholeFile(
    file,
    { overwrite, lost: 'no bundle was written' },
    (sink) => sink.write(text),
  );
  const written: WrittenBundle = { file, bytes, sha256, errors: sectionErrors(bundle) };
  // In the workstation's own log (when it has one: a bundle of a missing data dir creates nothing).
  if (options.dataDir && existsSync(options.dataDir)) {
    try {
      logger(options.dataDir).info(
        { file, bytes: written.bytes, errors: written.errors },
        'diagnostics bundle written',
      );
    } catch {
      /* the bundle is written; a log that cannot be is not a reason to say otherwise */
    }
  }
  return written;
}
