/**
 * A batch with a split payout, prepared further offline (issue 19, item 4): the central store made
 * the parts; the cache mirrors them; an edit made offline computes the batch's content hash over
 * the parts exactly as the central store does, so the approval given for it stays valid after the
 * push.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Preview } from '../../src/core/domain/batches/preview.js';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import { openWorkstation, type Workstation } from '../../src/core/host/workstation/workstation.js';
import { openScenario, type Scenario } from '../support/payouts.js';
import { ADMIN_PASSWORD } from '../support/workstation.js';

describe('a split batch edited offline keeps the central content hash', () => {
  let s: Scenario;
  let offline: Workstation;
  const via =
    (ws: Workstation) =>
    <T>(name: string, payload: unknown, session: string | null) =>
      ws.call<T>({ name, payload, session, workstationId: ws.id, id: randomUUID() });

  beforeAll(async () => {
    s = await openScenario('pglite', { affiliates: 60, conversions: 3000, seed: 21 });
  }, 60_000);
  afterAll(async () => {
    await offline?.close();
    await s?.cleanup();
  });

  it('removing another payout offline gives the hash the central store computes after the push', async () => {
    const online = via(s.tw.ws);
    const signedIn = await online<SignInResult>(
      'session.signIn',
      { username: 'admin', password: ADMIN_PASSWORD },
      null,
    );
    if (!signedIn.ok) throw new Error(signedIn.reason);
    const admin = signedIn.token;
    // The biggest IDR earner moves to an e-wallet whose maximum it exceeds: its payout is split.
    const before = await online<Preview>(
      'batch.preview',
      { provider: 'xendit', currency: 'IDR' },
      admin,
    );
    const big = before.rows
      .filter((r) => r.eligible)
      .sort((a, b) => (BigInt(b.amountMinor) > BigInt(a.amountMinor) ? 1 : -1))[0]!;
    expect(BigInt(big.amountMinor)).toBeGreaterThan(2_000_000_000n); // above OVO's IDR 20,000,000
    await online(
      'affiliate.setDestination',
      {
        affiliateId: big.affiliateId,
        provider: 'xendit',
        channelCode: 'ID_OVO',
        accountNumber: '081234567890',
        accountHolderName: big.name,
        reason: 'moved to an e-wallet',
      },
      admin,
    );
    const created = await online<{ batches: { id: string; contentHash: string }[] }>(
      'batch.create',
      { provider: 'xendit', currency: 'IDR' },
      admin,
    );
    const batch = created.batches[0]!;
    const shown = await online<{ payouts: { affiliate_id: string; split_parts: number }[] }>(
      'batch.show',
      { batch: batch.id, payouts: true },
      admin,
    );
    expect(shown.payouts.filter((p) => p.affiliate_id === big.affiliateId).length).toBeGreaterThan(
      1,
    );
    const other = shown.payouts.find((p) => Number(p.split_parts) === 1)!.affiliate_id;
    await online('sync.run', {}, admin);

    offline = await openWorkstation({
      dataDir: s.tw.ws.dataDir,
      credentials: s.tw.ws.credentials,
      offline: true,
    });
    const off = via(offline);
    const offAdmin = await off<SignInResult>(
      'session.signIn',
      { username: 'admin', password: ADMIN_PASSWORD },
      null,
    );
    if (!offAdmin.ok) throw new Error(offAdmin.reason);
    const removed = await off<{ contentHash: string }>(
      'batch.removePayouts',
      { batch: batch.id, affiliateIds: [other] },
      offAdmin.token,
    );
    expect(removed.contentHash).not.toBe(batch.contentHash);

    const pushed = await online<{ pushed: { applied: number; rejected: unknown[] } }>(
      'sync.run',
      {},
      admin,
    );
    expect(pushed.pushed).toMatchObject({ applied: 1, rejected: [] });
    const central = await online<{ contentHash: string }>('batch.show', { batch: batch.id }, admin);
    expect(central.contentHash).toBe(removed.contentHash);
  });
});
