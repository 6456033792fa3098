/**
 * The payout-items export on real stores: payouts made by the real flow (with a clawback and a
 * reversal carried into a second batch, so adjustment items and negative amounts exist), exported
 * through the router as CSV and JSON, then read back with papaparse and compared with the database
 * to the minor unit.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../../src/core/platform/central/store.js';
import {
  csvField,
  exportReport,
  neutraliseCell,
  type ExportResult,
} from '../../../src/core/domain/reports/export-file.js';
import {
  PAYOUT_ITEM_COLUMNS,
  payoutItemReport,
} from '../../../src/core/domain/reports/payout-items.js';
import { parseAmount } from '../../../src/core/shared/money/index.js';
import { HOSTILE, openLedger, type Ledger } from '../../support/ledger.js';
import type { Flow, PaidBatch } from '../../support/payout-flow.js';
import { drivers } from '../../support/pg.js';
import { addOperator } from '../../support/workstation.js';

const REQUIRED =
  'batch_id,batch_number,payout_id,affiliate_id,commission_id,conversion_id,amount,currency,payout_status,provider,provider_reference';

interface Item {
  id: string;
  payout_id: string;
  commission_id: string | null;
  conversion_id: string | null;
  adjustment_id: string | null;
  amount_minor: string;
  currency: string;
  provider_payout_id: string | null;
  batch_id: string;
}

describe.each(drivers())('payout-items export on %s', (driver) => {
  let ledger: Ledger;
  let flow: Flow;
  let second: PaidBatch;
  let items: Item[];
  const out = (name: string) => ledger.out(name);
  const db = () => flow.tw.ws.central.db;

  beforeAll(async () => {
    ledger = await openLedger(driver);
    ({ flow, second } = ledger);
    items = await rows<Item>(
      db(),
      sql`SELECT i.id::text AS id, i.payout_id, i.commission_id::text AS commission_id, c.conversion_id, i.adjustment_id,
                 i.amount_minor::text AS amount_minor, trim(i.currency) AS currency, p.provider_payout_id, p.batch_id
          FROM payout_items i JOIN payouts p ON p.id = i.payout_id LEFT JOIN commissions c ON c.id = i.commission_id ORDER BY i.id`,
    );
  }, 240_000);
  afterAll(async () => {
    await ledger?.close();
  });

  it('the data holds what the export must handle: adjustment items, a negative amount', () => {
    expect(items.some((i) => i.adjustment_id?.startsWith('rev:'))).toBe(true);
    expect(items.some((i) => i.adjustment_id !== null && BigInt(i.amount_minor) < 0n)).toBe(true);
    expect(new Set(items.map((i) => i.batch_id)).size).toBe(2);
  });

  it('writes CSV with a header row and one row per payout item; amounts round-trip exactly through papaparse', async () => {
    const result = await flow.tw.call<ExportResult>('export.payoutItems', {
      format: 'csv',
      out: out('items.csv'),
    });
    expect(result.rowCount).toBe(items.length);
    const text = readFileSync(out('items.csv'), 'utf8');
    expect(text.split('\r\n')[0]).toBe(
      `${REQUIRED},adjustment_id,item_kind,payout_amount,payout_currency`,
    );
    expect(createHash('sha256').update(text).digest('hex')).toBe(result.fileSha256);
    const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual([...PAYOUT_ITEM_COLUMNS]);
    expect(parsed.data).toHaveLength(items.length);
    const sums = new Map<string, bigint>();
    parsed.data.forEach((row, i) => {
      const item = items[i]!;
      expect(row.payout_id).toBe(item.payout_id);
      expect(parseAmount(row.amount!, row.currency!, { allowNegative: true })).toBe(
        BigInt(item.amount_minor),
      );
      sums.set(
        row.currency!,
        (sums.get(row.currency!) ?? 0n) +
          parseAmount(row.amount!, row.currency!, { allowNegative: true }),
      );
      if (item.commission_id !== null) {
        expect([row.item_kind, row.commission_id, row.conversion_id, row.adjustment_id]).toEqual([
          'commission',
          item.commission_id,
          item.conversion_id,
          '',
        ]);
      } else {
        expect([row.item_kind, row.commission_id, row.conversion_id, row.adjustment_id]).toEqual([
          'adjustment',
          '',
          '',
          item.adjustment_id,
        ]);
      }
    });
    // Items in USD too: the FX affiliate's commissions, paid in IDR.
    const byCurrency = await rows<{ currency: string; n: number; s: string }>(
      db(),
      sql`SELECT trim(currency) AS currency, count(*)::int AS n, sum(amount_minor)::text AS s FROM payout_items GROUP BY 1 ORDER BY 1`,
    );
    expect(byCurrency.map((c) => c.currency)).toEqual(['IDR', 'USD']);
    for (const c of byCurrency) expect(sums.get(c.currency)).toBe(BigInt(c.s));
    expect(result.totals.filter((t) => t.group === null && t.column === 'amount')).toEqual(
      byCurrency.map((c) => ({
        column: 'amount',
        currency: c.currency,
        group: null,
        rows: Number(c.n),
        amount: `${BigInt(c.s) / 100n}.${(BigInt(c.s) % 100n).toString().padStart(2, '0')}`,
      })),
    );
    // Per item kind too, and the kinds add up to the whole.
    const kinds = result.totals.filter(
      (t) => t.column === 'amount' && t.currency === 'IDR' && t.group !== null,
    );
    expect(kinds.map((t) => t.group).sort()).toEqual(['adjustment', 'commission']);
    expect(
      kinds.reduce((n, t) => n + parseAmount(t.amount, 'IDR', { allowNegative: true }), 0n),
    ).toBe(BigInt(byCurrency[0]!.s));
    // Negative amounts stay numbers: a leading '-' in an amount column is a sign, not a formula.
    const negative = parsed.data.find((r) => r.amount!.startsWith('-'))!;
    expect(negative.item_kind).toBe('adjustment');
    expect(negative.amount).toMatch(/^-\d+\.\d{2}$/);
  });

  it('neutralises text cells a spreadsheet would execute, and only those', async () => {
    const text = readFileSync(out('items.csv'), 'utf8');
    const parsed = Papa.parse<Record<string, string>>(text, {
      header: true,
      skipEmptyLines: true,
    }).data;
    for (const hostile of HOSTILE) {
      const cells = parsed.filter((r) => r.provider_reference === `'${hostile}`);
      expect(cells.length, JSON.stringify(hostile)).toBeGreaterThan(0);
    }
    for (const r of parsed) {
      for (const column of PAYOUT_ITEM_COLUMNS) {
        if (column === 'amount' || column === 'payout_amount') continue;
        expect(r[column], `${column}: ${JSON.stringify(r[column])}`).not.toMatch(/^[=+\-@\t\r]/);
      }
    }
    expect(neutraliseCell('=1+1')).toBe("'=1+1");
    expect(neutraliseCell('safe')).toBe('safe');
    expect(neutraliseCell('a=b')).toBe('a=b');
  });
  it('quotes CSV fields as RFC 4180 (and papaparse) does, and papaparse reads them back unchanged', () => {
    const fields = [
      'plain',
      'a,b',
      'say "hi"',
      'two\nlines',
      'cr\rhere',
      ' leading',
      'trailing ',
      '\uFEFFbom',
      '',
      "'=1+1",
      'émoji ✓',
    ];
    const quoted = fields.map(csvField);
    expect(quoted).toEqual([
      'plain',
      '"a,b"',
      '"say ""hi"""',
      '"two\nlines"',
      '"cr\rhere"',
      '" leading"',
      '"trailing "',
      '"\uFEFFbom"',
      '',
      "'=1+1",
      'émoji ✓',
    ]);
    expect(quoted.join(',')).toBe(Papa.unparse([fields], { newline: '\r\n' }));
    expect(Papa.parse<string[]>(quoted.join(',') + '\r\n', { skipEmptyLines: true }).data).toEqual([
      fields,
    ]);
  });

  it('writes JSON with metadata (who, when, filters, count, totals, sha256 of the rows) and the raw values', async () => {
    const result = await flow.tw.call<ExportResult>('export.payoutItems', {
      format: 'json',
      out: out('items.json'),
    });
    const doc = JSON.parse(readFileSync(out('items.json'), 'utf8')) as {
      metadata: Record<string, unknown>;
      rows: Record<string, string | null>[];
    };
    expect(Object.keys(doc)).toEqual(['metadata', 'rows']);
    expect(doc.metadata).toMatchObject({
      generatedBy: { username: 'admin' },
      filters: {
        batch: null,
        from: null,
        to: null,
        currency: null,
        provider: null,
        affiliate: null,
        status: null,
      },
      report: 'payout-items',
      rowCount: items.length,
      totals: result.totals,
      sha256: result.sha256,
    });
    expect(Date.parse(doc.metadata.generatedAt as string)).not.toBeNaN();
    expect(doc.rows).toHaveLength(items.length);
    const recomputed = createHash('sha256');
    for (const r of doc.rows) recomputed.update(JSON.stringify(r) + '\n');
    expect(recomputed.digest('hex')).toBe(result.sha256);
    // Not neutralised in JSON.
    for (const hostile of HOSTILE)
      expect(doc.rows.some((r) => r.provider_reference === hostile)).toBe(true);
    const [csvAudit] = await rows<{ entity_id: string; after: { rows: number; format: string } }>(
      db(),
      sql`SELECT entity_id, after FROM audit_log WHERE action = 'export.payoutItems' AND entity_type = 'export' AND after->>'format' = 'csv'`,
    );
    expect(csvAudit!.entity_id).toBe(
      createHash('sha256')
        .update(readFileSync(out('items.csv')))
        .digest('hex'),
    );
    expect(csvAudit!.after.rows).toBe(items.length);
  });

  it('filters by batch and by period', async () => {
    const byBatch = await flow.tw.call<ExportResult>('export.payoutItems', {
      format: 'csv',
      out: out('second.csv'),
      batch: second.number,
    });
    expect(byBatch.rowCount).toBe(items.filter((i) => i.batch_id === second.batchId).length);
    const parsed = Papa.parse<Record<string, string>>(readFileSync(out('second.csv'), 'utf8'), {
      header: true,
      skipEmptyLines: true,
    }).data;
    for (const r of parsed)
      expect([r.batch_id, r.batch_number]).toEqual([second.batchId, second.number]);
    const future = await flow.tw.call<ExportResult>('export.payoutItems', {
      format: 'csv',
      out: out('none.csv'),
      from: '2030-01-01',
      to: '2030-02-01',
    });
    expect(future.rowCount).toBe(0);
    expect(readFileSync(out('none.csv'), 'utf8')).toBe(
      `${REQUIRED},adjustment_id,item_kind,payout_amount,payout_currency\r\n`,
    );
    await expect(
      flow.tw.call('export.payoutItems', {
        format: 'csv',
        out: out('x.csv'),
        from: '2030-02-01',
        to: '2030-01-01',
      }),
    ).rejects.toThrow(/to: must be after from/);
    await expect(
      flow.tw.call('export.payoutItems', { format: 'xml', out: out('x.csv') }),
    ).rejects.toThrow(/format/);
  });

  it('reads in pages: any page size gives the same rows', async () => {
    const small = await exportReport(flow.tw.ws.central, payoutItemReport, {
      format: 'json',
      out: out('paged.json'),
      filters: {},
      pageSize: 3,
      generatedBy: { operatorId: null, username: null },
      audit: { commandId: null, ip: null, workstationId: 'test' },
    });
    const whole = JSON.parse(readFileSync(out('items.json'), 'utf8')) as {
      metadata: { sha256: string };
    };
    expect(small.sha256).toBe(whole.metadata.sha256);
    expect(small.rowCount).toBe(items.length);
  });

  it('lets other calls use the store between its chunks (PGlite: not one transaction for the whole export)', async () => {
    let pages = 0;
    let answeredAfterPages: number | null = null;
    const result = await exportReport(flow.tw.ws.central, payoutItemReport, {
      format: 'csv',
      out: out('sliced.csv'),
      filters: {},
      pageSize: 2,
      chunkRows: 2,
      generatedBy: { operatorId: null, username: null },
      audit: { commandId: null, ip: null, workstationId: 'test' },
      onProgress: () => {
        if (pages++ === 0)
          void rows(db(), sql`SELECT count(*) FROM payouts`).then(
            () => (answeredAfterPages = pages),
          );
      },
    });
    expect(result.rowCount).toBe(items.length);
    // Postgres streams the whole of this small export as one page (COPY TO STDOUT, 16 KiB batches)
    // and runs other calls on other connections: only the embedded store reads in chunks.
    if (driver === 'postgres') return;
    expect(pages).toBeGreaterThan(3);
    // Answered while the export was still reading: after its first page, long before its last.
    expect(answeredAfterPages).not.toBeNull();
    expect(answeredAfterPages!).toBeLessThan(pages);
  });

  it('starts again in one snapshot when the ledger changes under a sliced export, and the file is whole', async () => {
    const whole = await exportReport(flow.tw.ws.central, payoutItemReport, {
      format: 'csv',
      out: out('before-change.csv'),
      filters: {},
      generatedBy: { operatorId: null, username: null },
      audit: { commandId: null, ip: null, workstationId: 'test' },
    });
    let wrote = false;
    let restarts = 0;
    let seen = 0;
    const result = await exportReport(flow.tw.ws.central, payoutItemReport, {
      format: 'csv',
      out: out('changed.csv'),
      filters: {},
      pageSize: 2,
      chunkRows: 2,
      generatedBy: { operatorId: null, username: null },
      audit: { commandId: null, ip: null, workstationId: 'test' },
      onProgress: (n) => {
        if (n < seen) restarts++;
        seen = n;
        if (wrote) return;
        wrote = true;
        // A write to a source table (it changes no value, but it is a write: the change log records
        // it).
        void rows(
          db(),
          sql`UPDATE payouts SET status = status WHERE id = ${items[0]!.payout_id} RETURNING id`,
        );
      },
    });
    expect(restarts).toBe(driver === 'pglite' ? 1 : 0);
    expect(result.rowCount).toBe(items.length);
    expect(result.fileSha256).toBe(whole.fileSha256);
    expect(readdirSync(ledger.dir.dir).filter((f) => f.startsWith('changed.csv.'))).toEqual([]);
  });

  it('leaves no partial file behind when it fails mid-way, and audits nothing', async () => {
    const audits = async () =>
      Number(
        (
          await rows<{ n: number }>(
            db(),
            sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'export.payoutItems' AND entity_type = 'export'`,
          )
        )[0]!.n,
      );
    const before = await audits();
    for (const format of ['csv', 'json'] as const) {
      const failing = exportReport(flow.tw.ws.central, payoutItemReport, {
        format,
        out: out(`broken.${format}`),
        filters: {},
        pageSize: 2,
        generatedBy: { operatorId: null, username: null },
        audit: { commandId: null, ip: null, workstationId: 'test' },
        onProgress: (n) => {
          if (n >= 4) throw new Error('disk full (simulated)');
        },
      });
      await expect(failing).rejects.toThrow(/disk full/);
    }
    expect(readdirSync(ledger.dir.dir).filter((f) => f.startsWith('broken'))).toEqual([]);
    expect(await audits()).toBe(before);
  });

  it('refuses to overwrite unless asked, and a folder that does not exist', async () => {
    await expect(
      flow.tw.call('export.payoutItems', { format: 'csv', out: out('items.csv') }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const again = await flow.tw.call<ExportResult>('export.payoutItems', {
      format: 'csv',
      out: out('items.csv'),
      overwrite: true,
    });
    expect(again.rowCount).toBe(items.length);
    await expect(
      flow.tw.call('export.payoutItems', {
        format: 'csv',
        out: path.join(ledger.dir.dir, 'no-such-folder', 'x.csv'),
      }),
    ).rejects.toThrow(/does not exist/);
    expect(existsSync(path.join(ledger.dir.dir, 'no-such-folder'))).toBe(false);
  });

  it('needs reports.export', async () => {
    const processor = await addOperator(flow.tw, 'proc', 'processor');
    await expect(
      flow.tw.call('export.payoutItems', { format: 'csv', out: out('p.csv') }, processor),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const manager = await flow.tw.call<ExportResult>(
      'export.payoutItems',
      { format: 'csv', out: out('m.csv') },
      flow.checker1,
    );
    expect(manager.rowCount).toBe(items.length);
  });
});
