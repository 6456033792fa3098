/**
 * The one logger, for real: lines written through it to a file in a temp data dir and read back.
 * Rotation while it runs (one process, then two processes sharing the log), the settings from the
 * environment, and redaction — registered secrets and secret-named fields never reach the file,
 * including inside error messages, stacks, causes, nested objects, child bindings and format args.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOG_FILE,
  logDir,
  logFiles,
  logger,
  logSettingsFromEnv,
  REDACTED,
  rememberSecret,
} from '../../../src/core/platform/log/logger.js';
import { openWorkstationThread } from '../../../src/core/host/workstation/thread/door.js';
import { tempDir } from '../../support/central.js';
import { memoryCredentials } from '../../support/workstation.js';

const CHILD = fileURLToPath(new URL('../../support/log-writer-child.ts', import.meta.url));
const dirs: { remove(): void }[] = [];
const dataDir = () => {
  const t = tempDir('treasury-log-');
  dirs.push(t);
  return t.dir;
};
afterAll(() => dirs.forEach((d) => d.remove()));

interface Line {
  seq: number;
  tag?: string;
  msg: string;
  [k: string]: unknown;
}
const linesOf = (file: string): Line[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

describe('rotation while the process runs', () => {
  it('rotates past the limit, keeps `keep` files, loses nothing but the dropped oldest', () => {
    const dir = dataDir();
    const maxBytes = 8192;
    const keep = 3;
    const log = logger(dir, { maxBytes, keep });
    const total = 2000;
    for (let i = 0; i < total; i++)
      log.info({ seq: i, filler: 'y'.repeat(i % 7 === 0 ? 90 : 30) }, 'working');

    const names = readdirSync(logDir(dir)).sort();
    expect(names).toEqual([LOG_FILE, `${LOG_FILE}.1`, `${LOG_FILE}.2`, `${LOG_FILE}.3`]); // no .4, no lock left
    const files = logFiles(dir); // newest first
    expect(files.map((f) => path.basename(f))).toEqual([
      LOG_FILE,
      `${LOG_FILE}.1`,
      `${LOG_FILE}.2`,
      `${LOG_FILE}.3`,
    ]);

    // Oldest to newest, the sequence numbers run without a gap or a repeat up to the last line.
    const seqs = [...files].reverse().flatMap((f) => linesOf(f).map((l) => l.seq));
    expect(seqs.at(-1)).toBe(total - 1);
    expect(seqs[0]).toBeGreaterThan(0); // older files were dropped
    seqs.forEach((s, i) => expect(s).toBe(seqs[0]! + i));

    // Each rotated file ended with the write that took it past the limit.
    const longest = Math.max(
      ...files.flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((l) => Buffer.byteLength(l) + 1),
      ),
    );
    for (const f of files.slice(1)) {
      const size = statSync(f).size;
      expect(size).toBeGreaterThanOrEqual(maxBytes);
      expect(size).toBeLessThan(maxBytes + longest);
    }
    expect(statSync(files[0]!).size).toBeLessThan(maxBytes);
  });

  it('rotates a file already past the limit when the logger opens', () => {
    const dir = dataDir();
    mkdirSync(logDir(dir), { recursive: true });
    writeFileSync(path.join(logDir(dir), LOG_FILE), '{"old":true}\n'.repeat(200));
    logger(dir, { maxBytes: 1024, keep: 2 }).info({ seq: 0 }, 'fresh');
    expect(linesOf(path.join(logDir(dir), `${LOG_FILE}.1`))).toHaveLength(200);
    expect(linesOf(path.join(logDir(dir), LOG_FILE)).map((l) => l.msg)).toEqual(['fresh']);
  });

  it('a lowered keep drops the rotated files beyond it at the next rotation', () => {
    const dir = dataDir();
    mkdirSync(logDir(dir), { recursive: true });
    for (let i = 1; i <= 6; i++)
      writeFileSync(path.join(logDir(dir), `${LOG_FILE}.${i}`), `{"old":${i}}\n`);
    writeFileSync(path.join(logDir(dir), `${LOG_FILE}.notes`), 'not a log file\n');
    const log = logger(dir, { maxBytes: 2048, keep: 2 });
    for (let i = 0; i < 40; i++) log.info({ seq: i, filler: 'z'.repeat(60) }, 'line');
    expect(readdirSync(logDir(dir)).sort()).toEqual([
      LOG_FILE,
      `${LOG_FILE}.1`,
      `${LOG_FILE}.2`,
      `${LOG_FILE}.notes`,
    ]);
  });

  it('two processes writing one log: every line of each lands exactly once, in its order', async () => {
    const dir = dataDir();
    const count = 2500;
    const env = { ...process.env, TREASURY_LOG_MAX_BYTES: '16384', TREASURY_LOG_KEEP: '100' };
    const run = (tag: string) =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, tag, String(count)], {
          env,
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('error', reject);
        child.on('close', resolve);
      });
    expect(await Promise.all([run('a'), run('b')])).toEqual([0, 0]);

    const files = logFiles(dir);
    expect(files.length).toBeGreaterThan(10); // it really rotated, many times
    expect(readdirSync(logDir(dir)).some((n) => n.endsWith('rotate-lock'))).toBe(false);
    const all = [...files].reverse().flatMap(linesOf);
    for (const tag of ['a', 'b']) {
      const seqs = all.filter((l) => l.tag === tag).map((l) => l.seq);
      // A writer that has not noticed another's rotation yet writes on into the renamed file: its
      // lines stay in order across files, none lost, none twice.
      expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i));
    }
  }, 120_000);
});

describe('settings from the environment', () => {
  it('reads level, size and keep; a bad value names the variable', () => {
    expect(logSettingsFromEnv({})).toEqual({ level: 'info', maxBytes: 10 * 1024 * 1024, keep: 5 });
    expect(
      logSettingsFromEnv({
        TREASURY_LOG_LEVEL: 'debug',
        TREASURY_LOG_MAX_BYTES: '4096',
        TREASURY_LOG_KEEP: '2',
      }),
    ).toEqual({ level: 'debug', maxBytes: 4096, keep: 2 });
    expect(() => logSettingsFromEnv({ TREASURY_LOG_MAX_BYTES: '10MB' })).toThrow(
      /TREASURY_LOG_MAX_BYTES must be a whole number of bytes/,
    );
    expect(() => logSettingsFromEnv({ TREASURY_LOG_MAX_BYTES: '100' })).toThrow(
      /TREASURY_LOG_MAX_BYTES must be at least 1024 bytes/,
    );
    expect(() => logSettingsFromEnv({ TREASURY_LOG_KEEP: '0' })).toThrow(
      /TREASURY_LOG_KEEP must be at least 1/,
    );
    expect(() => logSettingsFromEnv({ TREASURY_LOG_LEVEL: 'loud' })).toThrow(
      /TREASURY_LOG_LEVEL must be one of fatal, error/,
    );
  });

  it('the level filters what is written', () => {
    const dir = dataDir();
    const log = logger(dir, { level: 'warn' });
    log.info('not written');
    log.warn('written');
    expect(linesOf(path.join(logDir(dir), LOG_FILE)).map((l) => l.msg)).toEqual(['written']);
  });
});

describe('redaction', () => {
  const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
  const registered = secret('registered-key');
  const quoted = `pa"ss\\word-${randomBytes(6).toString('hex')}`; // appears JSON-escaped in a line
  const cacheKey = randomBytes(32).toString('hex');
  const unregistered = {
    password: secret('operator-password'),
    deepToken: secret('deep-token'),
    header: secret('bearer'),
    apiKey: secret('api-key'),
    childToken: secret('child-token'),
    formatSecret: secret('format-secret'),
    urlPassword: secret('url-pw'),
    causeSecret: secret('cause-field'),
  };
  let text = '';
  let lines: Record<string, unknown>[] = [];

  // Written once for every test below (each also runs alone with -t: never over an empty file).
  beforeAll(() => {
    rememberSecret(registered);
    rememberSecret(quoted);
    rememberSecret(cacheKey);
    const dir = dataDir();
    const log = logger(dir);
    log.info(
      {
        password: unregistered.password,
        a: { b: { c: { d: { e: { sessionToken: unregistered.deepToken } } } } },
        headers: { Authorization: `Bearer ${unregistered.header}` },
        'X-Api-Key': unregistered.apiKey,
      },
      'fields',
    );
    const failure = new Error(`provider refused key ${registered} (${quoted})`);
    log.error(failure);
    const cause = Object.assign(new Error(`inner: PRAGMA hexkey='${cacheKey}' failed`), {
      code: 'SQLITE_NOTADB',
      secret: unregistered.causeSecret,
    });
    log.error(
      {
        err: Object.assign(new Error('outer failure', { cause }), {
          config: {
            headers: { authorization: `Basic ${Buffer.from(`${registered}:`).toString('base64')}` },
          },
        }),
      },
      'wrapped',
    );
    log.child({ token: unregistered.childToken, component: 'sync' }).warn('from a child');
    log.warn('format %s then %j', registered, {
      secret: unregistered.formatSecret,
      visible: 'kept',
    });
    log.info(
      { central: `postgres://treasury:${unregistered.urlPassword}@db.example:5432/treasury` },
      `connecting to postgres://treasury:${unregistered.urlPassword}@db.example/treasury`,
    );
    text = readFileSync(path.join(logDir(dir), LOG_FILE), 'utf8');
    lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  });

  it('writes the lines (read back from the file)', () => {
    expect(lines.map((l) => l.msg)).toEqual([
      'fields',
      `provider refused key ${REDACTED} (${REDACTED})`,
      'wrapped',
      'from a child',
      `format ${REDACTED} then {"secret":"${REDACTED}","visible":"kept"}`,
      `connecting to postgres://treasury:${REDACTED}@db.example/treasury`,
    ]);
  });

  it('no secret value appears anywhere in the file, in clear, escaped or base64', () => {
    const values = [
      registered,
      quoted,
      JSON.stringify(quoted).slice(1, -1),
      cacheKey,
      Buffer.from(`${registered}:`).toString('base64'),
      ...Object.values(unregistered),
    ];
    expect(values.filter((v) => text.includes(v))).toEqual([]);
  });

  it('secret-named fields are replaced whole at any depth, the rest is kept', () => {
    expect(lines[0]).toMatchObject({
      password: REDACTED,
      a: { b: { c: { d: { e: { sessionToken: REDACTED } } } } },
      headers: { Authorization: REDACTED },
      'X-Api-Key': REDACTED,
    });
    expect(lines[3]).toMatchObject({ token: REDACTED, component: 'sync' });
  });

  it('errors keep their type, message, stack and cause, scrubbed', () => {
    const err = lines[1]!.err as { type: string; message: string; stack: string };
    expect(err.type).toBe('Error');
    expect(err.message).toBe(`provider refused key ${REDACTED} (${REDACTED})`);
    expect(err.stack).toContain(`provider refused key ${REDACTED}`);
    expect(err.stack).toContain('logging.test.ts'); // the stack is there, not dropped
    const wrapped = lines[2]!.err as {
      message: string;
      config: unknown;
      cause: { message: string; code: string; secret: string; stack: string };
    };
    expect(wrapped.message).toBe('outer failure');
    expect(wrapped.config).toEqual({ headers: { authorization: REDACTED } });
    expect(wrapped.cause).toMatchObject({
      message: `inner: PRAGMA hexkey='${REDACTED}' failed`,
      code: 'SQLITE_NOTADB',
      secret: REDACTED,
    });
    expect(wrapped.cause.stack).toContain('inner: PRAGMA');
  });

  it('a URL keeps everything but its password', () => {
    expect(lines[5]).toMatchObject({
      central: `postgres://treasury:${REDACTED}@db.example:5432/treasury`,
    });
  });
});

it('amounts stay exact: a bigint is written as its digits', () => {
  const dir = dataDir();
  logger(dir).info({ amountMinor: 123456789012345678901234567890n, currency: 'IDR' }, 'amount');
  expect(readFileSync(path.join(logDir(dir), LOG_FILE), 'utf8')).toContain(
    '"amountMinor":123456789012345678901234567890',
  );
});

it('a workstation thread that cannot open logs why (the host only shows a dialog)', async () => {
  const dir = dataDir();
  writeFileSync(path.join(dir, 'workstation.json'), '{"id":"not-a-uuid"}');
  await expect(
    openWorkstationThread({ dataDir: dir, credentials: memoryCredentials() }),
  ).rejects.toThrow(/workstation.json is damaged/);
  const line = linesOf(path.join(logDir(dir), LOG_FILE)).find(
    (l) => l.msg === 'the workstation could not open',
  );
  expect(line).toMatchObject({
    level: 50,
    err: { type: 'Error', message: expect.stringMatching(/workstation.json is damaged/) },
  });
});

it('logFiles lists nothing for a data dir without logs', () => {
  const dir = dataDir();
  expect(existsSync(logDir(dir))).toBe(false);
  expect(logFiles(dir)).toEqual([]);
});
