/**
 * Writing a file whole or not at all (exports, backups, diagnostics bundles): written to a partial
 * file created exclusively next to the target, synced, then put in place — without overwrite by a
 * hard link, so a file that appeared meanwhile is never replaced. Every failure is said in words.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { link, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { TreasuryError } from '../../shared/errors.js';

/**
 * One file being written: each write awaited (backpressure without buffering the whole file),
 * hashed as it goes, and every failure — opening, writing, syncing — said in words for `file`.
 */
export class Sink {
  readonly hash = createHash('sha256');
  bytes = 0;
  private constructor(
    private readonly fh: FileHandle,
    private readonly file: string,
    /** What the failure means for the user ("nothing was exported"). */
    private readonly lost: string,
  ) {}
  static async open(
    at: string,
    file: string,
    opener: (f: string) => Promise<FileHandle>,
    lost = 'nothing was exported',
  ): Promise<Sink> {
    try {
      return new Sink(await opener(at), file, lost);
    } catch (error) {
      throw writeError(file, error, lost);
    }
  }
  write(text: string): Promise<void> {
    return this.writeBytes(Buffer.from(text, 'utf8'));
  }
  async writeBytes(buf: Uint8Array): Promise<void> {
    this.hash.update(buf);
    this.bytes += buf.length;
    try {
      // One write(2) may take only part of the buffer — on a nearly full disk it does, and the
      // next one gets ENOSPC. Ignoring the count wrote a 64 KB file for a 4.8 MB backup and called
      // it whole (test/drills/drill-disk-full.test.ts on a real full tmpfs).
      for (let offset = 0; offset < buf.length;) {
        const { bytesWritten } = await this.fh.write(buf, offset, buf.length - offset);
        if (bytesWritten <= 0)
          throw new Error(
            `the file system took no more bytes after ${this.bytes - buf.length + offset}`,
          );
        offset += bytesWritten;
      }
    } catch (error) {
      throw writeError(this.file, error, this.lost);
    }
  }
  /** Synced to disk before anyone may rely on it. */
  async sync(): Promise<void> {
    try {
      await this.fh.sync();
      // The partial file is new and written only here: anything but every byte is a failure.
      const { size } = await this.fh.stat();
      if (size !== this.bytes)
        throw new Error(`only ${size} of ${this.bytes} bytes reached the disk`);
    } catch (error) {
      throw writeError(this.file, error, this.lost);
    }
  }
  close(): Promise<void> {
    return this.fh.close();
  }
}

/** What a failed write's code means, in words. */
const WRITE_FAILURES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
};

/** A failed write says what happened in words (a full disk most of all). */
export function writeError(
  file: string,
  error: unknown,
  lost = 'nothing was exported',
): TreasuryError {
  const code = (error as { code?: string }).code;
  const why = (code && WRITE_FAILURES[code]) ?? (error as Error).message;
  return new TreasuryError(
    'EXPORT_FAILED',
    `could not write ${file}: ${why}${code ? ` (${code})` : ''}; the partial file was removed and ${lost}`,
    [{ field: 'out', message: why }],
    { cause: error },
  );
}

export function checkTarget(out: string, overwrite: boolean): string {
  const file = path.resolve(out);
  const dir = path.dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new TreasuryError(
      'VALIDATION',
      `cannot write ${file}: the folder ${dir} does not exist`,
      [{ field: 'out', message: 'folder does not exist' }],
    );
  if (existsSync(file)) {
    if (statSync(file).isDirectory())
      throw new TreasuryError('VALIDATION', `${file} is a folder: name a file`, [
        { field: 'out', message: 'is a folder' },
      ]);
    if (!overwrite)
      throw new TreasuryError(
        'CONFLICT',
        `${file} already exists: choose another name or pass overwrite`,
        [{ field: 'out', message: 'file exists' }],
      );
  }
  return file;
}

/**
 * Moves the finished file to its name. Without overwrite, a hard link (which fails when the name
 * exists) and an unlink, so that a file created there meanwhile is never replaced.
 */
export async function place(partial: string, file: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(partial, file);
  try {
    await link(partial, file);
  } catch (error) {
    // File systems without hard links (FAT, exFAT, some shares): check, then rename.
    if (
      !['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP', 'EXDEV'].includes(
        (error as { code?: string }).code ?? '',
      )
    )
      throw error;
    if (existsSync(file)) throw Object.assign(new Error(`${file} exists`), { code: 'EEXIST' });
    return rename(partial, file);
  }
  // The file is in place, whole: a partial name left behind is litter, not a failed write.
  await rm(partial, { force: true }).catch(() => {});
}

export function placeError(
  file: string,
  error: unknown,
  lost = 'nothing was exported',
): TreasuryError {
  const code = (error as { code?: string }).code;
  if (code === 'EEXIST')
    return new TreasuryError(
      'CONFLICT',
      `${file} was created while it was being written: choose another name or pass overwrite; ${lost}`,
      [{ field: 'out', message: 'file exists' }],
      { cause: error },
    );
  return writeError(file, error, lost);
}

/**
 * Writes `file` whole or not at all: `write` fills a partial file created exclusively (owner-only)
 * beside it, which is synced and put in place — never over an existing file unless `overwrite`. On
 * any failure the partial file is removed and the error says what was `lost` ("no backup was
 * written").
 */
export async function writeWholeFile(
  file: string,
  options: { overwrite: boolean; lost: string },
  write: (sink: Sink) => Promise<void>,
): Promise<{ bytes: number; sha256: string }> {
  const partial = `${file}.${randomBytes(6).toString('hex')}.partial`;
  const sink = await Sink.open(partial, file, (f) => open(f, 'wx', 0o600), options.lost);
  try {
    try {
      await write(sink);
      await sink.sync();
    } catch (error) {
      await sink.close().catch(() => {});
      throw error;
    }
    await sink.close();
    try {
      await place(partial, file, options.overwrite);
    } catch (error) {
      throw placeError(file, error, options.lost);
    }
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return { bytes: sink.bytes, sha256: sink.hash.digest('hex') };
}
