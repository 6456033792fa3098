/**
 * A payout scenario for tests: a signed-in maker (the bootstrap admin), two checkers (managers),
 * demo data with commissions calculated, and provider clients pointed at the project's fake
 * servers over real HTTP on loopback.
 */
import { sql } from 'drizzle-orm';
import { DEFAULT_SECURITY_RULES } from '../../src/core/domain/security/rules.js';
import { rows } from '../../src/core/platform/central/store.js';
import type { ProviderResolver } from '../../src/core/domain/execution/executor.js';
import { xenditProvider } from '../../src/core/domain/providers/xendit/client.js';
import { startFakeXendit, type FakeXendit, type FakeXenditOptions } from '../fakes/xendit.js';
import type { Driver } from './central.js';
import { addOperator, openTestWorkstation, type TestWorkstation } from './workstation.js';

export interface Scenario {
  tw: TestWorkstation;
  fake: FakeXendit;
  checker1: string;
  checker2: string;
  /** A processor: may submit, not approve. */
  processor: string;
  cleanup(): Promise<void>;
}

export async function openScenario(
  driver: Driver,
  options: {
    affiliates?: number;
    conversions?: number;
    seed?: number;
    fake?: FakeXenditOptions;
    timeoutMs?: number;
    url?: string;
  } = {},
): Promise<Scenario> {
  const fake = await startFakeXendit({ seed: options.seed ?? 7, ...options.fake });
  const providers: ProviderResolver = async (name) => {
    if (name !== 'xendit') throw new Error(`the scenario only wires xendit (asked for ${name})`);
    return xenditProvider({
      baseUrl: fake.url,
      secretKey: fake.secretKey,
      timeoutMs: options.timeoutMs ?? 400,
    });
  };
  const tw = await openTestWorkstation(driver, { providers, url: options.url });
  const checker1 = await addOperator(tw, 'checker1', 'manager');
  const checker2 = await addOperator(tw, 'checker2', 'manager');
  const processor = await addOperator(tw, 'proc', 'processor');
  // These scenarios approve many high-value batches in minutes (the crash test: fifty); the burst
  // rule would hold them. test/domain/security/security.test.ts tests the rules with their defaults.
  await tw.ws.central.db.execute(
    sql`INSERT INTO settings (key, value) VALUES ('security_rules', ${JSON.stringify({ ...DEFAULT_SECURITY_RULES, highValueBurst: { count: 1_000_000, windowMinutes: 1 } })}::jsonb)`,
  );
  await tw.call('demo.generate', {
    affiliates: options.affiliates ?? 60,
    conversions: options.conversions ?? 3000,
    seed: options.seed ?? 7,
    until: '2026-11-01',
  });
  await tw.call('commissions.calculate', {});
  return {
    tw,
    fake,
    checker1,
    checker2,
    processor,
    cleanup: async () => {
      await tw.cleanup();
      await fake.close();
    },
  };
}

/** The invariants that must hold after anything: checked straight in the central store. */
export async function invariantViolations(tw: TestWorkstation): Promise<string[]> {
  const db = tw.ws.central.db;
  const problems: string[] = [];
  const unbalanced = await rows<{ id: string }>(
    db,
    sql`SELECT p.id FROM payouts p LEFT JOIN payout_items i ON i.payout_id = p.id AND i.live
        WHERE p.status NOT IN ('CANCELLED','REVERSED') GROUP BY p.id, p.source_amount_minor HAVING p.source_amount_minor <> coalesce(sum(i.amount_minor), 0)`,
  );
  if (unbalanced.length)
    problems.push(`${unbalanced.length} payouts whose amount is not the sum of their items`);
  const twice = await rows<{ commission_id: string }>(
    db,
    sql`SELECT commission_id FROM payout_items WHERE live AND commission_id IS NOT NULL GROUP BY commission_id HAVING count(*) > 1`,
  );
  if (twice.length) problems.push(`${twice.length} commissions in more than one live payout`);
  const paidWithoutSuccess = await rows<{ id: string }>(
    db,
    sql`SELECT m.id FROM commissions m WHERE m.status = 'paid' AND NOT EXISTS (
          SELECT 1 FROM payout_items i JOIN payouts p ON p.id = i.payout_id WHERE i.commission_id = m.id AND i.live AND p.status IN ('SUCCEEDED','REVERSED'))`,
  );
  if (paidWithoutSuccess.length)
    problems.push(`${paidWithoutSuccess.length} commissions PAID without a succeeded payout`);
  const successNotPaid = await rows<{ id: string }>(
    db,
    sql`SELECT i.commission_id AS id FROM payout_items i JOIN payouts p ON p.id = i.payout_id JOIN commissions m ON m.id = i.commission_id
        WHERE i.live AND p.status = 'SUCCEEDED' AND m.status <> 'paid'`,
  );
  if (successNotPaid.length)
    problems.push(`${successNotPaid.length} commissions of succeeded payouts not PAID`);
  return problems;
}

/** Our succeeded payouts against the provider's: same set, same amounts, none paid twice. */
export async function providerAgreement(tw: TestWorkstation, fake: FakeXendit): Promise<string[]> {
  const problems: string[] = [];
  const twice = [...fake.successfulByReference()].filter(([, n]) => n > 1);
  if (twice.length)
    problems.push(
      `${twice.length} references paid more than once at the provider: ${twice
        .slice(0, 3)
        .map(([r]) => r)
        .join(', ')}`,
    );
  const ours = await rows<{ id: string; amount_minor: string; status: string }>(
    tw.ws.central.db,
    sql`SELECT id, amount_minor::text AS amount_minor, status FROM payouts WHERE provider = 'xendit'`,
  );
  const theirs = new Map<string, bigint>();
  for (const p of fake.payouts())
    if (p.status === 'SUCCEEDED' || p.status === 'REVERSED') theirs.set(p.reference, p.amountMinor);
  for (const p of ours) {
    const paid = theirs.get(p.id);
    if (p.status === 'SUCCEEDED' && paid === undefined)
      problems.push(`payout ${p.id} SUCCEEDED here but not paid at the provider`);
    if (p.status !== 'SUCCEEDED' && p.status !== 'REVERSED' && paid !== undefined)
      problems.push(`payout ${p.id} is ${p.status} here but was paid at the provider`);
    if (paid !== undefined && paid !== BigInt(p.amount_minor))
      problems.push(`payout ${p.id}: provider paid ${paid}, we recorded ${p.amount_minor}`);
  }
  return problems;
}
