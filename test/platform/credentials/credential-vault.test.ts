/**
 * The credential store on a machine without an OS keychain: the file vault. It is chosen only when
 * no keychain answers (a real Secret Service here, when npm test runs one, is chosen instead; a
 * child process that cannot reach one falls back); it keeps secrets encrypted in owner-only files
 * and refuses a changed entry; it refuses real provider secrets unless an administrator allowed
 * them (audited); and it says what it is in `whoami`, `diagnostics` and the CLI's first line.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chooseCredentialStore,
  describeCredentialStore,
} from '../../../src/core/platform/credentials/store.js';
import { vaultDir, vaultStore } from '../../../src/core/platform/credentials/vault.js';
import { collectDiagnostics } from '../../../src/core/host/diagnostics/bundle.js';
import { tempDir } from '../../support/central.js';
import { cliEnv, runCli } from '../../support/cli.js';
import { keychainAvailable } from '../../support/keychain.js';
import { openTestWorkstation, type TestWorkstation } from '../../support/workstation.js';

const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('choosing the credential store', () => {
  const scratch = tempDir('treasury-choose-');
  afterAll(() => scratch.remove());

  it('auto: the keychain when it answers, the file vault (saying why) when it does not', async () => {
    const withKeychain = await chooseCredentialStore({
      env: {},
      dataDir: scratch.dir,
      probe: async () => null,
    });
    expect(withKeychain.kind).toBe('keychain');
    const without = await chooseCredentialStore({
      env: {},
      dataDir: scratch.dir,
      probe: async () => 'keytar is not installed',
    });
    expect(without.kind).toBe('vault');
    expect(describeCredentialStore(without)).toMatchObject({
      fallback: true,
      label: 'file vault (no OS keychain)',
    });
    expect(without.note).toMatch(
      /^keytar is not installed; secrets are in .*vault, protected only by this OS account's file permissions$/,
    );
    // An explicit choice is honoured; a wrong one is refused with the choices.
    expect(
      (
        await chooseCredentialStore({
          env: { TREASURY_CREDENTIAL_STORE: 'vault' },
          dataDir: scratch.dir,
          probe: async () => null,
        })
      ).kind,
    ).toBe('vault');
    await expect(
      chooseCredentialStore({ env: { TREASURY_CREDENTIAL_STORE: 'disk' }, dataDir: scratch.dir }),
    ).rejects.toThrow(/"auto", "keychain", "vault" or "env"/);
  });

  it.skipIf(!keychainAvailable)(
    'with a Secret Service running, auto chooses the OS keychain, never the vault (real probe)',
    async () => {
      const store = await chooseCredentialStore({ env: {}, dataDir: scratch.dir });
      expect(store.kind).toBe('keychain');
    },
  );

  it('a process that reaches no Secret Service falls back to the vault and says so first (real CLI)', async () => {
    const data = path.join(scratch.dir, 'no-keychain');
    const env = cliEnv({
      TREASURY_DATA_DIR: data,
      TREASURY_INIT_PASSWORD: 'vault-test-password-1',
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
    });
    delete env.TREASURY_CREDENTIAL_STORE;
    const init = await runCli(['init'], { cwd: scratch.dir, env });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr.split('\n')[0]).toMatch(
      /^Credentials: file vault \(no OS keychain\) — .*protected only by this OS account's file permissions$/,
    );
    // The session outlives the command (the vault keeps it), and whoami says where secrets are.
    const me = await runCli(['--json', 'whoami'], { cwd: scratch.dir, env });
    expect(me.code, me.stderr).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({
      username: 'admin',
      credentials: { kind: 'vault', fallback: true },
    });
    expect(mode(vaultDir(data))).toBe('700');
    expect(mode(path.join(vaultDir(data), 'secrets.json'))).toBe('600');
    const bundle = await collectDiagnostics({
      dataDir: data,
      env: { ...env, TREASURY_CREDENTIAL_STORE: 'vault' },
    });
    const configuration = bundle.sections.configuration as {
      ok: boolean;
      credentialStore: {
        ok: boolean;
        kind: string;
        fallback: boolean;
        stored: { localCacheKey: boolean; cliSession: boolean };
      };
    };
    expect(configuration.credentialStore).toMatchObject({
      ok: true,
      kind: 'vault',
      fallback: true,
      stored: { localCacheKey: true, cliSession: true },
    });
  });
});

describe('the file vault', () => {
  const scratch = tempDir('treasury-vault-');
  afterAll(() => scratch.remove());

  it('keeps secrets encrypted in owner-only files, and forgets them on delete', async () => {
    const vault = vaultStore(scratch.dir, 'test');
    const secret = `planted-${randomBytes(12).toString('hex')}`;
    await vault.set('session:ws', secret);
    expect(await vault.get('session:ws')).toBe(secret);
    const dir = vaultDir(scratch.dir);
    for (const f of ['secrets.json', 'vault.key']) expect(mode(path.join(dir, f))).toBe('600');
    expect(readFileSync(path.join(dir, 'secrets.json'), 'utf8')).not.toContain(secret);
    // Another process (a new store over the same files) reads what this one wrote.
    expect(await vaultStore(scratch.dir, 'test').get('session:ws')).toBe(secret);
    expect(await vault.delete('session:ws')).toBe(true);
    expect(await vault.get('session:ws')).toBeNull();
    expect(await vault.delete('session:ws')).toBe(false);
  });

  it('refuses an entry that was changed or moved to another account, rather than use it', async () => {
    const vault = vaultStore(scratch.dir, 'test');
    await vault.set('a', 'first secret');
    await vault.set('b', 'second secret');
    const file = path.join(vaultDir(scratch.dir), 'secrets.json');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      entries: Record<string, { data: string }>;
    };
    const [a, b] = [stored.entries.a!, stored.entries.b!];
    stored.entries.a = b; // b's ciphertext under a's name
    writeFileSync(file, JSON.stringify(stored));
    await expect(vault.get('a')).rejects.toThrow(
      /"a" .* was changed or does not belong to this vault's key: it is refused, not used/,
    );
    stored.entries.a = { ...a, data: Buffer.from('tampered').toString('base64') };
    writeFileSync(file, JSON.stringify(stored));
    await expect(vault.get('a')).rejects.toThrow(/refused, not used/);
    expect(await vault.get('b')).toBe('second secret');
  });
});

describe('provider secrets in the file vault', () => {
  let t: TestWorkstation;
  const scratch = tempDir('treasury-vault-ws-');
  beforeAll(async () => {
    t = await openTestWorkstation('pglite', {
      credentials: vaultStore(scratch.dir, 'test: no keychain'),
    });
  });
  afterAll(async () => {
    await t?.cleanup();
    scratch.remove();
  });

  it('are refused until an administrator allows them (audited); the sandbox needs none', async () => {
    const refused = await t
      .call('provider.credentials.set', {
        which: 'xendit',
        secret: 'xnd_development_not_kept_here',
      })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED' });
    expect((refused as Error).message).toMatch(
      /no OS keychain, and provider secrets are not kept in its file vault unless an administrator allows it/,
    );
    // Nothing was written, and using Xendit is refused the same way (not "no key stored").
    const secrets = path.join(vaultDir(scratch.dir), 'secrets.json');
    expect(existsSync(secrets) ? readFileSync(secrets, 'utf8') : '').not.toContain('provider:');
    await expect(
      t.call('provider.balance', { provider: 'xendit', currency: 'IDR' }),
    ).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED' });
    expect(await t.call('provider.balance', { provider: 'sandbox', currency: 'IDR' })).toBeTruthy();

    await t.call('settings.set', { key: 'fileVault', value: { allowProviderSecrets: true } });
    await t.call('provider.credentials.set', {
      which: 'xendit',
      secret: 'xnd_development_kept_now',
    });
    expect(await t.call('provider.credentials.status', {})).toMatchObject({
      xendit: { configured: true },
    });
    const audit = await t.call<{ action: string; entityId: string | null }[]>('audit.tail', {
      limit: 10,
    });
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['settings.set', 'provider.credentials.set']),
    );
  });
});
