/**
 * Files the operator picked for an import and the host checked (the dry run), kept between the
 * preview and the import. The page holds only a random handle: it never names a path, so it can
 * import nothing but what the operator picked in the host's own dialog. A kept file goes when it is
 * imported, dropped, after KEPT_MS, or when its browser session ends; a file the host owns (the
 * browser host's upload in transit) is removed from the disk then too, the operator's own file (an
 * Electron dialog's) never.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { ImportName } from './contract.js';

/** How long a checked file waits for its import. */
export const KEPT_MS = 60 * 60 * 1000;

export interface PickedFile {
  name: ImportName;
  file: string;
  /** What the file was when checked: the import refuses it if it has changed since. */
  sha256: string;
  /** What to remove from the disk once done with: the host's own copy (an upload), or null. */
  remove: string | null;
}

export class PickedFiles {
  private readonly kept = new Map<string, PickedFile & { timer: NodeJS.Timeout }>();

  constructor(private readonly keptMs = KEPT_MS) {}

  /** Keeps a checked file; its handle. */
  keep(file: PickedFile): string {
    const handle = randomUUID();
    const timer = setTimeout(() => this.drop(handle), this.keptMs).unref();
    this.kept.set(handle, { ...file, timer });
    return handle;
  }

  /** The file under `handle`, no longer kept (the caller discards it when done); null if gone. */
  take(handle: string): PickedFile | null {
    const entry = this.kept.get(handle);
    if (!entry) return null;
    this.kept.delete(handle);
    clearTimeout(entry.timer);
    const { timer: _timer, ...file } = entry;
    return file;
  }

  drop(handle: string): void {
    const file = this.take(handle);
    if (file) discard(file);
  }

  clear(): void {
    for (const handle of [...this.kept.keys()]) this.drop(handle);
  }
}

/** Removes the host's own copy of a file; the operator's own file is left alone. */
export function discard(file: Pick<PickedFile, 'remove'>): void {
  if (file.remove) rmSync(file.remove, { recursive: true, force: true });
}
