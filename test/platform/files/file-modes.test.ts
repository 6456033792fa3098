/**
 * Owner-only files, whatever the umask: a workstation set up under umask 022 — embedded central
 * store (PGlite lays its files out 0666), encrypted cache, file vault, logs, the browser host's
 * folders — leaves nothing in its data dir that group or others can read, write or enter.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startBrowserHost } from '../../../src/browser-host/server.js';
import { vaultStore } from '../../../src/core/platform/credentials/vault.js';
import { modeReport } from '../../../src/core/platform/files/private.js';
import { openWorkstation } from '../../../src/core/host/workstation/workstation.js';
import { tempDir } from '../../support/central.js';

function exposed(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    const mode = statSync(full).mode & 0o777;
    const here = mode & 0o077 ? [`${path.relative(dir, full)} ${mode.toString(8)}`] : [];
    return e.isDirectory() ? [...here, ...exposed(full).map((p) => `${e.name}/${p}`)] : here;
  });
}

describe('files the app creates are owner-only under umask 022', () => {
  const scratch = tempDir('treasury-modes-');
  const before = process.umask(0o022);
  afterAll(() => {
    process.umask(before);
    scratch.remove();
  });

  it('a new data dir: central store, cache, vault, logs, browser host — nothing open to others', async () => {
    // A parent anyone can enter, as a home folder is: the data dir itself must close the door.
    chmodSync(scratch.dir, 0o755);
    const dataDir = path.join(scratch.dir, 'data');
    const ws = await openWorkstation({
      dataDir,
      credentials: vaultStore(dataDir, 'test: no keychain'),
    });
    try {
      await ws.call({
        name: 'operators.bootstrap',
        payload: { username: 'admin', password: 'owner-only password 1' },
        workstationId: ws.id,
        id: randomUUID(),
      });
      await ws.cache(); // the encrypted cache and its key, in the vault
      const host = await startBrowserHost({ workstation: ws });
      await host.close();
    } finally {
      await ws.close();
    }
    const central = readdirSync(path.join(dataDir, 'central'), { recursive: true });
    expect(central.length).toBeGreaterThan(500); // the check saw PGlite's whole store
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
    for (const made of [
      'cache.db',
      'workstation.json',
      'vault/secrets.json',
      'vault/vault.key',
      'logs',
      'transit',
    ])
      expect(statSync(path.join(dataDir, made))).toBeTruthy();
    expect(exposed(dataDir)).toEqual([]);
    expect(modeReport(dataDir)).toMatchObject({ dataDir: '700', exposed: 0 });
  });

  it('an existing data dir opened to others is closed again, and diagnostics name what is exposed', async () => {
    const dataDir = path.join(scratch.dir, 'loose');
    mkdirSync(path.join(dataDir, 'central'), { recursive: true, mode: 0o777 });
    chmodSync(dataDir, 0o755);
    const report = modeReport(dataDir);
    expect(report).toMatchObject({
      dataDir: '755',
      exposed: 1,
      examples: [{ path: 'central', mode: expect.stringMatching(/^7[57][57]$/) }],
    });
    const ws = await openWorkstation({ dataDir, credentials: vaultStore(dataDir, 'test') });
    await ws.close();
    expect(exposed(dataDir)).toEqual([]);
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('700');
  });
});
