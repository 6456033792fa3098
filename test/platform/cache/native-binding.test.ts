/**
 * Which build of the encrypted SQLite's native module a process loads. The Electron binary cannot
 * be downloaded here, so the decision is tested for every runtime as a pure function, and its two
 * halves are checked to agree: where scripts/electron-native.mjs (run by electron:fetch and
 * npm start) writes the Electron build is where the workstation looks for it. Under this Node the
 * real choice is the module's own build, and a cache really opens with it.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseNativeBinding,
  currentRuntime,
  electronBuildDir,
  sqliteNativeOptions,
} from '../../../src/core/platform/cache/native.js';
import { openCache } from '../../../src/core/platform/cache/cache.js';
import { tempDir } from '../../support/central.js';
import { memoryCredentials } from '../../support/workstation.js';

const ROOT = '/app';
const electronFile = path.join(
  ROOT,
  '.native',
  'electron-40.10.2-linux-x64',
  'better_sqlite3.node',
);

describe('the native SQLite build for the runtime', () => {
  it('Node (CLI, tests, browser host): the build npm install made', () => {
    expect(
      chooseNativeBinding({ platform: 'linux', arch: 'x64', packaged: false }, ROOT, () => true),
    ).toEqual({ binding: null, why: 'Node: the build npm install made' });
  });

  it('Electron from a checkout: the Electron build electron:fetch made, by version, platform and arch', () => {
    const seen: string[] = [];
    const choice = chooseNativeBinding(
      { electron: '40.10.2', platform: 'linux', arch: 'x64', packaged: false },
      ROOT,
      (f) => (seen.push(f), true),
    );
    expect(choice).toMatchObject({ binding: electronFile });
    expect(seen).toEqual([electronFile]);
    // Another Electron version does not pick up this one's build.
    expect(
      chooseNativeBinding(
        { electron: '41.0.0', platform: 'linux', arch: 'x64', packaged: false },
        ROOT,
        (f) => f === electronFile,
      ),
    ).toMatchObject({
      error: expect.stringMatching(
        /built for Node, not for Electron 41\.0\.0 .*run `npm run electron:fetch`/,
      ),
    });
  });

  it('Electron from a checkout without that build: a clear error, never the Node build (it would crash on load)', () => {
    expect(
      chooseNativeBinding(
        { electron: '40.10.2', platform: 'win32', arch: 'arm64', packaged: false },
        ROOT,
        () => false,
      ),
    ).toEqual({
      error: expect.stringContaining(
        path.join('.native', 'electron-40.10.2-win32-arm64', 'better_sqlite3.node'),
      ),
    });
  });

  it('a packaged app: the module’s own build, which electron-builder install-app-deps rebuilt for Electron', () => {
    expect(
      chooseNativeBinding(
        { electron: '40.10.2', platform: 'darwin', arch: 'arm64', packaged: true },
        ROOT,
        () => false,
      ),
    ).toMatchObject({ binding: null });
  });

  it('the build script writes where the workstation looks', async () => {
    const { electronNativeFile } = (await import(
      '../../../scripts/electron-native.mjs' as string
    )) as {
      electronNativeFile(v: string, p: string, a: string): string;
    };
    const written = electronNativeFile('40.10.2', 'linux', 'x64');
    expect(
      written.endsWith(
        path.join(electronBuildDir('40.10.2', 'linux', 'x64'), 'better_sqlite3.node'),
      ),
    ).toBe(true);
  });

  it('under this Node: no nativeBinding is passed, and the encrypted cache opens with the module’s own build', async () => {
    expect(currentRuntime()).toMatchObject({ electron: undefined, packaged: false });
    expect(sqliteNativeOptions()).toEqual({});
    const dir = tempDir('treasury-native-');
    try {
      const cache = await openCache({
        file: path.join(dir.dir, 'cache.db'),
        workstationId: 'ws-native',
        credentials: memoryCredentials(),
      });
      expect(cache.sqlite.prepare('SELECT 1 AS one').get()).toEqual({ one: 1n }); // the cache reads integers as bigint
      cache.close();
    } finally {
      dir.remove();
    }
  });
});
