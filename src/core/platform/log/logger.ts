/**
 * The one logger (pino): structured JSON lines in `<data dir>/logs/treasury.log`, one logger per
 * data dir per process. Hosts do not log on their own: the CLI opens the workstation in its own
 * process, Electron and the browser host in the workstation thread, and all of them log here.
 *
 * Secrets never reach it (log/redact.ts): fields named like a secret are replaced at any depth and
 * registered secret values are cut out of every string — messages, error messages and stacks —
 * on the way in and once more in the finished line.
 *
 * Rotation by size, while the process runs (a workstation stays open for days): after a write that
 * takes the file past the limit it is renamed treasury.log → .1 → .2 … (the oldest beyond `keep`
 * dropped) and the destination reopened. Several processes may write one data dir's log (the app
 * and a CLI command): each appends, rotation is serialised by a lock file, and every writer notices
 * within RESTAT_EVERY writes that the file it writes was rotated by another and reopens — its lines
 * meanwhile land in the rotated file, none is lost.
 */
import { ensurePrivateDir } from '../files/private.js';
import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import { TreasuryError } from '../../shared/errors.js';
import { REDACTED, rememberSecret, scrubText, scrubValue } from './redact.js';

export { REDACTED, rememberSecret };

export const LOG_FILE = 'treasury.log';
export const logDir = (dataDir: string) => path.join(dataDir, 'logs');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LogSettings {
  level: (typeof LOG_LEVELS)[number];
  /** Rotate when the file reaches this many bytes. */
  maxBytes: number;
  /** Rotated files kept (treasury.log.1 … .keep); older ones are deleted. */
  keep: number;
}

const DEFAULT_LOG_SETTINGS: LogSettings = { level: 'info', maxBytes: 10 * 1024 * 1024, keep: 5 };

const settingsSchema = z.object({
  TREASURY_LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
    .optional(),
  TREASURY_LOG_MAX_BYTES: z.coerce
    .number({ error: 'must be a whole number of bytes' })
    .int('must be a whole number of bytes')
    .min(1024, 'must be at least 1024 bytes')
    .optional(),
  TREASURY_LOG_KEEP: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .optional(),
});

/**
 * TREASURY_LOG_LEVEL, TREASURY_LOG_MAX_BYTES, TREASURY_LOG_KEEP over the defaults; a bad value is
 * an error naming the variable.
 */
export function logSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LogSettings {
  const parsed = settingsSchema.safeParse({
    TREASURY_LOG_LEVEL: env.TREASURY_LOG_LEVEL || undefined,
    TREASURY_LOG_MAX_BYTES: env.TREASURY_LOG_MAX_BYTES || undefined,
    TREASURY_LOG_KEEP: env.TREASURY_LOG_KEEP || undefined,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      field: String(i.path[0]),
      message: i.message,
    }));
    throw new TreasuryError(
      'VALIDATION',
      `logging settings: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      problems,
    );
  }
  const d = DEFAULT_LOG_SETTINGS;
  return {
    level: parsed.data.TREASURY_LOG_LEVEL ?? d.level,
    maxBytes: parsed.data.TREASURY_LOG_MAX_BYTES ?? d.maxBytes,
    keep: parsed.data.TREASURY_LOG_KEEP ?? d.keep,
  };
}

/**
 * How often (in writes) a writer looks at the file on disk: another process may have rotated or
 * grown it.
 */
const RESTAT_EVERY = 200;
/** A rotation lock older than this was left by a process that died mid-rotation. */
const STALE_LOCK_MS = 30_000;

/**
 * treasury.log → .1 → … → .keep, the oldest dropped; under a lock so two processes never shift at
 * once.
 */
function rotateFile(file: string, settings: LogSettings): void {
  const lock = `${file}.rotate-lock`;
  let fd: number;
  try {
    fd = openSync(lock, 'wx', 0o600);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
    const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age < STALE_LOCK_MS) return; // another process is rotating right now
    rmSync(lock, { force: true });
    fd = openSync(lock, 'wx', 0o600);
  }
  try {
    // Another process may have rotated between our look and the lock.
    if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) < settings.maxBytes) return;
    // The oldest, and any beyond `keep` (it may have been lowered since they were written).
    for (const old of logFilesIn(path.dirname(file)))
      if (rotatedIndex(old) >= settings.keep) rmSync(old, { force: true });
    for (let i = settings.keep - 1; i >= 1; i--) {
      try {
        renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ENOENT') throw error;
      }
    }
    renameSync(file, `${file}.1`);
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

/**
 * The log file: synchronous appends (a line is in the file when the call returns, and nothing is
 * lost if the process dies), owner-only, reopened under its name after a rotation. Small enough to
 * own rather than borrow pino.destination, whose reopen is asynchronous (it closes the old
 * descriptor on a later tick).
 */
class LogFile {
  private fd: number;
  constructor(readonly file: string) {
    this.fd = openSync(file, 'a', 0o600);
  }
  write(text: string): number {
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length;) at += writeSync(this.fd, bytes, at);
    return bytes.length;
  }
  /**
   * The file this descriptor writes: another process may have renamed it away from the log's name.
   */
  stat() {
    return fstatSync(this.fd);
  }
  reopen(): void {
    const old = this.fd;
    this.fd = openSync(this.file, 'a', 0o600);
    closeSync(old);
  }
}

/**
 * What pino writes to: the log file, with its size kept as we write so the check costs nothing
 * until the limit is near.
 */
function rotatingStream(file: string, settings: LogSettings): { write(line: string): void } {
  const out = new LogFile(file);
  let size = out.stat().size;
  let writes = 0;
  const check = () => {
    writes = 0;
    const mine = out.stat();
    const onDisk = statSync(file, { throwIfNoEntry: false });
    if (onDisk && onDisk.ino === mine.ino && onDisk.dev === mine.dev) {
      if (onDisk.size < settings.maxBytes) {
        size = onDisk.size;
        return;
      }
      rotateFile(file, settings);
    }
    // Rotated (by us or by another process) or removed: go on in a file at the log's name.
    if (statSync(file, { throwIfNoEntry: false })?.ino !== mine.ino) out.reopen();
    size = out.stat().size;
  };
  return {
    write(line: string) {
      try {
        size += out.write(line);
        if (size >= settings.maxBytes || ++writes >= RESTAT_EVERY) check();
      } catch {
        // Logging never takes the app down: a line that cannot be written (a full disk) is dropped,
        // a rotation that failed (permissions) is tried again after RESTAT_EVERY more writes.
        size = 0;
        writes = 0;
      }
    },
  };
}

const loggers = new Map<string, Logger>();

/**
 * The logger writing to `<dataDir>/logs` (one per data dir per process; `settings` apply when it is
 * first opened, by default from the environment); `null` → a silent logger.
 */
export function logger(dataDir: string | null, settings?: Partial<LogSettings>): Logger {
  if (dataDir === null) return pino({ level: 'silent' });
  const dir = logDir(dataDir);
  const existing = loggers.get(dir);
  if (existing) return existing;
  const effective: LogSettings = { ...logSettingsFromEnv(), ...settings };
  ensurePrivateDir(dir);
  const file = path.join(dir, LOG_FILE);
  if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) >= effective.maxBytes)
    rotateFile(file, effective);
  const stream = rotatingStream(file, effective);
  const log = pino(
    {
      level: effective.level,
      base: { pid: process.pid },
      // Errors are already plain data (redact.ts); pino's serializer would rename their type.
      serializers: { err: (e: unknown) => e },
      formatters: {
        // Errors become plain data here (type, message, stack, cause), before pino would drop them.
        log: (object) => scrubValue(object) as Record<string, unknown>,
      },
      hooks: {
        // The message is formatted apart from the object: scrub it (and format arguments) too. An
        // error logged alone gives its message as the line's msg: scrubbed here as well.
        logMethod(args, method) {
          const [first, second] = args as unknown[];
          // The merging object (index 0) is scrubbed by formatters.log, where pino has already seen
          // whether it is an Error.
          const out = (args as unknown[]).map((a, i) =>
            i === 0 && a !== null && typeof a === 'object' ? a : scrubValue(a),
          );
          if (first instanceof Error && second === undefined) out.push(scrubText(first.message));
          const err =
            first !== null && typeof first === 'object' && !(first instanceof Error)
              ? (first as { err?: unknown }).err
              : undefined;
          if (err instanceof Error && typeof second !== 'string')
            out.splice(1, 0, scrubText(err.message));
          method.apply(this, out as Parameters<typeof method>);
        },
        // The finished line, last: a registered secret cannot survive whatever path it took.
        streamWrite: (line) => scrubText(line),
      },
    },
    stream,
  );
  // pino serialises a child's bindings once, without the formatters: scrub them on the way in.
  // (Children inherit this from the root, so grandchildren pass here too.)
  const child = log.child;
  log.child = function (this: Logger, bindings, options) {
    return child.call(this, scrubValue(bindings) as pino.Bindings, options);
  } as Logger['child'];
  loggers.set(dir, log);
  return log;
}

/** 0 for treasury.log, N for treasury.log.N, -1 for anything else. */
function rotatedIndex(file: string): number {
  const name = path.basename(file);
  if (name === LOG_FILE) return 0;
  const suffix = name.startsWith(`${LOG_FILE}.`) ? name.slice(LOG_FILE.length + 1) : '';
  return /^[1-9]\d*$/.test(suffix) ? Number(suffix) : -1;
}

/**
 * The log files of a data dir, newest first: treasury.log, treasury.log.1, … (those that exist).
 */
export function logFiles(dataDir: string): string[] {
  return logFilesIn(logDir(dataDir));
}

function logFilesIn(dir: string): string[] {
  const names = existsSync(dir) ? readdirSync(dir) : [];
  return names
    .filter((n) => rotatedIndex(n) >= 0)
    .sort((a, b) => rotatedIndex(a) - rotatedIndex(b))
    .map((n) => path.join(dir, n));
}
