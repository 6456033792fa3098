/**
 * Owner-only files. Everything a workstation keeps — the embedded central store (affiliates' bank
 * details, payouts, operators), the cache, the vault, logs — is readable and writable by its OS
 * user only, whatever the umask: the data dir is 0700, its folders 0700 and its files 0600.
 *
 * PGlite needs the sweep: it lays out a new store from its in-memory image with mode 0666 (the
 * umask does not apply there), so `restrictTree` runs after the embedded store opens. Hosts also
 * set the process umask to 077 (`ownerOnlyUmask`), so what any part of the app creates later starts
 * private. POSIX modes only: on Windows the user's profile folder's ACL is what protects the data
 * dir.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';

const POSIX = process.platform !== 'win32';
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/**
 * A store holds about a thousand files; a bound keeps a mistaken data dir (a home folder) from a
 * long walk.
 */
const MAX_ENTRIES = 200_000;

/** Creates `dir` if needed and makes it 0700 (also when it existed with looser bits). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (POSIX && (lstatSync(dir).mode & 0o777) !== DIR_MODE) chmodSync(dir, DIR_MODE);
}

/** Takes group and other bits off every file and folder under `root` (symlinks are left alone). */
export function restrictTree(root: string): number {
  if (!POSIX) return 0;
  let changed = 0;
  let seen = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (++seen > MAX_ENTRIES) return;
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      const mode = lstatSync(full).mode & 0o777;
      const wanted = entry.isDirectory() ? DIR_MODE : mode & FILE_MODE;
      if (mode !== wanted) {
        chmodSync(full, wanted);
        changed++;
      }
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(root);
  return changed;
}

export interface ModeReport {
  /** The data dir's own mode, octal (e.g. "700"). */
  dataDir: string;
  /** Files and folders under it that group or others can read, write or enter. */
  exposed: number;
  /** The first few of them, relative to the data dir, with their modes. */
  examples: { path: string; mode: string }[];
  /** Entries looked at (bounded). */
  checked: number;
}

/** What `diagnostics` reports: whether anything in the data dir is open to other users. */
export function modeReport(dataDir: string): ModeReport {
  const octal = (mode: number) => (mode & 0o777).toString(8);
  const report: ModeReport = {
    dataDir: octal(lstatSync(dataDir).mode),
    exposed: 0,
    examples: [],
    checked: 0,
  };
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (++report.checked > MAX_ENTRIES || entry.isSymbolicLink()) continue;
      const full = path.join(dir, entry.name);
      const mode = lstatSync(full).mode;
      if (mode & 0o077) {
        report.exposed++;
        if (report.examples.length < 10)
          report.examples.push({ path: path.relative(dataDir, full), mode: octal(mode) });
      }
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dataDir);
  return report;
}

/**
 * Hosts call this first: files the app creates from here on are owner-only whatever the user's
 * umask.
 */
export function ownerOnlyUmask(): void {
  if (POSIX) process.umask(0o077);
}
