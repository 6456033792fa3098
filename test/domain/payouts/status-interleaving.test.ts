/**
 * Statuses only move forward on the real store (issue 19, item 1): the executor's create responses,
 * the webhook relay and the poller write news about the same attempts at the same time, each in its
 * own transactions on its own connection to real PostgreSQL, in seeded random orders. Whatever the
 * interleaving, every payout and attempt ends where the provider's history ends; no audited change
 * moves a payout backwards; commissions are paid once and only for paid payouts; a payout on its
 * second attempt keeps its first attempt's record as the provider left it (failed), however late
 * or stale the news about it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, type AuditEntry } from '../../../src/core/platform/kernel/audit-chain.js';
import { pgArray } from '../../../src/core/platform/central/arrays.js';
import { rows } from '../../../src/core/platform/central/store.js';
import {
  applyStatusUpdates,
  payoutStatusFor,
  type AttemptState,
  type PayoutStatus,
  type StatusUpdate,
} from '../../../src/core/domain/payouts/status.js';
import type { ProviderStatus } from '../../../src/core/platform/payments/provider.js';
import { openFlow, type Flow } from '../../support/payout-flow.js';
import { pgAvailable } from '../../support/pg.js';
import { HISTORIES } from '../../support/histories.js';
import { random } from '../../support/random.js';

const SCHEDULES = 240;
/**
 * Audit ranks of payout statuses: a change must never go down (FAILED and SUCCEEDED are both
 * final).
 */
const RANK: Record<string, number> = {
  PENDING: 0,
  UNKNOWN: 1,
  ACCEPTED: 2,
  FAILED: 3,
  SUCCEEDED: 3,
  REVERSED: 4,
  CANCELLED: 5,
};

interface Plan {
  payoutId: string;
  seed: number;
  history: readonly ProviderStatus[];
  /**
   * The payout is on attempt 2; attempt 1 failed at the provider but its record still says
   * ACCEPTED.
   */
  superseded: boolean;
}

type Writer = 'execute' | 'webhook' | 'poll';

function news(plan: Plan, attempt: number, status: ProviderStatus, source: Writer): StatusUpdate {
  const raw = status === 'OTHER' ? 'LOCKED' : status;
  return {
    payoutId: plan.payoutId,
    attempt,
    providerPayoutId: `disb-${plan.payoutId}-${attempt}`,
    status,
    rawStatus: raw,
    failureCode: status === 'FAILED' ? 'UNKNOWN_BANK_NETWORK_ERROR' : null,
    source,
  };
}

/**
 * Each writer's news for one payout: what that writer would see of the history, some of it twice.
 */
function writersNews(plan: Plan): Record<Writer, StatusUpdate[]> {
  const rand = random(plan.seed);
  const { history } = plan;
  const current = plan.superseded ? 2 : 1;
  const pick = () => history[Math.floor(rand() * history.length)]!;
  const out: Record<Writer, StatusUpdate[]> = { execute: [], webhook: [], poll: [] };
  // The executor's create response (ACCEPTED, or the first state) and, sometimes, its lookup.
  out.execute.push(news(plan, current, rand() < 0.5 ? 'ACCEPTED' : history[0]!, 'execute'));
  if (rand() < 0.3) out.execute.push(news(plan, current, pick(), 'execute'));
  // Webhooks: most states, the final one always (perhaps twice: providers retry deliveries).
  for (const s of history.slice(0, -1))
    if (rand() < 0.8) out.webhook.push(news(plan, current, s, 'webhook'));
  out.webhook.push(news(plan, current, history.at(-1)!, 'webhook'));
  if (rand() < 0.3) out.webhook.push(news(plan, current, history.at(-1)!, 'webhook'));
  // Polls: whatever the provider said at two moments.
  out.poll.push(news(plan, current, pick(), 'poll'), news(plan, current, pick(), 'poll'));
  if (plan.superseded) {
    // Late and stale news about the first attempt: its failure, and an old ACCEPTED.
    out.webhook.push(news(plan, 1, 'FAILED', 'webhook'));
    out[rand() < 0.5 ? 'execute' : 'poll'].push(news(plan, 1, 'ACCEPTED', 'execute'));
    if (rand() < 0.5) out.poll.push(news(plan, 1, 'FAILED', 'poll'));
  }
  return out;
}

function shuffle<T>(list: T[], rand: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

const expectedAttempt = (end: ProviderStatus): AttemptState =>
  end === 'SUCCEEDED' || end === 'FAILED' || end === 'CANCELLED' || end === 'REVERSED'
    ? end
    : 'ACCEPTED';

describe.skipIf(!pgAvailable)(
  'statuses only move forward on real PostgreSQL, whatever the interleaving',
  () => {
    let flow: Flow;
    let payoutIds: string[];

    beforeAll(async () => {
      flow = await openFlow('postgres', { affiliates: 120, conversions: 6000, seed: 19 });
      const created = await flow.tw.call<{
        batches: { id: string; contentHash: string; requiredApprovals: number }[];
      }>('batch.create', { provider: 'xendit' });
      for (const b of created.batches) {
        await flow.tw.call('batch.submit', { batch: b.id });
        await flow.tw.call(
          'batch.approve',
          { batch: b.id, contentHash: b.contentHash },
          flow.checker1,
        );
        if (b.requiredApprovals > 1)
          await flow.tw.call(
            'batch.approve',
            { batch: b.id, contentHash: b.contentHash },
            flow.checker2,
          );
      }
      payoutIds = (
        await rows<{ id: string }>(
          flow.tw.ws.central.db,
          sql`SELECT id FROM payouts WHERE provider = 'xendit' ORDER BY id`,
        )
      ).map((r) => r.id);
    }, 60_000);
    afterAll(async () => flow?.cleanup());

    /**
     * Puts every payout back to "attempt sent, nothing known yet" (attempt 2 for superseded plans).
     */
    async function reset(plans: Plan[]): Promise<void> {
      const db = flow.tw.ws.central.db;
      const ids = plans.map((p) => p.payoutId);
      const two = plans.filter((p) => p.superseded).map((p) => p.payoutId);
      await db.transaction(async (tx) => {
        await tx.execute(sql`DELETE FROM adjustments WHERE id LIKE 'rev:%'`);
        await tx.execute(
          sql`DELETE FROM payout_attempts WHERE payout_id IN (SELECT id FROM payouts WHERE provider = 'xendit')`,
        );
        await tx.execute(
          sql`UPDATE commissions SET status = 'payable' WHERE id IN (SELECT commission_id FROM payout_items i JOIN payouts p ON p.id = i.payout_id WHERE p.provider = 'xendit' AND i.live)`,
        );
        await tx.execute(sql`UPDATE payouts SET status = 'UNKNOWN', attempt = CASE WHEN id = ANY(${pgArray(two)}::uuid[]) THEN 2 ELSE 1 END,
                             provider_payout_id = NULL, provider_status = NULL, failure_code = NULL, settled_at = NULL WHERE id = ANY(${pgArray(ids)}::uuid[])`);
        await tx.execute(sql`INSERT INTO payout_attempts (payout_id, attempt, provider, idempotency_key, request_body, lease_token, state, provider_payout_id)
        SELECT p.id, n, 'xendit', 'tc-' || p.id || '-' || n || '-' || ${plans[0]!.seed}, '{}', 1,
               CASE WHEN n < p.attempt THEN 'ACCEPTED' ELSE 'PREPARED' END, CASE WHEN n < p.attempt THEN 'disb-' || p.id || '-' || n END
        FROM payouts p CROSS JOIN generate_series(1, 2) n WHERE p.id = ANY(${pgArray(ids)}::uuid[]) AND n <= p.attempt`);
      });
    }

    /**
     * One writer: its news in its own random order, a few updates per transaction, audited like the
     * real ones.
     */
    async function write(updates: StatusUpdate[], seed: number): Promise<void> {
      const rand = random(seed);
      shuffle(updates, rand);
      const db = flow.tw.ws.central.db;
      for (let i = 0; i < updates.length;) {
        const take = 1 + Math.floor(rand() * 4);
        const chunk = updates.slice(i, i + take);
        i += take;
        await db.transaction(async (tx) => {
          const now = new Date();
          const entries: AuditEntry[] = [];
          await applyStatusUpdates(tx, chunk, now, (e) => void entries.push(e));
          if (entries.length > 0)
            await appendAudit(
              tx,
              {
                operatorId: null,
                commandId: null,
                ip: null,
                workstationId: `test-${chunk[0]!.source}`,
                decision: 'allowed',
                at: now,
              },
              entries,
            );
        });
      }
    }

    it(`${SCHEDULES} seeded schedules of three concurrent writers end where the provider did`, async () => {
      const db = flow.tw.ws.central.db;
      expect(payoutIds.length).toBeGreaterThanOrEqual(20);
      const auditFrom = (
        await rows<{ seq: string }>(
          db,
          sql`SELECT coalesce(max(seq), 0)::text AS seq FROM audit_log`,
        )
      )[0]!.seq;
      let schedules = 0;
      for (let round = 0; schedules < SCHEDULES; round++) {
        const plans: Plan[] = payoutIds.map((payoutId, i) => {
          const seed = round * payoutIds.length + i + 1;
          return {
            payoutId,
            seed,
            history: HISTORIES[seed % HISTORIES.length]!,
            superseded: random(seed * 7919)() < 0.3,
          };
        });
        await reset(plans);
        const all: Record<Writer, StatusUpdate[]> = { execute: [], webhook: [], poll: [] };
        for (const plan of plans) {
          const w = writersNews(plan);
          for (const k of ['execute', 'webhook', 'poll'] as const) all[k].push(...w[k]);
        }
        // Three writers at once, each on its own pooled connection.
        await Promise.all([
          write(all.execute, round * 3 + 1),
          write(all.webhook, round * 3 + 2),
          write(all.poll, round * 3 + 3),
        ]);

        const got = await rows<{
          id: string;
          status: PayoutStatus;
          failure_code: string | null;
          a1: AttemptState | null;
          a2: AttemptState | null;
          reversal: boolean;
        }>(
          db,
          sql`SELECT p.id, p.status, p.failure_code,
                   (SELECT state FROM payout_attempts WHERE payout_id = p.id AND attempt = 1) AS a1,
                   (SELECT state FROM payout_attempts WHERE payout_id = p.id AND attempt = 2) AS a2,
                   EXISTS (SELECT 1 FROM adjustments WHERE id = 'rev:' || p.id) AS reversal
            FROM payouts p WHERE p.provider = 'xendit'`,
        );
        const byId = new Map(got.map((g) => [g.id, g]));
        for (const plan of plans) {
          const g = byId.get(plan.payoutId)!;
          const end = plan.history.at(-1)!;
          const where = `seed ${plan.seed} (${plan.history.join(' → ')}${plan.superseded ? ', on attempt 2' : ''})`;
          expect(g.status, where).toBe(payoutStatusFor(end));
          expect(plan.superseded ? g.a2 : g.a1, where).toBe(expectedAttempt(end));
          if (plan.superseded) expect(g.a1, `${where}: the first attempt's record`).toBe('FAILED');
          if (g.status === 'SUCCEEDED') expect(g.failure_code, where).toBeNull();
          expect(g.reversal, where).toBe(end === 'REVERSED');
          schedules++;
        }
        // Commissions: paid exactly for the paid (or paid-then-reversed) payouts.
        const wrong = await rows<{ n: number }>(
          db,
          sql`SELECT count(*)::int AS n FROM payout_items i JOIN payouts p ON p.id = i.payout_id JOIN commissions m ON m.id = i.commission_id
            WHERE p.provider = 'xendit' AND i.live AND ((m.status = 'paid') <> (p.status IN ('SUCCEEDED', 'REVERSED')))`,
        );
        expect(Number(wrong[0]!.n)).toBe(0);
      }
      expect(schedules).toBeGreaterThanOrEqual(SCHEDULES);

      // No audited change ever moved a payout backwards, whatever landed when.
      const changes = await rows<{ before: { status: string }; after: { status: string } }>(
        db,
        sql`SELECT before, after FROM audit_log WHERE seq > ${auditFrom}::bigint AND action = 'payout.status' ORDER BY seq`,
      );
      expect(changes.length).toBeGreaterThan(schedules);
      for (const c of changes)
        expect(RANK[c.after.status]!, `${c.before.status} → ${c.after.status}`).toBeGreaterThan(
          RANK[c.before.status]!,
        );
    }, 60_000);
  },
);
