/**
 * Acting on an affiliate (issue 19, item 5), on real stores: a hold keeps the affiliate out of
 * payables and the preview with its reason and stops a batch approved before the hold from sending;
 * KYC and destination changes are permission-gated and audited (the destination masked in the audit
 * trail, the change stamped for the destination security rule); the account number is masked in the
 * affiliate's page and revealed whole only through an audited call.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PayableRow } from '../../../src/core/domain/calculation/payables.js';
import type { Preview } from '../../../src/core/domain/batches/preview.js';
import { rows } from '../../../src/core/platform/central/store.js';
import type { AffiliateDetail } from '../../../src/core/domain/affiliates/page.js';
import { createSandboxProvider } from '../../../src/core/domain/providers/sandbox/client.js';
import { openFlow, type Flow } from '../../support/payout-flow.js';
import { drivers } from '../../support/pg.js';
import { addOperator } from '../../support/workstation.js';

describe.each(drivers())('affiliate actions on %s', (driver) => {
  let flow: Flow;
  let viewer: string;
  /** Eligible sandbox affiliates in PHP, to act on. */
  let eligible: string[];

  const payables = async (id: string) =>
    (await flow.tw.call<PayableRow[]>('payables.list', {})).filter((p) => p.affiliateId === id);
  const previewRow = async (id: string) =>
    (
      await flow.tw.call<Preview>('batch.preview', { provider: 'sandbox', currency: 'PHP' })
    ).rows.find((r) => r.affiliateId === id);
  const audit = async (id: string, action: string) =>
    rows<{ before: unknown; after: Record<string, unknown> }>(
      flow.tw.ws.central.db,
      sql`SELECT before, after FROM audit_log WHERE entity_id = ${id} AND action = ${action} ORDER BY seq`,
    );

  beforeAll(async () => {
    flow = await openFlow(driver, { affiliates: 80, conversions: 4000, seed: 41 });
    flow.providers.sandbox = createSandboxProvider({ seed: 5, settleAfterMs: 0 });
    viewer = await addOperator(flow.tw, 'viewer1', 'viewer');
    const preview = await flow.tw.call<Preview>('batch.preview', {
      provider: 'sandbox',
      currency: 'PHP',
    });
    eligible = preview.rows.filter((r) => r.eligible).map((r) => r.affiliateId);
    expect(eligible.length).toBeGreaterThanOrEqual(3);
  }, 60_000);
  afterAll(() => flow?.cleanup());

  it('a hold shows as payouts_held in payables and the preview until released; both audited with the reason', async () => {
    const [id] = eligible;
    await flow.tw.call('affiliate.hold', {
      affiliateId: id,
      reason: 'disputed conversions under review',
    });
    for (const p of await payables(id!)) expect(p.reasons).toContain('payouts_held');
    expect(await previewRow(id!)).toMatchObject({
      eligible: false,
      reasons: expect.arrayContaining(['payouts_held']),
    });
    expect(
      (await flow.tw.call<AffiliateDetail>('affiliate.detail', { affiliateId: id })).affiliate
        .payoutHold,
    ).toMatchObject({ reason: 'disputed conversions under review' });
    await expect(
      flow.tw.call('affiliate.hold', { affiliateId: id, reason: 'again' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await flow.tw.call('affiliate.release', { affiliateId: id, reason: 'review cleared' });
    expect(await previewRow(id!)).toMatchObject({ eligible: true });
    expect((await audit(id!, 'affiliate.hold'))[0]!.after).toMatchObject({
      held: true,
      reason: 'disputed conversions under review',
    });
    expect((await audit(id!, 'affiliate.release'))[0]!.after).toMatchObject({
      held: false,
      reason: 'review cleared',
    });
    await expect(
      flow.tw.call('affiliate.hold', { affiliateId: id, reason: 'not a viewer’s call' }, viewer),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a hold placed after approval stops the batch from sending that payout', async () => {
    const [, id] = eligible;
    const created = await flow.tw.call<{
      batches: { id: string; contentHash: string; requiredApprovals: number }[];
    }>('batch.create', { provider: 'sandbox', currency: 'PHP', affiliateIds: [id] });
    const b = created.batches[0]!;
    await flow.tw.call('batch.submit', { batch: b.id });
    await flow.tw.call('batch.approve', { batch: b.id, contentHash: b.contentHash }, flow.checker1);
    if (b.requiredApprovals > 1)
      await flow.tw.call(
        'batch.approve',
        { batch: b.id, contentHash: b.contentHash },
        flow.checker2,
      );
    await flow.tw.call('affiliate.hold', { affiliateId: id, reason: 'fraud suspicion' });
    await expect(
      flow.tw.call('batch.execute', { batch: b.id, waitMs: 1000 }),
    ).rejects.toMatchObject({
      code: 'PREFLIGHT_FAILED',
      message: expect.stringMatching(/held \(fraud suspicion\)/),
    });
    const [p] = await rows<{ status: string; attempt: number }>(
      flow.tw.ws.central.db,
      sql`SELECT status, attempt FROM payouts WHERE batch_id = ${b.id}::uuid`,
    );
    expect(p).toMatchObject({ status: 'PENDING', attempt: 0 });
    await flow.tw.call('affiliate.release', { affiliateId: id, reason: 'cleared' });
  });

  it('KYC: rejected keeps the affiliate out (kyc_not_approved); only an administrator sets it', async () => {
    const [, , id] = eligible;
    await expect(
      flow.tw.call(
        'affiliate.setKyc',
        { affiliateId: id, status: 'rejected', reason: 'document expired' },
        flow.checker1,
      ),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await flow.tw.call('affiliate.setKyc', {
      affiliateId: id,
      status: 'rejected',
      reason: 'document expired',
    });
    expect(await previewRow(id!)).toMatchObject({
      eligible: false,
      reasons: expect.arrayContaining(['kyc_not_approved']),
    });
    expect((await audit(id!, 'affiliate.setKyc'))[0]!).toMatchObject({
      before: { kycStatus: 'approved' },
      after: { kycStatus: 'rejected', reason: 'document expired' },
    });
    await flow.tw.call('affiliate.setKyc', {
      affiliateId: id,
      status: 'approved',
      reason: 'new document checked',
    });
    expect(await previewRow(id!)).toMatchObject({ eligible: true });
  });

  it('destination: changed, stamped, masked on the page and in the audit trail; revealed whole only by an audited call', async () => {
    const [, , id] = eligible;
    const r = await flow.tw.call<{ account: string; destinationChangedAt: string }>(
      'affiliate.setDestination',
      {
        affiliateId: id,
        provider: 'sandbox',
        channelCode: 'PH_BDO',
        accountNumber: '0012345678901',
        accountHolderName: 'Maria Santos',
        reason: 'affiliate changed banks (ticket 4411)',
      },
    );
    expect(r.account).toBe('••••••••8901');
    const detail = await flow.tw.call<AffiliateDetail>('affiliate.detail', { affiliateId: id });
    expect(detail.affiliate).toMatchObject({
      provider: 'sandbox',
      channelCode: 'PH_BDO',
      accountNumber: '••••••••8901',
      accountHolderName: 'Maria Santos',
    });
    expect(detail.affiliate.destinationChangedAt).not.toBeNull();
    const trail = JSON.stringify(await audit(id!, 'affiliate.setDestination'));
    expect(trail).toContain('8901');
    expect(trail).not.toContain('0012345678901');
    await expect(
      flow.tw.call('affiliate.revealAccount', { affiliateId: id }, viewer),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(
      await flow.tw.call('affiliate.revealAccount', { affiliateId: id }, flow.checker1),
    ).toMatchObject({ accountNumber: '0012345678901' });
    expect(await audit(id!, 'affiliate.revealAccount')).toHaveLength(1);
    await expect(
      flow.tw.call('affiliate.setDestination', {
        affiliateId: id,
        provider: 'rise',
        channelCode: 'RISE',
        accountNumber: '0x1234',
        accountHolderName: 'Maria Santos',
        reason: 'wrong provider',
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/does not pay PHP/),
    });
  });
});
