/**
 * Provider credential rotation (treasury provider credentials rotate; Settings → Rotate): an API
 * key is proven with the provider (over real HTTP, the fake Xendit) before it replaces the stored
 * one; a refused key changes nothing; the client built with the old key is dropped at once, so the
 * very next call uses the new key without a restart; nothing secret reaches the audit trail.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { CREDENTIAL_ACCOUNTS } from '../../../src/core/domain/providers/registry.js';
import { startFakeXendit, type FakeXendit } from '../../fakes/xendit.js';
import {
  addOperator,
  memoryCredentials,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

describe('provider credential rotation', () => {
  const OLD = `xnd_development_OLD_${randomBytes(8).toString('hex')}`;
  const NEW = `xnd_development_NEW_${randomBytes(8).toString('hex')}`;
  const WRONG = `xnd_development_WRONG_${randomBytes(8).toString('hex')}`;
  const credentials = memoryCredentials();
  let fake: FakeXendit;
  let t: TestWorkstation;
  let before: string | undefined;
  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );

  beforeAll(async () => {
    // The provider already knows only the new key (it was generated in its dashboard; the old one
    // revoked).
    fake = await startFakeXendit({ seed: 9, secretKey: NEW });
    before = process.env.TREASURY_XENDIT_URL;
    process.env.TREASURY_XENDIT_URL = fake.url; // the real provider registry, reading keys from the store
    t = await openTestWorkstation('pglite', { credentials });
    await t.call('provider.credentials.set', { which: 'xendit', secret: OLD });
  }, 120_000);
  afterAll(async () => {
    if (before === undefined) delete process.env.TREASURY_XENDIT_URL;
    else process.env.TREASURY_XENDIT_URL = before;
    await t?.cleanup();
    await fake?.close();
  });

  it('a key the provider refuses is not stored: the current one stays', async () => {
    // The old key is in use (its client is built and kept) and the provider refuses it.
    expect(
      await refusal(t.call('provider.balance', { provider: 'xendit', currency: 'IDR' })),
    ).not.toBeNull();
    const e = await refusal(
      t.call('provider.credentials.rotate', { which: 'xendit', secret: WRONG }),
    );
    expect(e).toMatchObject({ code: 'VALIDATION' });
    expect(e!.message).toMatch(
      /xendit refused the new xendit secret when asked for the IDR balance .*nothing was changed, the current secret stays in use/,
    );
    expect(e!.message).not.toContain(WRONG);
    expect(credentials.entries.get(CREDENTIAL_ACCOUNTS.xendit)).toBe(OLD);
  });

  it('a key the provider accepts replaces the old one, and the next call uses it without a restart', async () => {
    const r = await t.call<{ verified: boolean; proof: string }>('provider.credentials.rotate', {
      which: 'xendit',
      secret: NEW,
    });
    expect(r).toMatchObject({ verified: true, proof: 'IDR balance read with the new secret' });
    expect(credentials.entries.get(CREDENTIAL_ACCOUNTS.xendit)).toBe(NEW);
    const balance = await t.call<{ balance: string; currency: string }>('provider.balance', {
      provider: 'xendit',
      currency: 'IDR',
    });
    expect(balance.currency).toBe('IDR');
    expect(BigInt(balance.balance.replace('.', ''))).toBe(fake.balanceOf('IDR'));
  });

  it('refuses what is not a rotation, and those who may not rotate', async () => {
    expect(
      await refusal(t.call('provider.credentials.rotate', { which: 'xendit', secret: NEW })),
    ).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/already stored: nothing to rotate/),
    });
    expect(
      await refusal(
        t.call('provider.credentials.rotate', { which: 'rise', secret: `0x${'ab'.repeat(32)}` }),
      ),
    ).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/treasury provider credentials set rise/),
    });
    const viewer = await addOperator(t, 'rotation-viewer', 'viewer');
    expect(
      await refusal(
        t.call('provider.credentials.rotate', { which: 'xendit', secret: WRONG }, viewer),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
    expect(credentials.entries.get(CREDENTIAL_ACCOUNTS.xendit)).toBe(NEW);
  });

  it('a webhook secret is replaced as it is (the provider proves it on delivery), and the audit trail holds no secret', async () => {
    const token = `cb_${randomBytes(12).toString('hex')}`;
    await t.call('provider.credentials.set', {
      which: 'xendit-callback-token',
      secret: `cb_${randomBytes(12).toString('hex')}`,
    });
    const r = await t.call<{ verified: boolean }>('provider.credentials.rotate', {
      which: 'xendit-callback-token',
      secret: token,
    });
    expect(r.verified).toBe(false);
    expect(credentials.entries.get(CREDENTIAL_ACCOUNTS.xenditCallbackToken)).toBe(token);
    const audit = await rows<{ action: string; decision: string; text: string }>(
      t.ws.central.db,
      sql`SELECT action, decision, row_to_json(a)::text AS text FROM audit_log a WHERE action LIKE 'provider.credentials.%' ORDER BY seq`,
    );
    // Two rotations done (the key, the token); the refused and the forbidden ones are audited as
    // not done.
    expect(
      audit.filter((a) => a.action === 'provider.credentials.rotate' && a.decision === 'allowed')
        .length,
    ).toBe(2);
    expect(
      audit.filter((a) => a.action === 'provider.credentials.rotate' && a.decision === 'denied')
        .length,
    ).toBe(1);
    for (const a of audit)
      for (const s of [OLD, NEW, WRONG, token]) expect(a.text).not.toContain(s);
  });
});
