/**
 * "Export this grid", the part every grid shares (payables/export-grid.ts, payouts/export-grid.ts):
 * the columns the operator sees in their order (an amount is only a number next to its currency,
 * so the currency column is always written with one), a first line `# {metadata}` (the filters,
 * sort, columns, operator, time, row count — as the report exports' JSON metadata), then RFC 4180
 * records with a header. Amounts as exact decimal strings in major units, summed per currency as
 * bigint. The rows come in slices from the grid's own query, each written and awaited before the
 * next is read.
 *
 * Whole or nothing (whole-file.ts), audited under the call's name before the file is put in place,
 * as report exports are (export-file.ts): a file nobody can account for never exists.
 */
import { z } from 'zod';
import { appendAudit, type JsonValue } from '../../platform/kernel/audit-chain.js';
import type { ActorContext } from '../../platform/kernel/router.js';
import { checkTarget, writeWholeFile } from '../../platform/files/whole-file.js';
import { appVersion } from '../../platform/files/resources.js';
import { formatAmount } from '../../shared/money/index.js';
import { csvField, neutraliseCell } from './export-file.js';

/** How a grid's rows become file cells. */
export interface GridFile<R extends { currency: string }, C extends string> {
  /** The grid as the metadata and the audit entry name it ('payables'). */
  grid: string;
  /** The export call's name (the audit action). */
  action: string;
  /** Every column the file can hold, in no particular order, with how its (text) cell is written. */
  cells: Readonly<Record<C, (r: R) => string>>;
  /** Amount columns → the row's amount in integer minor units (of `r.currency`), as text. */
  amounts: Readonly<Partial<Record<C, (r: R) => string>>>;
}

/** The columns, their zod check, and the file fields every grid export takes beside its filters. */
export function gridFileFields<C extends string>(columns: readonly [C, ...C[]]) {
  return {
    columns: z
      .array(z.enum(columns, { error: `must be one of ${columns.join(', ')}` }))
      .min(1, 'show at least one column to export')
      .refine((c) => new Set(c).size === c.length, 'a column is named twice'),
    out: z.string().min(1, 'name the file to write').max(4096),
    overwrite: z.boolean().optional(),
    /** Start with a UTF-8 byte order mark, so spreadsheets read the file as UTF-8. */
    bom: z.boolean().optional(),
  };
}

export interface GridExportResult<N extends string = string> {
  report: N;
  file: string;
  format: 'csv';
  rowCount: number;
  columns: string[];
  /** Per amount column and currency, the exact sum written (as report exports give them). */
  totals: { column: string; currency: string; group: null; rows: number; amount: string }[];
  sha256: null;
  fileSha256: string;
  bytes: number;
}

/** What one export asks: the file, the columns shown, the filters and sort it echoes. */
export interface GridRequest<C extends string> {
  out: string;
  overwrite?: boolean | undefined;
  bom?: boolean | undefined;
  columns: C[];
  filters: Record<string, JsonValue>;
  sort: JsonValue | undefined;
}

/** What a grid's reader is handed: say how many rows there are, then hand them over in slices. */
export interface GridRows<R> {
  /** The rows that will be written (for the metadata line and progress), before the first slice. */
  begin(total: number): Promise<void>;
  /** One slice, written before this resolves: await it before reading more. */
  write(slice: readonly R[]): Promise<void>;
}

/**
 * Writes the grid's rows to `request.out`. `read` counts them and hands them over slice by slice,
 * in one snapshot if it likes (a transaction of its own): the audit entry is written after it has
 * returned.
 */
export async function writeGridFile<R extends { currency: string }, C extends string>(
  ctx: ActorContext,
  spec: GridFile<R, C>,
  request: GridRequest<C>,
  read: (rows: GridRows<R>) => Promise<void>,
): Promise<GridExportResult> {
  const file = checkTarget(request.out, request.overwrite ?? false);
  const isAmount = (c: C) => spec.amounts[c] !== undefined;
  const currency = 'currency' as C;
  const columns: C[] =
    request.columns.some(isAmount) && !request.columns.includes(currency)
      ? [...request.columns, currency]
      : request.columns;
  const now = ctx.now;
  const metadataOf = (total: number) => ({
    grid: spec.grid,
    generatedAt: now.toISOString(),
    generatedBy: { operatorId: ctx.actor.operatorId, username: ctx.actor.username },
    appVersion: appVersion(),
    filters: request.filters,
    sort: request.sort ?? null,
    columns,
    amounts:
      'exact decimal strings in major units of the currency named in the row; parse with the currency exponent (ISO 4217)',
    rowCount: total,
  });
  const writers = columns.map((c) => {
    const minor = spec.amounts[c];
    // Amount cells are ours (only a number), and a negative one must stay a number: not neutralised.
    return minor
      ? (r: R) => formatAmount(BigInt(minor(r)), r.currency)
      : (r: R) => csvField(neutraliseCell(spec.cells[c](r)));
  });
  const amountColumns = columns.filter(isAmount);
  const sums = new Map<string, { column: string; currency: string; rows: number; sum: bigint }>();
  let rowCount = 0;
  const written = await writeWholeFile(
    file,
    { overwrite: request.overwrite ?? false, lost: 'nothing was exported' },
    async (sink) => {
      let total: number | null = null;
      const begin = async (n: number) => {
        total = n;
        await sink.write(
          (request.bom ? '\uFEFF' : '') +
            `# ${JSON.stringify(metadataOf(n))}\r\n` +
            columns.map(csvField).join(',') +
            '\r\n',
        );
        ctx.progress({ phase: 'exporting', done: 0, total: n });
      };
      const write = async (slice: readonly R[]) => {
        if (total === null) throw new Error(`the ${spec.grid} grid's rows came before their count`);
        let text = '';
        for (const row of slice) {
          for (const c of amountColumns) {
            const key = `${c}|${row.currency}`;
            const t = sums.get(key) ?? { column: c, currency: row.currency, rows: 0, sum: 0n };
            t.rows++;
            t.sum += BigInt(spec.amounts[c]!(row));
            sums.set(key, t);
          }
          text += writers.map((w) => w(row)).join(',') + '\r\n';
        }
        await sink.write(text);
        rowCount += slice.length;
        ctx.progress({ phase: 'exporting', done: rowCount, total });
      };
      await read({ begin, write });
      if (total === null) throw new Error(`the ${spec.grid} grid's rows were never counted`);
      await ctx.store.db.transaction(async (tx) => {
        await appendAudit(
          tx,
          {
            commandId: ctx.commandId,
            ip: ctx.call.ip,
            workstationId: ctx.workstationId,
            operatorId: ctx.actor.operatorId,
            decision: 'allowed',
            at: now,
          },
          [
            {
              action: spec.action,
              entityType: 'export',
              entityId: file,
              after: { grid: spec.grid, file, rowCount, filters: request.filters, columns },
            },
          ],
        );
      });
    },
  );
  return {
    report: spec.action.replace(/^export\./, ''),
    file,
    format: 'csv',
    rowCount,
    columns,
    totals: [...sums.values()]
      .sort((a, b) =>
        a.column === b.column
          ? a.currency.localeCompare(b.currency)
          : a.column.localeCompare(b.column),
      )
      .map((t) => ({
        column: t.column,
        currency: t.currency,
        group: null,
        rows: t.rows,
        amount: formatAmount(t.sum, t.currency),
      })),
    sha256: null,
    fileSha256: written.sha256,
    bytes: written.bytes,
  };
}
