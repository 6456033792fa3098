/**
 * Reports and accounting exports on real stores (PGlite and Postgres), over a ledger made by the
 * real flow (support/ledger.ts: FX, a clawback, a reversal, a failed payout, hostile provider
 * references). Files are read back with papaparse and checked against the database to the minor
 * unit: the journal balances, the reconciled payout report ties to the payouts and to the journal,
 * hostile cells are neutralised, and bad filters get errors that say what and where.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import { TreasuryError } from '../../../src/core/shared/errors.js';
import { parseAmount } from '../../../src/core/shared/money/index.js';
import type { TimeSeriesPoint } from '../../../src/core/domain/reports/time-series.js';
import type {
  FailureCodeRow,
  ProviderAnalysisRow,
} from '../../../src/core/domain/reports/provider-analysis.js';
import {
  exportReport,
  type ExportOptions,
  type ExportResult,
} from '../../../src/core/domain/reports/export-file.js';
import type { MonitoringReport } from '../../../src/core/domain/reports/monitoring.js';
import { JOURNAL_COLUMNS, journalReport } from '../../../src/core/domain/reports/journal.js';
import { auditReport } from '../../../src/core/domain/reports/audit-log.js';
import { commissionReport } from '../../../src/core/domain/reports/commissions.js';
import { payoutReport } from '../../../src/core/domain/reports/payouts.js';
import type { TrialBalance } from '../../../src/core/domain/reports/trial-balance.js';
import { FX_AFFILIATE, FX_RATE, HOSTILE, openLedger, type Ledger } from '../../support/ledger.js';
import { payBatch } from '../../support/payout-flow.js';
import { drivers } from '../../support/pg.js';
import { addOperator } from '../../support/workstation.js';

type Row = Record<string, string>;

function readCsv(file: string): { fields: string[]; data: Row[]; bom: boolean } {
  const text = readFileSync(file, 'utf8');
  const bom = text.startsWith('\uFEFF');
  const parsed = Papa.parse<Row>(bom ? text.slice(1) : text, {
    header: true,
    skipEmptyLines: true,
  });
  expect(parsed.errors).toEqual([]);
  return { fields: parsed.meta.fields!, data: parsed.data, bom };
}

const amount = (text: string, currency: string) =>
  parseAmount(text, currency, { allowNegative: true });

/** Sums per key, as bigint. */
function sumBy<T>(
  list: readonly T[],
  key: (t: T) => string,
  value: (t: T) => bigint,
): Record<string, string> {
  const m = new Map<string, bigint>();
  for (const t of list) m.set(key(t), (m.get(key(t)) ?? 0n) + value(t));
  return Object.fromEntries(
    [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.toString()]),
  );
}

async function refusal(p: Promise<unknown>): Promise<TreasuryError> {
  try {
    await p;
  } catch (error) {
    return error as TreasuryError;
  }
  throw new Error('expected a refusal');
}

describe.each(drivers())('reports and exports on %s', (driver) => {
  let ledger: Ledger;
  const call = <T>(name: string, payload: unknown, token?: string) =>
    ledger.flow.tw.call<T>(name, payload, token);
  const db = () => ledger.flow.tw.ws.central.db;
  const out = (name: string) => ledger.out(name);
  let journal: Row[];
  let payouts: Row[];
  let payoutResult: ExportResult;

  beforeAll(async () => {
    ledger = await openLedger(driver);
    await call('export.journal', { format: 'csv', out: out('journal.csv') });
    journal = readCsv(out('journal.csv')).data;
    payoutResult = await call<ExportResult>('export.payouts', {
      format: 'csv',
      out: out('payouts.csv'),
    });
    payouts = readCsv(out('payouts.csv')).data;
    await call('export.commissions', { format: 'csv', out: out('commissions.csv') });
  }, 300_000);
  afterAll(async () => {
    await ledger?.close();
  });

  describe('journal entries', () => {
    it('every entry balances to zero in each currency; each line is a debit or a credit', async () => {
      expect(readCsv(out('journal.csv')).fields).toEqual([...JOURNAL_COLUMNS]);
      const entries = new Map<string, bigint>();
      for (const l of journal) {
        expect((l.debit === '') !== (l.credit === ''), JSON.stringify(l)).toBe(true);
        const value =
          l.debit !== '' ? amount(l.debit!, l.currency!) : -amount(l.credit!, l.currency!);
        expect(value === 0n).toBe(false);
        expect(l.debit!.startsWith('-') || l.credit!.startsWith('-')).toBe(false);
        const key = `${l.entry_id}|${l.currency}`;
        entries.set(key, (entries.get(key) ?? 0n) + value);
      }
      expect(entries.size).toBeGreaterThan(100);
      for (const [key, net] of entries) expect(net, key).toBe(0n);
      const [adj] = await rows<{ clawbacks: number; others: number }>(
        db(),
        sql`SELECT (count(*) FILTER (WHERE kind = 'clawback'))::int AS clawbacks, (count(*) FILTER (WHERE kind NOT IN ('clawback', 'reversal')))::int AS others FROM adjustments`,
      );
      expect(Number(adj!.clawbacks)).toBeGreaterThan(0);
      const types = new Set([
        'accrual',
        'clawback',
        'payout',
        'reversal',
        ...(Number(adj!.others) > 0 ? ['adjustment'] : []),
      ]);
      expect(new Set(journal.map((l) => l.entry_type))).toEqual(types);
    });

    it('books what happened: accrual, clawback, payout through FX clearing, reversal', async () => {
      const lines = (entry: string) =>
        journal
          .filter((l) => l.entry_id === entry)
          .map((l) => [l.line, l.account_code, l.debit, l.credit, l.currency]);
      // FX: the payable in USD against FX clearing, FX clearing in IDR against cash.
      const [fx] = await rows<{ id: string; amount: string; source: string }>(
        db(),
        sql`SELECT id, amount_minor::text AS amount, source_amount_minor::text AS source FROM payouts WHERE affiliate_id = ${FX_AFFILIATE} AND status = 'SUCCEEDED'`,
      );
      const usd = (m: string) =>
        `${BigInt(m) / 100n}.${(BigInt(m) % 100n).toString().padStart(2, '0')}`;
      expect(lines(`PAY-${fx!.id}`)).toEqual([
        ['1', '2100', usd(fx!.source), '', 'USD'],
        ['2', '1900', '', usd(fx!.source), 'USD'],
        ['3', '1900', usd(fx!.amount), '', 'IDR'],
        ['4', '1101', '', usd(fx!.amount), 'IDR'],
      ]);
      // The reversal: cash back, payable credited (the adjustment that re-opened the debt).
      const [rev] = await rows<{ id: string; amount: string }>(
        db(),
        sql`SELECT id, amount_minor::text AS amount FROM payouts WHERE status = 'REVERSED'`,
      );
      expect(lines(`REV-${rev!.id}`)).toEqual([
        ['1', '1101', usd(rev!.amount), '', 'IDR'],
        ['2', '2100', '', usd(rev!.amount), 'IDR'],
      ]);
      expect(journal.find((l) => l.entry_id === `REV-${rev!.id}`)!.adjustment_id).toBe(
        `rev:${rev!.id}`,
      );
      expect(journal.some((l) => l.entry_id === `PAY-${rev!.id}`)).toBe(true);
      // The clawback: payable debited, expense credited.
      const clawbacks = new Set(
        journal.filter((l) => l.entry_type === 'clawback').map((l) => l.entry_id),
      );
      expect(clawbacks.size).toBeGreaterThan(0);
      for (const entry of clawbacks as Set<string>) {
        expect(
          lines(entry).map(([line, account, debit, credit]) => [
            line,
            account,
            debit !== '',
            credit !== '',
          ]),
        ).toEqual([
          ['1', '2100', true, false],
          ['2', '5100', false, true],
        ]);
      }
      // Failed payouts move no money: no entry.
      const failed = await rows<{ id: string }>(
        db(),
        sql`SELECT id FROM payouts WHERE status = 'FAILED'`,
      );
      expect(failed).toHaveLength(1);
      expect(journal.some((l) => l.payout_id === failed[0]!.id)).toBe(false);
    });

    it('reports.journal: a trial balance that balances, no unbalanced entry, every tie holds', async () => {
      const tb = await call<TrialBalance>('reports.journal', {});
      expect(tb.unbalancedEntries).toBe(0);
      expect(tb.lines).toBe(journal.length);
      expect(tb.entries).toBe(new Set(journal.map((l) => l.entry_id)).size);
      const net = sumBy(
        tb.accounts,
        (a) => a.currency,
        (a) => BigInt(a.debitMinor) - BigInt(a.creditMinor),
      );
      for (const v of Object.values(net)) expect(v).toBe('0');
      expect(tb.ties.map((t) => `${t.check}|${t.currency}`).sort()).toEqual(
        ['accrued|IDR', 'accrued|PHP', 'accrued|USD', 'cash_back|IDR', 'cash_out|IDR'].sort(),
      );
      for (const t of tb.ties) expect(t, JSON.stringify(t)).toMatchObject({ ties: true });
      // The export's per-account totals are the trial balance.
      const exported = await call<ExportResult>('export.journal', {
        format: 'json',
        out: out('journal.json'),
      });
      for (const a of tb.accounts) {
        for (const side of ['debit', 'credit'] as const) {
          const t = exported.totals.find(
            (x) => x.column === side && x.currency === a.currency && x.group === a.accountCode,
          );
          expect(
            t ? amount(t.amount, a.currency) : 0n,
            `${a.accountCode} ${a.currency} ${side}`,
          ).toBe(BigInt(side === 'debit' ? a.debitMinor : a.creditMinor));
        }
      }
      const groups = new Set(
        exported.totals.filter((t) => t.group !== null).map((t) => `${t.group}|${t.currency}`),
      );
      expect(groups).toEqual(new Set(tb.accounts.map((a) => `${a.accountCode}|${a.currency}`)));
    });
  });

  describe('the reconciled payout report', () => {
    it('one row per payout, amounts exactly the database’s, with reconciliation status and provider reference', async () => {
      const db_ = await rows<{
        id: string;
        status: string;
        amount: string;
        currency: string;
        source: string;
        source_currency: string;
        ref: string | null;
      }>(
        db(),
        sql`SELECT id, status, amount_minor::text AS amount, trim(currency) AS currency, source_amount_minor::text AS source, trim(source_currency) AS source_currency, provider_payout_id AS ref FROM payouts`,
      );
      expect(payouts).toHaveLength(db_.length);
      expect(payoutResult.rowCount).toBe(db_.length);
      const byId = new Map(payouts.map((p) => [p.payout_id!, p]));
      for (const p of db_) {
        const r = byId.get(p.id)!;
        expect(r.status).toBe(p.status);
        expect(amount(r.amount!, r.currency!)).toBe(BigInt(p.amount));
        expect(amount(r.source_amount!, r.source_currency!)).toBe(BigInt(p.source));
        expect(r.provider_reference).toBe(
          p.ref === null ? '' : /^[=+\-@\t\r]/.test(p.ref) ? `'${p.ref}` : p.ref,
        );
      }
      // Batch 1 was reconciled (matched, or the reversal seen); batch 2 ran after: not reconciled.
      const statuses = new Set(payouts.map((p) => p.reconciliation_status));
      expect(statuses.has('matched')).toBe(true);
      for (const p of payouts) {
        expect(payoutReport.spec.statuses).toContain(p.status);
        if (p.batch_number === ledger.second.number)
          expect(p.reconciliation_status).toBe('not_reconciled');
        else expect(p.reconciliation_status).not.toBe('not_reconciled');
      }
      const fx = payouts.find((p) => p.affiliate_id === FX_AFFILIATE)!;
      const [rate] = await rows<{ fx_rate: string }>(
        db(),
        sql`SELECT fx_rate FROM payouts WHERE id = ${fx.payout_id}::uuid`,
      );
      expect([fx.currency, fx.source_currency, fx.fx_rate]).toEqual(['IDR', 'USD', rate!.fx_rate]);
    });

    it('ties: its totals equal the payouts’, and its paid and reversed amounts equal the journal’s cash', async () => {
      // The file's own totals (per currency and per status) are the sums of its rows.
      const byStatus = sumBy(
        payouts,
        (p) => `${p.currency}|${p.status}`,
        (p) => amount(p.amount!, p.currency!),
      );
      for (const t of payoutResult.totals.filter((x) => x.column === 'amount' && x.group !== null))
        expect(amount(t.amount, t.currency).toString()).toBe(byStatus[`${t.currency}|${t.group}`]);
      const [db_] = await rows<{ by: string }>(
        db(),
        sql`SELECT json_object_agg(c, s)::text AS by FROM (SELECT trim(currency) || '|' || status AS c, sum(amount_minor)::text AS s FROM payouts GROUP BY 1) x`,
      );
      expect(byStatus).toEqual(
        Object.fromEntries(
          Object.entries(JSON.parse(db_!.by) as Record<string, string>).sort(([a], [b]) =>
            a.localeCompare(b),
          ),
        ),
      );
      // Cash out in the journal = payouts that succeeded (reversed later or not); cash back =
      // reversed.
      const paid = sumBy(
        payouts.filter((p) => p.status === 'SUCCEEDED' || p.status === 'REVERSED'),
        (p) => p.currency!,
        (p) => amount(p.amount!, p.currency!),
      );
      const cashOut = sumBy(
        journal.filter((l) => l.entry_type === 'payout' && l.account_code!.startsWith('110')),
        (l) => l.currency!,
        (l) => amount(l.credit!, l.currency!),
      );
      expect(cashOut).toEqual(paid);
      const reversed = sumBy(
        payouts.filter((p) => p.status === 'REVERSED'),
        (p) => p.currency!,
        (p) => amount(p.amount!, p.currency!),
      );
      const cashBack = sumBy(
        journal.filter((l) => l.entry_type === 'reversal' && l.account_code!.startsWith('110')),
        (l) => l.currency!,
        (l) => amount(l.debit!, l.currency!),
      );
      expect(cashBack).toEqual(reversed);
      expect(Object.keys(reversed)).toEqual(['IDR']);
      // Accruals in the journal = the commissions export: every stored amount (a voided commission
      // is normally 0).
      const commissions = readCsv(out('commissions.csv')).data;
      const accrued = sumBy(
        journal.filter((l) => l.entry_type === 'accrual' && l.account_code === '5100'),
        (l) => l.currency!,
        (l) => amount(l.debit!, l.currency!),
      );
      expect(accrued).toEqual(
        sumBy(
          commissions.filter((c) => amount(c.amount!, c.currency!) !== 0n),
          (c) => c.currency!,
          (c) => amount(c.amount!, c.currency!),
        ),
      );
    });

    it('period filters tie too: the same window on both sides', async () => {
      const [firstPaid] = await rows<{ at: string }>(
        db(),
        sql`SELECT to_char(min(settled_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS at FROM payouts WHERE status = 'SUCCEEDED'`,
      );
      const from = firstPaid!.at;
      const to = new Date(Date.parse(from) + 2 * 86_400_000).toISOString().slice(0, 10);
      const tb = await call<TrialBalance>('reports.journal', { from, to, currency: 'IDR' });
      expect(tb.ties.length).toBeGreaterThan(0);
      for (const t of tb.ties)
        expect(t, JSON.stringify(t)).toMatchObject({ ties: true, currency: 'IDR' });
      const r = await call<ExportResult>('export.payouts', {
        format: 'csv',
        out: out('payouts-window.csv'),
        from,
        to,
        currency: 'IDR',
        status: ['SUCCEEDED', 'REVERSED'],
      });
      const cashOut = tb.ties.find((t) => t.check === 'cash_out')!;
      expect(
        r.totals
          .filter((t) => t.column === 'amount' && t.group === null)
          .map((t) => amount(t.amount, 'IDR')),
      ).toEqual([BigInt(cashOut.sourceMinor)]);
    });
  });

  describe('a payout paid in one period and reversed in the next', () => {
    it('each period ties on its own: the payout in the first, the reversal in the second', async () => {
      const [rev] = await rows<{ id: string; amount: string; paid: string }>(
        db(),
        sql`SELECT id, amount_minor::text AS amount, to_char(settled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS paid FROM payouts WHERE status = 'REVERSED'`,
      );
      const day = (d: string, n: number) =>
        new Date(Date.parse(d) + n * 86_400_000).toISOString().slice(0, 10);
      // The provider reverses it 40 days after paying it.
      await db().execute(
        sql`UPDATE payouts SET settled_at = settled_at + interval '40 days' WHERE id = ${rev!.id}::uuid`,
      );
      try {
        const first = await call<TrialBalance>('reports.journal', {
          from: day(rev!.paid, -1),
          to: day(rev!.paid, 2),
        });
        const second = await call<TrialBalance>('reports.journal', {
          from: day(rev!.paid, 39),
          to: day(rev!.paid, 42),
        });
        for (const tb of [first, second]) {
          expect(tb.unbalancedEntries).toBe(0);
          for (const t of tb.ties) expect(t, JSON.stringify(t)).toMatchObject({ ties: true });
        }
        expect(first.ties.find((t) => t.check === 'cash_back')).toBeUndefined();
        expect(second.ties.find((t) => t.check === 'cash_back')).toEqual({
          check: 'cash_back',
          currency: 'IDR',
          journalMinor: rev!.amount,
          sourceMinor: rev!.amount,
          ties: true,
        });
        await call('export.journal', {
          format: 'csv',
          out: out('journal-later.csv'),
          from: day(rev!.paid, 39),
          to: day(rev!.paid, 42),
        });
        const later = readCsv(out('journal-later.csv')).data;
        expect(later.map((l) => l.entry_id)).toEqual([`REV-${rev!.id}`, `REV-${rev!.id}`]);
        await call('export.payouts', {
          format: 'csv',
          out: out('payouts-first.csv'),
          from: day(rev!.paid, -1),
          to: day(rev!.paid, 2),
        });
        const firstPayouts = readCsv(out('payouts-first.csv')).data;
        expect(firstPayouts.find((p) => p.payout_id === rev!.id)).toMatchObject({
          status: 'REVERSED',
          reversed_at: expect.stringMatching(/^\d{4}-/),
        });
      } finally {
        await db().execute(
          sql`UPDATE payouts SET settled_at = settled_at - interval '40 days' WHERE id = ${rev!.id}::uuid`,
        );
      }
    });
  });

  describe('files', () => {
    it('neutralises formula cells in every CSV export; amounts stay numbers', async () => {
      await call('export.payoutItems', { format: 'csv', out: out('items.csv') });
      await call('export.auditLog', { format: 'csv', out: out('audit.csv') });
      for (const hostile of HOSTILE)
        expect(
          payouts.some((p) => p.provider_reference === `'${hostile}`),
          JSON.stringify(hostile),
        ).toBe(true);
      const files = {
        'payouts.csv': payoutReport,
        'commissions.csv': commissionReport,
        'audit.csv': auditReport,
      } as const;
      for (const [name, report] of Object.entries(files)) {
        const { data } = readCsv(out(name));
        expect(data.length).toBeGreaterThan(0);
        for (const r of data) {
          for (const c of report.columns) {
            if (c in report.amounts) {
              if (r[c] !== '') expect(r[c], `${name} ${c}`).toMatch(/^-?\d+(\.\d+)?$/);
            } else
              expect(r[c], `${name} ${c}: ${JSON.stringify(r[c])}`).not.toMatch(/^[=+\-@\t\r]/);
          }
        }
      }
      // The journal and the payout items carry the provider's references too.
      for (const hostile of HOSTILE)
        expect(
          journal.some((l) => l.provider_reference === `'${hostile}`),
          JSON.stringify(hostile),
        ).toBe(true);
      const items = readCsv(out('items.csv')).data;
      for (const hostile of HOSTILE)
        expect(
          items.some((i) => i.provider_reference === `'${hostile}`),
          JSON.stringify(hostile),
        ).toBe(true);
      for (const rows_ of [journal, items]) {
        for (const r of rows_) {
          for (const [c, v] of Object.entries(r))
            if (!['debit', 'credit', 'amount', 'payout_amount'].includes(c))
              expect(v, `${c}: ${JSON.stringify(v)}`).not.toMatch(/^[=+\-@\t\r]/);
        }
      }
      expect(items.some((i) => i.amount!.startsWith('-'))).toBe(true);
    });

    it('round trip: every amount parses back to the database’s minor units', async () => {
      const commissions = readCsv(out('commissions.csv')).data;
      const db_ = await rows<{ id: string; amount: string; currency: string; status: string }>(
        db(),
        sql`SELECT c.id::text AS id, c.amount_minor::text AS amount, trim(c.currency) AS currency, c.status FROM commissions c ORDER BY c.id`,
      );
      expect(
        commissions.map((c) => [
          c.commission_id,
          amount(c.amount!, c.currency!).toString(),
          c.currency,
          c.status,
        ]),
      ).toEqual(db_.map((c) => [c.id, c.amount, c.currency, c.status]));
      expect(new Set(commissions.map((c) => c.currency))).toEqual(new Set(['IDR', 'PHP', 'USD']));
    });

    it('reads in pages and chunks: any page or chunk size gives the same file (keyset chunks on PGlite, COPY on Postgres, a cursor for payouts)', async () => {
      const whole = (name: string) =>
        createHash('sha256')
          .update(readFileSync(out(name)))
          .digest('hex');
      const options = (file: string) => ({
        format: 'csv' as const,
        out: out(file),
        filters: {},
        pageSize: 5,
        chunkRows: 7,
        generatedBy: { operatorId: null, username: null },
        audit: { commandId: null, ip: null, workstationId: 'test' },
      });
      for (const [report, file] of [
        [journalReport, 'journal.csv'],
        [commissionReport, 'commissions.csv'],
        [payoutReport, 'payouts.csv'],
      ] as const) {
        const small = await exportReport(
          ledger.flow.tw.ws.central,
          report,
          options(`small-${file}`),
        );
        expect(small.fileSha256, report.name).toBe(whole(file));
      }
    });

    it('JSON: metadata (who, when, filters, counts, totals, app version, row checksum) and the raw rows', async () => {
      const r = await call<ExportResult>('export.payouts', {
        format: 'json',
        out: out('payouts.json'),
        currency: 'IDR',
      });
      const doc = JSON.parse(readFileSync(out('payouts.json'), 'utf8')) as {
        metadata: Record<string, unknown>;
        rows: Record<string, string | null>[];
      };
      const version = (
        JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
          version: string;
        }
      ).version;
      expect(doc.metadata).toMatchObject({
        report: 'payouts',
        generatedBy: { username: 'admin' },
        appVersion: version,
        filters: { currency: 'IDR', from: null, to: null, provider: null, status: null },
        rowCount: doc.rows.length,
        totals: r.totals,
        sha256: r.sha256,
      });
      expect(doc.rows.length).toBe(payouts.filter((p) => p.currency === 'IDR').length);
      const recomputed = createHash('sha256');
      for (const row of doc.rows) recomputed.update(JSON.stringify(row) + '\n');
      expect(recomputed.digest('hex')).toBe(r.sha256);
      expect(
        createHash('sha256')
          .update(readFileSync(out('payouts.json')))
          .digest('hex'),
      ).toBe(r.fileSha256);
      for (const hostile of HOSTILE)
        expect(doc.rows.some((row) => row.provider_reference === hostile)).toBe(true);
    });

    const direct = (file: string, extra: Partial<ExportOptions> = {}): ExportOptions => ({
      format: 'csv',
      out: out(file),
      filters: {},
      generatedBy: { operatorId: null, username: null },
      audit: { commandId: null, ip: null, workstationId: 'test' },
      ...extra,
    });
    const exportAudits = async (action: string) =>
      Number(
        (
          await rows<{ n: number }>(
            db(),
            sql`SELECT count(*)::int AS n FROM audit_log WHERE action = ${action} AND entity_type = 'export'`,
          )
        )[0]!.n,
      );
    const leftovers = (prefix: string) =>
      readdirSync(ledger.dir.dir).filter((f) => f.startsWith(prefix));

    it('a full disk: EXPORT_FAILED says so, the partial file is removed, nothing is audited', async () => {
      // Every write to /dev/full fails with ENOSPC, as on a full disk.
      const before = await exportAudits('export.journal');
      const e = await refusal(
        exportReport(
          ledger.flow.tw.ws.central,
          journalReport,
          direct('full.csv', { openPartial: () => open('/dev/full', 'w') }),
        ),
      );
      expect(e).toMatchObject({ code: 'EXPORT_FAILED', kind: 'user' });
      expect(e.message).toMatch(
        /could not write .*full\.csv: the disk is full \(ENOSPC\); the partial file was removed and nothing was exported/,
      );
      expect(leftovers('full.csv')).toEqual([]);
      expect(await exportAudits('export.journal')).toBe(before);
    });

    it('never replaces a file that appeared while it ran (without overwrite); the audit says the export did not land', async () => {
      const target = out('raced.csv');
      const before = await exportAudits('export.journal.abandoned');
      const e = await refusal(
        exportReport(
          ledger.flow.tw.ws.central,
          journalReport,
          direct('raced.csv', {
            pageSize: 50,
            onProgress: () => void (existsSync(target) || writeFileSync(target, 'someone else\n')),
          }),
        ),
      );
      expect(e).toMatchObject({ code: 'CONFLICT' });
      expect(e.message).toMatch(/was created while it was being written/);
      expect(readFileSync(target, 'utf8')).toBe('someone else\n');
      expect(leftovers('raced.csv')).toEqual(['raced.csv']);
      expect(await exportAudits('export.journal.abandoned')).toBe(before + 1);
    });

    it('an optional UTF-8 BOM for spreadsheets; the rows are the same', async () => {
      const r = await call<ExportResult>('export.payouts', {
        format: 'csv',
        out: out('payouts-bom.csv'),
        bom: true,
      });
      const bytes = readFileSync(out('payouts-bom.csv'));
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      expect(readFileSync(out('payouts.csv'))[0]).toBe('b'.charCodeAt(0));
      const withBom = readCsv(out('payouts-bom.csv'));
      expect(withBom.bom).toBe(true);
      expect(withBom.data).toEqual(payouts);
      expect(r.bytes).toBe(bytes.length);
    });

    it('every export is audited with the file’s checksum, and permission-checked', async () => {
      const audits = await rows<{
        action: string;
        entity_id: string;
        after: { file: string; rows: number; fileSha256: string };
      }>(
        db(),
        sql`SELECT action, entity_id, after FROM audit_log WHERE entity_type = 'export' ORDER BY seq`,
      );
      expect(new Set(audits.map((a) => a.action))).toEqual(
        new Set([
          'export.journal',
          'export.payouts',
          'export.commissions',
          'export.payoutItems',
          'export.auditLog',
          'export.journal.abandoned',
        ]),
      );
      const payoutAudit = audits.find((a) => a.after.file.endsWith('payouts.csv'))!;
      expect(payoutAudit.entity_id).toBe(
        createHash('sha256')
          .update(readFileSync(out('payouts.csv')))
          .digest('hex'),
      );
      const processor = await addOperator(ledger.flow.tw, 'proc', 'processor');
      const viewer = await addOperator(ledger.flow.tw, 'viewer', 'viewer');
      for (const name of [
        'export.payouts',
        'export.commissions',
        'export.payoutItems',
        'export.auditLog',
        'export.journal',
      ]) {
        expect(
          await refusal(call(name, { format: 'csv', out: out(`p-${name}.csv`) }, processor)),
          name,
        ).toMatchObject({ code: 'FORBIDDEN' });
      }
      // Reports are for viewers; the audit log leaves only with audit.view (managers hold it).
      expect((await call<TrialBalance>('reports.journal', {}, viewer)).unbalancedEntries).toBe(0);
      const manager = await call<ExportResult>(
        'export.auditLog',
        { format: 'csv', out: out('audit-by-manager.csv'), status: 'denied' },
        ledger.flow.checker1,
      );
      expect(manager.rowCount).toBeGreaterThanOrEqual(5); // the refusals above, at least
      for (const r of readCsv(out('audit-by-manager.csv')).data) expect(r.decision).toBe('denied');
    });
  });

  describe('bad filters', () => {
    it('each gets a clear error naming the field, and no file is written', async () => {
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ['export.payouts', { currency: 'XXX' }, /currency: is not an ISO 4217 currency code/],
        [
          'export.payouts',
          { from: '2026-12-01', to: '2026-11-01' },
          /to: must be after from \(2026-12-01\)/,
        ],
        ['export.payouts', { from: '2026-13-45' }, /from: must be an ISO 8601 date-time/],
        [
          'export.payouts',
          { status: 'paid' },
          /status: must be one of PENDING, UNKNOWN, ACCEPTED, SUCCEEDED, FAILED, CANCELLED, REVERSED/,
        ],
        ['export.commissions', { status: ['paid', 'SUCCEEDED'] }, /status/],
        [
          'export.payouts',
          { provider: 'paypal' },
          /provider: must be one of xendit, rise, sandbox/,
        ],
        [
          'export.auditLog',
          { provider: 'xendit' },
          /the audit-log report cannot be filtered by provider: it takes from, to, status/,
        ],
        ['export.payouts', { affiliate: 'nobody-here' }, /affiliate: no affiliate nobody-here/],
        ['export.journal', { batch: 'B-20990101-001' }, /batch: no batch B-20990101-001/],
        [
          'export.journal',
          { status: 'accrual', format: 'xml' },
          /format: must be one of csv, json/,
        ],
        [
          'export.journal',
          { format: 'json', bom: true },
          /bom: a byte order mark is for CSV files only/,
        ],
      ];
      for (const [name, filters, message] of cases) {
        const e = await refusal(call(name, { format: 'csv', out: out('bad.csv'), ...filters }));
        expect(e.code, `${name} ${JSON.stringify(filters)}: ${e.message}`).toBe('VALIDATION');
        expect(e.message).toMatch(message);
        expect(e.problems.length).toBeGreaterThan(0);
      }
      expect(() => readFileSync(out('bad.csv'))).toThrow(/ENOENT/);
      for (const [name, payload] of [
        ['reports.timeSeries', { granularity: 'hour' }],
        ['reports.timeSeries', { granularity: 'day', batch: 'B-1' }],
        ['reports.monitoring', { stuckAfterMinutes: 0 }],
        ['reports.providerAnalysis', { currency: 'idr' }],
      ] as const) {
        expect(
          await refusal(call(name, payload)),
          `${name} ${JSON.stringify(payload)}`,
        ).toMatchObject({ code: 'VALIDATION' });
      }
    });
  });

  describe('analytic reports', () => {
    it('time series: succeeded, failed, reversed and clawbacks add up to the ledger; filters narrow it', async () => {
      const { points } = await call<{ points: TimeSeriesPoint[] }>('reports.timeSeries', {
        granularity: 'day',
      });
      const total = (f: (p: TimeSeriesPoint) => string | number) =>
        points.reduce((n, p) => n + BigInt(f(p)), 0n);
      const [s] = await rows<{
        succeeded: number;
        failed: number;
        reversed: number;
        sent: number;
        claw: string;
      }>(
        db(),
        sql`SELECT (count(*) FILTER (WHERE status IN ('SUCCEEDED', 'REVERSED')))::int AS succeeded, (count(*) FILTER (WHERE status = 'FAILED'))::int AS failed,
                   (count(*) FILTER (WHERE status = 'REVERSED'))::int AS reversed, (count(*) FILTER (WHERE attempt > 0))::int AS sent,
                   (SELECT coalesce(sum(-amount_minor), 0)::text FROM adjustments WHERE kind = 'clawback') AS claw
            FROM payouts`,
      );
      expect([
        total((p) => p.succeeded),
        total((p) => p.failed),
        total((p) => p.reversed),
        total((p) => p.sent),
      ]).toEqual([BigInt(s!.succeeded), 1n, 1n, BigInt(s!.sent)]);
      expect(total((p) => p.clawbacksMinor)).toBe(BigInt(s!.claw));
      expect(BigInt(s!.claw)).toBeGreaterThan(0n);
      // Succeeded per currency = the journal's cash out.
      const cashOut = sumBy(
        journal.filter((l) => l.entry_type === 'payout' && l.account_code!.startsWith('110')),
        (l) => l.currency!,
        (l) => amount(l.credit!, l.currency!),
      );
      expect(
        sumBy(
          points.filter((p) => p.succeeded > 0),
          (p) => p.currency,
          (p) => BigInt(p.succeededMinor),
        ),
      ).toEqual(cashOut);
      const one = await call<{ points: TimeSeriesPoint[] }>('reports.timeSeries', {
        granularity: 'month',
        affiliate: FX_AFFILIATE,
        provider: 'xendit',
      });
      expect(new Set(one.points.map((p) => p.currency))).toEqual(new Set(['USD', 'IDR']));
      expect(
        one.points.filter((p) => p.currency === 'IDR').reduce((n, p) => n + p.succeeded, 0),
      ).toBe(1);
      const failedOnly = await call<{ points: TimeSeriesPoint[] }>('reports.timeSeries', {
        granularity: 'month',
        status: 'FAILED',
      });
      expect(failedOnly.points.every((p) => p.succeeded === 0 && p.reversed === 0)).toBe(true);
    });

    it('provider analysis: failure codes, settle-time percentiles, fees not reported', async () => {
      const r = await call<{ rows: ProviderAnalysisRow[]; failureCodes: FailureCodeRow[] }>(
        'reports.providerAnalysis',
        { provider: 'xendit' },
      );
      const idr = r.rows.find((x) => x.currency === 'IDR')!;
      expect(idr.succeeded + idr.failed + idr.pending + idr.cancelled + idr.reversed).toBe(
        idr.payouts,
      );
      expect([idr.failed, idr.reversed]).toEqual([1, 1]);
      expect(r.failureCodes).toEqual([
        { provider: 'xendit', currency: 'IDR', code: 'TRANSFER_ERROR', count: 1 },
      ]);
      expect(idr.settleSecondsP50).toMatch(/^\d+\.\d$/);
      expect(Number(idr.settleSecondsP95)).toBeGreaterThanOrEqual(Number(idr.settleSecondsP50));
      expect(idr.feesMinor).toBeNull();
    });

    it('monitoring: batches by status, stuck payouts over the threshold, webhook lag, last reconciliation and its breaks', async () => {
      const tx = db();
      const [victim] = await rows<{ id: string }>(
        tx,
        sql`SELECT p.id FROM payouts p JOIN payout_batches b ON b.id = p.batch_id WHERE b.id = ${ledger.second.batchId}::uuid AND p.status = 'SUCCEEDED' LIMIT 1`,
      );
      // One payout the provider has held for three hours; webhooks with the provider's own time.
      await tx.execute(
        sql`UPDATE payouts SET status = 'ACCEPTED', updated_at = now() - interval '3 hours' WHERE id = ${victim!.id}::uuid`,
      );
      await tx.execute(sql`INSERT INTO provider_events (provider, event_key, type, payload, received_at) VALUES
        ('xendit', 'lag-1', 'payout.succeeded', jsonb_build_object('created', to_char((now() - interval '10 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), now()),
        ('xendit', 'lag-2', 'payout.succeeded', jsonb_build_object('created', to_char((now() - interval '30 seconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), now()),
        ('rise', 'lag-3', 'payment.sent', jsonb_build_object('created', floor(extract(epoch FROM now() - interval '4 seconds'))), now()),
        ('rise', 'lag-4', 'payment.sent', '{"created": "not a time"}'::jsonb, now())`);
      try {
        const m = await call<MonitoringReport>('reports.monitoring', { stuckAfterMinutes: 120 });
        expect(m.batchesByStatus.reduce((n, b) => n + b.count, 0)).toBe(2);
        expect(m.stuck.count).toBe(1);
        expect(m.stuck.oldest[0]).toMatchObject({
          payoutId: victim!.id,
          status: 'ACCEPTED',
          minutes: expect.any(Number),
        });
        expect(m.stuck.oldest[0]!.minutes).toBeGreaterThanOrEqual(179);
        expect(
          (await call<MonitoringReport>('reports.monitoring', { stuckAfterMinutes: 240 })).stuck
            .count,
        ).toBe(0);
        const x = m.webhooks.find((w) => w.provider === 'xendit')!;
        expect([x.events, Number(x.lagSecondsMax)]).toEqual([2, expect.closeTo(30, 0)]);
        expect(Number(x.lagSecondsP50)).toBeCloseTo(20, 0);
        const rise = m.webhooks.find((w) => w.provider === 'rise')!;
        expect([rise.events, rise.withoutTime]).toEqual([2, 1]);
        expect(Number(rise.lagSecondsMax)).toBeGreaterThanOrEqual(3);
        const [run] = await rows<{ id: string }>(
          tx,
          sql`SELECT id FROM reconciliation_runs ORDER BY created_at DESC LIMIT 1`,
        );
        expect(m.reconciliation).toMatchObject([
          { provider: 'xendit', runId: run!.id, status: 'complete' },
        ]);
        expect(m.reconciliation[0]!.results).toBeGreaterThan(0);
      } finally {
        await tx.execute(
          sql`UPDATE payouts SET status = 'SUCCEEDED', updated_at = now() WHERE id = ${victim!.id}::uuid`,
        );
        await tx.execute(sql`DELETE FROM provider_events WHERE event_key LIKE 'lag-%'`);
      }
    });
  });
  describe('a commission voided after its payout was cancelled', () => {
    it('keeps the amount its clawback offsets; the journal accrues it, and the two meet at zero', async () => {
      // New business for the FX affiliate, paid in a third batch whose transfer the provider
      // refuses; then the conversion is refunded (a clawback on a locked commission), the failed
      // payout is given up (its commissions are released) and calc runs again.
      writeFileSync(
        out('late.csv'),
        'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at\n' +
          `late-1,${FX_AFFILIATE},2026-08-10T09:00:00Z,pro-plan,30000.00,0,USD,approved,\n`,
      );
      await call('conversions.import', { file: out('late.csv') });
      await call('commissions.calculate', {});
      ledger.fake.injectNext('fail_transfer', 1);
      const third = await payBatch(ledger.flow, {
        provider: 'xendit',
        currency: 'IDR',
        fxRates: { 'USD/IDR': FX_RATE },
        affiliateIds: [FX_AFFILIATE],
      });
      const [failed] = await rows<{ id: string; affiliate_id: string }>(
        db(),
        sql`SELECT id, affiliate_id FROM payouts WHERE batch_id = ${third.batchId}::uuid AND status = 'FAILED'`,
      );
      const [conv] = await rows<{
        id: string;
        occurred_at: Date | string;
        product: string;
        gross: string;
        discount: string;
        currency: string;
        commission: string;
      }>(
        db(),
        sql`SELECT v.id, v.occurred_at, v.product, v.gross_minor::text AS gross, v.discount_minor::text AS discount, trim(v.currency) AS currency, c.id::text AS commission
            FROM payout_items i JOIN commissions c ON c.id = i.commission_id JOIN conversions v ON v.id = c.conversion_id
            WHERE i.payout_id = ${failed!.id}::uuid AND c.amount_minor > 0 ORDER BY c.id LIMIT 1`,
      );
      const major = (m: string) =>
        `${BigInt(m) / 100n}.${(BigInt(m) % 100n).toString().padStart(2, '0')}`;
      writeFileSync(
        out('refund.csv'),
        'id,affiliate_id,occurred_at,product,gross_amount,discount_amount,currency,status,refunded_at\n' +
          `${conv!.id},${failed!.affiliate_id},${new Date(conv!.occurred_at).toISOString()},${conv!.product},${major(conv!.gross)},${major(conv!.discount)},${conv!.currency},refunded,2026-11-12\n`,
      );
      await call('conversions.import', { file: out('refund.csv') });
      await call('commissions.calculate', {});
      await call('payout.cancel', {
        payoutId: failed!.id,
        reason: 'given up after the transfer error',
      });
      await call('commissions.calculate', {});
      const [c] = await rows<{ status: string; amount: string }>(
        db(),
        sql`SELECT status, amount_minor::text AS amount FROM commissions WHERE id = ${conv!.commission}::bigint`,
      );
      const [adj] = await rows<{ total: string }>(
        db(),
        sql`SELECT coalesce(sum(amount_minor), 0)::text AS total FROM adjustments WHERE commission_id = ${conv!.commission}::bigint`,
      );
      expect(c!.status).toBe('voided');
      // calc's invariant: amount + adjustments = what the rules say now (0).
      expect(BigInt(c!.amount) + BigInt(adj!.total)).toBe(0n);
      expect(BigInt(c!.amount)).toBeGreaterThan(0n);

      const tb = await call<TrialBalance>('reports.journal', {});
      expect(tb.unbalancedEntries).toBe(0);
      for (const t of tb.ties) expect(t, JSON.stringify(t)).toMatchObject({ ties: true });
      await call('export.journal', { format: 'csv', out: out('journal-voided.csv') });
      const lines = readCsv(out('journal-voided.csv')).data.filter(
        (l) => l.commission_id === conv!.commission && l.account_code === '5100',
      );
      const expense = lines.reduce(
        (n, l) => n + (l.debit ? amount(l.debit, l.currency!) : -amount(l.credit!, l.currency!)),
        0n,
      );
      expect(lines.map((l) => l.entry_type).sort()).toEqual(['accrual', 'clawback']);
      expect(expense).toBe(0n);
    });
  });
});
