/**
 * Builds the encrypted SQLite's native module (better-sqlite3-multiple-ciphers) for the Electron
 * runtime in node_modules, into `.native/electron-<version>-<platform>-<arch>/better_sqlite3.node`
 * — beside the Node build npm install made, which the CLI, the tests and the browser host keep
 * using. The workstation picks the right one for the runtime it runs in (src/core/platform/cache/native.ts).
 *
 * The package's own source is copied to a scratch folder and built there for Electron: first its
 * published prebuilt binary for that Electron version (prebuild-install), else compiled against
 * Electron's headers (node-gyp, bundled with npm). Both need internet access, as the Electron
 * download itself does. Packaged apps do not use this: electron-builder's install-app-deps rebuilds
 * the module for Electron in the app it packages.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODULE = 'better-sqlite3-multiple-ciphers';

export function electronVersion() {
  return JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
}

/** Must match src/core/platform/cache/native.ts (electronBuildDir). */
export function electronNativeFile(
  version = electronVersion(),
  platform = process.platform,
  arch = process.arch,
) {
  return path.join(
    root,
    '.native',
    `electron-${version}-${platform}-${arch}`,
    'better_sqlite3.node',
  );
}

/** node-gyp as npm ships it (npm sets npm_config_node_gyp in scripts; else next to Node). */
function nodeGyp() {
  const bin = path.join('node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const nodeDir = path.dirname(process.execPath);
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(nodeDir, '..', 'lib', bin),
    path.join(nodeDir, bin),
  ];
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

/** Builds it unless it is there already; returns the file, or throws with what went wrong. */
export function buildForElectron({ force = false } = {}) {
  const version = electronVersion();
  const target = electronNativeFile(version);
  if (existsSync(target) && !force) return target;
  const source = path.dirname(require.resolve(`${MODULE}/package.json`));
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'treasury-electron-native-'));
  const work = path.join(scratch, MODULE);
  try {
    cpSync(source, work, {
      recursive: true,
      filter: (f) => !f.startsWith(path.join(source, 'build')),
    });
    const env = {
      ...process.env,
      npm_config_runtime: 'electron',
      npm_config_target: version,
      npm_config_disturl: 'https://electronjs.org/headers',
    };
    const run = (cmd, args) =>
      spawnSync(cmd, args, { cwd: work, env, stdio: 'inherit' }).status === 0;
    const prebuilt = run(process.execPath, [
      require.resolve('prebuild-install/bin.js'),
      '--runtime',
      'electron',
      '--target',
      version,
      '--arch',
      process.arch,
    ]);
    if (!prebuilt) {
      const gyp = nodeGyp();
      if (!gyp)
        throw new Error(
          'no prebuilt binary for this Electron, and node-gyp was not found to compile one',
        );
      if (
        !run(process.execPath, [
          gyp,
          'rebuild',
          '--release',
          `--target=${version}`,
          '--runtime=electron',
          '--dist-url=https://electronjs.org/headers',
        ])
      ) {
        throw new Error(
          `compiling ${MODULE} against Electron ${version}'s headers failed (see the output above)`,
        );
      }
    }
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(path.join(work, 'build', 'Release', 'better_sqlite3.node'), target);
    return target;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
