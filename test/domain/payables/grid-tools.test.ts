/**
 * The operator's grid tools on payables, on real PGlite over demo data made by the product's own
 * flow: the column filter model (validation in words, filtering the same rows as a filter applied
 * by hand to the unfiltered set, amounts typed as displayed), bulk hold/release in one audited
 * transaction, "export this grid" (the filtered rows, the columns asked for, the metadata line),
 * and the saved views in the workstation's encrypted cache surviving a reopened workstation.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { cacheFile } from '../../../src/core/platform/files/paths.js';
import { TreasuryError } from '../../../src/core/shared/errors.js';
import type { PayablesPage, PayablesPageRow } from '../../../src/core/domain/payables/payables.js';
import type { BulkHoldResult } from '../../../src/core/domain/affiliates/commands.js';
import type { GridExportResult } from '../../../src/core/domain/payables/export-grid.js';
import type { SavedViews } from '../../../src/core/local/views-calls.js';
import type { SignInResult } from '../../../src/core/domain/operators/commands.js';
import {
  openWorkstation,
  type Workstation,
} from '../../../src/core/host/workstation/workstation.js';
import { openScenario, type Scenario } from '../../support/payouts.js';
import { ADMIN_PASSWORD } from '../../support/workstation.js';

async function refusal(p: Promise<unknown>): Promise<TreasuryError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(TreasuryError);
    return error as TreasuryError;
  }
  throw new Error('expected a refusal');
}

describe('payables grid tools (PGlite)', () => {
  let s: Scenario;
  let all: PayablesPageRow[];
  const call = <T>(name: string, payload: unknown = {}, token?: string) =>
    s.tw.call<T>(name, payload, token);
  const page = (payload: Record<string, unknown>) =>
    call<PayablesPage>('payables.page', { limit: 1000, ...payload });

  beforeAll(async () => {
    s = await openScenario('pglite', { affiliates: 120, conversions: 5000, seed: 11 });
    all = (await page({})).rows;
    expect(all.length).toBeGreaterThan(50);
  }, 60_000);
  afterAll(() => s?.cleanup());

  describe('payables.page filters', () => {
    it('filters by currency, provider, reason and amount range: the rows a hand filter keeps', async () => {
      const currency = all[0]!.currency;
      const inCurrency = all.filter((r) => r.currency === currency);
      const amounts = inCurrency
        .map((r) => BigInt(r.payableMinor))
        .sort((a, b) => (a < b ? -1 : 1));
      const lo = amounts[Math.floor(amounts.length / 4)]!;
      const hi = amounts[Math.floor((amounts.length * 3) / 4)]!;
      const { formatAmount } = await import('../../../src/core/shared/money/index.js');
      // Typed with thousands separators, as displayed.
      const display = (minor: bigint) => {
        const [whole, frac] = formatAmount(minor, currency).split('.');
        return whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
      };
      const got = await page({
        filters: {
          currency: [currency],
          payable: { min: display(lo), max: display(hi) },
        },
      });
      const expected = inCurrency.filter(
        (r) => BigInt(r.payableMinor) >= lo && BigInt(r.payableMinor) <= hi,
      );
      expect(got.total).toBe(expected.length);
      expect(got.rows.map((r) => r.affiliateId).sort()).toEqual(
        expected.map((r) => r.affiliateId).sort(),
      );
      // Totals are over the filtered rows.
      expect(got.totals.map((t) => t.currency)).toEqual([currency]);
      expect(got.totals[0]!.affiliates).toBe(expected.length);

      const reason = all.find((r) => r.reasons.length > 0)!.reasons[0]!;
      const byReason = await page({ filters: { reason: [reason] } });
      expect(byReason.total).toBe(all.filter((r) => r.reasons.includes(reason)).length);
      expect(byReason.rows.every((r) => r.reasons.includes(reason))).toBe(true);

      const provider = all.find((r) => r.provider)!.provider!;
      const byProvider = await page({ filters: { provider: [provider, 'none'] } });
      expect(byProvider.total).toBe(
        all.filter((r) => r.provider === provider || r.provider === null).length,
      );

      const next = all[0]!.nextPayoutDate!;
      expect(next).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect((await page({ filters: { nextPayout: { from: next, to: next } } })).total).toBe(
        all.length,
      );
      expect((await page({ filters: { nextPayout: { to: '2000-01-01' } } })).total).toBe(0);
      // Sorted by the new columns, server-side.
      const sorted = await page({ sort: { field: 'provider', dir: 'asc' } });
      expect(sorted.total).toBe(all.length);
    });

    it('refuses a filter model it cannot apply, in words', async () => {
      const noCurrency = await refusal(page({ filters: { payable: { min: '10' } } }));
      expect(noCurrency.code).toBe('VALIDATION');
      expect(JSON.stringify(noCurrency.problems)).toContain(
        'an amount range applies within one currency: choose one currency first',
      );
      const badAmount = await refusal(
        page({ currency: 'USD', filters: { payable: { min: '1,00' } } }),
      );
      expect(JSON.stringify(badAmount.problems)).toContain('a comma used as the decimal mark');
      const inverted = await refusal(
        page({ currency: 'USD', filters: { payable: { min: '20', max: '10' } } }),
      );
      expect(JSON.stringify(inverted.problems)).toContain('the lowest amount is above the highest');
      const badReason = await refusal(page({ filters: { reason: ['because'] } }));
      expect(JSON.stringify(badReason.problems)).toContain('must be one of affiliate_inactive');
      const badDate = await refusal(page({ filters: { nextPayout: { from: '2026-13-45' } } }));
      expect(JSON.stringify(badDate.problems)).toContain('is not a real date');
    });
  });

  describe('affiliate.holdMany / releaseMany', () => {
    it('holds a set in one transaction with an audit entry each, and says which were already held', async () => {
      const free = all.filter((r) => !r.reasons.includes('payouts_held')).slice(0, 3);
      const ids = free.map((r) => r.affiliateId);
      const first = await call<BulkHoldResult>('affiliate.holdMany', {
        affiliateIds: ids.slice(0, 2),
        reason: 'checking bank details',
      });
      expect(first.changed.sort()).toEqual(ids.slice(0, 2).sort());
      const again = await call<BulkHoldResult>('affiliate.holdMany', {
        affiliateIds: ids,
        reason: 'checking bank details',
      });
      expect(again).toEqual({ changed: [ids[2]], unchanged: ids.slice(0, 2).sort() });
      const held = await page({ filters: { reason: ['payouts_held'] } });
      for (const id of ids) expect(held.rows.map((r) => r.affiliateId)).toContain(id);
      const audited = await rows<{ entity_id: string }>(
        s.tw.ws.central.db,
        sql`SELECT entity_id FROM audit_log WHERE action = 'affiliate.hold'`,
      );
      expect(audited.map((a) => a.entity_id).sort()).toEqual([...ids].sort());

      const released = await call<BulkHoldResult>('affiliate.releaseMany', {
        affiliateIds: ids,
        reason: 'bank details fine',
      });
      expect(released.changed.sort()).toEqual([...ids].sort());
      const missing = await refusal(
        call('affiliate.holdMany', { affiliateIds: ['nobody-here'], reason: 'a reason' }),
      );
      expect(missing.message).toContain('no affiliate nobody-here');
      // Nothing of a refused set is held.
      const mixed = await refusal(
        call('affiliate.holdMany', { affiliateIds: [ids[0], 'nobody-here'], reason: 'a reason' }),
      );
      expect(mixed.code).toBe('NOT_FOUND');
      const after = await page({ filters: { reason: ['payouts_held'] } });
      expect(after.rows.map((r) => r.affiliateId)).not.toContain(ids[0]);
    });
  });

  describe('export.payablesGrid', () => {
    it('writes every filtered row in the grid order, the columns asked for, the filters in its metadata', async () => {
      const currency = all[0]!.currency;
      const out = path.join(s.tw.ws.dataDir, `grid-${randomUUID()}.csv`);
      const filters = { reason: all.find((r) => r.reasons.length > 0)!.reasons.slice(0, 1) };
      const r = await call<GridExportResult>('export.payablesGrid', {
        currency,
        filters,
        sort: { field: 'payableMinor', dir: 'desc' },
        columns: ['affiliateId', 'payableMinor', 'reason'],
        out,
      });
      const expected = await page({
        currency,
        filters,
        sort: { field: 'payableMinor', dir: 'desc' },
      });
      expect(r.rowCount).toBe(expected.total);
      const text = readFileSync(out, 'utf8');
      const [metaLine, ...rest] = text.split('\r\n');
      expect(metaLine!.startsWith('# ')).toBe(true);
      const meta = JSON.parse(metaLine!.slice(2)) as Record<string, unknown>;
      expect(meta).toMatchObject({
        grid: 'payables',
        filters: { currency, ...filters },
        columns: ['affiliateId', 'payableMinor', 'reason', 'currency'],
        rowCount: expected.total,
        generatedBy: { username: 'admin' },
      });
      const parsed = Papa.parse<Record<string, string>>(rest.join('\r\n'), {
        header: true,
        skipEmptyLines: true,
      });
      expect(parsed.meta.fields).toEqual(['affiliateId', 'payableMinor', 'reason', 'currency']);
      expect(parsed.data.map((d) => d.affiliateId)).toEqual(
        expected.rows.map((x) => x.affiliateId),
      );
      const { parseAmount } = await import('../../../src/core/shared/money/index.js');
      expect(parsed.data.map((d) => parseAmount(d.payableMinor!, d.currency!).toString())).toEqual(
        expected.rows.map((x) => x.payableMinor),
      );
      const audited = await rows<{ n: number }>(
        s.tw.ws.central.db,
        sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'export.payablesGrid' AND entity_type = 'export'`,
      );
      // The router audits the call; the finished file is audited once more, with its rows.
      expect(audited[0]!.n).toBe(1);
    });
  });

  describe('views.*', () => {
    it('keeps views per operator and grid in the encrypted cache, across a reopened workstation', async () => {
      const signIn = async (ws: Workstation) => {
        const r = await ws.call<SignInResult>({
          name: 'session.signIn',
          payload: { username: 'admin', password: ADMIN_PASSWORD },
          workstationId: ws.id,
        });
        if (!r.ok) throw new Error(r.reason);
        return r.token;
      };
      const as =
        (ws: Workstation, token: string) =>
        <T>(name: string, payload: unknown = {}) =>
          ws.call<T>({ name, payload, session: token, workstationId: ws.id, id: randomUUID() });
      const ws1 = s.tw.ws;
      const v1 = as(ws1, await signIn(ws1));
      // The cache knows the operator (for signing in offline after the restart).
      await v1('sync.run');
      const state = {
        filters: { currency: { values: ['PHP'] } },
        sort: [{ colId: 'payableMinor', sort: 'desc' }],
        columns: [
          { colId: 'affiliateId', width: 140 },
          { colId: 'name', hide: true },
        ],
        extra: { search: 'af' },
      };
      await v1('views.save', { grid: 'payables', name: 'PHP large', state });
      await v1('views.save', { grid: 'payables', name: 'Another', state: { ...state, sort: [] } });
      await v1('views.use', { grid: 'payables', name: 'PHP large' });
      const bad = await refusal(v1('views.save', { grid: 'payables', name: 'All rows', state }));
      expect(bad.problems.map((p) => p.message)).toContain('"All rows" is the grid without a view');
      // Another grid's views are its own.
      expect((await v1<SavedViews>('views.list', { grid: 'payouts' })).views).toEqual([]);

      // A restart: the same data dir opened again (its encrypted cache, its key).
      const dataDir = ws1.dataDir;
      const credentials = ws1.credentials;
      const ws2 = await openWorkstation({ dataDir, credentials, offline: true });
      try {
        const v2 = as(ws2, await signIn(ws2));
        const listed = await v2<SavedViews>('views.list', { grid: 'payables' });
        expect(listed.store).toBe('local-cache');
        expect(listed.lastUsed).toBe('PHP large');
        expect(listed.views.map((v) => v.name)).toEqual(['Another', 'PHP large']);
        expect(listed.views.find((v) => v.name === 'PHP large')!.state).toEqual(state);
        await v2('views.use', { grid: 'payables', name: null });
        expect((await v2<SavedViews>('views.list', { grid: 'payables' })).lastUsed).toBeNull();
        await v2('views.use', { grid: 'payables', name: 'Another' });
        const deleted = await v2<SavedViews>('views.delete', { grid: 'payables', name: 'Another' });
        expect(deleted.views.map((v) => v.name)).toEqual(['PHP large']);
        expect(deleted.lastUsed).toBeNull();
      } finally {
        await ws2.close();
      }
      // In the file encrypted: the view's name is not readable in the raw bytes.
      const raw = readFileSync(cacheFile(dataDir));
      expect(raw.includes(Buffer.from('PHP large'))).toBe(false);
    });
  });
});
