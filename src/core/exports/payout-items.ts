/**
 * The payout-items export for accounting: one row per payout item (a commission or an adjustment
 * paid in a payout), as CSV (RFC 4180, header row) or JSON with metadata.
 *
 * - Rows are read in pages (keyset on payout_items.id) inside one read-only REPEATABLE READ
 *   transaction: the file is one consistent snapshot, and memory holds one page, whatever the size.
 * - Amounts are exact decimal strings in major units (formatAmount of the bigint minor units).
 * - The file is written to `<out>.partial` and renamed into place only when complete and audited;
 *   on any error the partial file is removed, so a file at `<out>` is always a whole export.
 * - CSV cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR) get a
 *   leading single quote — except our own amount columns: a negative amount (an adjustment, a
 *   clawback) is a legitimate number that must stay a number, and we write those cells ourselves
 *   (formatAmount: digits, one '.', an optional leading '-'), so they can never carry a formula.
 *   JSON is not neutralised: it is data for programs, and altering values would corrupt it.
 * - `sha256` is over the rows, not the file bytes, so a CSV and a JSON export of the same snapshot
 *   carry the same digest: each row as JSON (keys in column order, values as strings or null,
 *   before any CSV neutralising) followed by "\n", in file order. The file's own digest is audited too.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import Papa from 'papaparse';
import { appendAudit, type AuditContext, type AuditEntry } from '../audit/chain.js';
import { loadBatch } from '../batches/content.js';
import { rows, type CentralStore, type CentralTx } from '../central/store.js';
import { TreasuryError } from '../commands/errors.js';
import { formatAmount } from '../money/index.js';
import { exportHits, recordEvent } from '../security/rules.js';

/** The required columns first, in this order; then the extra ones. */
export const PAYOUT_ITEM_COLUMNS = [
  'batch_id',
  'batch_number',
  'payout_id',
  'affiliate_id',
  'commission_id',
  'conversion_id',
  'amount',
  'currency',
  'payout_status',
  'provider',
  'provider_reference',
  'adjustment_id',
  'item_kind',
  'payout_amount',
  'payout_currency',
] as const;
export type PayoutItemColumn = (typeof PAYOUT_ITEM_COLUMNS)[number];
export type PayoutItemRow = Record<PayoutItemColumn, string | null>;

/** Columns we format ourselves from bigints: never neutralised (a '-' there is a sign, not a formula). */
export const AMOUNT_COLUMNS: ReadonlySet<PayoutItemColumn> = new Set(['amount', 'payout_amount']);

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell as a spreadsheet will not execute it. */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export interface ExportFilters {
  /** Batch number or id. */
  batch?: string | undefined;
  /** Payouts created in [from, to). */
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface ExportOptions {
  format: 'csv' | 'json';
  out: string;
  filters: ExportFilters;
  overwrite?: boolean | undefined;
  generatedBy: { operatorId: string | null; username: string | null };
  audit: Omit<AuditContext, 'operatorId' | 'decision' | 'at'>;
  pageSize?: number | undefined;
  /** Called after each page with the rows written so far; throwing aborts the export (and removes the partial file). */
  onProgress?: ((rowsWritten: number) => void) | undefined;
  now?: (() => Date) | undefined;
}

export interface ExportResult {
  file: string;
  format: 'csv' | 'json';
  rowCount: number;
  /** Per item currency: item count and the exact sum. */
  totals: { currency: string; items: number; amount: string }[];
  sha256: string;
  fileSha256: string;
  bytes: number;
}

interface ItemRow {
  id: string;
  batch_id: string;
  batch_number: string;
  payout_id: string;
  affiliate_id: string;
  commission_id: string | null;
  conversion_id: string | null;
  adjustment_id: string | null;
  amount_minor: string;
  currency: string;
  payout_status: string;
  provider: string;
  provider_payout_id: string | null;
  payout_amount_minor: string;
  payout_currency: string;
}

function toRow(r: ItemRow): PayoutItemRow {
  return {
    batch_id: r.batch_id,
    batch_number: r.batch_number,
    payout_id: r.payout_id,
    affiliate_id: r.affiliate_id,
    commission_id: r.commission_id,
    conversion_id: r.conversion_id,
    amount: formatAmount(BigInt(r.amount_minor), r.currency),
    currency: r.currency,
    payout_status: r.payout_status,
    provider: r.provider,
    provider_reference: r.provider_payout_id,
    adjustment_id: r.adjustment_id,
    item_kind: r.commission_id !== null ? 'commission' : 'adjustment',
    payout_amount: formatAmount(BigInt(r.payout_amount_minor), r.payout_currency),
    payout_currency: r.payout_currency,
  };
}

async function readPage(tx: CentralTx, batchId: string | null, filters: ExportFilters, after: string, size: number): Promise<ItemRow[]> {
  return rows<ItemRow>(
    tx,
    sql`SELECT i.id::text AS id, b.id AS batch_id, b.number AS batch_number, p.id AS payout_id, p.affiliate_id,
               i.commission_id::text AS commission_id, c.conversion_id, i.adjustment_id,
               i.amount_minor::text AS amount_minor, trim(i.currency) AS currency,
               p.status AS payout_status, p.provider, p.provider_payout_id,
               p.amount_minor::text AS payout_amount_minor, trim(p.currency) AS payout_currency
        FROM payout_items i
        JOIN payouts p ON p.id = i.payout_id
        JOIN payout_batches b ON b.id = p.batch_id
        LEFT JOIN commissions c ON c.id = i.commission_id
        WHERE i.id > ${after}::bigint
          AND (${batchId}::uuid IS NULL OR p.batch_id = ${batchId}::uuid)
          AND (${filters.from?.toISOString() ?? null}::timestamptz IS NULL OR p.created_at >= ${filters.from?.toISOString() ?? null}::timestamptz)
          AND (${filters.to?.toISOString() ?? null}::timestamptz IS NULL OR p.created_at < ${filters.to?.toISOString() ?? null}::timestamptz)
        ORDER BY i.id
        LIMIT ${size}`,
  );
}

/** Writes, then awaits the write: backpressure without buffering the whole file. */
class Sink {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly fh: FileHandle) {}
  async write(text: string): Promise<void> {
    const buf = Buffer.from(text, 'utf8');
    this.hash.update(buf);
    this.bytes += buf.length;
    await this.fh.write(buf);
  }
}

function checkTarget(out: string, overwrite: boolean): string {
  const file = path.resolve(out);
  const dir = path.dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new TreasuryError('VALIDATION', `cannot write ${file}: the folder ${dir} does not exist`, [{ field: 'out', message: 'folder does not exist' }]);
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new TreasuryError('VALIDATION', `${file} is a folder: name a file`, [{ field: 'out', message: 'is a folder' }]);
    if (!overwrite) throw new TreasuryError('CONFLICT', `${file} already exists: choose another name or pass overwrite`, [{ field: 'out', message: 'file exists' }]);
  }
  return file;
}

export async function exportPayoutItems(store: CentralStore, options: ExportOptions): Promise<ExportResult> {
  const file = checkTarget(options.out, options.overwrite ?? false);
  const partial = `${file}.partial`;
  const rowsFile = `${file}.partial.rows`; // JSON only: the rows, until the metadata (which leads) is known
  const pageSize = options.pageSize ?? 5000;
  const now = (options.now ?? (() => new Date()))();
  const batch = options.filters.batch ? await loadBatch(store.db, options.filters.batch) : null;
  const filters = {
    batch: batch?.number ?? null,
    batchId: batch?.id ?? null,
    from: options.filters.from?.toISOString() ?? null,
    to: options.filters.to?.toISOString() ?? null,
  };
  const rowsHash = createHash('sha256');
  const totals = new Map<string, { items: number; sum: bigint }>();
  let rowCount = 0;

  const cleanup = async () => {
    await rm(partial, { force: true });
    await rm(rowsFile, { force: true });
  };
  try {
    const body = await open(options.format === 'csv' ? partial : rowsFile, 'w');
    const sink = new Sink(body);
    try {
      await store.db.transaction(
        async (tx) => {
          let after = '0';
          for (;;) {
            const page = await readPage(tx, batch?.id ?? null, options.filters, after, pageSize);
            if (page.length === 0) break;
            after = page[page.length - 1]!.id;
            const out = page.map(toRow);
            for (let i = 0; i < page.length; i++) {
              rowsHash.update(JSON.stringify(out[i]) + '\n', 'utf8');
              const t = totals.get(page[i]!.currency) ?? { items: 0, sum: 0n };
              t.items++;
              t.sum += BigInt(page[i]!.amount_minor);
              totals.set(page[i]!.currency, t);
            }
            if (options.format === 'csv') {
              const data = out.map((r) => PAYOUT_ITEM_COLUMNS.map((c) => (r[c] === null ? '' : AMOUNT_COLUMNS.has(c) ? r[c]! : neutraliseCell(r[c]!))));
              await sink.write(Papa.unparse({ fields: [...PAYOUT_ITEM_COLUMNS], data }, { header: rowCount === 0, newline: '\r\n', escapeFormulae: false }) + '\r\n');
            } else {
              await sink.write(out.map((r) => (rowCount === 0 && r === out[0] ? '' : ',\n') + JSON.stringify(r)).join(''));
            }
            rowCount += page.length;
            options.onProgress?.(rowCount);
            if (page.length < pageSize) break;
          }
        },
        { isolationLevel: 'repeatable read', accessMode: 'read only' },
      );
      // An empty CSV still has its header row.
      if (options.format === 'csv' && rowCount === 0) await sink.write(Papa.unparse([[...PAYOUT_ITEM_COLUMNS]], { newline: '\r\n' }) + '\r\n');
      await body.sync();
    } finally {
      await body.close();
    }

    const sha256 = rowsHash.digest('hex');
    const totalList = [...totals.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, t]) => ({ currency, items: t.items, amount: formatAmount(t.sum, currency) }));
    let fileSha256: string;
    let bytes: number;
    if (options.format === 'csv') {
      fileSha256 = sink.hash.digest('hex');
      bytes = sink.bytes;
    } else {
      const metadata = {
        generatedAt: now.toISOString(),
        generatedBy: options.generatedBy,
        filters,
        columns: PAYOUT_ITEM_COLUMNS,
        rowCount,
        totals: totalList,
        sha256,
        sha256Of: 'each row as JSON (keys in column order) followed by "\\n", in file order',
      };
      const fh = await open(partial, 'w');
      const json = new Sink(fh);
      try {
        await json.write(`{"metadata":${JSON.stringify(metadata)},\n"rows":[\n`);
        for await (const chunk of createReadStream(rowsFile, { encoding: 'utf8', highWaterMark: 1 << 20 })) await json.write(chunk as string);
        await json.write(`\n]}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rm(rowsFile, { force: true });
      fileSha256 = json.hash.digest('hex');
      bytes = json.bytes;
    }
    const result: ExportResult = { file, format: options.format, rowCount, totals: totalList, sha256, fileSha256, bytes };
    // Audited before the file appears under its name: an export nobody can account for must not exist.
    await store.db.transaction(async (tx) => {
      // A large export is a security event (medium: noted, not blocked), written with its audit entry.
      const events: AuditEntry[] = [];
      for (const hit of await exportHits(tx, { name: 'payout-items', rows: rowCount })) {
        const id = await recordEvent(tx, hit, { operatorId: options.generatedBy.operatorId, ip: options.audit.ip }, now);
        events.push({ action: 'security.event', entityType: 'security_event', entityId: id, after: { kind: hit.kind, risk: hit.risk, subject: hit.subject } });
      }
      await appendAudit(tx, { ...options.audit, operatorId: options.generatedBy.operatorId, decision: 'allowed', at: now }, [
        { action: 'export.payoutItems', entityType: 'export', entityId: sha256, after: { file, format: options.format, rows: rowCount, sha256, fileSha256, bytes, filters, totals: totalList } },
        ...events,
      ]);
    });
    await rename(partial, file);
    return result;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
