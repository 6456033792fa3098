/**
 * A payout above its channel's maximum, prepared offline: the offline preview splits it as the
 * central preview does (it was deferred offline, so the affiliate was left out of every batch
 * prepared offline), and the batch created offline holds its parts and `split` adjustments exactly
 * as the central store makes them — the push is applied and the central content hash is the one
 * computed offline.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Preview, PreviewRow } from '../../src/core/domain/batches/preview.js';
import type { SignInResult } from '../../src/core/domain/operators/commands.js';
import { openWorkstation, type Workstation } from '../../src/core/host/workstation/workstation.js';
import { openScenario, type Scenario } from '../support/payouts.js';
import { ADMIN_PASSWORD } from '../support/workstation.js';

const decided = (r: PreviewRow | undefined) =>
  r && {
    affiliateId: r.affiliateId,
    amountMinor: r.amountMinor,
    currency: r.currency,
    parts: r.parts,
    eligible: r.eligible,
    reasons: r.reasons,
  };

describe('a split payout prepared offline', () => {
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

  it('is previewed and created in parts as online; the push applies with the same content hash', async () => {
    const online = via(s.tw.ws);
    const signedIn = await online<SignInResult>(
      'session.signIn',
      { username: 'admin', password: ADMIN_PASSWORD },
      null,
    );
    if (!signedIn.ok) throw new Error(signedIn.reason);
    const admin = signedIn.token;
    const filters = { provider: 'xendit', currency: 'IDR' };
    // The biggest IDR earner moves to an e-wallet whose maximum it exceeds: its payout is split.
    const before = await online<Preview>('batch.preview', filters, admin);
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
    const centralPreview = await online<Preview>('batch.preview', filters, admin);
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
    const offlinePreview = await off<Preview>('batch.preview', filters, offAdmin.token);
    const bigOffline = offlinePreview.rows.find((r) => r.affiliateId === big.affiliateId);
    expect(bigOffline?.parts?.length).toBeGreaterThan(1);
    expect(decided(bigOffline)).toEqual(
      decided(centralPreview.rows.find((r) => r.affiliateId === big.affiliateId)),
    );
    expect(offlinePreview.rows.map(decided)).toEqual(centralPreview.rows.map(decided));

    const created = await off<{ batches: { id: string; contentHash: string; payouts: number }[] }>(
      'batch.create',
      filters,
      offAdmin.token,
    );
    const prepared = created.batches[0]!;
    expect(prepared.payouts).toBe(
      centralPreview.rows.filter((r) => r.eligible).reduce((n, r) => n + (r.parts?.length ?? 1), 0),
    );

    const pushed = await online<{ pushed: { applied: number; rejected: unknown[] } }>(
      'sync.run',
      {},
      admin,
    );
    expect(pushed.pushed).toMatchObject({ applied: 1, rejected: [] });
    const central = await online<{
      contentHash: string;
      payouts: { affiliate_id: string; amount_minor: string; split_part: number }[];
    }>('batch.show', { batch: prepared.id, payouts: true }, admin);
    expect(central.contentHash).toBe(prepared.contentHash);
    expect(
      central.payouts
        .filter((p) => p.affiliate_id === big.affiliateId)
        .sort((a, b) => Number(a.split_part) - Number(b.split_part))
        .map((p) => String(p.amount_minor)),
    ).toEqual(bigOffline?.parts);
  });
});
