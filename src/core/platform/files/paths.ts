/**
 * Where a workstation keeps its files: --data-dir, else TREASURY_DATA_DIR, else the OS's per-user
 * app-data folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  if (env.TREASURY_DATA_DIR) return path.resolve(env.TREASURY_DATA_DIR);
  const home = os.homedir();
  if (platform === 'win32')
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Treasury Console');
  if (platform === 'darwin')
    return path.join(home, 'Library', 'Application Support', 'Treasury Console');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'treasury-console');
}

export const cacheFile = (dataDir: string) => path.join(dataDir, 'cache.db');
export const workstationFile = (dataDir: string) => path.join(dataDir, 'workstation.json');

/** Where the embedded central store is, as connectivity reports it. */
export const embeddedLocation = (dataDir: string) => `embedded PGlite at ${dataDir}/central`;

/** The id in workstation.json, read without creating one (a data dir never set up has none). */
export function readWorkstationId(dataDir: string): { id: string | null; problem: string | null } {
  const file = workstationFile(dataDir);
  if (!existsSync(file))
    return {
      id: null,
      problem: `${file} does not exist: this data dir was never set up (treasury init)`,
    };
  try {
    const parsed = z
      .object({ id: z.string().uuid() })
      .safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success
      ? { id: parsed.data.id, problem: null }
      : {
          id: null,
          problem: `${file} is damaged: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        };
  } catch (error) {
    return { id: null, problem: `${file} cannot be read: ${(error as Error).message}` };
  }
}
