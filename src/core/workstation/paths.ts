/** Where a workstation keeps its files: --data-dir, else TREASURY_DATA_DIR, else the OS's per-user app-data folder. */
import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.TREASURY_DATA_DIR) return path.resolve(env.TREASURY_DATA_DIR);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Treasury Console');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Treasury Console');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'treasury-console');
}

export const cacheFile = (dataDir: string) => path.join(dataDir, 'cache.db');
export const workstationFile = (dataDir: string) => path.join(dataDir, 'workstation.json');

/** Where the embedded central store is, as connectivity reports it. */
export const embeddedLocation = (dataDir: string) => `embedded PGlite at ${dataDir}/central`;
