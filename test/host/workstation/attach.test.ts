/**
 * One data dir, many doors: while a console host holds a data dir (and with it the embedded central
 * store), the real CLI attaches to it through the data dir's socket and runs the same router calls
 * with its own operator session — payables, a batch preview, an export, adding an operator —
 * instead of failing with "in use". Another OS user cannot reach the socket; a socket a dead host
 * left behind is ignored.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseCredentialStore } from '../../../src/core/platform/credentials/store.js';
import { attachWorkstation } from '../../../src/core/host/workstation/attach/client.js';
import {
  attachAddress,
  serveAttach,
  type AttachEndpoint,
} from '../../../src/core/host/workstation/attach/endpoint.js';
import {
  openWorkstationThread,
  type WorkstationDoor,
} from '../../../src/core/host/workstation/thread/door.js';
import { tempDir } from '../../support/central.js';
import { cliEnv, runCli } from '../../support/cli.js';

const PASSWORD = 'attach-test-password-1';
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('the CLI works through a running console host', () => {
  const scratch = tempDir('treasury-attach-');
  const dataDir = path.join(scratch.dir, 'data');
  const env = cliEnv({
    TREASURY_DATA_DIR: dataDir,
    TREASURY_CREDENTIAL_STORE: 'vault',
    TREASURY_INIT_PASSWORD: PASSWORD,
    TREASURY_PASSWORD: PASSWORD,
  });
  const cli = async (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const r = await runCli(args, { cwd: scratch.dir, env: { ...env, ...extra } });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  let door: WorkstationDoor;
  let endpoint: AttachEndpoint;

  beforeAll(async () => {
    // Set up on its own, as a user would before starting the console.
    await cli(['init']);
    await cli(['demo', '--affiliates', '200', '--conversions', '3000', '--seed', '5']);
    await cli(['calc']);
    door = await openWorkstationThread({
      dataDir,
      credentials: await chooseCredentialStore({
        dataDir,
        env: { TREASURY_CREDENTIAL_STORE: 'vault' },
      }),
    });
    endpoint = await serveAttach(door);
  });
  afterAll(async () => {
    await endpoint?.close();
    await door?.close();
    scratch.remove();
  });

  it('listens on an owner-only socket in the owner-only data dir, which another OS user cannot reach', async () => {
    expect(endpoint.address).toBe(attachAddress(dataDir, door.id));
    expect(mode(dataDir)).toBe('700');
    expect(mode(endpoint.address)).toBe('600');
    expect(statSync(endpoint.address).isSocket()).toBe(true);
    // What the CLI learns first: whose workstation, and which calls ask for the password again.
    const attached = await attachWorkstation(dataDir);
    expect(attached?.hello).toMatchObject({
      id: door.id,
      pid: process.pid,
      central: expect.stringMatching(/^embedded PGlite/),
    });
    expect(attached?.hello.stepUp).toEqual(
      expect.arrayContaining(['batch.approve', 'batch.execute']),
    );
    // As root (CI), try it as another user for real.
    if (process.getuid?.() !== 0) return;
    const script = `require('node:net').connect(${JSON.stringify(endpoint.address)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`;
    const other = spawnSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', script], {
      encoding: 'utf8',
    });
    expect(other.stdout.trim(), other.stderr).toBe('EACCES');
  });

  it('runs whoami, payables, a batch preview, an export and operators add through the host, each audited', async () => {
    const me = await cli(['--json', 'whoami']);
    expect(me.stderr).toMatch(
      /^Working through the console host \(process \d+\) that has .* open\.$/m,
    );
    expect(JSON.parse(me.stdout)).toMatchObject({ username: 'admin', workstation: door.id });

    const payables = await cli(['--json', 'payables']);
    expect((JSON.parse(payables.stdout) as unknown[]).length).toBeGreaterThan(0);

    const preview = await cli(['--json', 'batch', 'preview', '--provider', 'sandbox']);
    expect(JSON.parse(preview.stdout)).toMatchObject({
      eligibleCount: expect.any(Number),
      rows: expect.any(Array),
    });

    // A relative --out is the CLI's working directory, not the host's.
    const exported = await cli([
      '--json',
      'export',
      'commissions',
      '--format',
      'csv',
      '--out',
      'commissions.csv',
    ]);
    const file = path.join(scratch.dir, 'commissions.csv');
    expect(JSON.parse(exported.stdout)).toMatchObject({ rowCount: 3000, file });
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3001);
    expect(exported.stderr).toMatch(/exporting/);

    await cli(['operators', 'add', '--username', 'checker1', '--role', 'manager'], {
      TREASURY_NEW_PASSWORD: PASSWORD,
    });
    // The console's jobs, seen and cancelled from the CLI through the host (here: none running).
    expect(JSON.parse((await cli(['--json', 'jobs', 'list'])).stdout)).toEqual([]);
    const cancel = await runCli(['jobs', 'cancel', '00000000-0000-4000-8000-000000000000'], {
      cwd: scratch.dir,
      env,
    });
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/no job 00000000-0000-4000-8000-000000000000 of admin/);
    const tail = await cli(['--json', 'audit', 'tail', '--limit', '20']);
    const entries = JSON.parse(tail.stdout) as {
      action: string;
      username: string;
      decision: string;
    }[];
    expect(entries).toContainEqual(
      expect.objectContaining({
        action: 'operators.create',
        username: 'admin',
        decision: 'allowed',
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        action: 'export.commissions',
        username: 'admin',
        decision: 'allowed',
      }),
    );
  });

  it("a refusal crosses as the same error: a wrong password is refused by the host's router", async () => {
    const r = await runCli(['--json', 'payables'], {
      cwd: scratch.dir,
      env: {
        ...env,
        TREASURY_CREDENTIAL_STORE: 'env',
        TREASURY_USERNAME: 'admin',
        TREASURY_PASSWORD: 'wrong password here',
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sign-in failed/);
  });

  it('once the host stops, the CLI opens the data dir itself; a socket a dead host left is ignored', async () => {
    await endpoint.close();
    await door.close();
    expect(existsSync(endpoint.address)).toBe(false);
    writeFileSync(endpoint.address, ''); // what a killed host leaves: a path nothing listens on
    const me = await cli(['--json', 'whoami']);
    expect(me.stderr).not.toMatch(/Working through/);
    expect(JSON.parse(me.stdout)).toMatchObject({ username: 'admin' });
  });
});

describe('a host that goes away mid-call', () => {
  it('gives the CLI a clear error, never a hang or a silent success', async () => {
    const scratch = tempDir('treasury-attach-gone-');
    writeFileSync(
      path.join(scratch.dir, 'workstation.json'),
      JSON.stringify({
        id: '6f1c2a8e-5b7d-4c1e-9a3f-2d4b6c8e0a1f',
        createdAt: new Date().toISOString(),
      }),
    );
    let started!: () => void;
    const calling = new Promise<void>((resolve) => (started = resolve));
    // A door whose call reports progress, then never ends: the host is stopped under it.
    const door: WorkstationDoor = {
      id: '6f1c2a8e-5b7d-4c1e-9a3f-2d4b6c8e0a1f',
      dataDir: scratch.dir,
      credentialStore: {
        kind: 'vault',
        label: 'file vault',
        fallback: true,
        note: null,
      } as WorkstationDoor['credentialStore'],
      call: (c) => {
        c.onProgress?.({ phase: 'exporting', done: 1 });
        started();
        return new Promise(() => {});
      },
      connectivity: async () => ({
        online: true,
        reason: null,
        checkedAt: new Date().toISOString(),
        central: 'embedded PGlite at test',
      }),
      close: async () => {},
    };
    const endpoint = await serveAttach(door);
    try {
      const attached = await attachWorkstation(scratch.dir);
      const progress: unknown[] = [];
      let arrived!: () => void;
      const firstProgress = new Promise<void>((resolve) => (arrived = resolve));
      const result = attached!.call({
        name: 'export.commissions',
        payload: {},
        session: 'token',
        workstationId: door.id,
        onProgress: (p) => (progress.push(p), arrived()),
      });
      result.catch(() => {});
      await calling;
      // The progress event reaches the CLI while the call is still running (as it happens, not at
      // the end).
      await Promise.race([
        firstProgress,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('no progress while the call ran')), 10_000),
        ),
      ]);
      expect(progress).toEqual([{ phase: 'exporting', done: 1 }]);
      await endpoint.close();
      await expect(result).rejects.toThrow(
        /stopped answering during the call.*may or may not have been applied/,
      );
    } finally {
      await endpoint.close();
      scratch.remove();
    }
  });
});
