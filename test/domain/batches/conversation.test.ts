/**
 * Maker and checker talk through the batch: the maker's note on the batch and in the list; every
 * affiliate the maker leaves out is recorded with the batch (amount, reason, who, when — in the
 * same transaction as its `batch.create` audit entry), and a reason is required; the preview says
 * before creation which payouts make the batch high-value; a rejection stands on the batch (who,
 * when, why) until it is submitted again; and each operator's approvals inbox (batch.list
 * awaitingMe) holds exactly the batches they may approve now.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeftOut } from '../../../src/core/domain/batches/left-out.js';
import { rows } from '../../../src/core/platform/central/store.js';
import type { Preview } from '../../../src/core/domain/batches/preview.js';
import type { PreviewPage } from '../../../src/core/domain/batches/preview-page.js';
import { drivers } from '../../support/pg.js';
import {
  addOperator,
  openTestWorkstation,
  type TestWorkstation,
} from '../../support/workstation.js';

interface Created {
  batches: { id: string; number: string; payouts: number; requiredApprovals: number }[];
  leftOut: LeftOut[];
}
interface Shown {
  status: string;
  note: string | null;
  leftOut: LeftOut[];
  rejection: { by: string | null; at: string; reason: string } | null;
}
interface Listed {
  id: string;
  note: string | null;
  rejected: boolean;
  highValue: boolean;
}

describe.each(drivers())('the batch carries the conversation (%s)', (driver) => {
  let tw: TestWorkstation;
  let maker: string;
  let checker: string;
  let second: string;
  let viewer: string;
  let whole: Preview;
  let batchId = '';
  const inbox = async (token: string) =>
    (await tw.call<Listed[]>('batch.list', { awaitingMe: true }, token)).map((b) => b.id);
  const show = (token: string) => tw.call<Shown>('batch.show', { batch: batchId }, token);

  beforeAll(async () => {
    tw = await openTestWorkstation(driver);
    await tw.call('demo.generate', {
      affiliates: 60,
      conversions: 3_000,
      seed: 21,
      until: '2026-06-01T00:00:00Z',
    });
    await tw.call('commissions.calculate', {});
    // IDR payouts of 100,000 or more are high value: some, not all, in one currency.
    await tw.ws.central.db.execute(
      sql`INSERT INTO settings (key, value) VALUES ('high_value_thresholds', '{"IDR":"100000"}'::jsonb)
          ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    maker = await addOperator(tw, 'maker', 'processor');
    checker = await addOperator(tw, 'checker', 'manager');
    second = await addOperator(tw, 'second', 'manager');
    viewer = await addOperator(tw, 'viewer', 'viewer');
    whole = await tw.call<Preview>('batch.preview', { provider: 'xendit' }, maker);
  });
  afterAll(async () => {
    await tw?.cleanup();
  });

  it('says before creation which eligible payouts make the batch high-value', async () => {
    const page = await tw.call<PreviewPage>(
      'batch.previewPage',
      { provider: 'xendit', offset: 0, limit: 1000, show: 'highValue' },
      maker,
    );
    const expected = whole.rows.filter((r) => r.eligible && r.highValue);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(whole.eligibleCount);
    expect(page.highValue.count).toBe(expected.length);
    expect(page.total).toBe(expected.length);
    expect(page.rows.every((r) => r.eligible && r.highValue)).toBe(true);
    // The line above the create button names the first of them, by affiliate.
    const first = expected.map((r) => r.affiliateId).sort()[0];
    expect(page.highValue.rows[0]).toMatchObject({ affiliateId: first });
  });

  it('refuses to leave an affiliate out without a reason', async () => {
    const one = whole.rows.find((r) => r.eligible)!;
    await expect(
      tw.call(
        'batch.create',
        { provider: 'xendit', leftOut: [{ affiliateId: one.affiliateId, reason: ' ' }] },
        maker,
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('records each exclusion with the batch and its audit entry: amount, reason, who, when; the note shows', async () => {
    const eligible = whole.rows.filter((r) => r.eligible);
    const out = [eligible[1]!, eligible[4]!];
    const created = await tw.call<Created>(
      'batch.create',
      {
        provider: 'xendit',
        note: 'June run, two paid by hand',
        leftOut: [
          { affiliateId: out[0]!.affiliateId, reason: 'paid by hand on the 3rd' },
          { affiliateId: out[1]!.affiliateId, reason: 'disputed conversions' },
        ],
      },
      maker,
    );
    expect(created.batches).toHaveLength(1);
    expect(created.batches[0]!.requiredApprovals).toBe(2);
    batchId = created.batches[0]!.id;
    const shown = await show(checker);
    expect(shown.note).toBe('June run, two paid by hand');
    const sorted = [...out].sort((a, b) => (a.affiliateId < b.affiliateId ? -1 : 1));
    expect(shown.leftOut.map((l) => [l.affiliateId, l.amountMinor, l.currency, l.by])).toEqual(
      sorted.map((r) => [r.affiliateId, r.amountMinor, r.currency, 'maker']),
    );
    expect(shown.leftOut.map((l) => l.reason).sort()).toEqual([
      'disputed conversions',
      'paid by hand on the 3rd',
    ]);
    expect(Date.parse(shown.leftOut[0]!.at)).not.toBeNaN();
    const [entry] = await rows<{ after: { leftOut: LeftOut[] } }>(
      tw.ws.central.db,
      sql`SELECT after FROM audit_log WHERE action = 'batch.create' AND entity_id = ${batchId}`,
    );
    const audited = entry!.after;
    expect(audited.leftOut).toEqual(shown.leftOut);
    const listed = await tw.call<Listed[]>('batch.list', {}, viewer);
    expect(listed.find((b) => b.id === batchId)).toMatchObject({
      note: 'June run, two paid by hand',
      highValue: true,
      rejected: false,
    });
  });

  it('puts a submitted batch in the inbox of those who may approve it, never its maker’s', async () => {
    expect(await inbox(checker)).not.toContain(batchId); // a draft awaits nobody
    await tw.call('batch.submit', { batch: batchId }, maker);
    expect(await inbox(checker)).toContain(batchId);
    expect(await inbox(second)).toContain(batchId);
    expect(await inbox(maker)).not.toContain(batchId);
    expect(await inbox(viewer)).toEqual([]);
  });

  it('keeps a rejection on the batch (who, when, why) until it is submitted again', async () => {
    await tw.call(
      'batch.reject',
      { batch: batchId, reason: 'A0007 is not disputed: pay it' },
      checker,
    );
    const rejected = await show(maker);
    expect(rejected.status).toBe('DRAFT');
    expect(rejected.rejection).toMatchObject({
      by: 'checker',
      reason: 'A0007 is not disputed: pay it',
    });
    expect(Date.parse(rejected.rejection!.at)).not.toBeNaN();
    expect(await inbox(checker)).not.toContain(batchId);
    const listed = await tw.call<Listed[]>('batch.list', {}, maker);
    expect(listed.find((b) => b.id === batchId)?.rejected).toBe(true);

    await tw.call('batch.submit', { batch: batchId }, maker);
    expect((await show(maker)).rejection).toBeNull();
    expect(await inbox(checker)).toContain(batchId);
  });

  it('takes a batch out of an approver’s inbox once they approved it; the second approver still has it', async () => {
    await tw.call('batch.approve', { batch: batchId }, checker);
    expect(await inbox(checker)).not.toContain(batchId);
    expect(await inbox(second)).toContain(batchId);
    await tw.call('batch.approve', { batch: batchId }, second);
    expect(await inbox(second)).not.toContain(batchId);
  });
});
