/**
 * A real, small file system that fills up: a tmpfs of a few hundred KB mounted in a temp folder,
 * for the disk-full drills (writes get ENOSPC from the kernel, nothing is simulated). Mounting
 * needs root (or CAP_SYS_ADMIN); without it the drills are skipped with the reason — except under
 * CI=true, where that is a failure (.ci/run runs as root on a fresh machine).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { announceSkip } from './skips.js';

export interface TinyFs {
  dir: string;
  unmount(): void;
}

export function mountTinyFs(sizeKb: number): TinyFs {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'treasury-tinyfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function probe(): string | null {
  try {
    mountTinyFs(16).unmount();
    return null;
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    return (e.stderr?.toString().trim() || e.message).split('\n')[0]!;
  }
}

const unavailable = probe();
if (unavailable) {
  if (process.env.CI === 'true')
    throw new Error(
      `CI=true but a small tmpfs cannot be mounted for the disk-full drills (${unavailable}): run CI as root`,
    );
  announceSkip(
    'disk-full drills',
    `a tmpfs cannot be mounted here (${unavailable}); they need root or CAP_SYS_ADMIN`,
  );
}
export const tinyFsAvailable = unavailable === null;
