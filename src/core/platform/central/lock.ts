/**
 * An exclusive lock file for a directory only one process may open (embedded PGlite).
 * A lock left by a process that no longer exists is taken over; a live holder is a clear error.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { processAlive as alive } from '../files/pid.js';

export interface DirLock {
  release(): void;
}

export class StoreBusyError extends Error {
  readonly code = 'STORE_BUSY';
  constructor(message: string) {
    super(message);
    this.name = 'StoreBusyError';
  }
}

/** Locks this process holds: its own pid in a lock file is not proof that the lock is stale. */
const held = new Set<string>();

export function acquireDirLock(lockFile: string, what: string): DirLock {
  const file = path.resolve(lockFile);
  if (held.has(file))
    throw new StoreBusyError(
      `${what} is in use in this process (the app or a command has it open); close it first`,
    );
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      held.add(file);
      return {
        release() {
          if (released) return;
          released = true;
          held.delete(file);
          rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
        throw new StoreBusyError(
          `${what} is in use by process ${holder}; close the other Treasury Console window or command first`,
        );
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new StoreBusyError(`could not lock ${what} (${file})`);
}
