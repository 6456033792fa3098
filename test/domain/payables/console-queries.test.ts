/**
 * The console's read queries on both central stores, over real data made by the product's own flow:
 * demo data → calc → a batch created, approved by two managers and executed against the fake
 * Xendit (some payouts fail) → the queries the React console pages through. Checked against the
 * existing queries (payables.list) and straight SQL; then the same grids offline, from the cache.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionsOf, ROLES } from '../../../src/core/shared/permissions.js';
import type { CreateResult } from '../../../src/core/domain/batches/create.js';
import type { PayableRow } from '../../../src/core/domain/calculation/payables.js';
import { rows } from '../../../src/core/platform/central/store.js';
import { DEFINITIONS } from '../../../src/core/host/catalog.js';
import { TreasuryError } from '../../../src/core/shared/errors.js';
import type { AffiliateDetail } from '../../../src/core/domain/affiliates/page.js';
import type { DashboardSummary } from '../../../src/core/domain/dashboard/dashboard.js';
import type { Manifest } from '../../../src/core/domain/operators/manifest.js';
import type { PayablesPage } from '../../../src/core/domain/payables/payables.js';
import type { PayoutsPage } from '../../../src/core/domain/payouts/page.js';
import type { PerformanceRow } from '../../../src/core/domain/reports/affiliate-performance.js';
import type { TimeSeriesPoint } from '../../../src/core/domain/reports/time-series.js';
import type { ProviderAnalysisRow } from '../../../src/core/domain/reports/provider-analysis.js';
import type { SettingsView } from '../../../src/core/domain/settings/settings.js';
import { parseAmount } from '../../../src/core/shared/money/index.js';
import { failureMeaning } from '../../../src/core/domain/providers/states.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import {
  openWorkstation,
  type Workstation,
} from '../../../src/core/host/workstation/workstation.js';
import { openScenario, type Scenario } from '../../support/payouts.js';
import { drivers } from '../../support/pg.js';
import { addOperator, ADMIN_PASSWORD } from '../../support/workstation.js';

async function refusal(p: Promise<unknown>): Promise<TreasuryError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(TreasuryError);
    return error as TreasuryError;
  }
  throw new Error('expected a refusal');
}

/** Every page of a paged query, `size` rows at a time. */
async function allPages<R>(
  fetch: (offset: number, limit: number) => Promise<{ total: number; rows: R[] }>,
  size: number,
): Promise<R[]> {
  const out: R[] = [];
  for (let offset = 0; ; offset += size) {
    const page = await fetch(offset, size);
    out.push(...page.rows);
    if (page.rows.length < size) return out;
  }
}

const sumBy = <T>(list: readonly T[], key: (t: T) => string, amount: (t: T) => bigint) => {
  const m = new Map<string, bigint>();
  for (const t of list) m.set(key(t), (m.get(key(t)) ?? 0n) + amount(t));
  return Object.fromEntries(
    [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.toString()]),
  );
};

describe.each(drivers())('console queries on %s', (driver) => {
  let s: Scenario;
  let viewer: string;
  let batch: { id: string; number: string };
  const db = () => s.tw.ws.central.db;
  const call = <T>(name: string, payload: unknown = {}, token?: string) =>
    s.tw.call<T>(name, payload, token);

  beforeAll(async () => {
    // A third of the payouts fail at the provider with a final code: failures to show.
    s = await openScenario(driver, {
      affiliates: 60,
      conversions: 3000,
      seed: 7,
      fake: { failureRate: 0.3, failureCodes: ['INVALID_DESTINATION'] },
    });
    viewer = await addOperator(s.tw, 'viewer1', 'viewer');
    const created = await call<CreateResult>('batch.create', {
      provider: 'xendit',
      currency: 'PHP',
    });
    const b = created.batches[0]!;
    await call('batch.submit', { batch: b.number });
    await call('batch.approve', { batch: b.number, contentHash: b.contentHash }, s.checker1);
    if (b.requiredApprovals > 1)
      await call('batch.approve', { batch: b.number, contentHash: b.contentHash }, s.checker2);
    await call('batch.execute', { batch: b.number, waitMs: 30_000 });
    batch = { id: b.id, number: b.number };
  }, 240_000);
  afterAll(() => s?.cleanup());

  describe('batch.list', () => {
    it('names the maker and the valid approvers of each batch in one answer', async () => {
      const list = await call<
        {
          number: string;
          createdBy: string | null;
          approvedBy: string[];
          requiredApprovals: number;
        }[]
      >('batch.list', {});
      const row = list.find((b) => b.number === batch.number)!;
      expect(row.createdBy).toBe('admin');
      expect(row.approvedBy[0]).toBe('checker1');
      expect(row.approvedBy.length).toBe(row.requiredApprovals);
    });
  });

  describe('payables.page', () => {
    it('has exactly payables.list’s rows, reasons and sums', async () => {
      const list = await call<PayableRow[]>('payables.list');
      const page = await call<PayablesPage>('payables.page', { limit: 1000 });
      expect(page.total).toBe(list.length);
      expect(page.rows).toHaveLength(list.length);
      const affiliates = new Set(list.map((r) => r.affiliateId));
      expect(page.total).toBe(affiliates.size); // the demo pays each affiliate in one currency
      const byKey = new Map(page.rows.map((r) => [`${r.affiliateId}|${r.currency}`, r]));
      for (const l of list) {
        const r = byKey.get(`${l.affiliateId}|${l.currency}`)!;
        expect(r, l.affiliateId).toBeDefined();
        expect({
          payable: r.payableMinor,
          pending: BigInt(r.pendingMinor),
          eligible: r.eligible,
          reasons: r.reasons,
          reason: r.reason,
          commissions: r.commissions,
        }).toEqual({
          payable: l.payableMinor,
          pending: parseAmount(l.pending, l.currency),
          eligible: l.eligible,
          reasons: l.reasons,
          reason: l.reasons[0] ?? null,
          commissions: l.commissionCount + l.pendingCount,
        });
      }
      // Totals over the whole set, exactly the list's sums.
      expect(Object.fromEntries(page.totals.map((t) => [t.currency, t.payableMinor]))).toEqual(
        sumBy(
          list,
          (l) => l.currency,
          (l) => BigInt(l.payableMinor),
        ),
      );
      expect(Object.fromEntries(page.totals.map((t) => [t.currency, t.pendingMinor]))).toEqual(
        sumBy(
          list,
          (l) => l.currency,
          (l) => parseAmount(l.pending, l.currency),
        ),
      );
      expect(
        Object.fromEntries(page.totals.map((t) => [t.currency, String(t.affiliates)])),
      ).toEqual(
        sumBy(
          list,
          (l) => l.currency,
          () => 1n,
        ),
      );
      expect(page.totals.reduce((n, t) => n + t.affiliates, 0)).toBe(page.total);
      expect(page.rows.some((r) => !r.eligible && r.reason !== null)).toBe(true);
    });

    it('pages add up to the unpaged order for every sort, and the order is the one asked for', async () => {
      for (const sort of [
        { field: 'payableMinor', dir: 'desc' },
        { field: 'name', dir: 'asc' },
        { field: 'reason', dir: 'asc' },
        { field: 'commissions', dir: 'desc' },
        { field: 'eligible', dir: 'asc' },
      ] as const) {
        const whole = await call<PayablesPage>('payables.page', { sort, limit: 1000 });
        const paged = await allPages(
          (offset, limit) => call<PayablesPage>('payables.page', { sort, offset, limit }),
          7,
        );
        expect(paged.map((r) => r.affiliateId)).toEqual(whole.rows.map((r) => r.affiliateId));
        expect(new Set(paged.map((r) => r.affiliateId)).size).toBe(whole.total);
        for (let i = 1; i < whole.rows.length; i++) {
          const [a, b] = [whole.rows[i - 1]!, whole.rows[i]!];
          // Amounts sort within each currency (currencies ascending), never across them.
          if (sort.field === 'payableMinor')
            expect(
              a.currency < b.currency ||
                (a.currency === b.currency && BigInt(a.payableMinor) >= BigInt(b.payableMinor)),
            ).toBe(true);
          if (sort.field === 'commissions')
            expect(a.commissions).toBeGreaterThanOrEqual(b.commissions);
          if (sort.field === 'name') expect(a.name <= b.name).toBe(true);
          if (sort.field === 'reason')
            expect(
              a.reason === null ? b.reason === null : b.reason === null || a.reason <= b.reason,
            ).toBe(true);
        }
      }
    });

    it('filters: eligibility, currency, quick search (with %, _ and \\ taken literally)', async () => {
      const all = (await call<PayablesPage>('payables.page', { limit: 1000 })).rows;
      const eligible = await call<PayablesPage>('payables.page', { eligible: true, limit: 1000 });
      expect(eligible.total).toBe(all.filter((r) => r.eligible).length);
      expect(eligible.totals.every((t) => t.eligibleAffiliates === t.affiliates)).toBe(true);
      const idr = await call<PayablesPage>('payables.page', { currency: 'IDR', limit: 1000 });
      expect(idr.rows.every((r) => r.currency === 'IDR')).toBe(true);
      expect(idr.total).toBe(all.filter((r) => r.currency === 'IDR').length);

      const target = all[3]!;
      const byId = await call<PayablesPage>('payables.page', {
        search: target.affiliateId.toUpperCase(),
      });
      expect(byId.rows.map((r) => r.affiliateId)).toEqual([target.affiliateId]);
      // A name with wildcards in it: they match only themselves. (Renaming also invalidates the
      // kept set.)
      await db().execute(
        sql`UPDATE affiliates SET name = ${'Under_score 100%'} WHERE id = ${target.affiliateId}`,
      );
      expect(
        (await call<PayablesPage>('payables.page', { search: '100%' })).rows.map((r) => r.name),
      ).toEqual(['Under_score 100%']);
      expect(
        (await call<PayablesPage>('payables.page', { search: '_' })).rows.map((r) => r.affiliateId),
      ).toEqual([target.affiliateId]);
      expect((await call<PayablesPage>('payables.page', { search: '%' })).total).toBe(1);
      expect((await call<PayablesPage>('payables.page', { search: '\\' })).total).toBe(0);
      await db().execute(
        sql`UPDATE affiliates SET name = ${target.name} WHERE id = ${target.affiliateId}`,
      );
    });

    it('is never stale: a batch taking commissions changes the next page at once', async () => {
      const before = await call<PayablesPage>('payables.page', { currency: 'IDR', limit: 1000 });
      const created = await call<CreateResult>('batch.create', {
        provider: 'xendit',
        currency: 'IDR',
      });
      const after = await call<PayablesPage>('payables.page', { currency: 'IDR', limit: 1000 });
      const list = await call<PayableRow[]>('payables.list', { currency: 'IDR' });
      expect(after.totals[0]!.payableMinor).toBe(
        Object.values(
          sumBy(
            list,
            (l) => l.currency,
            (l) => BigInt(l.payableMinor),
          ),
        )[0],
      );
      expect(BigInt(after.totals[0]!.payableMinor)).toBeLessThan(
        BigInt(before.totals[0]!.payableMinor),
      );
      await call('batch.cancel', { batch: created.batches[0]!.id, reason: 'test done' });
      expect(
        (await call<PayablesPage>('payables.page', { currency: 'IDR', limit: 1000 })).totals,
      ).toEqual(before.totals);
    });

    it('names the field when the input is wrong', async () => {
      expect(await refusal(call('payables.page', { limit: 5000 }))).toMatchObject({
        code: 'VALIDATION',
        problems: [{ path: 'limit' }],
      });
      expect(
        await refusal(
          call('payables.page', { sort: { field: 'amount; DROP TABLE payouts', dir: 'asc' } }),
        ),
      ).toMatchObject({ code: 'VALIDATION', problems: [{ path: 'sort.field' }] });
      expect(
        await refusal(call('payables.page', { sort: { field: 'name', dir: 'up' } })),
      ).toMatchObject({ problems: [{ path: 'sort.dir' }] });
      expect(await refusal(call('payables.page', { currency: 'XXY' }))).toMatchObject({
        problems: [{ path: 'currency' }],
      });
      expect(await refusal(call('payables.page', { offset: -1 }))).toMatchObject({
        problems: [{ path: 'offset' }],
      });
      const strict = await refusal(call('payables.page', { page: 2 }));
      expect(strict.code).toBe('VALIDATION');
      expect(strict.message).toMatch(/page/);
    });
  });

  describe('payouts.page', () => {
    it('pages the whole history consistently, with filters that agree with the table', async () => {
      const [{ n }] = (await rows<{ n: number }>(
        db(),
        sql`SELECT count(*)::int AS n FROM payouts`,
      )) as [{ n: number }];
      const whole = await call<PayoutsPage>('payouts.page', {
        sort: { field: 'amountMinor', dir: 'desc' },
        limit: 1000,
      });
      expect(whole.total).toBe(Number(n));
      const paged = await allPages(
        (offset, limit) =>
          call<PayoutsPage>('payouts.page', {
            sort: { field: 'amountMinor', dir: 'desc' },
            offset,
            limit,
          }),
        5,
      );
      expect(paged.map((p) => p.id)).toEqual(whole.rows.map((p) => p.id));
      for (let i = 1; i < whole.rows.length; i++)
        expect(BigInt(whole.rows[i - 1]!.amountMinor) >= BigInt(whole.rows[i]!.amountMinor)).toBe(
          true,
        );

      const failed = await call<PayoutsPage>('payouts.page', { status: 'FAILED', limit: 1000 });
      expect(failed.total).toBeGreaterThan(0);
      expect(
        failed.rows.every((p) => p.status === 'FAILED' && p.lastError !== null && p.attempts >= 1),
      ).toBe(true);
      const succeeded = await call<PayoutsPage>('payouts.page', {
        status: 'SUCCEEDED',
        limit: 1000,
      });
      expect(succeeded.rows.every((p) => p.providerReference !== null)).toBe(true);

      const byNumber = await call<PayoutsPage>('payouts.page', {
        batch: batch.number,
        limit: 1000,
      });
      const byId = await call<PayoutsPage>('payouts.page', { batch: batch.id, limit: 1000 });
      expect(byNumber.total).toBe(byId.total);
      expect(
        byNumber.rows.every(
          (p) =>
            p.batchNumber === batch.number &&
            p.batchId === batch.id &&
            p.currency === 'PHP' &&
            p.provider === 'xendit',
        ),
      ).toBe(true);
      const one = byNumber.rows[0]!;
      expect(
        (await call<PayoutsPage>('payouts.page', { affiliateId: one.affiliateId })).rows.map(
          (p) => p.id,
        ),
      ).toEqual([one.id]);
      expect(
        (
          await call<PayoutsPage>('payouts.page', {
            search: one.affiliateName.slice(0, -1),
            batch: batch.id,
          })
        ).rows.map((p) => p.id),
      ).toContain(one.id);
      expect(
        (await call<PayoutsPage>('payouts.page', { from: '2000-01-01', to: '2000-01-02' })).total,
      ).toBe(0);
      expect(
        (await call<PayoutsPage>('payouts.page', { from: one.createdAt })).total,
      ).toBeGreaterThan(0);
      expect((await call<PayoutsPage>('payouts.page', { currency: 'USD' })).total).toBe(0);
      expect(await refusal(call('payouts.page', { status: 'PAID' }))).toMatchObject({
        problems: [{ path: 'status' }],
      });
      expect(await refusal(call('payouts.page', { from: 'yesterday' }))).toMatchObject({
        problems: [{ path: 'from' }],
      });
    });

    it('filters by failure code and says in words what the provider state and the failure mean', async () => {
      const [{ n }] = (await rows<{ n: number }>(
        db(),
        sql`SELECT count(*)::int AS n FROM payouts WHERE failure_code = 'INVALID_DESTINATION'`,
      )) as [{ n: number }];
      expect(Number(n)).toBeGreaterThan(0);
      const invalid = await call<PayoutsPage>('payouts.page', {
        batch: batch.id,
        failureCode: 'INVALID_DESTINATION',
        limit: 1000,
      });
      expect(invalid.total).toBe(Number(n));
      for (const p of invalid.rows) {
        expect(p).toMatchObject({
          failureCode: 'INVALID_DESTINATION',
          failureMessage: failureMeaning('INVALID_DESTINATION'),
          providerStatus: 'FAILED',
          providerStateMeaning: 'failed: nothing was paid',
        });
        expect(p.failureMessage).toMatch(/destination/);
      }
      expect((await call<PayoutsPage>('payouts.page', { failureCode: 'NO_SUCH_CODE' })).total).toBe(
        0,
      );
      expect(await refusal(call('payouts.page', { failureCode: ' ' }))).toMatchObject({
        problems: [{ path: 'failureCode' }],
      });

      // Every row: the destination channel, the amount before FX, the provider's state and its
      // meaning.
      const all = await call<PayoutsPage>('payouts.page', { batch: batch.number, limit: 1000 });
      for (const p of all.rows) {
        expect(p.channelCode).toMatch(/^PH_/);
        expect({ amount: p.sourceAmountMinor, currency: p.sourceCurrency, fx: p.fxRate }).toEqual({
          amount: p.amountMinor,
          currency: 'PHP',
          fx: null,
        });
        if (p.status === 'SUCCEEDED')
          expect({
            state: p.providerStatus,
            meaning: p.providerStateMeaning,
            message: p.failureMessage,
          }).toEqual({ state: 'SUCCEEDED', meaning: 'paid', message: null });
      }

      // Sorted in SQL: by failure code (the failed first when descending, nulls last), by attempts,
      // and by amount within each currency.
      const byCode = await allPages(
        (offset, limit) =>
          call<PayoutsPage>('payouts.page', {
            batch: batch.id,
            sort: { field: 'failureCode', dir: 'desc' },
            offset,
            limit,
          }),
        7,
      );
      expect(byCode.slice(0, Number(n)).every((p) => p.failureCode === 'INVALID_DESTINATION')).toBe(
        true,
      );
      expect(byCode.slice(Number(n)).every((p) => p.failureCode === null)).toBe(true);
      const byAmount = (
        await call<PayoutsPage>('payouts.page', {
          sort: { field: 'amountMinor', dir: 'desc' },
          limit: 1000,
        })
      ).rows;
      for (let i = 1; i < byAmount.length; i++) {
        const [a, b] = [byAmount[i - 1]!, byAmount[i]!];
        expect(
          a.currency < b.currency ||
            (a.currency === b.currency && BigInt(a.amountMinor) >= BigInt(b.amountMinor)),
        ).toBe(true);
      }
    });
  });

  describe('affiliate.detail', () => {
    it('shows the record, what is owed, commissions, adjustments and payouts', async () => {
      const paid = (await call<PayoutsPage>('payouts.page', { batch: batch.id, limit: 1 }))
        .rows[0]!;
      const d = await call<AffiliateDetail>(
        'affiliate.detail',
        { affiliateId: paid.affiliateId },
        viewer,
      );
      expect(d.affiliate).toMatchObject({
        id: paid.affiliateId,
        name: paid.affiliateName,
        currency: 'PHP',
      });
      expect(d.payouts.map((p) => p.id)).toContain(paid.id);
      expect(d.payouts.find((p) => p.id === paid.id)).toMatchObject({
        batchNumber: batch.number,
        batchId: batch.id,
        amountMinor: paid.amountMinor,
        status: paid.status,
      });
      expect(d.commissions.length).toBe(Math.min(500, d.counts.commissions));
      expect(d.commissions.every((m) => /^\d+$/.test(m.amountMinor) && m.currency === 'PHP')).toBe(
        true,
      );
      // Its commissions in the batch are tied to the payout; the payables rows are the grid's.
      if (paid.status !== 'FAILED')
        expect(d.commissions.some((m) => m.payoutId === paid.id)).toBe(true);
      const grid = (
        await call<PayablesPage>('payables.page', { search: paid.affiliateId })
      ).rows.filter((r) => r.affiliateId === paid.affiliateId);
      expect(d.payables).toEqual(grid);
      expect(
        await refusal(call('affiliate.detail', { affiliateId: 'no-such-affiliate' })),
      ).toMatchObject({ code: 'NOT_FOUND' });
      expect(await refusal(call('affiliate.detail', {}))).toMatchObject({
        code: 'VALIDATION',
        problems: [{ path: 'affiliateId' }],
      });
    });
  });

  describe('dashboard.summary', () => {
    it('sums what the grids and the tables say; security only for those who may see it', async () => {
      const d = await call<DashboardSummary>('dashboard.summary');
      const page = await call<PayablesPage>('payables.page', { limit: 1 });
      expect(d.payables).toEqual(page.totals);
      const batches = await rows<{ status: string; count: number }>(
        db(),
        sql`SELECT status, count(*)::int AS count FROM payout_batches GROUP BY status ORDER BY status`,
      );
      expect(d.batches).toEqual(batches.map((b) => ({ status: b.status, count: Number(b.count) })));
      const [{ failed }] = (await rows<{ failed: number }>(
        db(),
        sql`SELECT count(*)::int AS failed FROM payouts WHERE status = 'FAILED'`,
      )) as [{ failed: number }];
      expect(d.recentFailures).toHaveLength(Math.min(20, Number(failed)));
      expect(
        d.recentFailures.every((f) => f.error !== null && f.batchNumber === batch.number),
      ).toBe(true);
      for (const e of d.executions) expect(e.done + e.inFlight + e.pending).toBe(e.total);
      expect(d.calcLastRun).toMatchObject({ conversions: 3000 });
      expect(d.security).not.toBeNull();
      expect(d.security!.recent.length).toBeLessThanOrEqual(10);
      expect((await call<DashboardSummary>('dashboard.summary', {}, viewer)).security).toBeNull();
    });

    it('shows a batch being executed with its progress', async () => {
      // A batch EXECUTING (as an interrupted execution leaves it): the dashboard shows its
      // progress.
      const [{ status: was }] = (await rows<{ status: string }>(
        db(),
        sql`SELECT status FROM payout_batches WHERE id = ${batch.id}::uuid`,
      )) as [{ status: string }];
      await db().execute(
        sql`UPDATE payout_batches SET status = 'EXECUTING' WHERE id = ${batch.id}::uuid`,
      );
      try {
        const d = await call<DashboardSummary>('dashboard.summary');
        const e = d.executions.find((x) => x.batchId === batch.id)!;
        const [counts] = await rows<{ total: number; succeeded: number; failed: number }>(
          db(),
          sql`SELECT count(*)::int AS total, (count(*) FILTER (WHERE status = 'SUCCEEDED'))::int AS succeeded, (count(*) FILTER (WHERE status = 'FAILED'))::int AS failed FROM payouts WHERE batch_id = ${batch.id}::uuid`,
        );
        expect(e).toMatchObject({
          number: batch.number,
          status: 'EXECUTING',
          total: Number(counts!.total),
          succeeded: Number(counts!.succeeded),
          failed: Number(counts!.failed),
        });
        expect(e.done + e.inFlight + e.pending).toBe(e.total);
      } finally {
        await db().execute(
          sql`UPDATE payout_batches SET status = ${was} WHERE id = ${batch.id}::uuid`,
        );
      }
    });
  });

  describe('reports', () => {
    it('timeSeries: the buckets of every granularity sum to the totals', async () => {
      const [acc] = await rows<{ by: unknown }>(
        db(),
        sql`SELECT json_object_agg(c, s)::text AS by FROM (SELECT trim(currency) AS c, sum(amount_minor)::text AS s FROM commissions WHERE status <> 'voided' GROUP BY 1) x`,
      );
      const [paid] = await rows<{ by: string | null; n: number }>(
        db(),
        sql`SELECT json_object_agg(c, s)::text AS by, sum(n)::int AS n FROM (SELECT trim(currency) AS c, sum(amount_minor)::text AS s, count(*) AS n FROM payouts WHERE status = 'SUCCEEDED' GROUP BY 1) x`,
      );
      const [failed] = await rows<{ n: number }>(
        db(),
        sql`SELECT count(*)::int AS n FROM payouts WHERE status = 'FAILED'`,
      );
      for (const granularity of ['day', 'week', 'month'] as const) {
        const { points } = await call<{ points: TimeSeriesPoint[] }>(
          'reports.timeSeries',
          { granularity },
          viewer,
        );
        const accrued = sumBy(
          points.filter((p) => p.accruedMinor !== '0'),
          (p) => p.currency,
          (p) => BigInt(p.accruedMinor),
        );
        expect(accrued).toEqual(JSON.parse(acc!.by as string));
        expect(
          sumBy(
            points.filter((p) => p.paidMinor !== '0'),
            (p) => p.currency,
            (p) => BigInt(p.paidMinor),
          ),
        ).toEqual(JSON.parse(paid!.by ?? '{}'));
        expect(points.reduce((n, p) => n + p.payouts, 0)).toBe(
          Number(paid!.n ?? 0) + Number(failed!.n),
        );
        for (const p of points) {
          expect(p.period).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          if (granularity === 'month') expect(p.period.endsWith('-01')).toBe(true);
          if (granularity === 'week') expect(new Date(`${p.period}T00:00:00Z`).getUTCDay()).toBe(1);
        }
        expect(new Set(points.map((p) => `${p.period}|${p.currency}`)).size).toBe(points.length);
      }
      // A window: only its buckets, and they sum to the window's commissions.
      const { points } = await call<{ points: TimeSeriesPoint[] }>('reports.timeSeries', {
        granularity: 'day',
        from: '2026-10-01',
        to: '2026-10-08',
        currency: 'IDR',
      });
      const [w] = await rows<{ s: string }>(
        db(),
        sql`SELECT coalesce(sum(amount_minor), 0)::text AS s FROM commissions WHERE status <> 'voided' AND currency = 'IDR' AND occurred_at >= '2026-10-01T00:00:00Z' AND occurred_at < '2026-10-08T00:00:00Z'`,
      );
      expect(
        points.every(
          (p) => p.currency === 'IDR' && p.period >= '2026-10-01' && p.period <= '2026-10-07',
        ),
      ).toBe(true);
      expect(points.reduce((n, p) => n + BigInt(p.accruedMinor), 0n).toString()).toBe(w!.s);
      expect(await refusal(call('reports.timeSeries', { granularity: 'hour' }))).toMatchObject({
        problems: [{ path: 'granularity' }],
      });
    });

    it('affiliatePerformance: pages consistently; sums are the commissions’', async () => {
      const sort = { field: 'commissionsMinor', dir: 'desc' } as const;
      const whole = await call<{ total: number; rows: PerformanceRow[] }>(
        'reports.affiliatePerformance',
        { sort, limit: 1000 },
        viewer,
      );
      const [{ n, conversions }] = (await rows<{ n: number; conversions: number }>(
        db(),
        sql`SELECT count(DISTINCT (affiliate_id, currency))::int AS n, count(*)::int AS conversions FROM commissions`,
      )) as [{ n: number; conversions: number }];
      expect(whole.total).toBe(Number(n));
      expect(whole.rows.reduce((c, r) => c + r.conversions, 0)).toBe(Number(conversions));
      const paged = await allPages(
        (offset, limit) =>
          call<{ total: number; rows: PerformanceRow[] }>('reports.affiliatePerformance', {
            sort,
            offset,
            limit,
          }),
        9,
      );
      expect(paged.map((r) => `${r.affiliateId}|${r.currency}`)).toEqual(
        whole.rows.map((r) => `${r.affiliateId}|${r.currency}`),
      );
      const [paid] = await rows<{ s: string }>(
        db(),
        sql`SELECT coalesce(sum(amount_minor), 0)::text AS s FROM commissions WHERE status = 'paid'`,
      );
      expect(whole.rows.reduce((c, r) => c + BigInt(r.paidMinor), 0n).toString()).toBe(paid!.s);
      for (const r of whole.rows)
        expect(BigInt(r.commissionsMinor)).toBeGreaterThanOrEqual(
          BigInt(r.paidMinor) + BigInt(r.pendingMinor) + BigInt(r.payableMinor),
        );
      const searched = await call<{ total: number; rows: PerformanceRow[] }>(
        'reports.affiliatePerformance',
        { search: whole.rows[0]!.affiliateId },
      );
      expect(searched.rows.map((r) => r.affiliateId)).toEqual([whole.rows[0]!.affiliateId]);
    });

    it('providerAnalysis: counts add up; the success rate is exact', async () => {
      const { rows: list } = await call<{ rows: ProviderAnalysisRow[] }>(
        'reports.providerAnalysis',
        {},
        viewer,
      );
      const x = list.find((r) => r.provider === 'xendit' && r.currency === 'PHP')!;
      expect(x.succeeded + x.failed + x.pending + x.cancelled + x.reversed).toBe(x.payouts);
      expect(x.failed).toBeGreaterThan(0);
      // One decimal, rounded half away from zero, from integers.
      const tenths =
        (BigInt(x.succeeded) * 2000n + BigInt(x.succeeded + x.failed)) /
        (2n * BigInt(x.succeeded + x.failed));
      expect(x.successRate).toBe(`${tenths / 10n}.${tenths % 10n}`);
      const [s2] = await rows<{ s: string }>(
        db(),
        sql`SELECT coalesce(sum(amount_minor), 0)::text AS s FROM payouts WHERE status = 'SUCCEEDED' AND provider = 'xendit' AND currency = 'PHP'`,
      );
      expect(x.paidMinor).toBe(s2!.s);
    });
  });

  describe('settings', () => {
    it('shows thresholds and providers; an admin changes them with an audit entry; a viewer cannot', async () => {
      const shown = await call<SettingsView>('settings.show', {}, viewer);
      expect(shown.thresholds.configured).toEqual({});
      expect(shown.thresholds.effective.USD).toBe('1000.00');
      expect(shown.providers.value).toEqual({});

      expect(
        await refusal(call('settings.set', { key: 'thresholds', value: { USD: '5.00' } }, viewer)),
      ).toMatchObject({ code: 'FORBIDDEN' });
      expect(
        await refusal(call('settings.set', { key: 'thresholds', value: { USD: '5.001' } })),
      ).toMatchObject({ code: 'VALIDATION', problems: [{ path: 'value.USD' }] });
      expect(
        await refusal(call('settings.set', { key: 'thresholds', value: { usd: '5.00' } })),
      ).toMatchObject({ code: 'VALIDATION' });
      expect(
        await refusal(
          call('settings.set', { key: 'providers', value: { sandbox: { failureRate: 2 } } }),
        ),
      ).toMatchObject({ problems: [{ path: 'value.sandbox.failureRate' }] });
      expect(await refusal(call('settings.set', { key: 'providers' }))).toMatchObject({
        problems: [{ path: 'value' }],
      });
      expect(await refusal(call('settings.set', { key: 'secrets', value: {} }))).toMatchObject({
        code: 'VALIDATION',
      });

      const after = await call<SettingsView>('settings.set', {
        key: 'thresholds',
        // As the page displays amounts (grouped); kept as the currency's plain decimal.
        value: { USD: '2,500.00', IDR: '40,000,000' },
      });
      expect(after.thresholds.configured).toEqual({ USD: '2500.00', IDR: '40000000.00' });
      expect(after.thresholds.effective).toMatchObject({
        USD: '2500.00',
        IDR: '40000000.00',
        PHP: '55000.00',
      });
      expect(after.thresholds.updatedBy).toBe('admin');
      await call('settings.set', {
        key: 'providers',
        value: { sandbox: { seed: 9, failureRate: 0.1 } },
      });
      expect((await call<SettingsView>('settings.show', {}, viewer)).providers.value).toEqual({
        sandbox: { seed: 9, failureRate: 0.1 },
      });
      const [entry] = await rows<{ before: unknown; after: unknown }>(
        db(),
        sql`SELECT before::text AS before, after::text AS after FROM audit_log WHERE action = 'settings.set' AND entity_id = 'high_value_thresholds' ORDER BY seq DESC LIMIT 1`,
      );
      expect(entry!.before).toBeNull();
      expect(JSON.parse(entry!.after as string)).toEqual({ USD: '2500.00', IDR: '40000000.00' });
      await call('settings.set', { key: 'thresholds', value: {} });
      const [again] = await rows<{ before: string }>(
        db(),
        sql`SELECT before::text AS before FROM audit_log WHERE action = 'settings.set' AND entity_id = 'high_value_thresholds' ORDER BY seq DESC LIMIT 1`,
      );
      expect(JSON.parse(again!.before)).toEqual({ USD: '2500.00', IDR: '40000000.00' });
      await call('settings.set', { key: 'providers', value: {} });
    });
  });

  describe('console.manifest', () => {
    it('tells the console who, what they may do, and what every call needs', async () => {
      await call('session.stepUp', { password: ADMIN_PASSWORD });
      const admin = await call<Manifest>('console.manifest');
      expect(admin.operator).toMatchObject({
        username: 'admin',
        displayName: 'admin',
        role: 'super_admin',
      });
      expect(admin.permissions).toHaveLength(14);
      expect(admin.matrix.map((m) => m.role)).toEqual([...ROLES]);
      for (const m of admin.matrix)
        expect(m.permissions.sort()).toEqual([...permissionsOf(m.role)].sort());
      for (const d of DEFINITIONS)
        expect(admin.calls[d.name], d.name).toEqual({
          permission: d.permission,
          stepUp: d.stepUp === true,
          kind: d.kind,
        });
      expect(admin.calls['batch.approve']).toEqual({
        permission: 'batches.approve',
        stepUp: true,
        kind: 'command',
      });
      expect(admin.calls['sync.run']).toMatchObject({ kind: 'command' });
      expect(Date.parse(admin.stepUpValidUntil!)).toBeGreaterThan(Date.now());

      const v = await call<Manifest>('console.manifest', {}, viewer);
      expect(v.operator).toMatchObject({ username: 'viewer1', role: 'viewer' });
      expect(v.permissions.sort()).toEqual(['payables.view', 'reports.view']);
      expect(Date.parse(v.stepUpValidUntil!)).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
      // Past the window the confirmation no longer covers step-up calls.
      await db().execute(
        sql`UPDATE sessions s SET created_at = now() - interval '1 hour', stepped_up_at = NULL FROM operators o WHERE o.id = s.operator_id AND o.username = 'viewer1'`,
      );
      expect((await call<Manifest>('console.manifest', {}, viewer)).stepUpValidUntil).toBeNull();
      expect(await refusal(call('console.manifest', {}, null as never))).toMatchObject({
        code: 'UNAUTHENTICATED',
      });
    });
  });

  describe('offline, from the cache', () => {
    let offline: Workstation;
    let offlineToken: string;
    let onlineToken: string;
    const via =
      (ws: Workstation, token: string) =>
      <T>(name: string, payload: unknown = {}) =>
        ws.call<T>({ name, payload, session: token, workstationId: ws.id, id: randomUUID() });

    beforeAll(async () => {
      const signIn = await s.tw.ws.call<SignInResult>({
        name: 'session.signIn',
        payload: { username: 'admin', password: ADMIN_PASSWORD },
        session: null,
        workstationId: s.tw.ws.id,
        id: randomUUID(),
      });
      if (!signIn.ok) throw new Error(signIn.reason);
      onlineToken = signIn.token;
      await via(s.tw.ws, onlineToken)('sync.run');
      offline = await openWorkstation({
        dataDir: s.tw.ws.dataDir,
        credentials: s.tw.ws.credentials,
        offline: true,
      });
      const r = await offline.call<SignInResult>({
        name: 'session.signIn',
        payload: { username: 'admin', password: ADMIN_PASSWORD },
        session: null,
        workstationId: offline.id,
        id: randomUUID(),
      });
      if (!r.ok) throw new Error(r.reason);
      offlineToken = r.token;
    }, 120_000);
    afterAll(() => offline?.close());

    it('answers payables.page, payouts.page, dashboard.summary and console.manifest like the central store', async () => {
      const online = via(s.tw.ws, onlineToken);
      const local = via(offline, offlineToken);
      const strip = <T extends object>(v: T) => {
        const { offline: _, ...rest } = v as T & { offline?: boolean };
        return rest;
      };
      for (const input of [
        { limit: 1000 },
        { sort: { field: 'payableMinor', dir: 'desc' }, offset: 5, limit: 10 },
        { eligible: false, currency: 'USD' },
        { search: 'AFF-00001' },
      ]) {
        const central = await online<PayablesPage>('payables.page', input);
        const cached = await local<PayablesPage & { offline: true }>('payables.page', input);
        expect(cached.offline).toBe(true);
        expect(strip(cached)).toEqual(central);
      }
      for (const input of [
        { sort: { field: 'amountMinor', dir: 'asc' }, limit: 1000 },
        { status: 'FAILED' },
        { batch: batch.number, offset: 3, limit: 4, sort: { field: 'createdAt', dir: 'desc' } },
        // The failure code and provider state are mirrored: filtered and sorted offline as online.
        { batch: batch.id, failureCode: 'INVALID_DESTINATION' },
        { batch: batch.id, sort: { field: 'failureCode', dir: 'desc' }, limit: 1000 },
      ]) {
        const central = await online<PayoutsPage>('payouts.page', input);
        const cached = strip(await local<PayoutsPage>('payouts.page', input));
        expect(cached.total).toBe(central.total);
        expect(cached.rows.map((p) => ({ ...p, lastError: null }))).toEqual(
          central.rows.map((p) => ({ ...p, lastError: null })),
        );
      }
      const d = await local<DashboardSummary & { offline: true }>('dashboard.summary');
      const c = await online<DashboardSummary>('dashboard.summary');
      expect(d).toMatchObject({
        offline: true,
        security: null,
        calcLastRun: null,
        payables: c.payables,
        batches: c.batches,
        executions: c.executions,
      });
      expect(d.recentFailures.map((f) => f.payoutId)).toEqual(
        c.recentFailures.map((f) => f.payoutId),
      );
      const m = await local<Manifest>('console.manifest');
      expect(m).toMatchObject({
        operator: { username: 'admin', role: 'super_admin' },
        permissions: (await online<Manifest>('console.manifest')).permissions,
      });
      expect(await refusal(local('settings.set', { key: 'thresholds', value: {} }))).toMatchObject({
        code: 'OFFLINE',
      });
    });

    it('offline, the kept payables follow batches prepared and discarded offline', async () => {
      const local = via(offline, offlineToken);
      const idr = async () =>
        (await local<PayablesPage>('payables.page', { currency: 'IDR', limit: 1000 })).totals;
      const listed = async () =>
        sumBy(
          await local<PayableRow[]>('payables.list', { currency: 'IDR' }),
          (l) => l.currency,
          (l) => BigInt(l.payableMinor),
        );
      const before = await idr();
      const created = await local<{ batches: { id: string }[]; commandId: string }>(
        'batch.create',
        { provider: 'xendit', currency: 'IDR' },
      );
      const during = await idr();
      expect(BigInt(during[0]!.payableMinor)).toBeLessThan(BigInt(before[0]!.payableMinor));
      expect({ IDR: during[0]!.payableMinor }).toEqual(await listed());
      await local('outbox.discard', { entry: created.commandId });
      expect(await idr()).toEqual(before);
    });
  });
});
