/**
 * Secrets stay in the credential store. Plant them — a Xendit secret key and callback token (set
 * through the router), the cache key, session tokens, the operators' password — run the whole flow
 * (calc, batch, approvals, execution against the fake Xendit using the stored key, sync into the
 * encrypted cache, CSV and JSON exports, logging), then read every byte of the data dir (central
 * store, cache, logs) and of the exports: no secret appears, in clear or as the Basic auth header.
 * What a settings screen may learn is "configured: yes/no".
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKeyAccount } from '../../../src/core/platform/cache/cache.js';
import { logger, REDACTED } from '../../../src/core/platform/log/logger.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import { startFakeXendit, type FakeXendit } from '../../fakes/xendit.js';
import { tempDir } from '../../support/central.js';
import {
  ADMIN_PASSWORD,
  addOperator,
  memoryCredentials,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

describe('secrets never reach a file, a log or an export', () => {
  const XENDIT_KEY = `xnd_development_PLANTED_${randomBytes(12).toString('hex')}`;
  const CALLBACK_TOKEN = `cb_PLANTED_${randomBytes(12).toString('hex')}`;
  const exports = tempDir('treasury-secret-exports-');
  const credentials = memoryCredentials();
  let fake: FakeXendit;
  let t: TestWorkstation;
  const tokens: string[] = [];
  let before: string | undefined;

  beforeAll(async () => {
    fake = await startFakeXendit({ seed: 3, secretKey: XENDIT_KEY });
    before = process.env.TREASURY_XENDIT_URL;
    process.env.TREASURY_XENDIT_URL = fake.url; // the default provider registry, reading the key from the store
    t = await openTestWorkstation('pglite', { credentials });
    tokens.push(t.token);
    const checker = await addOperator(t, 'checker1', 'manager');
    tokens.push(checker);
    await t.call('provider.credentials.set', { which: 'xendit', secret: XENDIT_KEY });
    await t.call('provider.credentials.set', {
      which: 'xendit-callback-token',
      secret: CALLBACK_TOKEN,
    });
    await t.call('demo.generate', {
      affiliates: 40,
      conversions: 1500,
      seed: 4,
      until: '2026-11-01',
    });
    await t.call('commissions.calculate', {});
    const created = await t.call<{ batches: { id: string; requiredApprovals: number }[] }>(
      'batch.create',
      { provider: 'xendit', currency: 'PHP' },
    );
    const b = created.batches[0]!;
    await t.call('batch.submit', { batch: b.id });
    await t.call('batch.approve', { batch: b.id }, checker);
    if (b.requiredApprovals === 2) {
      const second = await addOperator(t, 'checker2', 'manager');
      tokens.push(second);
      await t.call('batch.approve', { batch: b.id }, second);
    }
    const executed = await t.call<{ status: string }>('batch.execute', {
      batch: b.id,
      waitMs: 20_000,
    });
    expect(executed.status).toMatch(/^COMPLETED/); // the stored key really was used against the fake
    // Sign in through the workstation's door (remembers the verifier), sync into the encrypted
    // cache.
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
    for (const format of ['csv', 'json'] as const)
      await t.call('export.payoutItems', {
        format,
        out: path.join(exports.dir, `items.${format}`),
      });
    // A careless log line: the logger cuts the secrets out whatever the field is called.
    logger(t.ws.dataDir).warn(
      {
        detail: `retrying with Authorization: Basic ${XENDIT_KEY}`,
        password: ADMIN_PASSWORD,
        nested: { token: signed.token },
      },
      `callback ${CALLBACK_TOKEN} rejected`,
    );
  }, 240_000);
  afterAll(async () => {
    if (before === undefined) delete process.env.TREASURY_XENDIT_URL;
    else process.env.TREASURY_XENDIT_URL = before;
    await t?.cleanup();
    await fake?.close();
    exports.remove();
  });

  it('scans every file of the data dir and the exports: none holds a secret', () => {
    const cacheKey = credentials.entries.get(cacheKeyAccount(t.ws.id));
    expect(cacheKey).toMatch(/^[0-9a-f]{64}$/);
    const planted: Record<string, string> = {
      'xendit secret key': XENDIT_KEY,
      'xendit basic auth': Buffer.from(`${XENDIT_KEY}:`).toString('base64'),
      'callback token': CALLBACK_TOKEN,
      'cache key (hex)': cacheKey!,
      password: ADMIN_PASSWORD,
      ...Object.fromEntries(tokens.map((token, i) => [`session token ${i + 1}`, token])),
    };
    const scanned = [...files(t.ws.dataDir), ...files(exports.dir)];
    expect(scanned.some((f) => f.endsWith('cache.db'))).toBe(true);
    expect(scanned.some((f) => f.includes(`${path.sep}central${path.sep}`))).toBe(true);
    expect(scanned.filter((f) => f.endsWith('.log'))).toHaveLength(1);
    expect(scanned.filter((f) => /items\.(csv|json)$/.test(f))).toHaveLength(2);
    const found: string[] = [];
    for (const file of scanned) {
      const bytes = readFileSync(file);
      for (const [what, secret] of Object.entries(planted))
        if (bytes.includes(Buffer.from(secret, 'utf8')))
          found.push(`${what} in ${path.relative(t.ws.dataDir, file)}`);
    }
    expect(found).toEqual([]);
    // The scan does see plain data: an operator's name is in the central store's files.
    expect(
      scanned.filter(
        (f) =>
          f.includes(`${path.sep}central${path.sep}`) &&
          readFileSync(f).includes(Buffer.from('checker1')),
      ).length,
    ).toBeGreaterThanOrEqual(1);
  });

  it('the log has the calls and the redactions', () => {
    const log = readFileSync(path.join(t.ws.dataDir, 'logs', 'treasury.log'), 'utf8');
    expect(log).toMatch(/"call":"batch.execute".*"outcome":"ok"/);
    expect(log).toContain(REDACTED);
    const careless = log.split('\n').find((l) => l.includes('rejected'))!;
    expect(JSON.parse(careless)).toMatchObject({
      password: REDACTED,
      nested: { token: REDACTED },
      detail: `retrying with Authorization: Basic ${REDACTED}`,
      msg: `callback ${REDACTED} rejected`,
    });
  });

  it('a settings screen learns only configured yes/no', async () => {
    const status = await t.call('provider.credentials.status', {});
    expect(status).toEqual({
      xendit: { configured: true },
      'xendit-callback-token': { configured: true },
      rise: { configured: false },
      'rise-webhook-secret': { configured: false },
    });
  });
});
