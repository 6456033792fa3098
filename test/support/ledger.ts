/**
 * A ledger with every kind of money movement, made by the real flow against the fake Xendit over
 * HTTP, for the report and export tests:
 *
 * - batch 1 (IDR): every payout succeeds; one affiliate earns in USD and is paid in IDR (FX);
 * - then a refund after payout (a clawback), new business, and a reversal by the provider;
 * - batch 2 (IDR): carries the clawback and the reversal as adjustment items; one payout fails
 *   (the provider refuses the transfer);
 * - a reconciliation run between the two batches;
 * - provider references a spreadsheet would execute, as a hostile or broken provider might send
 *   them.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { rows } from '../../src/core/platform/central/store.js';
import { pollPayouts } from '../../src/core/domain/payouts/poll.js';
import { xenditProvider } from '../../src/core/domain/providers/xendit/client.js';
import { startFakeXendit, type FakeXendit } from '../fakes/xendit.js';
import { tempDir, type Driver } from './central.js';
import {
  openFlow,
  payBatch,
  payoutStates,
  type Flow,
  type PaidBatch,
  type PayoutState,
} from './payout-flow.js';

/** Provider ids as a hostile or broken provider might send them. */
export const HOSTILE = [
  '=HYPERLINK("http://evil.example","click")',
  '@SUM(1+1)',
  '+1-1',
  '-2+3',
  '\tpadded',
  '\rreturn',
];

/** The affiliate who earns in USD and is paid in IDR. */
export const FX_AFFILIATE = 'fx-aff-1';
export const FX_RATE = '16250.5';

export interface Ledger {
  flow: Flow;
  fake: FakeXendit;
  first: PaidBatch;
  second: PaidBatch;
  /** Batch 1's payouts (all SUCCEEDED when made). */
  paid: PayoutState[];
  dir: { dir: string; remove: () => void };
  out(name: string): string;
  close(): Promise<void>;
}

export async function openLedger(driver: Driver): Promise<Ledger> {
  const flow = await openFlow(driver);
  const fake = await startFakeXendit({ seed: 6 });
  const dir = tempDir('treasury-ledger-');
  const out = (name: string) => path.join(dir.dir, name);
  const db = flow.tw.ws.central.db;
  const client = xenditProvider({ baseUrl: fake.url, secretKey: fake.secretKey, timeoutMs: 3000 });
  flow.providers.xendit = client;

  // An affiliate paid in IDR who earns in USD: their payout goes through FX.
  writeFileSync(
    out('fx-affiliates.csv'),
    'id,name,email,country,currency,provider,channel_code,account_number,account_holder_name,status,kyc_status\n' +
      `${FX_AFFILIATE},FX Affiliate,fx@affiliates.example,ID,IDR,xendit,ID_BCA,1234567890,FX Affiliate,active,approved\n`,
  );
  await flow.tw.call('affiliates.import', { file: out('fx-affiliates.csv') });
  writeFileSync(
    out('fx-conversions.csv'),
    'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at\n' +
      `fx-conv-1,${FX_AFFILIATE},2026-08-03T10:00:00Z,pro-plan,40000.00,0,USD,approved,\n` +
      `fx-conv-2,${FX_AFFILIATE},2026-08-04T11:30:00Z,pro-plan,25000.55,500.10,USD,approved,\n`,
  );
  await flow.tw.call('conversions.import', { file: out('fx-conversions.csv') });
  await flow.tw.call('commissions.calculate', {});

  const first = await payBatch(flow, {
    provider: 'xendit',
    currency: 'IDR',
    fxRates: { [`USD/IDR`]: FX_RATE },
  });
  const paid = await payoutStates(flow, first.batchId);
  expect(paid.length).toBeGreaterThanOrEqual(2 + HOSTILE.length);
  for (const p of paid) expect(p.status).toBe('SUCCEEDED');
  expect(
    paid.some(
      (p) => p.affiliate_id === FX_AFFILIATE && p.source_currency === 'USD' && p.currency === 'IDR',
    ),
  ).toBe(true);

  // A refund after payout (a clawback: a negative adjustment) plus new business for the same
  // affiliate, and a reversal for another: both go into a second batch as adjustment items.
  // A payout holding commissions: the later parts of a split payout hold only a split adjustment.
  const clawed = paid.find((p) => p.affiliate_id !== FX_AFFILIATE && Number(p.split_part) === 1)!;
  const [conv] = await rows<{
    id: string;
    occurred_at: Date | string;
    product: string;
    gross: string;
    discount: string;
  }>(
    db,
    sql`SELECT v.id, v.occurred_at, v.product, v.gross_minor::text AS gross, v.discount_minor::text AS discount
        FROM payout_items i JOIN commissions c ON c.id = i.commission_id JOIN conversions v ON v.id = c.conversion_id
        WHERE i.payout_id = ${clawed.id}::uuid AND c.amount_minor > 0 ORDER BY c.amount_minor DESC LIMIT 1`,
  );
  const idr = (minor: string) =>
    `${BigInt(minor) / 100n}.${(BigInt(minor) % 100n).toString().padStart(2, '0')}`;
  writeFileSync(
    out('conversions.csv'),
    [
      'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at',
      `${conv!.id},${clawed.affiliate_id},${new Date(conv!.occurred_at).toISOString()},${conv!.product},${idr(conv!.gross)},${idr(conv!.discount)},IDR,refunded,2026-11-10`,
      `export-new-1,${clawed.affiliate_id},2026-08-20T10:00:00Z,pro-plan,90000000,0,IDR,approved,`,
    ].join('\n') + '\n',
  );
  await flow.tw.call('conversions.import', { file: out('conversions.csv') });
  await flow.tw.call('commissions.calculate', {});
  const reversed = paid.find((p) => p.affiliate_id !== FX_AFFILIATE && p.id !== clawed.id)!;
  fake.reverse(reversed.provider_payout_id!);
  const polled = await pollPayouts(flow.tw.ws.central, async () => client, {
    includeSucceededSince: new Date(Date.now() - 86_400_000),
  });
  expect(polled.changed).toEqual({ REVERSED: 1 });
  // Reconciled against the provider: the payout report shows batch 1's outcomes (batch 2 is not
  // reconciled).
  const day = 86_400_000;
  await flow.tw.call('reconcile.run', {
    provider: 'xendit',
    from: new Date(Date.now() - day).toISOString(),
    to: new Date(Date.now() + day).toISOString(),
  });

  fake.injectNext('fail_transfer', 1);
  const second = await payBatch(flow, { provider: 'xendit', currency: 'IDR' });

  // Provider references a spreadsheet would execute (set as a provider might have sent them).
  const others = paid.filter((p) => p.id !== reversed.id && p.id !== clawed.id);
  for (const [i, ref] of HOSTILE.entries()) {
    await db.execute(
      sql`UPDATE payouts SET provider_payout_id = ${ref} WHERE id = ${others[i]!.id}::uuid`,
    );
  }
  return {
    flow,
    fake,
    first,
    second,
    paid,
    dir,
    out,
    close: async () => {
      await fake.close();
      await flow.cleanup();
      dir.remove();
    },
  };
}
