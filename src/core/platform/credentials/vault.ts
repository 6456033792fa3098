/**
 * The file vault: where secrets go on a machine without a reachable OS keychain (no keytar, or no
 * Secret Service). Its protection is the OS account's, as for the embedded central store: it is an
 * honest fallback, not a keychain, and hosts say so wherever the operator looks.
 *
 * Layout: `<data dir>/vault/` (0700) holds `vault.key` (32 random bytes, hex) and `secrets.json`
 * (each entry AES-256-GCM under that key, with the account name as associated data, so an entry
 * cannot be moved to another account and a changed byte is refused rather than used). Both files
 * are 0600 and written whole (temporary file, fsync, rename) under a lock, so two processes (the
 * console and a CLI command) never lose each other's writes and a reader never sees half a file.
 *
 * What it protects: a copy of `secrets.json` alone (a support ticket, a backup that left the key
 * out) reveals nothing; other OS users cannot read either file; tampering is detected.
 * What it does not: anyone who can read this OS user's files (the user, root, malware in the
 * session) can read both files and so every secret; a stolen disk without full-disk encryption.
 * A key wrapped by an operator's password would be stronger against that, but the CLI keeps its
 * session between commands and the webhook relay and the poller need provider secrets with nobody
 * signed in: they would have to ask for a password every time or keep an unlocking agent — which is
 * what the OS keychain is for. So the vault keeps what a workstation needs to run (the cache key,
 * sessions) and refuses real provider secrets unless an administrator allows them (workstation.ts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  chmodSync,
} from 'node:fs';
import path from 'node:path';
import { processAlive as alive } from '../files/pid.js';
import { z } from 'zod';
import { CredentialStoreError, type CredentialStore } from './secret-store.js';

export const vaultDir = (dataDir: string) => path.join(dataDir, 'vault');

const entrySchema = z.strictObject({ iv: z.string(), tag: z.string(), data: z.string() });
const fileSchema = z.strictObject({
  version: z.literal(1),
  entries: z.record(z.string(), entrySchema),
});
type VaultFile = z.infer<typeof fileSchema>;
type Entry = z.infer<typeof entrySchema>;

const aad = (account: string) => Buffer.from(`treasury-console vault v1\0${account}`);

function seal(key: Buffer, account: string, secret: string): Entry {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(account));
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
}

function open(key: Buffer, account: string, entry: Entry, file: string): string {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(entry.iv, 'base64')).setAAD(
      aad(account),
    );
    decipher.setAuthTag(Buffer.from(entry.tag, 'base64'));
    return Buffer.concat([
      decipher.update(Buffer.from(entry.data, 'base64')),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    throw new CredentialStoreError(
      `the file vault entry "${account}" in ${file} was changed or does not belong to this vault's key: it is refused, not used`,
      { cause: error },
    );
  }
}

/** Writes a whole file owner-only: a temporary name, fsync, then rename over the old one. */
function writeWhole(file: string, text: string): void {
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(partial, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
}

const LOCK_WAIT_MS = 5_000;
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A short exclusive lock around read-modify-write; a lock left by a dead process is taken over. */
function withLock<T>(dir: string, fn: () => T): T {
  const lock = path.join(dir, 'lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(lock, 'utf8') || '0', 10);
      if (holder > 0 && holder !== process.pid && !alive(holder)) rmSync(lock, { force: true });
      else if (Date.now() > deadline)
        throw new CredentialStoreError(
          `the file vault ${dir} is locked by process ${holder}; try again`,
        );
      else sleep(20);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

export function vaultStore(dataDir: string, reason: string): CredentialStore {
  const dir = vaultDir(dataDir);
  const keyFile = path.join(dir, 'vault.key');
  const secretsFile = path.join(dir, 'secrets.json');

  const ensureDir = () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  };
  const key = (create: boolean): Buffer | null => {
    if (!existsSync(keyFile)) {
      if (!create) return null;
      // Created under the lock: two processes never mint two keys.
      writeWhole(keyFile, randomBytes(32).toString('hex') + '\n');
    }
    const hex = readFileSync(keyFile, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(hex))
      throw new CredentialStoreError(
        `the file vault key ${keyFile} is damaged (expected 64 hex characters)`,
      );
    return Buffer.from(hex, 'hex');
  };
  const read = (): VaultFile => {
    if (!existsSync(secretsFile)) return { version: 1, entries: {} };
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(secretsFile, 'utf8')));
    if (!parsed.success)
      throw new CredentialStoreError(
        `the file vault ${secretsFile} is damaged: ${parsed.error.issues[0]?.message ?? 'unreadable'}`,
      );
    return parsed.data;
  };
  const write = (vault: VaultFile) =>
    writeWhole(secretsFile, JSON.stringify(vault, null, 2) + '\n');

  return {
    kind: 'vault',
    note: `${reason}; secrets are in ${dir}, protected only by this OS account's file permissions`,
    async get(account) {
      const entry = read().entries[account];
      if (!entry) return null;
      const k = key(false);
      if (!k)
        throw new CredentialStoreError(
          `the file vault key ${keyFile} is missing: the vault's secrets cannot be read`,
        );
      return open(k, account, entry, secretsFile);
    },
    async set(account, secret) {
      ensureDir();
      withLock(dir, () => {
        const vault = read();
        vault.entries[account] = seal(key(true)!, account, secret);
        write(vault);
      });
    },
    async delete(account) {
      if (!existsSync(secretsFile)) return false;
      return withLock(dir, () => {
        const vault = read();
        if (!(account in vault.entries)) return false;
        delete vault.entries[account];
        write(vault);
        return true;
      });
    },
  };
}
