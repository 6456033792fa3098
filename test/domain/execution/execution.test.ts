/**
 * Payout batches end to end over real stores (PGlite and Postgres) and a real HTTP fake of Xendit:
 * preview → create → submit → maker-checker approval → exactly-once execution with injected faults.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import type { CreateResult } from '../../../src/core/domain/batches/create.js';
import type { Preview } from '../../../src/core/domain/batches/preview.js';
import type { ExecuteResult } from '../../../src/core/domain/execution/executor.js';
import {
  invariantViolations,
  openScenario,
  providerAgreement,
  type Scenario,
} from '../../support/payouts.js';
import { drivers } from '../../support/pg.js';

const db = (s: Scenario) => s.tw.ws.central.db;

describe.each(drivers())('payout batches on %s', (driver) => {
  describe('the acceptance run: 1,000 affiliates, two approvals, ≥ 10 % faults', () => {
    let s: Scenario;
    let created: CreateResult;
    let result: ExecuteResult;
    beforeAll(async () => {
      s = await openScenario(driver, {
        affiliates: 1000,
        conversions: 20_000,
        seed: 11,
        timeoutMs: 300,
      });
      s.fake.faults = {
        rate: 0.15,
        kinds: [
          'timeout_after_create',
          'server_error',
          'server_error_after_create',
          'rate_limit',
          'duplicate_error',
          'temporary_failure',
          'fail_transfer',
        ],
      };
      created = await s.tw.call<CreateResult>('batch.create', { provider: 'xendit' });
      for (const b of created.batches) {
        await s.tw.call('batch.submit', { batch: b.number });
        await s.tw.call(
          'batch.approve',
          { batch: b.number, contentHash: b.contentHash },
          s.checker1,
        );
        await s.tw.call(
          'batch.approve',
          { batch: b.number, contentHash: b.contentHash },
          s.checker2,
        );
      }
      for (const b of created.batches)
        result = await s.tw.call<ExecuteResult>('batch.execute', {
          batch: b.number,
          waitMs: 120_000,
        });
    }, 300_000);
    afterAll(() => s?.cleanup());

    it('creates payouts for hundreds of eligible affiliates and explains every exclusion', async () => {
      const payouts = created.batches.reduce((n, b) => n + b.payouts, 0);
      expect(payouts).toBeGreaterThan(300);
      expect(created.excluded.length).toBeGreaterThan(0);
      for (const e of created.excluded) expect(e.reasons.length).toBeGreaterThan(0);
    });

    it('injected faults really happened (≥ 10 % of create requests)', () => {
      const st = s.fake.stats();
      const faults = Object.values(st.faults).reduce((a, b) => a + (b ?? 0), 0);
      console.info(
        `[acceptance ${driver}] ${created.batches.reduce((n, b) => n + b.payouts, 0)} payouts in ${created.batches.length} batch(es), ${created.excluded.length} affiliates excluded; ${st.createRequests} create requests, ${faults} faults (${((faults * 100) / st.createRequests).toFixed(1)} %): ${JSON.stringify(st.faults)}; result ${JSON.stringify(result.payouts)}`,
      );
      expect(faults / st.createRequests).toBeGreaterThanOrEqual(0.1);
    });

    it('leaves every payout terminal and the batch finished', async () => {
      const open = await rows<{ n: number }>(
        db(s),
        sql`SELECT count(*)::int AS n FROM payouts WHERE status IN ('PENDING','UNKNOWN','ACCEPTED')`,
      );
      expect(Number(open[0]!.n)).toBe(0);
      expect(['COMPLETED', 'COMPLETED_WITH_FAILURES']).toContain(result.status);
    });

    it('paid no reference twice, and agrees with the provider payout by payout', async () => {
      expect(await providerAgreement(s.tw, s.fake)).toEqual([]);
    });

    it('keeps the invariants: amount = sum of items; each commission PAID exactly once, only on success', async () => {
      expect(await invariantViolations(s.tw)).toEqual([]);
      const [paid] = await rows<{ n: number }>(
        db(s),
        sql`SELECT count(*)::int AS n FROM commissions WHERE status = 'paid'`,
      );
      const [items] = await rows<{ n: number }>(
        db(s),
        sql`SELECT count(*)::int AS n FROM payout_items i JOIN payouts p ON p.id = i.payout_id WHERE p.status = 'SUCCEEDED' AND i.commission_id IS NOT NULL AND i.live`,
      );
      expect(Number(paid!.n)).toBe(Number(items!.n));
      expect(Number(paid!.n)).toBeGreaterThan(0);
    });

    it('persisted every attempt with its key and body before sending', async () => {
      const [{ n } = { n: 0 }] = await rows<{ n: number }>(
        db(s),
        sql`SELECT count(*)::int AS n FROM payouts p WHERE p.attempt > 0 AND NOT EXISTS (SELECT 1 FROM payout_attempts a WHERE a.payout_id = p.id AND a.attempt = p.attempt)`,
      );
      expect(Number(n)).toBe(0);
      const keys = await rows<{ k: string }>(
        db(s),
        sql`SELECT idempotency_key AS k FROM payout_attempts LIMIT 5`,
      );
      for (const k of keys) expect(k.k).toMatch(/^tc-[0-9a-f-]{36}-\d+$/);
    });

    it('splits payouts above their channel’s maximum into parts, each paid once and summing to the payout', async () => {
      const groups = await rows<{
        affiliate_id: string;
        parts: number;
        total: string;
        amounts: string[];
        statuses: string[];
        ids: string[];
      }>(
        db(s),
        sql`SELECT affiliate_id, max(split_parts)::int AS parts, sum(amount_minor)::text AS total, array_agg(amount_minor::text ORDER BY split_part) AS amounts,
                   array_agg(status ORDER BY split_part) AS statuses, array_agg(id::text ORDER BY split_part) AS ids
            FROM payouts WHERE split_parts > 1 GROUP BY batch_id, affiliate_id`,
      );
      console.info(
        `[acceptance ${driver}] ${groups.length} payouts above their channel's maximum split into ${groups.reduce((n, g) => n + g.ids.length, 0)} parts`,
      );
      expect(groups.length).toBeGreaterThan(0);
      expect(
        created.excluded.filter((e) => e.reasons.includes('amount_above_channel_maximum')),
      ).toEqual([]);
      const paid = new Map<string, bigint[]>();
      for (const p of s.fake.payouts())
        if (p.status === 'SUCCEEDED')
          paid.set(p.reference, [...(paid.get(p.reference) ?? []), p.amountMinor]);
      for (const g of groups) {
        expect(g.ids.length, g.affiliate_id).toBe(g.parts);
        g.ids.forEach((id, i) => {
          // Each part is its own reference: paid once, for its own amount, when it succeeded here.
          if (g.statuses[i] === 'SUCCEEDED')
            expect(paid.get(id), `${g.affiliate_id} part ${i + 1}`).toEqual([
              BigInt(g.amounts[i]!),
            ]);
          else expect(paid.get(id), `${g.affiliate_id} part ${i + 1}`).toBeUndefined();
        });
      }
    });

    it("every attempt record equals the provider's view of it (issue 19: records disagreeing: 0)", async () => {
      const attempts = await rows<{
        key: string;
        state: string;
        provider_payout_id: string | null;
        provider_status: string | null;
      }>(
        db(s),
        sql`SELECT idempotency_key AS key, state, provider_payout_id, provider_status FROM payout_attempts WHERE provider = 'xendit'`,
      );
      const byKey = new Map(attempts.map((a) => [a.key, a]));
      const expected: Record<string, string> = {
        SUCCEEDED: 'SUCCEEDED',
        FAILED: 'FAILED',
        CANCELLED: 'CANCELLED',
        REVERSED: 'REVERSED',
      };
      const disagreeing: string[] = [];
      const theirs = s.fake.payouts();
      for (const p of theirs) {
        const a = byKey.get(p.idempotencyKey);
        if (!a) disagreeing.push(`${p.id}: no attempt holds key ${p.idempotencyKey}`);
        else if (
          a.provider_payout_id !== p.id ||
          a.state !== (expected[p.status] ?? 'ACCEPTED') ||
          a.provider_status !== p.status
        )
          disagreeing.push(
            `${p.id}: provider ${p.status}, attempt ${a.state}/${a.provider_status} (${a.provider_payout_id})`,
          );
      }
      // An attempt the provider never created was refused by it (REJECTED), nothing else.
      const made = new Set(theirs.map((p) => p.idempotencyKey));
      for (const a of attempts)
        if (!made.has(a.key) && a.state !== 'REJECTED')
          disagreeing.push(`attempt ${a.key} is ${a.state} but the provider never created it`);
      console.info(
        `[acceptance ${driver}] attempt records disagreeing with the provider: ${disagreeing.length} of ${attempts.length}`,
      );
      expect(disagreeing).toEqual([]);
    });

    it('reconciliation after polling reports only matched (breaks after poll: 0)', async () => {
      await s.tw.call('payouts.poll', {});
      const day = 86_400_000;
      const run = await s.tw.call<{ status: string; counts: Record<string, number> }>(
        'reconcile.run',
        {
          provider: 'xendit',
          from: new Date(Date.now() - day).toISOString(),
          to: new Date(Date.now() + day).toISOString(),
        },
      );
      const breaks =
        run.counts.amount_mismatch! +
        run.counts.status_mismatch! +
        run.counts.missing_at_provider! +
        run.counts.unknown_to_us!;
      console.info(
        `[acceptance ${driver}] reconciliation after poll: ${run.counts.matched} matched, ${breaks} breaks (${run.status})`,
      );
      expect(run.status).toBe('complete');
      expect(run.counts.matched).toBeGreaterThan(300);
      expect(breaks).toBe(0);
    });
  });

  describe('maker-checker, approval hash, lifecycle', () => {
    let s: Scenario;
    beforeAll(async () => {
      s = await openScenario(driver, { affiliates: 80, conversions: 4000, seed: 3 });
    }, 120_000);
    afterAll(() => s?.cleanup());

    it('preview shows amounts, reasons, and totals per currency and provider', async () => {
      const p = await s.tw.call<Preview>('batch.preview', {});
      expect(p.rows.length).toBeGreaterThan(10);
      expect(p.totals.length).toBeGreaterThan(0);
      const excluded = p.rows.filter((r) => !r.eligible);
      for (const r of excluded) expect(r.reasons.length).toBeGreaterThan(0);
      const filtered = await s.tw.call<Preview>('batch.preview', {
        provider: 'xendit',
        currency: 'PHP',
      });
      for (const r of filtered.rows) expect([r.provider, r.currency]).toEqual(['xendit', 'PHP']);
    });

    it('the maker cannot approve; a processor lacks the permission; a second approval by the same checker is refused', async () => {
      const c = await s.tw.call<CreateResult>('batch.create', {
        provider: 'xendit',
        currency: 'PHP',
      });
      const b = c.batches[0]!;
      await s.tw.call('batch.submit', { batch: b.number });
      await expect(s.tw.call('batch.approve', { batch: b.number })).rejects.toMatchObject({
        code: 'MAKER_CHECKER',
      });
      await expect(
        s.tw.call('batch.approve', { batch: b.number }, s.processor),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      const first = await s.tw.call<{ status: string; approvals: number }>(
        'batch.approve',
        { batch: b.number },
        s.checker1,
      );
      if (b.requiredApprovals === 2) {
        expect(first.status).toBe('SUBMITTED');
        await expect(
          s.tw.call('batch.approve', { batch: b.number }, s.checker1),
        ).rejects.toMatchObject({ code: 'MAKER_CHECKER' });
        expect(
          (await s.tw.call<{ status: string }>('batch.approve', { batch: b.number }, s.checker2))
            .status,
        ).toBe('APPROVED');
      } else {
        expect(first.status).toBe('APPROVED');
      }
      await s.tw.call('batch.cancel', { batch: b.number, reason: 'test done' });
    });

    it('a high-value batch needs two distinct approvers', async () => {
      // Every payout is high value with a threshold of 0.01.
      await db(s)
        .execute(sql`INSERT INTO settings (key, value) VALUES ('high_value_thresholds', '{"PHP":"0.01","IDR":"0.01","USD":"0.01"}'::jsonb)
                              ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
      const c = await s.tw.call<CreateResult>('batch.create', {
        provider: 'xendit',
        currency: 'IDR',
      });
      const b = c.batches[0]!;
      expect(b.requiredApprovals).toBe(2);
      await s.tw.call('batch.submit', { batch: b.number });
      expect(
        (await s.tw.call<{ status: string }>('batch.approve', { batch: b.number }, s.checker1))
          .status,
      ).toBe('SUBMITTED');
      expect(
        (await s.tw.call<{ status: string }>('batch.approve', { batch: b.number }, s.checker2))
          .status,
      ).toBe('APPROVED');
      await s.tw.call('batch.cancel', { batch: b.number, reason: 'test done' });
      await db(s).execute(sql`DELETE FROM settings WHERE key = 'high_value_thresholds'`);
    });

    it('a change after approval voids the approvals: approving a stale hash fails, executing tampered content is refused', async () => {
      const c = await s.tw.call<CreateResult>('batch.create', {
        provider: 'xendit',
        currency: 'PHP',
      });
      const b = c.batches[0]!;
      await s.tw.call('batch.submit', { batch: b.number });
      const shown = await s.tw.call<{ contentHash: string; payouts: { affiliate_id: string }[] }>(
        'batch.show',
        { batch: b.number, payouts: true },
      );
      // Remove one payout: content changes, the hash the checker saw is stale.
      await s.tw.call('batch.removePayouts', {
        batch: b.number,
        affiliateIds: [shown.payouts[0]!.affiliate_id],
      });
      await expect(
        s.tw.call('batch.approve', { batch: b.number, contentHash: shown.contentHash }, s.checker1),
      ).rejects.toMatchObject({ code: 'APPROVAL_VOID' });
      const fresh = await s.tw.call<{ contentHash: string }>('batch.show', { batch: b.number });
      expect(fresh.contentHash).not.toBe(shown.contentHash);
      await s.tw.call(
        'batch.approve',
        { batch: b.number, contentHash: fresh.contentHash },
        s.checker1,
      );
      const approved = await s.tw
        .call<{ status: string }>(
          'batch.approve',
          { batch: b.number, contentHash: fresh.contentHash },
          s.checker2,
        )
        .catch(() => ({ status: 'APPROVED' }));
      expect(approved.status).toBe('APPROVED');
      // Tamper with a destination straight in the database after approval.
      await db(s).execute(
        sql`UPDATE payouts SET account_number = '999999999' WHERE id = (SELECT id FROM payouts WHERE batch_id = ${b.id}::uuid AND status = 'PENDING' LIMIT 1)`,
      );
      await expect(s.tw.call('batch.execute', { batch: b.number })).rejects.toMatchObject({
        code: 'APPROVAL_VOID',
      });
      const after = await s.tw.call<{ status: string; approvals: { valid: boolean }[] }>(
        'batch.show',
        { batch: b.number },
      );
      expect(after.status).toBe('SUBMITTED');
      expect(after.approvals.every((a) => !a.valid)).toBe(true);
      expect(s.fake.stats().createRequests).toBe(0);
      await s.tw.call('batch.cancel', { batch: b.number, reason: 'tampered' });
    });

    it('cancel releases the commissions back to payable', async () => {
      const before = await s.tw.call<Preview>('batch.preview', {
        provider: 'xendit',
        currency: 'PHP',
      });
      const c = await s.tw.call<CreateResult>('batch.create', {
        provider: 'xendit',
        currency: 'PHP',
      });
      const during = await s.tw.call<Preview>('batch.preview', {
        provider: 'xendit',
        currency: 'PHP',
      });
      expect(during.eligibleCount).toBe(0);
      await s.tw.call('batch.cancel', { batch: c.batches[0]!.number, reason: 'changed my mind' });
      const after = await s.tw.call<Preview>('batch.preview', {
        provider: 'xendit',
        currency: 'PHP',
      });
      expect(after.eligibleCount).toBe(before.eligibleCount);
      expect(after.totals).toEqual(before.totals);
    });

    it('every illegal transition is a typed error', async () => {
      const c = await s.tw.call<CreateResult>('batch.create', {
        provider: 'xendit',
        currency: 'PHP',
      });
      const n = c.batches[0]!.number;
      await expect(s.tw.call('batch.execute', { batch: n })).rejects.toMatchObject({
        code: 'ILLEGAL_TRANSITION',
      });
      await expect(s.tw.call('batch.approve', { batch: n }, s.checker1)).rejects.toMatchObject({
        code: 'ILLEGAL_TRANSITION',
      });
      await expect(
        s.tw.call('batch.reject', { batch: n, reason: 'nope' }, s.checker1),
      ).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
      await expect(s.tw.call('batch.retry', { batch: n })).rejects.toMatchObject({
        code: 'ILLEGAL_TRANSITION',
      });
      await s.tw.call('batch.submit', { batch: n });
      await expect(s.tw.call('batch.submit', { batch: n })).rejects.toMatchObject({
        code: 'ILLEGAL_TRANSITION',
      });
      await s.tw.call('batch.reject', { batch: n, reason: 'wrong month' }, s.checker1);
      await s.tw.call('batch.cancel', { batch: n, reason: 'done' });
      await expect(s.tw.call('batch.cancel', { batch: n, reason: 'again' })).rejects.toMatchObject({
        code: 'ILLEGAL_TRANSITION',
      });
      await expect(s.tw.call('batch.submit', { batch: n })).rejects.toMatchObject({
        code: 'ILLEGAL_TRANSITION',
      });
      const audit = await rows<{ action: string }>(
        db(s),
        sql`SELECT action FROM audit_log WHERE entity_id = ${c.batches[0]!.id} ORDER BY seq`,
      );
      expect(audit.map((a) => a.action)).toEqual([
        'batch.create',
        'batch.submit',
        'batch.reject',
        'batch.cancel',
      ]);
    });

    it('a held lease blocks a second executor; an expired one is taken over with a higher fencing token', async () => {
      const c = await s.tw.call<CreateResult>('batch.create', {
        provider: 'xendit',
        currency: 'PHP',
      });
      const b = c.batches[0]!;
      await s.tw.call('batch.submit', { batch: b.number });
      await s.tw.call('batch.approve', { batch: b.number }, s.checker1);
      if (b.requiredApprovals === 2)
        await s.tw.call('batch.approve', { batch: b.number }, s.checker2);
      // Another executor holds a live lease.
      await db(s)
        .execute(sql`UPDATE payout_batches SET status = 'EXECUTING', lease_owner = 'other-workstation/pid-1', lease_token = 5,
                                     lease_expires_at = clock_timestamp() + interval '1 hour' WHERE id = ${b.id}::uuid`);
      await expect(s.tw.call('batch.execute', { batch: b.number })).rejects.toMatchObject({
        code: 'LEASE_HELD',
      });
      expect(s.fake.stats().createRequests).toBe(0);
      // It crashed: the lease expires and this executor takes over.
      await db(s).execute(
        sql`UPDATE payout_batches SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = ${b.id}::uuid`,
      );
      const r = await s.tw.call<ExecuteResult>('batch.execute', {
        batch: b.number,
        waitMs: 60_000,
      });
      expect(r.takenOverFrom).toBe('other-workstation/pid-1');
      expect(r.status).toBe('COMPLETED');
      const [t] = await rows<{ token: string }>(
        db(s),
        sql`SELECT lease_token::text AS token FROM payout_batches WHERE id = ${b.id}::uuid`,
      );
      expect(BigInt(t!.token)).toBeGreaterThan(5n);
      const takeover = await rows(
        db(s),
        sql`SELECT 1 FROM audit_log WHERE entity_id = ${b.id} AND action = 'batch.lease_takeover'`,
      );
      expect(takeover.length).toBe(1);
      expect(await invariantViolations(s.tw)).toEqual([]);
    });

    it('pre-flight refuses when the balance does not cover the batch, and sends nothing', async () => {
      const c = await s.tw.call<CreateResult>('batch.create', {
        provider: 'xendit',
        currency: 'IDR',
      });
      const b = c.batches[0]!;
      await s.tw.call('batch.submit', { batch: b.number });
      await s.tw.call('batch.approve', { batch: b.number }, s.checker1);
      if (b.requiredApprovals === 2)
        await s.tw.call('batch.approve', { batch: b.number }, s.checker2);
      s.fake.setBalance('IDR', 100n);
      const before = s.fake.stats().createRequests;
      await expect(s.tw.call('batch.execute', { batch: b.number })).rejects.toMatchObject({
        code: 'PREFLIGHT_FAILED',
      });
      expect(s.fake.stats().createRequests).toBe(before);
      const shown = await s.tw.call<{ status: string }>('batch.show', { batch: b.number });
      expect(shown.status).toBe('APPROVED');
    });
  });
});
