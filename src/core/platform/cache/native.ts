/**
 * Which build of the encrypted SQLite's native module this process loads. A native module is built
 * for one ABI: `npm install` builds better-sqlite3-multiple-ciphers for Node (the CLI, the tests,
 * the browser host), and Electron's Node has another ABI. So:
 *
 * - under Node: the module's own build (node_modules), as always;
 * - under Electron from a checkout: the build `npm run electron:fetch` made against Electron's
 *   headers, kept apart in `.native/electron-<version>-<platform>-<arch>/` so the Node build stays
 *   for everything else; missing, a clear error says how to make it;
 * - under a packaged Electron app: the module's own build again, which electron-builder's
 *   `install-app-deps` rebuilt for Electron when the app was packaged.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TreasuryError } from '../../shared/errors.js';
import { resourcePath } from '../files/resources.js';

export interface Runtime {
  /** process.versions.electron, when running inside Electron. */
  electron?: string | undefined;
  platform: string;
  arch: string;
  /** Inside a packaged app (an asar archive, not `electron .` from a checkout). */
  packaged: boolean;
}

/** Where `electron:fetch` puts the Electron build, relative to the app's root. */
export function electronBuildDir(electron: string, platform: string, arch: string): string {
  return path.join('.native', `electron-${electron}-${platform}-${arch}`);
}

export type NativeChoice =
  { binding: null; why: string } | { binding: string; why: string } | { error: string };

/** The pure decision, for any runtime (tested for each case). */
export function chooseNativeBinding(
  runtime: Runtime,
  root: string,
  exists: (file: string) => boolean,
): NativeChoice {
  if (!runtime.electron) return { binding: null, why: 'Node: the build npm install made' };
  if (runtime.packaged)
    return {
      binding: null,
      why: `packaged Electron ${runtime.electron}: rebuilt for it by electron-builder install-app-deps`,
    };
  const file = path.join(
    root,
    electronBuildDir(runtime.electron, runtime.platform, runtime.arch),
    'better_sqlite3.node',
  );
  if (exists(file))
    return {
      binding: file,
      why: `Electron ${runtime.electron} from a checkout: the build electron:fetch made`,
    };
  return {
    error:
      `the encrypted cache's SQLite module is built for Node, not for Electron ${runtime.electron} (${file} is missing): ` +
      'run `npm run electron:fetch`, which builds one for Electron beside the Node build',
  };
}

export function currentRuntime(): Runtime {
  const versions = process.versions as NodeJS.ProcessVersions & { electron?: string };
  const resources = process as NodeJS.Process & { resourcesPath?: string; defaultApp?: boolean };
  return {
    electron: versions.electron,
    platform: process.platform,
    arch: process.arch,
    packaged:
      Boolean(versions.electron) &&
      !resources.defaultApp &&
      resourcePath('package.json').includes('app.asar'),
  };
}

let chosen: NativeChoice | null = null;

/** Options for `new Database(…)`: the native binding this runtime needs (none under Node). */
export function sqliteNativeOptions(): { nativeBinding?: string } {
  chosen ??= chooseNativeBinding(
    currentRuntime(),
    path.dirname(resourcePath('package.json')),
    existsSync,
  );
  if ('error' in chosen) throw new TreasuryError('INTERNAL', chosen.error); // a broken set-up, not the operator's input
  return chosen.binding ? { nativeBinding: chosen.binding } : {};
}
