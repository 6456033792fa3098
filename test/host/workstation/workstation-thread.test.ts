/**
 * The workstation in its own thread (what Electron's main process and the browser host hold): calls
 * and their errors cross intact, amounts cross as exact decimal strings, progress events arrive,
 * secrets are asked of the host's credential store (the keychain never loads in the thread), and a
 * closed thread refuses calls instead of hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TreasuryError } from '../../../src/core/shared/errors.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import {
  openWorkstationThread,
  type WorkstationDoor,
} from '../../../src/core/host/workstation/thread/door.js';
import { tempDir } from '../../support/central.js';
import { ADMIN_PASSWORD, memoryCredentials } from '../../support/workstation.js';

describe('workstation thread', () => {
  const dir = tempDir();
  const credentials = memoryCredentials();
  let door: WorkstationDoor;
  let session = '';
  const call = <T>(
    name: string,
    payload: unknown,
    onProgress?: (p: { phase: string; done: number; total?: number }) => void,
  ) =>
    door.call<T>({
      name,
      payload,
      session,
      workstationId: door.id,
      ...(onProgress ? { onProgress } : {}),
    });

  beforeAll(async () => {
    door = await openWorkstationThread({ dataDir: dir.dir, credentials });
    await call('operators.bootstrap', { username: 'admin', password: ADMIN_PASSWORD });
    const signed = await call<SignInResult>('session.signIn', {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    if (!signed.ok) throw new Error('sign-in failed');
    session = signed.token;
  }, 120_000);
  afterAll(async () => {
    await door?.close();
    dir.remove();
  });

  it('answers calls with progress, and amounts as exact decimal strings', async () => {
    const progress: { phase: string; done: number; total?: number }[] = [];
    await call(
      'demo.generate',
      { affiliates: 20, conversions: 25_000, seed: 4, until: '2026-11-01' },
      (p) => progress.push(p),
    );
    expect(progress.at(-1)).toEqual({ phase: 'generating', done: 25_000, total: 25_000 });
    await call('commissions.calculate', {});
    const payables = await call<{ payableMinor?: unknown; payable?: unknown }[]>(
      'payables.list',
      {},
    );
    expect(payables.length).toBeGreaterThan(0);
    const text = JSON.stringify(payables);
    // bigints arrive as strings of digits, never as numbers
    expect(text).not.toMatch(/"[a-zA-Z]*Minor":\d/);
    expect(text).toMatch(/"[a-zA-Z]*Minor":"-?\d+"/);
  });

  it('keeps the router errors: code, kind, message and problems', async () => {
    const refused = await call('batch.list', { limit: 'many' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TreasuryError);
    expect(refused).toMatchObject({
      code: 'VALIDATION',
      kind: 'user',
      problems: [expect.objectContaining({ path: 'limit' })],
    });
  });

  it('asks the host for secrets: the credential lands in the host store, not in the thread', async () => {
    await call('provider.credentials.set', {
      which: 'xendit',
      secret: 'xnd_development_secret_1234',
    });
    expect([...credentials.entries.values()]).toContain('xnd_development_secret_1234');
    const status = await call<unknown>('provider.credentials.status', {});
    expect(JSON.stringify(status)).not.toContain('xnd_development_secret_1234');
  });

  it('reports connectivity, and refuses calls once closed', async () => {
    expect(await door.connectivity()).toMatchObject({ online: true, reason: null });
    const otherDir = tempDir();
    const other = await openWorkstationThread({
      dataDir: otherDir.dir,
      credentials: memoryCredentials(),
    });
    await other.close();
    await expect(
      other.call({ name: 'setup.status', payload: {}, workstationId: other.id }),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
    otherDir.remove();
  });
});
