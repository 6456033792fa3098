/**
 * conversation (conversation.spec.ts): maker and checker talk through a batch. The small demo of
 * the flow scenario, with the IDR high-value threshold lowered to the third-largest eligible IDR
 * payout through Xendit — so the builder shows "needs 2 approvals" and marks a few rows, in one
 * currency only — and two ordinary eligible affiliates picked for the maker to leave out.
 */
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { host, seed } from '../kit.js';

interface Row {
  affiliateId: string;
  amountMinor: string;
  eligible: boolean;
}

export interface ConversationScenario {
  url: string;
  /** The eligible IDR payouts at or above the lowered threshold. */
  highValue: string[];
  /** Two eligible, ordinary IDR affiliates the maker leaves out. */
  leaveOut: [string, string];
}

/** IDR minor units (2 decimals) as the decimal text the thresholds setting takes. */
const idrText = (minor: bigint) => `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;

export async function build(root: string): Promise<ConversationScenario> {
  const dir = path.join(root, 'conversation');
  let highValue: string[] = [];
  let leaveOut: [string, string] = ['', ''];
  await seed(dir, undefined, async (call, ws) => {
    await call('demo.generate', {
      affiliates: 60,
      conversions: 4000,
      seed: 7,
      until: '2026-11-01',
    });
    await call('commissions.calculate', {});
    const rows = (
      (await call('batch.preview', { provider: 'xendit', currency: 'IDR' })) as { rows: Row[] }
    ).rows
      .filter((r) => r.eligible)
      .sort((a, b) => (BigInt(b.amountMinor) > BigInt(a.amountMinor) ? 1 : -1));
    if (rows.length < 6) throw new Error('conversation scenario: too few eligible IDR payouts');
    const threshold = BigInt(rows[2]!.amountMinor);
    // kit.seed() set every threshold out of reach; IDR alone comes down (other currencies stay).
    await ws.central.db.execute(
      sql`UPDATE settings SET value = jsonb_set(value, '{IDR}', to_jsonb(${idrText(threshold)}::text)) WHERE key = 'high_value_thresholds'`,
    );
    highValue = rows.filter((r) => BigInt(r.amountMinor) >= threshold).map((r) => r.affiliateId);
    const ordinary = rows.filter((r) => BigInt(r.amountMinor) < threshold);
    leaveOut = [ordinary[0]!.affiliateId, ordinary[1]!.affiliateId];
  });
  const { host: h } = await host(dir);
  return { url: h.url, highValue, leaveOut };
}
