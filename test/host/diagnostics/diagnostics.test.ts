/**
 * The diagnostics bundle on real workstations. One that has handled every kind of secret — a
 * provider credential set through the router, the cache key, an operator's password, session
 * tokens — and has an outbox entry and a log (with an old careless line planted in it) gives a
 * bundle whose sections hold real values and whose bytes hold none of the secrets. Through the real
 * CLI, in a fresh process that knows the secrets only from its environment: the same; an existing
 * file is not replaced without --overwrite; and with the central store unreachable and the cache
 * damaged, or its key missing, the bundle is still written, each error in its own section.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKeyAccount } from '../../../src/core/platform/cache/cache.js';
import {
  BUNDLE_SCHEMA,
  collectDiagnostics,
  writeDiagnostics,
  type DiagnosticsBundle,
} from '../../../src/core/host/diagnostics/bundle.js';
import { logDir, LOG_FILE, REDACTED } from '../../../src/core/platform/log/logger.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import { appVersion } from '../../../src/core/platform/files/resources.js';
import { openWorkstation } from '../../../src/core/host/workstation/workstation.js';
import { cliEnv, runCli } from '../../support/cli.js';
import { tempDir } from '../../support/central.js';
import {
  ADMIN_PASSWORD,
  memoryCredentials,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

type Sections = DiagnosticsBundle['sections'];
// The bundle as a reader gets it: JSON, every section either its data or { ok: false, error }.
type Json = Record<string, any>;

/** Each planted secret in the forms it could leak in: as is, in JSON text, as HTTP Basic auth. */
function leaks(bytes: Buffer, planted: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [what, secret] of Object.entries(planted)) {
    for (const form of [
      secret,
      JSON.stringify(secret).slice(1, -1),
      Buffer.from(`${secret}:`).toString('base64'),
    ]) {
      if (bytes.includes(Buffer.from(form, 'utf8'))) found.push(what);
    }
  }
  return [...new Set(found)];
}

describe('diagnostics bundle of a workstation that has used secrets (in process)', () => {
  const XENDIT_KEY = `xnd_development_DIAG_${randomBytes(12).toString('hex')}`;
  const credentials = memoryCredentials();
  const out = tempDir('treasury-diag-out-');
  let t: TestWorkstation;
  const tokens: string[] = [];
  let bundle: Json;
  let bytes: Buffer;

  beforeAll(async () => {
    t = await openTestWorkstation('pglite', { credentials });
    tokens.push(t.token);
    await t.call('provider.credentials.set', { which: 'xendit', secret: XENDIT_KEY });
    await t.call('settings.set', { key: 'thresholds', value: { PHP: '250000.00' } });
    await t.call('demo.generate', {
      affiliates: 30,
      conversions: 900,
      seed: 4,
      until: '2026-11-01',
    });
    await t.call('commissions.calculate', {});
    // Signed in through the workstation's door (the cache key is made, the verifier kept), synced.
    const signed = await t.ws.call<SignInResult>({
      name: 'session.signIn',
      payload: { username: 'admin', password: ADMIN_PASSWORD },
      workstationId: t.ws.id,
      id: randomUUID(),
    });
    if (!signed.ok) throw new Error(signed.reason);
    tokens.push(signed.token);
    await t.ws.call({
      name: 'sync.run',
      payload: {},
      session: signed.token,
      workstationId: t.ws.id,
      id: randomUUID(),
    });
    // A batch prepared offline on the same data dir: one command waits in the outbox.
    const offline = await openWorkstation({ dataDir: t.ws.dataDir, credentials, offline: true });
    try {
      const local = await offline.call<SignInResult>({
        name: 'session.signIn',
        payload: { username: 'admin', password: ADMIN_PASSWORD },
        workstationId: offline.id,
        id: randomUUID(),
      });
      if (!local.ok) throw new Error(local.reason);
      tokens.push(local.token);
      await offline.call({
        name: 'batch.create',
        payload: { provider: 'xendit', currency: 'PHP' },
        session: local.token,
        workstationId: offline.id,
        id: randomUUID(),
      });
    } finally {
      await offline.close();
    }
    // An old careless line, written straight to a rotated log file (as a build without redaction
    // might have): the bundle scrubs log lines again.
    writeFileSync(
      path.join(logDir(t.ws.dataDir), `${LOG_FILE}.1`),
      JSON.stringify({
        level: 40,
        msg: `retrying with key ${XENDIT_KEY}`,
        password: ADMIN_PASSWORD,
        session: { token: tokens[1] },
      }) + '\nnot json at all\n',
      { mode: 0o600 },
    );

    const collected = await collectDiagnostics({
      dataDir: t.ws.dataDir,
      credentials,
      workstation: async () => ({ ws: t.ws, session: async () => t.token }),
    });
    const written = await writeDiagnostics(collected, {
      out: path.join(out.dir, 'bundle.json'),
      dataDir: t.ws.dataDir,
    });
    expect(written.errors).toEqual({});
    bytes = readFileSync(written.file);
    expect(bytes.length).toBe(written.bytes);
    bundle = JSON.parse(bytes.toString('utf8')) as Json;
  }, 240_000);
  afterAll(async () => {
    await t?.cleanup();
    out.remove();
  });

  it('names itself and when it was made', () => {
    expect(bundle.schema).toBe(BUNDLE_SCHEMA);
    expect(Date.now() - Date.parse(bundle.generatedAt)).toBeLessThan(120_000);
    expect(Object.keys(bundle.sections)).toEqual([
      'versions',
      'workstation',
      'configuration',
      'connectivity',
      'central',
      'cache',
      'logs',
    ] satisfies (keyof Sections)[]);
  });

  it('versions: the app, Node, the platform, and SQLite from the cache connection', () => {
    const v = bundle.sections.versions;
    expect(v).toMatchObject({
      ok: true,
      app: appVersion(),
      node: process.versions.node,
      platform: process.platform,
      arch: process.arch,
      electron: null,
    });
    expect(v.sqlite).toMatchObject({
      ok: true,
      source: 'cache',
      sqlite: expect.stringMatching(/^3\.\d+\.\d+$/),
      sqlite3mc: expect.stringMatching(/^SQLite3 Multiple Ciphers \d/),
    });
    expect(v.packages['better-sqlite3-multiple-ciphers']).toMatch(/^12\.11\./);
  });

  it('workstation: the id and the data dir listed by name, size and time', () => {
    const w = bundle.sections.workstation;
    expect(w).toMatchObject({ ok: true, id: t.ws.id, idProblem: null, dataDir: t.ws.dataDir });
    const entry = (name: string) => (w.dataDirEntries as Json[]).find((e) => e.name === name);
    expect(entry('cache.db')).toMatchObject({
      type: 'file',
      bytes: statSync(path.join(t.ws.dataDir, 'cache.db')).size,
    });
    expect(entry('logs')).toMatchObject({
      type: 'dir',
      files: 2,
      entries: [{ name: LOG_FILE }, { name: `${LOG_FILE}.1` }],
    });
    // PGlite's folder is counted, not listed: a thousand files would drown the rest.
    expect(entry('central')).toMatchObject({ type: 'dir', files: expect.any(Number) });
    expect(entry('central')?.files).toBeGreaterThan(100);
    expect(entry('central')?.entries).toBeUndefined();
    // Owner-only: the data dir is 0700 and nothing in it (PGlite's files included) is open to
    // others.
    expect(w.permissions).toMatchObject({ ok: true, dataDir: '700', exposed: 0, examples: [] });
    expect((w.permissions as { checked: number }).checked).toBeGreaterThan(100);
  });

  it('configuration: which secrets are stored, yes or no', () => {
    expect(bundle.sections.configuration.credentialStore).toEqual({
      ok: true,
      kind: 'keychain',
      label: 'OS keychain',
      fallback: false,
      note: null,
      stored: {
        localCacheKey: true,
        pendingCacheKeyRotation: false,
        cliSession: false,
        providers: {
          xendit: true,
          xenditCallbackToken: false,
          rise: false,
          riseWebhookSecret: false,
        },
      },
    });
    expect(bundle.sections.configuration.central).toMatchObject({
      mode: 'embedded',
      offline: false,
    });
  });

  it('connectivity and the central store: version, schema level, settings — and the collection is audited', async () => {
    expect(bundle.sections.connectivity).toMatchObject({ ok: true, online: true, reason: null });
    const c = bundle.sections.central;
    expect(c).toMatchObject({
      ok: true,
      kind: 'pglite',
      serverVersion: expect.stringMatching(/^PostgreSQL \d+/),
    });
    expect(c.migrations).toMatchObject({ state: 'current' });
    expect(c.migrations.applied).toBe(c.migrations.shipped);
    expect(c.settings.high_value_thresholds).toMatchObject({
      value: { PHP: '250000.00' },
      updatedBy: 'admin',
    });
    const tail = await t.call<{ action: string; entityId: string; decision: string }[]>(
      'audit.tail',
      { limit: 20 },
    );
    expect(tail.find((e) => e.action === 'diagnostics.central')).toMatchObject({
      entityId: t.ws.id,
      decision: 'allowed',
    });
  });

  it('cache: sync state, outbox counts by status, schema level', () => {
    const c = bundle.sections.cache;
    expect(c).toMatchObject({
      ok: true,
      exists: true,
      cipher: 'aegis',
      migrations: { state: 'current' },
    });
    expect(c.sync).toMatchObject({
      ok: true,
      lastPullMode: 'initial',
      cursor: expect.stringMatching(/^\d+:\d+$/),
    });
    expect(c.sync.rowsPerTable.affiliates).toBe(30);
    expect(c.outbox).toMatchObject({ ok: true, byStatus: { pending: { count: 1 } } });
    expect(Object.keys(c.outbox.byStatus)).toEqual(['pending']);
    expect(c.sessions.open).toBeGreaterThanOrEqual(2);
    expect(c.journal.byDecision.allowed).toBeGreaterThanOrEqual(1);
  });

  it('logs: the last lines of each file, scrubbed again', () => {
    const files = bundle.sections.logs.files as Json[];
    expect(files.map((f) => f.file)).toEqual([LOG_FILE, `${LOG_FILE}.1`]);
    const calls = (files[0]!.lines as Json[]).map((l) => l.call).filter(Boolean);
    expect(calls).toContain('provider.credentials.set');
    expect(calls).toContain('diagnostics.central');
    expect(files[1]!.lines).toEqual([
      {
        level: 40,
        msg: `retrying with key ${REDACTED}`,
        password: REDACTED,
        session: { token: REDACTED },
      },
      'not json at all',
    ]);
    expect(bundle.sections.logs.settings).toMatchObject({ ok: true, level: 'info' });
  });

  it('holds none of the secrets, in any form', () => {
    const cacheKey = credentials.entries.get(cacheKeyAccount(t.ws.id));
    expect(cacheKey).toMatch(/^[0-9a-f]{64}$/);
    const planted = {
      'xendit key': XENDIT_KEY,
      'cache key': cacheKey!,
      'operator password': ADMIN_PASSWORD,
      ...Object.fromEntries(tokens.map((tok, i) => [`session token ${i + 1}`, tok])),
    };
    expect(leaks(bytes, planted)).toEqual([]);
    // …while the scan does see what it should: the workstation id is there.
    expect(bytes.includes(Buffer.from(t.ws.id))).toBe(true);
  });
});

describe('treasury diagnostics (the CLI, a fresh process)', () => {
  const tmp = tempDir('treasury-diag-cli-');
  const data = path.join(tmp.dir, 'data');
  const PASSWORD = `a long password ${randomBytes(6).toString('hex')}`;
  const PROVIDER_KEY = `xnd_development_CLI_${randomBytes(12).toString('hex')}`;
  const CACHE_KEY = randomBytes(32).toString('hex');
  const env = cliEnv({
    TREASURY_CACHE_KEY: CACHE_KEY,
    TREASURY_INIT_PASSWORD: PASSWORD,
    TREASURY_USERNAME: 'admin',
    TREASURY_PASSWORD: PASSWORD,
    TREASURY_SECRET_PROVIDER_XENDIT_SECRET_KEY: PROVIDER_KEY,
  });
  const treasury = (args: string[], extra: NodeJS.ProcessEnv = env) =>
    runCli(['--data-dir', data, ...args], { cwd: tmp.dir, env: extra });
  const ok = async (args: string[], extra?: NodeJS.ProcessEnv) => {
    const r = await treasury(args, extra);
    if (r.code !== 0) throw new Error(`treasury ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const read = (name: string) => JSON.parse(readFileSync(path.join(tmp.dir, name), 'utf8')) as Json;
  const planted = { password: PASSWORD, 'provider key': PROVIDER_KEY, 'cache key': CACHE_KEY };

  beforeAll(async () => {
    await ok(['init']);
    await ok([
      'demo',
      '--affiliates',
      '20',
      '--conversions',
      '400',
      '--seed',
      '3',
      '--until',
      '2026-11-01',
    ]);
    await ok(['sync']);
    appendFileSync(
      path.join(data, 'logs', LOG_FILE),
      JSON.stringify({
        level: 50,
        msg: `auth failed for ${PROVIDER_KEY}`,
        detail: { password: PASSWORD },
      }) + '\n',
    );
  }, 240_000);
  afterAll(() => tmp.remove());

  it('writes the bundle; a fresh process knows the secrets from its environment and cuts them out', async () => {
    const r = await ok(['diagnostics', '--out', 'bundle.json']);
    expect(r.stdout).toMatch(
      /Diagnostics bundle written: .*bundle\.json \(\d+ bytes, SHA-256 [0-9a-f]{64}\)\nEvery section was collected\./,
    );
    const bundle = read('bundle.json');
    expect(bundle.sections.configuration.environment).toMatchObject({
      TREASURY_PASSWORD: REDACTED,
      TREASURY_CACHE_KEY: REDACTED,
      TREASURY_SECRET_PROVIDER_XENDIT_SECRET_KEY: REDACTED,
      TREASURY_USERNAME: 'admin',
      TREASURY_CREDENTIAL_STORE: 'env',
    });
    expect(bundle.sections.configuration.credentialStore.stored).toMatchObject({
      localCacheKey: true,
      providers: { xendit: true, rise: false },
    });
    expect(bundle.sections.central).toMatchObject({ ok: true, migrations: { state: 'current' } });
    expect(bundle.sections.cache.sync.rowsPerTable.affiliates).toBe(20);
    const last = (bundle.sections.logs.files[0].lines as Json[])
      .filter((l) => l.msg === 'call')
      .map((l) => l.call);
    expect(last).toContain('diagnostics.central');
    const careless = (bundle.sections.logs.files[0].lines as Json[]).find(
      (l) => typeof l.msg === 'string' && l.msg.startsWith('auth failed'),
    );
    expect(careless).toEqual({
      level: 50,
      msg: `auth failed for ${REDACTED}`,
      detail: { password: REDACTED },
    });
    expect(leaks(readFileSync(path.join(tmp.dir, 'bundle.json')), planted)).toEqual([]);
    expect(statSync(path.join(tmp.dir, 'bundle.json')).mode & 0o777).toBe(0o600);
    // Written to the workstation's own log too.
    expect(readFileSync(path.join(data, 'logs', LOG_FILE), 'utf8')).toMatch(
      /"msg":"diagnostics bundle written"/,
    );
  }, 120_000);

  it('does not replace an existing file unless --overwrite', async () => {
    const before = readFileSync(path.join(tmp.dir, 'bundle.json'));
    const refused = await treasury(['diagnostics', '--out', 'bundle.json']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/bundle\.json already exists/);
    expect(readFileSync(path.join(tmp.dir, 'bundle.json')).equals(before)).toBe(true);
    await ok(['diagnostics', '--out', 'bundle.json', '--overwrite', '--log-lines', '3']);
    const again = read('bundle.json');
    expect(again.generatedAt).not.toBe(JSON.parse(before.toString('utf8')).generatedAt);
    expect(again.sections.logs.files[0].lines).toHaveLength(3);
    expect(
      (await treasury(['diagnostics', '--out', 'x.json', '--log-lines', 'many'])).stderr,
    ).toMatch(/--log-lines must be a whole number/);
    expect(existsSync(path.join(tmp.dir, 'x.json'))).toBe(false);
  }, 120_000);

  it('central unreachable and the cache damaged: still written, each error in its section', async () => {
    const file = path.join(data, 'cache.db');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const unreachable = 'postgres://postgres:pw-in-url-0123456789@127.0.0.1:1/test';
    const r = await ok(['--central', unreachable, 'diagnostics', '--out', 'damaged.json']);
    expect(r.stdout).toMatch(/Recorded in the bundle instead of data/);
    expect(r.stdout).toMatch(/central: OFFLINE/);
    expect(r.stdout).toMatch(/cache: CACHE_DAMAGED/);
    const b = read('damaged.json');
    expect(b.sections.connectivity).toMatchObject({
      ok: true,
      online: false,
      reason: expect.stringMatching(/cannot reach the central Postgres at .*127\.0\.0\.1:1/),
    });
    expect(b.sections.central).toMatchObject({ ok: false, error: { code: 'OFFLINE' } });
    expect(b.sections.cache).toMatchObject({
      ok: false,
      error: { code: 'CACHE_DAMAGED', message: expect.stringMatching(/cache\.db is damaged/) },
    });
    expect(b.sections.configuration.central).toMatchObject({
      mode: 'postgres',
      location: `postgres://postgres:${REDACTED}@127.0.0.1:1/test`,
    });
    // What does not depend on the broken parts is all there.
    expect(b.sections.versions).toMatchObject({
      ok: true,
      app: appVersion(),
      sqlite: { ok: true, source: 'library' },
    });
    expect(b.sections.workstation).toMatchObject({
      ok: true,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect((b.sections.logs.files[0].lines as Json[]).length).toBeGreaterThan(5);
    expect(
      leaks(readFileSync(path.join(tmp.dir, 'damaged.json')), {
        ...planted,
        'url password': 'pw-in-url-0123456789',
      }),
    ).toEqual([]);
  }, 120_000);

  it('the cache key missing: still written, the cache section says so', async () => {
    const withoutKey = { ...env };
    delete withoutKey.TREASURY_CACHE_KEY;
    await ok(['--offline', 'diagnostics', '--out', 'keyless.json'], withoutKey);
    const b = read('keyless.json');
    expect(b.sections.cache).toMatchObject({
      ok: false,
      error: {
        code: 'CACHE_KEY',
        message: expect.stringMatching(/its key is not in the env store/),
      },
    });
    expect(b.sections.configuration.credentialStore.stored.localCacheKey).toBe(false);
    expect(b.sections.connectivity).toMatchObject({
      ok: true,
      online: false,
      reason: expect.stringMatching(/offline mode was chosen/),
    });
    expect(b.sections.central).toMatchObject({ ok: false, error: { code: 'OFFLINE' } });
  }, 120_000);

  it('a data dir never set up: a bundle that says so, and nothing created there', async () => {
    const empty = path.join(tmp.dir, 'nothing-here');
    const r = await runCli(['--data-dir', empty, 'diagnostics', '--out', 'empty.json'], {
      cwd: tmp.dir,
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    const b = read('empty.json');
    expect(b.sections.workstation).toMatchObject({
      ok: true,
      id: null,
      idProblem: expect.stringMatching(/never set up/),
      dataDirEntries: [],
    });
    expect(b.sections.cache).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(b.sections.connectivity).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(existsSync(empty)).toBe(false);
  }, 120_000);
});
