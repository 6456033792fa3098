/**
 * Files shipped beside the code (migrations, example rules). The code runs from src/ (tsx, tests),
 * from out/main (electron-vite bundle) or from inside an asar, so the folder is found by walking up
 * from this module rather than by a fixed relative path.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const found = new Map<string, string>();

export function resourcePath(relative: string): string {
  const hit = found.get(relative);
  if (hit) return hit;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) {
      found.set(relative, candidate);
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`cannot find ${relative} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let version: string | null = null;

/** The app's version (package.json), recorded in exports' metadata and shown by hosts. */
export function appVersion(): string {
  version ??= (
    JSON.parse(readFileSync(resourcePath('package.json'), 'utf8')) as { version: string }
  ).version;
  return version;
}
